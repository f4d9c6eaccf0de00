"""The library's API (``voiceguide.__all__``) is documented where people look: each name's
docstring in Google style (DEVELOPERS.md, "Docstrings"), with every parameter under
``Args:``, what it gives under ``Returns:``, the errors under ``Raises:``, and a class's
public attributes under ``Attributes:``."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import textwrap

import pytest

import voiceguide

SECTIONS = ("Args", "Attributes", "Returns", "Raises", "Example", "Examples", "Note")


def sections(doc: str) -> dict[str, list[str]]:
    """A Google-style docstring's sections: each header's entry names (``name:`` or
    ``name (type):`` at the section's first indent), or its lines for ``Returns``."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    indent: int | None = None
    for line in inspect.cleandoc(doc).splitlines():
        header = re.fullmatch(r"(\w+):", line)
        if header and header[1] in SECTIONS:
            current, indent = found.setdefault(header[1], []), None
            continue
        if current is None or not line.strip():
            continue
        if not line.startswith(" "):  # back at the left margin: the section ended
            current = None
            continue
        depth = len(line) - len(line.lstrip())
        indent = depth if indent is None else indent
        if depth == indent:
            entry = re.match(r"\s*([\w.*]+)(?: \([^)]*\))?:", line)
            current.append(entry[1] if entry else line.strip())
    return found


def api() -> list[tuple[str, object]]:
    return [(name, getattr(voiceguide, name)) for name in voiceguide.__all__]


def public_attributes(cls: type) -> set[str]:
    """A class's own public data: dataclass fields, class constants, properties and what its
    ``__init__`` assigns to ``self``; not what a base class defines (its docstring says)."""
    names = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    for name, value in vars(cls).items():
        if isinstance(value, property) or not callable(value):
            names.add(name)
    init = vars(cls).get("__init__")
    if init is not None and not dataclasses.is_dataclass(cls):
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                if isinstance(node.value, ast.Name) and node.value.id == "self":
                    names.add(node.attr)
    inherited = {name for base in cls.__mro__[1:] for name in vars(base)}
    return {name for name in names if not name.startswith("_") and name not in inherited}


@pytest.mark.parametrize(("name", "obj"), api(), ids=[name for name, _ in api()])
def test_every_name_of_the_api_has_a_structured_docstring(name, obj):
    doc = inspect.getdoc(obj)
    assert doc and not doc.startswith(" "), f"{name} has no docstring"
    found = sections(obj.__doc__)
    if inspect.isclass(obj):
        attributes = public_attributes(obj)
        if attributes:
            assert set(found.get("Attributes", [])) == attributes, name
        return
    parameters = [p for p in inspect.signature(obj).parameters if p != "self"]
    assert found.get("Args", []) == parameters, f"{name}: Args must list {parameters} in order"
    returns = inspect.signature(obj).return_annotation
    if returns not in (None, "None", inspect.Signature.empty):
        assert found.get("Returns"), f"{name} returns {returns}: say what, under Returns:"
    raised = found.get("Raises", [])
    assert all(hasattr(voiceguide, error) for error in raised), raised
    if name != "renderer":  # it only builds the engines: nothing a user causes yet
        assert raised, f"{name}: which errors does it raise? (Raises:)"


def test_the_checker_reads_google_sections_and_finds_what_is_missing():
    def documented(a: int, b: str) -> int:
        """Sum.

        Args:
            a: The first.
            b (str): The second,
                on two lines.

        Returns:
            A number.

        Raises:
            UsageError: When.
        """
        return a

    assert sections(documented.__doc__) == {
        "Args": ["a", "b"],
        "Returns": ["A number."],
        "Raises": ["UsageError"],
    }
    assert sections("Sum. Args: a, b") == {}
    assert public_attributes(voiceguide.RoutineError) >= {"path", "line", "message", "errors"}
    assert public_attributes(voiceguide.Options) >= {"length", "pace", "bed"}

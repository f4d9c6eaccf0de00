"""Read YAML safely into plain values that remember their line.

The routine loader needs a line number for every value it rejects, which ``yaml.safe_load``
throws away. This module builds ``Node`` values (mapping -> ``dict[str, Node]``, sequence ->
``list[Node]``, scalar -> ``str`` with its resolved YAML tag) straight from the events of
PyYAML's safe parser (libyaml's when installed), in one pass. Hostile input is refused
before any expansion happens: files over ``MAX_BYTES``, aliases (the "billion laughs" bomb
needs them; routines never do), nesting deeper than ``MAX_DEPTH`` and more than
``MAX_EVENTS`` parser events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from voiceguide.errors import RoutineError, combined

MAX_BYTES = 1_000_000
MAX_DEPTH = 12
MAX_EVENTS = 200_000
_TOO_DEEP = f"values are nested deeper than {MAX_DEPTH} levels; a routine needs at most 5"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TAG_STR = "tag:yaml.org,2002:str"
TAG_INT = "tag:yaml.org,2002:int"
TAG_FLOAT = "tag:yaml.org,2002:float"
TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_NULL = "tag:yaml.org,2002:null"


@dataclass(frozen=True, slots=True)
class Node:
    """A YAML value and the 1-based line it starts on.

    ``value`` is ``dict[str, Node]`` for a mapping, ``list[Node]`` for a sequence, and the
    scalar's source text for a scalar (``tag`` says how YAML would have typed it).
    ``key_lines`` maps each mapping key to the line the key is written on.
    """

    value: object
    line: int
    tag: str
    key_lines: dict[str, int] | None = None

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return isinstance(self.value, str)

    @property
    def is_null(self) -> bool:
        return self.tag == TAG_NULL

    @property
    def text(self) -> str:
        """A scalar's source text (``TypeError`` for a mapping or a sequence)."""
        if not isinstance(self.value, str):
            raise TypeError(f"a YAML {type(self.value).__name__} is not a scalar")
        return self.value

    @property
    def items(self) -> list[Node]:
        """A sequence's values (``TypeError`` for a mapping or a scalar)."""
        if not isinstance(self.value, list):
            raise TypeError(f"a YAML {type(self.value).__name__} is not a sequence")
        return self.value

    @property
    def entries(self) -> dict[str, Node]:
        """A mapping's values by key (``TypeError`` for a sequence or a scalar)."""
        if not isinstance(self.value, dict):
            raise TypeError(f"a YAML {type(self.value).__name__} is not a mapping")
        return self.value


def read_file(path: Path, problems: list[RoutineError] | None = None) -> Node:
    """Read and compose ``path``. Every failure is a ``RoutineError`` naming file and line;
    see ``parse`` for ``problems``."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise RoutineError(
                path, None, f"file is {size} bytes; a routine may be at most {MAX_BYTES} bytes"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise RoutineError(path, None, f"cannot read the file: {exc.strerror or exc}") from exc
    return parse(data, path, problems)


def parse(data: bytes, path: Path, problems: list[RoutineError] | None = None) -> Node:
    """Compose YAML ``data`` (at most ``MAX_BYTES``) read from ``path`` into a ``Node``.

    A key given twice or a key that is not a plain word leaves that key's value out; the
    problems are appended to ``problems`` when given (the loader reports them with its own),
    else raised together once the document is read. Anything else wrong (the syntax, the
    size) is raised at once: nothing more can be read."""
    if len(data) > MAX_BYTES:
        raise RoutineError(
            path, None, f"file is {len(data)} bytes; a routine may be at most {MAX_BYTES} bytes"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RoutineError(path, line, "the file is not UTF-8 text; save it as UTF-8") from exc
    found: list[RoutineError] = []
    loader = None
    try:
        loader = _Loader(text)  # PyYAML's own reader refuses a character here already
        root = _compose(loader, path, found)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, text) from exc
    finally:
        if loader is not None:
            loader.dispose()
    if found and problems is None:
        raise combined(found)
    if problems is not None:
        problems += found
    if root is None:
        raise RoutineError(
            path, 1, "the file is empty; a routine needs at least 'title' and 'steps'"
        )
    return root


@dataclass
class _Open:
    """A mapping or sequence whose end event has not come yet."""

    line: int
    tag: str
    value: dict[str, Node] | list[Node]
    key_lines: dict[str, int] = field(default_factory=dict)  # a mapping's
    key: str | None = None  # a mapping's key waiting for its value
    key_line: int = 0
    skip: bool = False  # the key waiting is refused: its value is left out


def _compose(loader: yaml.SafeLoader, path: Path, wrong_keys: list[RoutineError]) -> Node | None:
    """Build the ``Node`` tree straight from the parser's events, in one pass that also
    refuses aliases, deep nesting and huge documents as they come (PyYAML's own node tree,
    with two marks per value, is never made: it took three times the memory of ours, which
    the allocator then kept).

    A wrong key (a collection, or one given twice) goes to ``wrong_keys`` and its value is
    left out; they count only once the whole document has parsed: a YAML syntax error
    anywhere is raised alone, as it explains more.
    """
    stack: list[_Open] = []
    root = None
    depth, count = 0, -1
    while loader.check_event():
        event = loader.get_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
        count += 1
        line = event.start_mark.line + 1
        _screen(event, count, depth, line, path)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        root = _build(loader, event, line, stack, path, wrong_keys) or root
    return root


def _screen(event: yaml.Event, count: int, depth: int, line: int, path: Path) -> None:
    """Refuse a document too large, aliased or deep, or several documents."""
    if count > MAX_EVENTS:
        raise RoutineError(
            path, line, f"the document has over {MAX_EVENTS} values; a routine is much smaller"
        )
    if isinstance(event, yaml.AliasEvent):
        raise RoutineError(
            path,
            line,
            f"YAML aliases (*{event.anchor}) are not allowed in routines; write the value out",
        )
    if isinstance(event, yaml.CollectionStartEvent) and depth >= MAX_DEPTH:
        raise RoutineError(path, line, _TOO_DEEP)
    if isinstance(event, yaml.DocumentStartEvent) and count > 2:
        raise RoutineError(
            path, line, "the file holds several YAML documents; a routine is one document"
        )


def _build(
    loader: yaml.SafeLoader,
    event: yaml.Event,
    line: int,
    stack: list[_Open],
    path: Path,
    wrong_keys: list[RoutineError],
) -> Node | None:
    """Take one event into the tree being built; return the root when it is complete."""
    if isinstance(event, yaml.ScalarEvent):
        tag = event.tag
        if tag is None or tag == "!":
            # untyped in types-PyYAML
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        return _attach(stack, Node(event.value, line, tag), path, wrong_keys)
    if isinstance(event, yaml.CollectionStartEvent):
        if stack and isinstance(stack[-1].value, dict) and stack[-1].key is None:
            wrong_keys.append(RoutineError(path, line, "a key must be a plain word"))
        mapping = isinstance(event, yaml.MappingStartEvent)
        tag = event.tag
        if tag is None or tag == "!":
            kind = yaml.MappingNode if mapping else yaml.SequenceNode
            tag = loader.resolve(kind, None, event.implicit)  # type: ignore[no-untyped-call]
        stack.append(_Open(line, tag, {} if mapping else []))
    elif isinstance(event, yaml.CollectionEndEvent):
        done = stack.pop()
        key_lines = done.key_lines if isinstance(done.value, dict) else None
        return _attach(stack, Node(done.value, done.line, done.tag, key_lines), path, wrong_keys)
    return None


def _attach(
    stack: list[_Open], node: Node, path: Path, wrong_keys: list[RoutineError]
) -> Node | None:
    """Put ``node`` in the collection being built (as a key, if a mapping awaits one);
    return it if it is the document's root."""
    if not stack:
        return node
    top = stack[-1]
    if isinstance(top.value, list):
        top.value.append(node)
    elif top.key is None and not top.skip:
        key = str(node.value)
        # a collection as a key was reported when it began
        top.skip = not node.is_scalar or key in top.value
        if node.is_scalar and key in top.value:
            wrong_keys.append(RoutineError(path, node.line, f"key {key!r} is given twice"))
        top.key, top.key_line = key, node.line
    elif top.skip:  # the value of a refused key
        top.key, top.skip = None, False
    elif top.key is not None:
        top.value[top.key] = node
        top.key_lines[top.key] = top.key_line
        top.key = None
    return None


def _yaml_error(exc: yaml.YAMLError, path: Path, text: str) -> RoutineError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        line, column = mark.line + 1, mark.column
    elif isinstance(exc, yaml.reader.ReaderError):  # has a character position, no mark
        line, column = text[: exc.position].count("\n") + 1, 0
    else:
        line, column = 1, 0
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    lines = text.splitlines()
    source = lines[line - 1] if line <= len(lines) else ""
    return RoutineError(path, line, _explained(problem, source, column))


def _explained(problem: str, source: str, column: int) -> str:
    """What a parser's ``problem`` at ``column`` of the line ``source`` means for a routine.

    The two parsers word the same mistake differently (libyaml: "found a tab character that
    violates indentation", "mapping values are not allowed in this context"; PyYAML's own:
    "found character '\\t' that cannot start any token", "... not allowed here"), so the
    line itself is looked at where it can tell more.
    """
    unacceptable = re.match(r"unacceptable character #x([0-9a-fA-F]+)", problem)
    if unacceptable:  # a raw U+FFFE or BEL: the parsers say "control" or "special" characters
        code = int(unacceptable[1], 16)
        return (
            f"the file holds the character U+{code:04X}, which is no text (a control character "
            "or a noncharacter); remove it"
        )
    if "nesting depth" in problem:
        # libyaml 0.2.6 (in PyYAML 6.0.4's wheels; 6.0.1 has 0.2.5) stops deep nesting itself
        # while it scans ahead, before the events that _screen counts arrive.
        return _TOO_DEEP
    indentation = source[: len(source) - len(source.lstrip(" \t"))]
    if "\t" in indentation:
        return "invalid YAML: tabs are not allowed for indentation; use spaces"
    if "mapping values are not allowed" in problem and ": " in source[:column]:
        return (
            "invalid YAML: a colon followed by a space inside a text starts a new key; "
            f"put the text in quotes: {_quoted(source)}"
        )
    return f"invalid YAML: {problem}; check indentation, colons and quotes"


def _quoted(source: str) -> str:
    """``say: Breathe in: slowly`` -> ``say: "Breathe in: slowly"`` (shortened if long)."""
    key, _, value = source.strip().removeprefix("- ").partition(": ")
    value = value.strip()
    if len(value) > 50:
        value = value[:40].rstrip() + "\u2026"
    if '"' in value:
        escaped = value.replace("'", "''")  # YAML's single quotes escape one by doubling it
        return f"{key}: '{escaped}'"
    return f'{key}: "{value}"'

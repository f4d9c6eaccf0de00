"""The types at the seams resolve at run time (``typing.get_type_hints``): no annotation names
something imported for type checking only. A type-only import cycle between ``plan.bed`` and
``plan.model`` made ``get_type_hints(Plan)`` fail."""

from __future__ import annotations

import importlib
import inspect
import typing

import pytest

from voiceguide.plan import BedEnvelope, Event, Plan

SEAMS = (
    "voiceguide.plan.model",
    "voiceguide.plan.bed",
    "voiceguide.plan.build",
    "voiceguide.bed.source",
    "voiceguide.store",
    "voiceguide.speech.cache",
    "voiceguide.session.prepare",
    "voiceguide.session.chimes",
    "voiceguide.live.mixer",
    "voiceguide.live.bed",
    "voiceguide.live.controls",
    "voiceguide.live.player",
    "voiceguide.live.backends.base",
)


def test_a_plans_types_resolve():
    hints = typing.get_type_hints(Plan)
    assert hints["bed"] == BedEnvelope | None
    assert hints["events"] == tuple[Event, ...]


def annotated(module_name: str) -> list[tuple[str, object]]:
    """Every class, method and function the module defines."""
    module = importlib.import_module(module_name)
    found: list[tuple[str, object]] = []
    for name, value in vars(module).items():
        if getattr(value, "__module__", None) != module_name:
            continue
        if inspect.isfunction(value):
            found.append((name, value))
        elif inspect.isclass(value):
            found.append((name, value))
            for member, function in vars(value).items():
                if inspect.isfunction(function):
                    found.append((f"{name}.{member}", function))
    return found


@pytest.mark.parametrize("module_name", SEAMS)
def test_every_annotation_of_a_seam_resolves(module_name):
    for name, value in annotated(module_name):
        try:
            typing.get_type_hints(value)
        except NameError as exc:
            pytest.fail(f"{module_name}.{name}: {exc}")

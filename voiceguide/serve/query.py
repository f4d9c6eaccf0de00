"""A request's query string made into what the command line would have parsed: the routine's
name and a ``session.Options``, or a ``BadQuery`` with the command line's one-line message.

The parameters are the command line's options without the dashes (``length``, ``engine``,
``voice``, ``rate``, ``pace``, ``bed``, ``bed_level``, ``duck``), each read by the same rules
and refused with the same words (click's, for the values click checks on the command line),
naming the parameter: ``Invalid value for 'length': expected a duration like ...``. Two
differences, both for safety: ``bed`` takes a built-in bed's name or ``none``, never a file
(a file is the routine's own ``bed:``), and an unknown parameter is refused rather than
ignored. ``token`` and ``download`` belong to the server, not to the session.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import click

from voiceguide import durations, pace, routine, session
from voiceguide.choices import ENGINES
from voiceguide.errors import UsageError

BEDS = ("ocean", "rain", "drone", "none")  # bed.BUILT_IN and none: never a file's path
SERVER = ("token", "download")  # parameters of the server itself
OPTIONS = ("length", "engine", "voice", "rate", "pace", "bed", "bed_level", "duck")


class BadQuery(UsageError):
    """A parameter the command line would refuse: its message, one line (a 400)."""


@dataclass(frozen=True)
class Query:
    """What a request asks for: ``routine`` (a name, not yet looked up) and its options."""

    routine: str
    options: session.Options

    def key(self) -> tuple[object, ...]:
        """Everything that makes the session differ, as a hashable value."""
        return (self.routine, *dataclasses.astuple(self.options))


def parse(params: Mapping[str, str], needs_routine: bool = True) -> Query:
    """``params`` (a request's query parameters) as a ``Query``; ``BadQuery`` for the first
    parameter that is unknown, given twice the same way the command line refuses, or
    refused by its option's rules."""
    for name in params:
        if name not in (*OPTIONS, *SERVER, "routine"):
            known = ", ".join(("routine", *OPTIONS))
            raise BadQuery(f"unknown parameter {name!r}: use {known}")
    name = params.get("routine", "").strip()
    if needs_routine and not name:
        raise BadQuery("Missing parameter 'routine': name one (GET /api/routines lists them)")
    given = {key: params[key] for key in OPTIONS if params.get(key, "") != ""}
    values = {key: _READERS[key](key, text) for key, text in given.items()}
    if "pace" not in values:
        values["pace"] = 1.0
    return Query(name, session.Options(**values))


def _invalid(name: str, reason: str) -> BadQuery:
    return BadQuery(f"Invalid value for {name!r}: {reason}")


def _clicked(kind: click.ParamType[Any], name: str, text: str) -> Any:  # what the type converts to
    """``text`` converted by the click type the command line uses for this option."""
    try:
        return kind.convert(text, None, None)
    except click.BadParameter as exc:
        raise _invalid(name, exc.message) from exc


def _length(name: str, text: str) -> float:
    try:
        seconds = durations.parse(text)
    except ValueError as exc:
        raise _invalid(name, str(exc)) from exc
    if seconds <= 0:
        raise _invalid(name, f"must be > 0, got {text!r}")
    return seconds


def _pace(name: str, text: str) -> float:
    try:
        return pace.parse_scale(text)
    except ValueError as exc:
        raise _invalid(name, str(exc)) from exc


def _bed(name: str, text: str) -> str:
    word = text.strip().lower()
    if word in ("off",):
        word = "none"
    if word not in BEDS:
        raise _invalid(name, f"{text!r} is not one of {', '.join(map(repr, BEDS))}.")
    return word


def _ranged(low: float, high: float) -> Callable[[str, str], float]:
    def read(name: str, text: str) -> float:
        number = _clicked(click.FloatRange(low, high), name, text)
        if math.isnan(number):
            raise _invalid(name, f"{text!r} is not a number; give one from {low:g} to {high:g}")
        return float(number) + 0.0  # -0.0 is 0

    return read


_READERS = {
    "length": _length,
    "engine": lambda name, text: _clicked(click.Choice(ENGINES), name, text),
    "voice": lambda name, text: text.strip(),
    "rate": lambda name, text: _clicked(click.IntRange(*routine.RATE_RANGE), name, text),
    "pace": _pace,
    "bed": _bed,
    "bed_level": _ranged(*routine.BED_LEVEL_RANGE),
    "duck": _ranged(*routine.BED_DUCK_RANGE),
}

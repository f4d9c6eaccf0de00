"""The options several commands share, and the speech engine the command line uses.

Light on purpose: every command's module imports this one, and ``voiceguide --help`` imports
every command's module, so nothing here loads the library (numpy, YAML, the engines) before
a command runs; the option types read their values with ``durations`` (plain Python) or
import what they need when they convert one.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from voiceguide import choices, durations
from voiceguide.choices import (
    BED_DUCK,
    BED_DUCK_RANGE,
    BED_LEVEL,
    BED_LEVEL_RANGE,
    CHIME_LEVEL,
    CHIME_LEVEL_RANGE,
)

if TYPE_CHECKING:
    from voiceguide import speech

F = TypeVar("F", bound=Callable[..., Any])  # a command, decorated with options
if TYPE_CHECKING:  # generic from click 8.2 (the range allows 8.1): what an option converts to
    FloatType = click.ParamType[float, Any]
else:
    FloatType = click.ParamType
CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
EXPORT_FORMATS = sorted(form.value for form in choices.ExportFormat)  # as --help lists them


class Duration(FloatType):
    name = "duration"

    def convert(
        self, value: str | float, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        try:
            seconds = durations.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if seconds <= 0:
            self.fail(f"must be > 0, got {value!r}", param, ctx)
        return seconds


DURATION = Duration()


class PaceScale(FloatType):
    """``--pace 80%`` (every pace of the routine times 0.8) or ``--pace off``: a factor
    (``pace.parse_scale``)."""

    name = "pace"

    def convert(
        self, value: str | float, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        from voiceguide import pace  # numpy: loaded when a command runs, not for --help

        try:
            return pace.parse_scale(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


PACE = PaceScale()
PACE_HELP = "Scale every pace of the pace guide, e.g. 80% (slower) or 120%; off: no pace guide."


def _engines() -> speech.Engines:
    from voiceguide import speech  # loaded when a command runs, not for --help

    return speech.Engines()


def _tone() -> speech.Renderer:
    from voiceguide.testing.fakes import tone_renderer

    return tone_renderer()


# What $VOICEGUIDE_ENGINE may choose: the engines each routine names (espeak's by default;
# "espeak" says so), or the tone engine of the tests and benchmarks, for every routine (they
# must not depend on espeak-ng or Piper). "" (unset) is the first.
SPEECH: dict[str, Callable[[], speech.Engines | speech.Renderer]] = {
    "espeak": _engines,
    "tone": _tone,
}


def make_renderer() -> speech.Engines | speech.Renderer:
    """The speech engines, each started when a routine or ``--engine`` asks for it; or what
    ``$VOICEGUIDE_ENGINE`` names in ``SPEECH``."""
    name = os.environ.get("VOICEGUIDE_ENGINE", "") or next(iter(SPEECH))
    if name not in SPEECH:
        raise click.UsageError(f"VOICEGUIDE_ENGINE must be one of {', '.join(SPEECH)}")
    return SPEECH[name]()


def engine_option(func: F) -> F:
    """--engine: one of ``choices.Engine`` (espeak, piper), overriding the routine's."""
    return click.option(
        "--engine",
        type=click.Choice(choices.ENGINES),
        help="Speech engine (overrides the routine's): piper (natural voices, the default where "
        "installed: pip install 'voiceguide[piper]') or espeak.",
    )(func)


class FiniteRange(click.FloatRange):
    """A ``FloatRange`` that refuses nan (which compares false with both bounds, so click's
    range check lets it through)."""

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        number = super().convert(value, param, ctx)
        if number != number:
            self.fail(f"{value!r} is not a number; give one from {self.min:g} to {self.max:g}")
        return number + 0.0  # -0.0 is 0


def session_options(func: F) -> F:
    """What shapes the session's sound, shared by plan, play and export: --engine, --voice,
    --rate, --pace, --bed, --bed-level, --duck and --chime-level. The command receives them
    as keyword arguments named as ``session.Options``' fields, to pass on whole."""
    options = [
        engine_option,
        click.option(
            "--voice", help="Voice id or language code, e.g. en-us (see 'voiceguide voices')."
        ),
        click.option(
            "--rate",
            type=click.IntRange(*choices.RATE_RANGE),
            help="Speaking rate in words per minute (overrides the routine).",
        ),
        click.option("--pace", type=PACE, default=1.0, show_default="100%", help=PACE_HELP),
        click.option(
            "--bed",
            metavar="NAME|FILE|none",
            help="A sound bed under the session: ocean, rain, drone, a sound file, or none "
            "(overrides the routine's).",
        ),
        click.option(
            "--bed-level",
            type=FiniteRange(*BED_LEVEL_RANGE),
            metavar="LU",
            help=f"How far under the speech the bed sits between words (default {BED_LEVEL:g}).",
        ),
        click.option(
            "--duck",
            type=FiniteRange(*BED_DUCK_RANGE),
            metavar="DB",
            help=f"How much further the bed goes down under speech (default {BED_DUCK:g}).",
        ),
        click.option(
            "--chime-level",
            type=FiniteRange(*CHIME_LEVEL_RANGE),
            metavar="LU",
            help=f"How far under the speech the chimes sit; negative: over it (default "
            f"{CHIME_LEVEL:g}; overrides the routine's chime_level).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def length_option(func: F) -> F:
    """--length for plan and play (export spells its own: its --length repeats)."""
    return click.option(
        "--length", "-l", type=DURATION, help="Fit the session to this length, e.g. 10m, 45m, 1h."
    )(func)


def export_hint(routine_name: str, length: float | None, chosen: dict[str, Any]) -> str:
    """The ``voiceguide export`` arguments for the same session (the no-device message)."""
    words = [routine_name]
    words += ["--length", durations.humanize(length)] if length is not None else []
    for name, value in chosen.items():
        if value is None or (name == "pace" and value == 1.0):
            continue
        if name == "pace":
            value = "off" if not value else f"{value:.0%}"
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        words += [f"--{name.replace('_', '-')}", shown]
    return shlex.join(words)

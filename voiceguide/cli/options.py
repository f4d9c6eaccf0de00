"""The options several commands share, and the speech engine the command line uses."""

from __future__ import annotations

import os

import click

from voiceguide import (
    durations,
    routine,
    speech,
)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
ENGINES = ("espeak", "tone")
# export.FORMATS, spelled out so that starting the CLI does not import the encoders
EXPORT_FORMATS = ("flac", "mp3", "ogg", "opus", "wav")


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value, param, ctx):
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


def make_renderer() -> speech.Engines | speech.Renderer:
    """The speech engines, each started when a routine or ``--engine`` asks for it; or, with
    ``VOICEGUIDE_ENGINE=tone``, a fake that speaks tones for every engine (for tests and
    benchmarks that must not depend on espeak-ng or Piper)."""
    name = os.environ.get("VOICEGUIDE_ENGINE", "")
    if name == "tone":
        from voiceguide.testing.fakes import tone_renderer

        return tone_renderer()
    if name not in ("", "espeak"):
        raise click.UsageError(f"VOICEGUIDE_ENGINE must be one of {', '.join(ENGINES)}")
    return speech.Engines()


def engine_option(func):
    """--engine: espeak or piper, overriding the routine's."""
    return click.option(
        "--engine",
        type=click.Choice(routine.ENGINES),
        help="Speech engine (overrides the routine's): espeak, or piper for natural voices "
        "(pip install 'voiceguide[piper]').",
    )(func)


def session_options(func):
    """--length, --engine, --voice and --rate, shared by plan and play."""
    func = click.option(
        "--rate",
        type=click.IntRange(*routine.RATE_RANGE),
        help="Speaking rate in words per minute (overrides the routine).",
    )(func)
    func = click.option(
        "--voice", help="Voice id or language code, e.g. en-us (see 'voiceguide voices')."
    )(func)
    func = engine_option(func)
    return click.option(
        "--length", "-l", type=DURATION, help="Fit the session to this length, e.g. 10m, 45m, 1h."
    )(func)

"""The command line: parse options, call one library function, print, set the exit status.

No timing or audio logic lives here. A ``VoiceguideError`` becomes one line on stderr and its
``exit_status`` (2: fix your input; 1: something is missing on this machine).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from collections.abc import Iterator

import click

from voiceguide import __version__, durations, report, resources, routine, session, speech
from voiceguide.errors import VoiceguideError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
ENGINES = ("espeak", "tone")


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


def make_renderer() -> speech.Renderer:
    """The speech engine: espeak-ng through pyttsx3, or ``VOICEGUIDE_ENGINE=tone`` (a fake
    that speaks tones, for tests and benchmarks that must not depend on espeak-ng)."""
    name = os.environ.get("VOICEGUIDE_ENGINE", "espeak")
    if name == "tone":
        from voiceguide.testing.fakes import ToneSynth, tone_synth

        return speech.Renderer(tone_synth, ToneSynth.engine_id, processes=0)
    if name != "espeak":
        raise click.UsageError(f"VOICEGUIDE_ENGINE must be one of {', '.join(ENGINES)}")
    from voiceguide.engine import Pyttsx3Synth, make_synth

    return speech.Renderer(make_synth, Pyttsx3Synth().engine_id, processes=os.cpu_count() or 1)


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Turn user-caused errors into one line on stderr and the right exit status."""
    try:
        yield
    except VoiceguideError as exc:
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_status)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        click.echo(f"\rrendering speech {done}/{total}", err=True, nl=False)
        click.echo(end, err=True, nl=False)

    return show


def session_options(func):
    """--length, --voice and --rate, shared by plan, play and export."""
    func = click.option(
        "--rate",
        type=click.IntRange(*routine.RATE_RANGE),
        help="Speaking rate in words per minute (overrides the routine).",
    )(func)
    func = click.option(
        "--voice", help="Voice id or language code, e.g. en-us (see 'voiceguide voices')."
    )(func)
    return click.option(
        "--length", "-l", type=DURATION, help="Fit the session to this length, e.g. 10m, 45m, 1h."
    )(func)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="voiceguide")
def main() -> None:
    """Voice-guided, hands-free sessions: routine scripts become spoken cues and chimes.

    ROUTINE is a built-in routine's name (see 'voiceguide list') or a path to a .yaml file.
    """


@main.command("list", context_settings=CONTEXT)
def list_routines() -> None:
    """List the built-in routines."""
    with _errors():
        for name in resources.routine_names():
            loaded = routine.load(resources.find_routine(name))
            click.echo(f"{name:<22} {loaded.title}")


@main.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True)
def check(files: tuple[str, ...]) -> None:
    """Validate routine files without rendering any audio."""
    status = 0
    renderer = None
    for name in files:
        try:
            loaded = routine.load(session.find(name))
            if loaded.voice.name:
                renderer = renderer or make_renderer()
                speech.resolve_voice(loaded.voice, renderer, loaded.path)
        except VoiceguideError as exc:
            click.echo(str(exc), err=True)
            status = max(status, exc.exit_status)  # 2 (fix the file) wins over 1 (machine)
            continue
        written = sum(s.duration for s in loaded.steps)
        click.echo(
            f"{loaded.path}: ok - {loaded.title!r}, {len(loaded.steps)} steps, "
            f"{durations.humanize(written)} of steps as written"
        )
    if renderer is not None:
        renderer.close()
    sys.exit(status)


@main.command(context_settings=CONTEXT)
@click.argument("routine_name", metavar="ROUTINE")
@session_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print the plan as JSON (see docs/plan-json.md)."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or warnings on stderr.")
def plan(
    routine_name: str,
    length: float | None,
    voice: str | None,
    rate: int | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Show the timed plan: when each chime rings and each cue is spoken."""
    with _errors(), make_renderer() as renderer:
        prepared = session.prepare(
            routine_name, session.Options(length, voice, rate), renderer, progress=_progress(quiet)
        )
        if as_json:
            click.echo(json.dumps(report.to_json(prepared.plan), indent=2, ensure_ascii=False))
        else:
            click.echo(report.table(prepared.plan))
            low, high = session.length_range(prepared)
            click.echo(
                f"\nfits lengths from {durations.humanize(math.ceil(low))} to "
                f"{durations.humanize(math.floor(high))} (--length)"
            )
        if not quiet:
            for line in report.warnings(prepared.plan):
                click.echo(line, err=True)


@main.command(context_settings=CONTEXT)
def voices() -> None:
    """List the voices of the speech engine."""
    with _errors(), make_renderer() as renderer:
        for voice in sorted(renderer.voices(), key=lambda v: v.id):
            languages = ", ".join(voice.languages)
            click.echo(f"{voice.id:<28} {voice.name:<32} {languages}")

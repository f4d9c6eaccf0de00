"""The command line: parse options, call one library function, print, set the exit status.

No timing or audio logic lives here. A ``VoiceguideError`` becomes one line on stderr and its
``exit_status`` (2: fix your input; 1: something is missing on this machine).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from voiceguide import (
    __version__,
    catalog,
    durations,
    fit,
    report,
    routine,
    session,
    signals,
    speech,
)
from voiceguide.errors import ExportError, UsageError, VoiceguideError

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


class OutputError(VoiceguideError):
    """Standard output cannot be written (a full device, a closed pipe)."""


def _out(text: str = "", nl: bool = True) -> None:
    """Write ``text`` to standard output; a failing output is an ``OutputError``."""
    try:
        click.echo(text, nl=nl)
    except OSError as exc:
        _discard_output()
        raise _output_error(exc) from exc


def _discard_output() -> None:
    """Point standard output at /dev/null: nothing more can reach the reader, and the
    interpreter would complain at exit about what is still buffered."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _output_error(exc: OSError) -> OutputError:
    if isinstance(exc, BrokenPipeError):
        error = OutputError("")  # the reader went away (| head): nothing to say
        error.exit_status = 128 + signal.SIGPIPE
        return error
    return OutputError(f"cannot write to standard output: {exc.strerror or exc}")


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Turn user-caused errors into one line on stderr and the right exit status."""
    try:
        yield
    except VoiceguideError as exc:
        if str(exc):
            click.echo(str(exc), err=True)
        sys.exit(exc.exit_status)
    except KeyboardInterrupt as exc:
        click.echo("interrupted", err=True)
        sys.exit(signals.exit_status(exc))


def _live_terminal(stream) -> bool:
    """Whether ``stream`` is a terminal that lines can be rewritten on (carriage return and
    escape codes): not a file or pipe, nor a ``TERM=dumb`` one (an editor's shell)."""
    return stream.isatty() and os.environ.get("TERM", "") != "dumb"


def _progress(quiet: bool):
    if quiet or not _live_terminal(sys.stderr):
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
@click.option(
    "--json", "as_json", is_flag=True, help="Print the list as JSON (see docs/list-json.md)."
)
def list_routines(as_json: bool) -> None:
    """List the built-in routines: title, default length, the lengths each fits (--length)
    and description.

    The lengths a routine fits depend on how long its speech takes: the first run renders
    the speech into the cache (a few seconds), later runs read it from there.
    """
    with _errors(), make_renderer() as renderer:
        found = list(catalog.entries(renderer, progress=_progress(False)))
        if as_json:
            _out(json.dumps(catalog.to_json(found), indent=2, ensure_ascii=False))
        else:
            _out(catalog.table(found, shutil.get_terminal_size((100, 24)).columns))


@main.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True)
def check(files: tuple[str, ...]) -> None:
    """Validate routine files: each is prepared as plan and export prepare it (speech
    rendered into the cache, fitted to its own length, planned), so what passes plays."""
    status = 0
    with _errors(), make_renderer() as renderer:
        for name in files:
            try:
                prepared = session.prepare(
                    name, session.Options(), renderer, progress=_progress(False)
                )
            except VoiceguideError as exc:
                click.echo(str(exc), err=True)
                status = max(status, exc.exit_status)  # 2 (fix the file) wins over 1 (machine)
                continue
            loaded, count = prepared.written, len(prepared.written.steps)
            written = sum(s.duration for s in loaded.steps)
            _out(
                f"{loaded.path}: ok - {loaded.title!r}, {count} step{'s' if count != 1 else ''}, "
                f"{durations.humanize(written)} of steps as written"
            )
            for line in _routine_warnings(prepared, named=True):
                click.echo(line, err=True)
    sys.exit(status)


def _routine_warnings(prepared: session.Session, named: bool = False) -> list[str]:
    """The loader's warnings (FILE:LINE) and the plan's (prefixed by the file if ``named``)."""
    where = f"{prepared.written.path}: " if named else ""
    plan_warnings = [f"warning: {where}{text}" for text in prepared.plan.warnings]
    return [f"warning: {text}" for text in prepared.written.warnings] + plan_warnings


@main.command(context_settings=CONTEXT)
@click.argument("routine_name", metavar="ROUTINE")
@session_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print the plan as JSON (see docs/plan-json.md)."
)
@click.option(
    "--picture",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Draw the plan as a timeline, FILE.svg or FILE.png, instead of the table "
    "(needs matplotlib: pip install 'voiceguide[picture]').",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or warnings on stderr.")
def plan(
    routine_name: str,
    length: float | None,
    voice: str | None,
    rate: int | None,
    as_json: bool,
    picture: Path | None,
    quiet: bool,
) -> None:
    """Show the timed plan: when each chime rings and each cue is spoken."""
    with _errors(), make_renderer() as renderer:
        drawing = _picture_format(picture) if picture is not None else None  # before any work
        prepared = session.prepare(
            routine_name, session.Options(length, voice, rate), renderer, progress=_progress(quiet)
        )
        if picture is not None:
            written = _draw(prepared, picture, drawing)
            if not as_json:
                _out(f"wrote {written} ({durations.format(prepared.plan.length)} session)")
        if as_json:
            _out(json.dumps(report.to_json(prepared.plan), indent=2, ensure_ascii=False))
        elif picture is None:
            _out(report.table(prepared.plan))
            low, high = fit.shown_range(*session.length_range(prepared))
            if low == high:
                _out(f"\nfits only {durations.humanize(low)} (--length)")
            else:
                _out(
                    f"\nfits lengths from {durations.humanize(low)} to "
                    f"{durations.humanize(high)} (--length)"
                )
        if not quiet:
            for line in _routine_warnings(prepared):
                click.echo(line, err=True)


def _picture_format(target: Path) -> str:
    """The picture's format from its name (``UsageError`` unless .svg or .png), once the
    target and matplotlib are known to be there."""
    from voiceguide import picture, targets

    fmt = picture.format_of(target.name)
    if fmt is None:
        raise UsageError(f"--picture: the file name must end in .svg or .png, got {target.name!r}")
    picture.require()
    targets.check_file(target)
    return fmt


def _draw(prepared: session.Session, target: Path, fmt: str) -> str:
    """Draw ``prepared``'s plan into ``target``, atomically; returns its name to show."""
    from voiceguide import atomic, picture

    fits = fit.shown_range(*session.length_range(prepared))
    data = picture.render(prepared.plan, fmt, fits)
    try:
        with atomic.file(target) as temp:
            temp.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"cannot write {atomic.shown(target)}: {exc.strerror or exc}") from exc
    return atomic.shown(target)


@main.command(context_settings=CONTEXT)
@click.argument("routine_name", metavar="ROUTINE")
@session_options
@click.option(
    "--start-at",
    metavar="STEP",
    help="Start at this step: its number or the beginning of its name.",
)
@click.option(
    "--backend",
    "backend_name",
    type=click.Choice(["alsa", "simpleaudio"]),
    help="Audio output (default: alsa where libasound is found, else simpleaudio; "
    "or $VOICEGUIDE_BACKEND).",
)
@click.option(
    "--else-export",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Without a sound device, export the session to FILE instead of failing.",
)
@click.option("-q", "--quiet", is_flag=True, help="No status line or warnings.")
def play(
    routine_name: str,
    length: float | None,
    voice: str | None,
    rate: int | None,
    start_at: str | None,
    backend_name: str | None,
    else_export: Path | None,
    quiet: bool,
) -> None:
    """Play the session live: chimes and spoken cues on time, hands-free to the end.

    Keys (optional; a USB foot pedal that sends keys works too): space pause/resume,
    n or right arrow next step, p or left arrow restart the step (twice: previous step),
    + / - lengthen or shorten the step by 30 s, q quit.
    """
    from voiceguide import export as exporting
    from voiceguide import player, status

    tty = _live_terminal(sys.stdout)

    def show(snapshot) -> None:
        if not quiet:
            _out(status.render_status(snapshot, tty), nl=False)

    with _errors(), make_renderer() as renderer:
        if else_export is not None:
            exporting.check_target(else_export)  # before any work

        def prepare() -> session.Session:
            options = session.Options(length, voice, rate)
            prepared = session.prepare(routine_name, options, renderer, progress=_progress(quiet))
            _warn(prepared, quiet)
            return prepared

        def export_instead(prepared: session.Session, start: float) -> None:
            _export_instead(prepared, else_export, quiet, start)

        try:
            player.play_live(
                prepare,
                routine_name,
                start_at=start_at,
                on_status=show,
                backend_name=backend_name,
                without_device=export_instead if else_export is not None else None,
            )
        except KeyboardInterrupt:
            if tty and not quiet:
                _out()  # end the status line before the interrupted message
            raise


def _export_instead(prepared: session.Session, target: Path, quiet: bool, start: float) -> None:
    from voiceguide import export as exporting

    bar = _Bar(quiet, "exporting")
    written = exporting.export(prepared, target, progress=bar, start=start)
    bar.close()
    _out(
        f"no sound device here, so the session was exported instead: "
        f"{written.path.resolve()} ({durations.format(written.seconds)})"
    )


class _Bar:
    """A progress bar on stderr (only on a terminal, and not with -q)."""

    def __init__(self, quiet: bool, label: str):
        self.bar = None
        self.label = label
        self.enabled = not quiet and _live_terminal(sys.stderr)

    def __call__(self, done: float, total: float) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=int(total * 1000), label=self.label, file=sys.stderr, show_eta=True
            )
            self.bar.__enter__()
        self.bar.update(int(done * 1000) - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command(context_settings=CONTEXT)
@click.argument("routine_name", metavar="ROUTINE")
@click.option(
    "-o",
    "--output",
    type=click.Path(allow_dash=True),
    help="The file to write; its extension picks the format (.wav .flac .ogg .opus .mp3). "
    "'-' writes to standard output (WAV unless --format says otherwise).",
)
@click.option(
    "--split",
    type=click.Path(path_type=Path),
    help="Write one track per step into this directory, with playlist.m3u8.",
)
@click.option(
    "--length",
    "-l",
    "lengths",
    type=DURATION,
    multiple=True,
    help="Fit the session to this length; repeat for several files (NAME-10m.mp3 ...).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS, case_sensitive=False),
    help="Override the format the extension implies (default for --split: mp3).",
)
@click.option("--voice", help="Voice id or language code, e.g. en-us.")
@click.option(
    "--rate", type=click.IntRange(*routine.RATE_RANGE), help="Speaking rate in words per minute."
)
@click.option(
    "--vtt", is_flag=True, help="Also write a WebVTT file of what is said and when, per file."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, warnings or summary.")
def export(
    routine_name: str,
    output: str | None,
    split: Path | None,
    lengths: tuple[float, ...],
    fmt: str | None,
    voice: str | None,
    rate: int | None,
    vtt: bool,
    quiet: bool,
) -> None:
    """Write the session as an audio file with chapters, or one track per step (--split).

    The file is complete or absent: it is written beside the target and moved into place
    at the end, so Ctrl-C, a full disk or an error leave any previous file untouched.
    """
    from voiceguide import export as exporting

    if (output is None) == (split is None):
        raise click.UsageError("give exactly one of -o FILE or --split DIR")
    if split is not None and len(lengths) > 1:
        raise click.UsageError("--split takes one --length")
    bar = _Bar(quiet, "exporting")
    with _errors(), make_renderer() as renderer:
        options = session.Options(lengths[0] if lengths else None, voice, rate)
        try:
            if split is not None:
                exporting.check_split_target(split, fmt or "mp3")
                prepared = session.prepare(
                    routine_name, options, renderer, progress=_progress(quiet)
                )
                tracks = exporting.export_split(prepared, split, fmt or "mp3", bar, vtt)
                bar.close()
                _warn(prepared, quiet)
                if not quiet:
                    their = ", their subtitles (.vtt)" if vtt else ""
                    playlist = exporting.shown(split / exporting.PLAYLIST)
                    _out(f"wrote {len(tracks)} tracks{their} and {playlist}")
                return
            targets = exporting.length_targets(output, lengths or [None])
            for target in targets:
                exporting.check_target(target, fmt, vtt)
            if len(targets) == 1:
                prepared = session.prepare(
                    routine_name, options, renderer, progress=_progress(quiet)
                )
                written = [exporting.export(prepared, targets[0], fmt, bar, vtt=vtt)]
                _warn(prepared, quiet)
            else:
                written = exporting.export_lengths(
                    routine_name,
                    list(zip(lengths, targets, strict=True)),
                    renderer,
                    options,
                    fmt,
                    bar,
                    _progress(quiet),
                    vtt=vtt,
                )
            bar.close()
            if not quiet:
                for result in written:
                    streamed = exporting.is_stdout(result.path)
                    name = "standard output" if streamed else exporting.shown(result.path)
                    also = f" and {exporting.shown(result.vtt)}" if result.vtt else ""
                    line = (
                        f"wrote {name} ({durations.format(result.seconds, True)}, "
                        f"{result.format}, {result.level.lufs:.1f} LUFS, true peak "
                        f"{result.level.true_peak:.1f} dBTP){also}"
                    )
                    if streamed:  # the audio itself is on standard output
                        click.echo(line, err=True)
                    else:
                        _out(line)
        except KeyboardInterrupt as exc:
            bar.close()
            click.echo("interrupted: nothing was written; any earlier file is as it was", err=True)
            sys.exit(signals.exit_status(exc))


def _warn(prepared: session.Session, quiet: bool) -> None:
    if not quiet:
        for line in _routine_warnings(prepared):
            click.echo(line, err=True)


@main.command(context_settings=CONTEXT)
def voices() -> None:
    """List the voices of the speech engine."""
    with _errors(), make_renderer() as renderer:
        for voice in sorted(renderer.voices(), key=lambda v: v.id):
            languages = ", ".join(voice.languages)
            _out(f"{voice.id:<28} {voice.name:<32} {languages}")


def run() -> None:
    """The ``voiceguide`` command: ``main`` with the signals that end a process turned into
    a clean exit (``signals.as_interrupts``), and standard output flushed while errors can
    still be reported as one line (a full device, a closed pipe)."""
    with signals.as_interrupts():
        try:
            status = main.main(standalone_mode=False)
        except click.ClickException as exc:
            exc.show()
            status = exc.exit_code
        except click.exceptions.Abort as exc:  # click's form of KeyboardInterrupt
            click.echo("interrupted", err=True)
            status = signals.exit_status(exc.__cause__ or exc)
        except SystemExit as exc:
            status = exc.code
        except OSError as exc:  # click's own output (--help, --version) to a failing stdout
            if exc.errno not in _OUTPUT_ERRNOS:
                raise
            status = _flush_output(None, exc)
        status = _flush_output(status)
    sys.exit(status)


_OUTPUT_ERRNOS = (errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def _flush_output(status: int | None, failed: OSError | None = None) -> int | None:
    """Flush standard output; a failure (or ``failed``, one already met) becomes one line
    on stderr and the exit status."""
    try:
        if failed is not None:
            raise failed
        sys.stdout.flush()
    except OSError as exc:
        _discard_output()
        error = _output_error(exc)
        if str(error):
            click.echo(str(error), err=True)
        return status or error.exit_status
    return status

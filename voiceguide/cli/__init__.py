"""The command line: parse options, call one library function, print, set the exit status.

No timing or audio logic lives here. A ``VoiceguideError`` becomes one line on stderr and its
``exit_status`` (2: fix your input; 1: something is missing on this machine).

The library is imported inside each command, when it runs: ``voiceguide --help``,
``--version`` and ``CMD --help`` load click and these modules only, none of numpy, YAML, the
encoders or the engines (tests/cli/test_startup.py checks it; bench/bench_startup.py times it).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from voiceguide import __version__, durations, interrupts
from voiceguide.choices import BACKENDS
from voiceguide.cli import export_command, outputs, serve_command, speak
from voiceguide.cli.listening import voice_commands
from voiceguide.cli.options import (  # make_renderer: part of this module's API (bench/)
    CONTEXT,
    export_hint,
    length_option,
    make_renderer,
    session_options,
)
from voiceguide.cli.output import (
    CLEAR,
    OUTPUT_ERRNOS,
    Bar,
    error_lines,
    flush_output,
    live_terminal,
    out,
    render_progress,
    reported,
    routine_warnings,
    voice_line,
    warn,
    warn_late,
)
from voiceguide.errors import VoiceguideError

if TYPE_CHECKING:
    from voiceguide import session, speech


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
@click.option(
    "--measure",
    is_flag=True,
    help="Render the speech the cache lacks first, so every length is measured, not "
    "estimated (seconds a routine with espeak-ng, tens of seconds with Piper, the first time).",
)
def list_routines(as_json: bool, measure: bool) -> None:
    """List the built-in routines: title, default length, the lengths each fits (--length)
    and description.

    The lengths a routine fits depend on how long its speech takes. The list answers at
    once: a routine whose speech is in the cache (a plan, play or export of it ran) shows
    its lengths as measured; one whose speech is not rendered yet shows them estimated from
    its words, marked ~ (--measure renders it first). A built-in that cannot be prepared (a
    broken installation) is one line on stderr, the others are listed, and the exit
    status is 1.
    """
    status = 0
    with reported(), make_renderer() as renderer:
        from voiceguide import catalog

        found = []
        shown = render_progress(False) if measure else None
        for entry in catalog.entries(renderer, progress=shown, measure=measure):
            if isinstance(entry, catalog.Unlisted):  # a broken installation: the rest listed
                click.echo(entry.line, err=True)
                status = 1
            else:
                found.append(entry)
        if as_json:
            out(json.dumps(catalog.to_json(found), indent=2, ensure_ascii=False))
        else:
            out(catalog.table(found, shutil.get_terminal_size((100, 24)).columns))
            if not all(entry.measured for entry in found):
                click.echo(catalog.ESTIMATE_NOTE, err=True)
    sys.exit(status)


@main.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True)
def check(files: tuple[str, ...]) -> None:
    """Validate routine files: each is prepared as plan and export prepare it (speech
    rendered into the cache, fitted to its own length, planned), so what passes plays."""
    from voiceguide import session

    status = 0
    with reported(), make_renderer() as renderer:
        for name in files:
            try:
                prepared = session.prepare(
                    name, session.Options(), renderer, progress=render_progress(False)
                )
            except VoiceguideError as exc:
                for line in error_lines(exc):  # every problem, one a line, in line order
                    click.echo(line, err=True)
                status = max(status, exc.exit_status)  # 2 (fix the file) wins over 1 (machine)
                continue
            loaded, count = prepared.written, len(prepared.written.steps)
            written = sum(s.duration for s in loaded.steps)
            out(
                f"{loaded.path}: ok - {loaded.title!r}, {count} step{'s' if count != 1 else ''}, "
                f"{durations.humanize(written)} of steps as written"
            )
            for line in routine_warnings(prepared, named=True):
                click.echo(line, err=True)
    sys.exit(status)


@main.command(context_settings=CONTEXT)
@click.argument("routine_name", metavar="ROUTINE")
@length_option
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
    as_json: bool,
    picture: Path | None,
    quiet: bool,
    **chosen: Any,
) -> None:
    """Show the timed plan: when each chime rings and each cue is spoken."""
    from voiceguide import report, session
    from voiceguide.atomic import shown

    with reported(), make_renderer() as renderer:
        if picture is not None:
            from voiceguide import picture as pictures

            reads = session.inputs(routine_name, session.Options(length, **chosen))
            drawing = pictures.check_target(picture, reads)  # before any work
        prepared = session.prepare(
            routine_name,
            session.Options(length, **chosen),
            renderer,
            progress=render_progress(quiet),
        )
        fits = session.length_range(prepared)
        if picture is not None:
            pictures.write(prepared.plan, picture, drawing, fits)
            if not as_json:
                out(f"wrote {shown(picture)} ({durations.format(prepared.plan.length)} session)")
        if as_json:
            out(json.dumps(report.to_json(prepared.plan), indent=2, ensure_ascii=False))
        elif picture is None:
            out(report.table(prepared.plan))
            out(f"\n{report.fits(*fits, prepared.written)} (--length)")
        if not quiet:
            for line in routine_warnings(prepared):
                click.echo(line, err=True)


# long: a click command's parameters, one a line (16 of its lines)
@main.command(context_settings=CONTEXT)
@click.argument("routine_name", metavar="ROUTINE")
@length_option
@session_options
@click.option(
    "--start-at",
    metavar="STEP",
    help="Start at this step: its number or the beginning of its name.",
)
@click.option(
    "--backend",
    "backend_name",
    type=click.Choice(list(BACKENDS)),
    help="Audio output (default: alsa where libasound is found, else simpleaudio; "
    "or $VOICEGUIDE_BACKEND).",
)
@click.option(
    "--else-export",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Without a sound device, export the session to FILE instead of failing.",
)
@click.option(
    "--listen",
    "listen_on",
    is_flag=True,
    help="Obey spoken commands: pause, go on, next, back, longer, shorter, slower, faster, "
    "stop (the extra voiceguide[listen]).",
)
@click.option(
    "--mic",
    metavar="DEVICE",
    help="Listen with this ALSA capture device (implies --listen; default: ALSA's default; "
    "with PulseAudio, PULSE_SOURCE=NAME picks the source).",
)
@outputs.output_options
@click.option("-q", "--quiet", is_flag=True, help="No status line or warnings.")
def play(
    routine_name: str,
    length: float | None,
    start_at: str | None,
    backend_name: str | None,
    else_export: Path | None,
    listen_on: bool,
    mic: str | None,
    device: str | None,
    bed_device: str | None,
    lead_in: str,
    resume: bool,
    quiet: bool,
    **chosen: Any,
) -> None:
    """Play the session live: chimes and spoken cues on time, hands-free to the end.

    Keys (optional; a USB foot pedal that sends keys works too): space pause/resume,
    n or right arrow next step, p or left arrow restart the step (twice: previous step),
    + / - lengthen or shorten the step by 30 s, [ / ] the pace guide 10 % slower or faster,
    b the sound bed off or on, q quit. With --listen, by voice too (see --listen).
    A session stopped before its end (q, Ctrl-C, a signal, a crash) goes on with --resume.
    """
    from voiceguide import live, session  # not exporting: the first sound does not need it

    tty = live_terminal(sys.stdout)
    showing = outputs.Shown(routine_name, quiet, tty, resume)  # the start line, the status
    listening = voice_commands(bool(listen_on or mic), mic, quiet)
    chosen_outputs = outputs.chosen_outputs(device, bed_device, lead_in)
    hint = export_hint(routine_name, length, chosen)
    with reported(), make_renderer() as renderer, listening as ears:
        if else_export is not None:  # before any work
            from voiceguide import exporting

            reads = session.inputs(routine_name, session.Options(length, **chosen))
            exporting.check_target(else_export, writer=exporting.ELSE_EXPORT, reads=reads)
        options = session.Options(length, **chosen)
        kept = outputs.keeper(routine_name, options, hint, chosen_outputs, resume, start_at)

        def prepare() -> session.Session | session.Staged:
            early = start_at is None and ears is None and not resume  # begins while it renders
            prepared = _prepared(routine_name, options, renderer, early, quiet, tty)
            if ears is not None:  # the session names the words it listens for
                ears.spoken = session.say(ears.announcement, options, renderer, routine_name)
            showing.prepared = prepared
            return prepared

        with outputs.stopping(kept, tty, quiet):  # says how to go on where it stopped
            live.play_live(
                prepare,
                hint,
                start_at=start_at,
                on_status=showing,
                backend_name=backend_name,
                without_device=_exporter(else_export, quiet),
                listen=ears.attached if ears else None,
                outputs=chosen_outputs,
                keeper=kept,
            )


def _exporter(
    target: Path | None, quiet: bool
) -> Callable[[session.Session | session.Staged, float], None] | None:
    """What ``play --else-export FILE`` does without a sound device (``None``: no FILE)."""
    if target is None:
        return None

    def export_instead(prepared: session.Session | session.Staged, start: float) -> None:
        from voiceguide import session

        _export_instead(session.whole(prepared), target, quiet, start)

    return export_instead


def _prepared(
    name: str,
    options: session.Options,
    renderer: speech.Engines | speech.Renderer,
    early: bool,
    quiet: bool,
    tty: bool,
) -> session.Session | session.Staged:
    """The session to play (one that begins while its speech renders if ``early``), its
    warnings and the voice it speaks with said."""
    from voiceguide import session

    if early:
        late = lambda whole: warn_late(whole, quiet, tty)  # noqa: E731
        shown = render_progress(quiet)  # until the session begins: then it shows
        prepared = session.begin(name, options, renderer, on_ready=late, progress=shown)
        if shown is not None:
            click.echo(CLEAR, err=True, nl=False)  # the session's lines over the render's
    else:
        prepared = session.prepare(name, options, renderer, progress=render_progress(quiet))
    warn(prepared, quiet)
    said = None if quiet else voice_line(prepared)
    if said is not None:
        click.echo(said, err=True)
    return prepared


def _export_instead(prepared: session.Session, target: Path, quiet: bool, start: float) -> None:
    from voiceguide import exporting

    bar = Bar(quiet, "exporting")
    written = exporting.export(prepared, target, progress=bar, start=start)
    bar.close()
    out(
        f"no sound device here, so the session was exported instead: "
        f"{Path(written.path).resolve()} ({durations.format(written.seconds)})"
    )


main.add_command(export_command.export)
main.add_command(speak.say)
main.add_command(speak.voices)
main.add_command(serve_command.serve)
main.add_command(outputs.devices)


def run() -> None:
    """The ``voiceguide`` command: ``main`` with the signals that end a process turned into
    a clean exit (``interrupts.as_interrupts``), and standard output flushed while errors can
    still be reported as one line (a full device, a closed pipe)."""
    with interrupts.as_interrupts():
        try:
            status = main.main(standalone_mode=False)
        except click.ClickException as exc:
            exc.show()
            status = exc.exit_code
        except click.exceptions.Abort as exc:  # click's form of KeyboardInterrupt
            click.echo("interrupted", err=True)
            status = interrupts.exit_status(exc.__cause__ or exc)
        except SystemExit as exc:
            status = exc.code
        except OSError as exc:  # click's own output (--help, --version) to a failing stdout
            if exc.errno not in OUTPUT_ERRNOS:
                raise
            status = flush_output(None, exc)
        status = flush_output(status)
    sys.exit(status)

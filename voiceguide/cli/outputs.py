"""``play``'s outputs and resuming: ``--device``, ``--bed-device``, ``--lead-in``,
``--resume``, the ``devices`` command, and the lines a live session prints at its start
and when it stops."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from voiceguide import durations
from voiceguide.cli.options import CONTEXT
from voiceguide.cli.output import out, reported
from voiceguide.errors import UsageError

if TYPE_CHECKING:  # imported when a command runs (tests/cli/test_startup.py)
    from voiceguide import session
    from voiceguide.live.backends.routed import Outputs
    from voiceguide.live.resume import Keeper
    from voiceguide.live.status import Status

F = TypeVar("F", bound=Callable[..., Any])

KEYS = "space pause, n next, p back, +/- longer/shorter, [/] pace, b bed, q quit"


@click.command(context_settings=CONTEXT)
def devices() -> None:
    """List where a session can play (for play --device and --bed-device): the sinks of
    the PulseAudio/PipeWire server when one answers, else ALSA's devices. * marks where a
    session plays without --device; Bluetooth outputs get the lead-in (--lead-in)."""
    from voiceguide.live import devices as outputs

    with reported():
        for line in outputs.lines(outputs.outputs()):
            out(line)


def output_options(func: F) -> F:
    """--device, --bed-device, --lead-in and --resume for ``play``."""
    options = [
        click.option(
            "--device",
            metavar="NAME",
            help="Play on this output: a name 'voiceguide devices' lists (a PulseAudio sink "
            "or an ALSA device).",
        ),
        click.option(
            "--bed-device",
            metavar="NAME",
            help="Play the sound bed on this output, the voice, chimes and pace guide on "
            "--device (e.g. the room's speaker and the giver's earbuds).",
        ),
        click.option(
            "--lead-in",
            type=click.Choice(["auto", "on", "off"]),
            default="auto",
            show_default=True,
            help="A signal too low to hear under the session, the first sound 2 s after it, "
            "so a Bluetooth speaker is awake for it; auto: on Bluetooth outputs.",
        ),
        click.option(
            "--resume",
            is_flag=True,
            help="Go on where the last session of this routine with these options stopped "
            "(q, Ctrl-C, a signal or a crash).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def chosen_outputs(device: str | None, bed_device: str | None, lead_in: str) -> Outputs:
    from voiceguide.live.backends.routed import Outputs

    return Outputs(device, bed_device, lead_in)


def keeper(
    routine: str,
    options: session.Options,
    hint: str,
    outputs: Outputs,
    resume: bool,
    start_at: str | None,
) -> Keeper:
    """The ``live.resume.Keeper`` of this routine and options (a ``UsageError`` for
    ``--resume`` with ``--start-at``, or with nothing to resume), before any work."""
    from voiceguide import session
    from voiceguide.live.resume import Keeper

    if resume and start_at is not None:
        raise UsageError("--resume and --start-at: choose one (--resume goes on where it stopped)")
    identity = os.path.realpath(session.find(routine))
    words = ["voiceguide", "play", *shlex.split(hint)]
    for flag, value in (("--device", outputs.device), ("--bed-device", outputs.bed_device)):
        words += [flag, value] if value is not None else []
    words += ["--lead-in", outputs.lead_in] if outputs.lead_in != "auto" else []
    kept = Keeper(identity, dataclasses.asdict(options), shlex.join([*words, "--resume"]))
    if resume and kept.stopped is None:
        raise kept.missing(routine)
    if not resume:
        kept.stopped = None  # played from the start: what it holds is written over
    return kept


class Shown:
    """``play``'s ``on_status``: each status as ``render_status`` writes it, the first one
    of a live session after the start line (``prepared`` and ``resumed`` set by ``play``)."""

    def __init__(self, routine: str, quiet: bool, tty: bool, resumed: bool):
        self.routine, self.quiet, self.tty = routine, quiet, tty
        self.prepared: session.Session | session.Staged | None = None
        self.resumed = resumed

    def __call__(self, snapshot: Status) -> None:
        from voiceguide.live import status

        if self.quiet:
            return
        if snapshot.reason == status.START and self.prepared is not None:
            out(start_line(self.prepared, self.routine, snapshot, self.resumed))
        out(status.render_status(snapshot, self.tty), nl=False)


def start_line(
    prepared: session.Session | session.Staged, routine: str, started: Status, resumed: bool
) -> str:
    """The line a live session starts with: the routine, its length, the keys (the voice is
    said just before, by ``output.voice_line``). ``started``: the player's first
    ``Status``."""
    length = durations.format(started.length)
    where = f", resumed at {durations.format(started.position)}" if resumed else ""
    controls = f"keys: {KEYS}" if keys_read() else "no keys (standard input is not a terminal)"
    return f"{prepared.written.title} ({routine}): {length}{where} - {controls}"


@contextlib.contextmanager
def stopping(kept: Keeper | None, tty: bool, quiet: bool) -> Iterator[None]:
    """Around a live session: when it stopped before its end, the line saying how to go
    on (on stderr before "interrupted" for Ctrl-C or a signal)."""
    try:
        yield
    except KeyboardInterrupt:
        if tty and not quiet:
            out()  # end the status line before the interrupted message
        if (line := stop_line(kept)) is not None:
            click.echo(line, err=True)
        raise
    if (line := stop_line(kept)) is not None and not quiet:
        out(line)


def stop_line(kept: Keeper | None) -> str | None:
    """The line a stopped session ends with: where, and how to go on from there."""
    if kept is None:
        return None
    if kept.last is None:
        return f"cannot resume this session later: {kept.error}" if kept.error else None
    return f"stopped at {kept.last.where}; to go on from there: {kept.last.command}"


def keys_read(stdin: IO[str] | None = None) -> bool:
    """Whether the session reads keys (standard input is a terminal)."""
    stream = stdin or sys.stdin
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

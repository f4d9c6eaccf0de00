"""What the command line writes, and how: standard output that may fail (a full device, a
closed pipe), errors as one line and an exit status, progress on a live terminal."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

import click

from voiceguide import durations, interrupts
from voiceguide.errors import VoiceguideError

if TYPE_CHECKING:  # the library loads when a command runs, not for --help
    from click._termui_impl import ProgressBar

    from voiceguide import session


class OutputError(VoiceguideError):
    """Standard output cannot be written (a full device, a closed pipe)."""


def out(text: str = "", nl: bool = True) -> None:
    """Write ``text`` to standard output; a failing output is an ``OutputError``."""
    try:
        click.echo(text, nl=nl)
    except OSError as exc:
        discard_output()
        raise output_error(exc) from exc


def discard_output() -> None:
    """Point standard output at /dev/null: nothing more can reach the reader, and the
    interpreter would complain at exit about what is still buffered."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def output_error(exc: OSError) -> OutputError:
    if isinstance(exc, BrokenPipeError):
        error = OutputError("")  # the reader went away (| head): nothing to say
        error.exit_status = 128 + signal.SIGPIPE
        return error
    return OutputError(f"cannot write to standard output: {exc.strerror or exc}")


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """Turn user-caused errors into one line on stderr and the right exit status."""
    try:
        yield
    except VoiceguideError as exc:
        for line in error_lines(exc):
            click.echo(line, err=True)
        sys.exit(exc.exit_status)
    except KeyboardInterrupt as exc:
        click.echo("interrupted", err=True)
        sys.exit(interrupts.exit_status(exc))


def error_lines(error: VoiceguideError) -> list[str]:
    """What ``error`` says on stderr: its lines (a routine's every problem, one a line), then
    the warnings about the same routine (``length 30 is read as 30 seconds`` explains
    ``cannot fit 30s``)."""
    lines = str(error).splitlines()
    return lines + [f"warning: {text}" for text in getattr(error, "warnings", ())]


def live_terminal(stream: IO[Any]) -> bool:
    """Whether ``stream`` is a terminal that lines can be rewritten on (carriage return and
    escape codes): not a file or pipe, nor a ``TERM=dumb`` one (an editor's shell)."""
    return stream.isatty() and os.environ.get("TERM", "") != "dumb"


CLEAR = "\r\x1b[K"  # back to the line's start, and clear it


def render_progress(quiet: bool) -> RenderProgress | None:
    """What a cold render shows on a live stderr (``RenderProgress``), or ``None``."""
    if quiet or not live_terminal(sys.stderr):
        return None
    return RenderProgress()


class RenderProgress:
    """``rendering speech 12/40, done in about 20s``, rewritten in place. When the estimate
    passes ``SLOW`` seconds (a natural voice's first run), it says that this happens only
    the first time.

    The estimate is measured from the first text done, not from the start: that one also
    waited for the engine to start (Piper loads its voice: seconds on a busy machine, which
    made "about 2m39s" of an 18 s render when counted per text). It is the time per text
    since then times the texts left, said only once ``COUNTED`` more texts are done over at
    least ``MEASURED`` seconds (the workers' first texts end together); before, nothing. The
    longest texts render first, so it errs long."""

    SLOW = 10.0  # seconds
    MEASURED = 1.0  # seconds of rendering an estimate is made from, at least
    COUNTED = 2  # texts done after the first before an estimate is made

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.first: tuple[float, int] | None = None  # (clock, done) at the first text done

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done == 0:
            self.first = None
        elif self.first is None:
            self.first = (now, done)
        line = f"rendering speech {done}/{total}"
        left = self._left(now, done, total)
        if left is not None:
            line += f", done in about {durations.humanize(max(1.0, round(left)))}"
            if left > self.SLOW:
                line += " (only the first time: clips are cached)"
        click.echo(f"\r{line}\x1b[K", err=True, nl=done == total)

    def _left(self, now: float, done: int, total: int) -> float | None:
        """Seconds still needed, or None while it cannot be estimated yet."""
        if self.first is None or done >= total:
            return None
        since, count = now - self.first[0], done - self.first[1]
        if count < self.COUNTED or since < self.MEASURED:
            return None
        return since / count * (total - done)


def routine_warnings(prepared: session.Session | session.Staged, named: bool = False) -> list[str]:
    """The loader's warnings (FILE:LINE) and the plan's (prefixed by the file if ``named``)."""
    where = f"{prepared.written.path}: " if named else ""
    plan_warnings = [f"warning: {where}{text}" for text in prepared.plan.warnings]
    return [f"warning: {text}" for text in prepared.written.warnings] + plan_warnings


def voice_line(prepared: session.Session | session.Staged) -> str | None:
    """One line: which voice the session speaks with and how to get the other engine's
    (None for an engine that is neither Piper nor espeak-ng: the tests' tones)."""
    from voiceguide.speech import engines, piper

    cache = prepared.speech
    engine, name = cache.renderer.engine_id, cache.voice.name or "its default voice"
    if engine.startswith("piper"):
        return f"voice: {name} (Piper, natural); --engine espeak for espeak-ng's"
    if "espeak" not in engine:
        return None
    if engines.piper_installed():
        return f"voice: {name} (espeak-ng); --engine piper for a natural voice"
    return f"voice: {name} (espeak-ng); for a natural voice: {piper.INSTALL}"


def warn(prepared: session.Session | session.Staged, quiet: bool) -> None:
    if not quiet:
        for line in routine_warnings(prepared):
            click.echo(line, err=True)


def warn_late(whole: session.Session, quiet: bool, tty: bool) -> None:
    """The plan's warnings of a session that began before its plan was whole
    (``session.begin``), printed over the status line on a terminal."""
    if not quiet:
        for text in whole.plan.warnings:
            click.echo(f"{CLEAR if tty else ''}warning: {text}", err=True)


class Bar:
    """A progress bar on stderr (only on a terminal, and not with -q)."""

    def __init__(self, quiet: bool, label: str):
        self.bar: ProgressBar[int] | None = None
        self.label = label
        self.enabled = not quiet and live_terminal(sys.stderr)

    def __call__(self, done: float, total: float) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=int(total * 1000), label=self.label, file=sys.stderr, show_eta=True
            )
            self.bar.__enter__()
        bar = self.bar
        bar.update(int(done * 1000) - bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


OUTPUT_ERRNOS = (errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def flush_output(status: int | None, failed: OSError | None = None) -> int | None:
    """Flush standard output; a failure (or ``failed``, one already met) becomes one line
    on stderr and the exit status. Closed from the start (``>&-``: no ``sys.stdout``),
    there is nothing to flush."""
    try:
        if failed is not None:
            raise failed
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError as exc:
        discard_output()
        error = output_error(exc)
        if str(error):
            click.echo(str(error), err=True)
        return status or error.exit_status
    return status

"""What the live player reports - a ``Status`` as it plays, a ``PlayResult`` at the end - and
how a status reads on a terminal or in a log.

The player hands ``Status`` snapshots to its ``on_status`` callback; the CLI prints
``render_status(snapshot, tty)``. Times are seconds; positions are seconds from the session
start (after the listener's changes: ``length`` grows with ``+``, shrinks with ``-``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from voiceguide import durations
from voiceguide.plan import Event, PlanStep


class Reason(StrEnum):
    """Why a ``Status`` snapshot was made (its value is the server's ``reason``). Only
    ``TICK`` (the clock moved on a second) is not worth a log line."""

    START = "start"
    TICK = "tick"
    STEP = "step"  # the next part began
    PAUSED = "paused"
    RESUMED = "resumed"
    SKIPPED = "skipped"  # to the next part or the one before
    RESTARTED = "restarted"  # the part from its start
    RESIZED = "resized"  # the part longer or shorter
    PACED = "paced"  # the pace guide slower or faster
    BEDDED = "bedded"  # the bed off or on
    REFUSED = "refused"  # a key that cannot act now: its message says why
    QUIT = "quit"
    END = "end"
    HELD = "held"  # a waiting part's end reached: the session holds there
    RELEASED = "released"  # the giver went on from a waiting part


# The members by their short names, as live.controls, live.waiting, live.follow and the
# tests import them (live.player says Reason.X).
START, TICK, STEP, PAUSED, RESUMED, SKIPPED, RESTARTED = (
    Reason.START,
    Reason.TICK,
    Reason.STEP,
    Reason.PAUSED,
    Reason.RESUMED,
    Reason.SKIPPED,
    Reason.RESTARTED,
)
RESIZED, PACED, BEDDED, REFUSED, QUIT, END = (
    Reason.RESIZED,
    Reason.PACED,
    Reason.BEDDED,
    Reason.REFUSED,
    Reason.QUIT,
    Reason.END,
)
HELD, RELEASED = Reason.HELD, Reason.RELEASED
_FINAL = (Reason.QUIT, Reason.END)


@dataclass(frozen=True)
class Status:
    """The player's state at ``position`` seconds into a session of ``length`` seconds.

    ``step`` is the part playing (its ``start``/``end`` already moved by ``+``/``-``),
    ``next_step`` the one after it (None in the last). ``message`` says what a key did.
    ``count`` is the number of routine steps (for "step 2/5").
    """

    reason: Reason
    position: float
    length: float
    step: PlanStep
    next_step: PlanStep | None
    paused: bool
    count: int
    message: str | None = None
    pace: float | None = None  # the pace guide's beats per minute now, if it plays
    pace_factor: float = 1.0  # the listener's [ and ] (1: the routine's paces)
    bed: str | None = None  # the sound bed playing ("ocean"), "off" after b, None: none
    waiting: bool = False  # held at the end of a waiting part (``step``) until next

    @property
    def step_left(self) -> float:
        return max(0.0, self.step.end - self.position)

    @property
    def session_left(self) -> float:
        return max(0.0, self.length - self.position)

    @property
    def final(self) -> bool:
        return self.reason in _FINAL


def _left(seconds: float) -> str:
    """Time left, rounded up: "0:01" until it is really over."""
    return durations.format(math.ceil(seconds - 1e-6))


def _step_label(status: Status) -> str:
    step = status.step
    if step.number is not None and status.count:
        return f"{step.number}/{status.count} {step.title}"
    return step.title


def line(status: Status) -> str:
    """One line: the step, time left in it and in the session, what comes next."""
    state = "[paused] " if status.paused else ""
    left = f"{_left(status.step_left)} left"
    if status.waiting:  # the session's time stands still: say what moves it on
        state, left = "[waiting] ", "n or say next to go on"
    text = f"{state}{_step_label(status)} - {left}, session {_left(status.session_left)} left"
    if status.pace is not None:
        factor = f" ({status.pace_factor:.0%})" if abs(status.pace_factor - 1) > 1e-9 else ""
        text += f" - pace {status.pace:.0f}/min{factor}"
    if status.bed is not None:
        text += f" - bed {status.bed}"
    if status.next_step is not None:
        text += f" - next: {status.next_step.title}"
    return text


def render_status(status: Status, tty: bool) -> str:
    """What to write (exactly, no newline added) for ``status``; may be "" (nothing to write).

    ``tty``: one line rewritten in place (carriage return, clear to end of line), ended with a
    newline only by the final snapshot; a key's message goes on a line of its own above it.
    Otherwise (a log, a pipe): a plain line per step change or key action, none per tick.
    """
    at = durations.format(status.position)
    if not tty:
        if status.reason == Reason.TICK:
            return ""
        if status.reason == Reason.END:
            return f"{at} end of session\n"
        if status.reason == Reason.QUIT:
            return f"{at} stopped\n"
        if status.message:
            return f"{at} {status.message} - {line(status)}\n"
        return f"{at} {line(status)}\n"
    clear = "\r\x1b[K"
    if status.reason == Reason.END:
        return f"{clear}{at} end of session\n"
    if status.reason == Reason.QUIT:
        return f"{clear}{at} stopped\n"
    above = f"{clear}{at} {status.message}\n" if status.message else ""
    return f"{above}{clear}{at} {line(status)}"


@dataclass(frozen=True)
class Played:
    """An event played: ``event.at`` is its (re-timed) position in the session; ``target`` the
    clock time it was to be heard, ``called`` the clock time ``backend.play`` was called."""

    event: Event
    target: float
    called: float


@dataclass
class PlayResult:
    """What was played, and when (clock times from the injected clock)."""

    played: list[Played] = field(default_factory=list)
    started: float = 0.0  # clock time play() began
    position: float = 0.0  # session position reached, seconds
    length: float = 0.0  # session length at the end, seconds (moved by + and -)
    quit: bool = False
    misses: int = 0  # clips not loaded ahead that were loaded at their instant
    late: int = 0  # clips the backend got too late to start on their frame
    shifts: int = 0  # times the sound server ran dry and the stream moved (CPU starved)
    waited: float = 0.0  # seconds held at the ends of waiting parts, in all
    reminders: list[float] = field(default_factory=list)  # clock times a reminder played

    @property
    def first_sound(self) -> float | None:
        """Seconds from play() to the first sound's instant (None if nothing played)."""
        return self.played[0].target - self.started if self.played else None

"""Steps that wait (``wait: true``): played live, the session holds at the end of a waiting
part until the giver moves on (``next``: the n key, the remote's next, "next" said; or
``resume``), with a quiet reminder now and then. ``Player`` inherits these.

The plan stays as it is: a hold freezes the session's position at the part's end, as a pause
does, and the release starts the clock again from there (``start_from``), so everything after
it is heard later by the time waited and nothing is re-timed. While held, nothing of the
session sounds (the sound bed fades out as for a pause and fades in again at the release);
every ``REMIND`` seconds the ``soft`` chime plays ``REMIND_DB`` under the session's chimes,
and the status line says what to do. All times are seconds (positions from the session
start, ``clock()`` times otherwise).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import durations, resources
from voiceguide.audio import Clip, gain
from voiceguide.live import keys as keynames
from voiceguide.live.status import HELD, REFUSED, RELEASED
from voiceguide.plan import Event, EventKind
from voiceguide.routine import Sound

if TYPE_CHECKING:
    from collections.abc import Callable

    from voiceguide.live.backends.base import Backend
    from voiceguide.live.bed import LiveBed
    from voiceguide.live.status import PlayResult, Reason
    from voiceguide.live.timeline import Timeline

REMIND = 30.0  # seconds between reminders while held (the first one REMIND after the hold)
REMIND_DB = -12.0  # the reminder's level against the session's chimes
REMIND_SOUND = "soft"  # a built-in chime
HOLD_MESSAGE = "waiting: press n (or say next) to go on"
EPSILON = 1e-9


class Waiting:
    """The holds of ``Player`` (which provides the clock, the timeline, the backend, the
    bed, ``position``, ``report`` and ``start_from``)."""

    held_at: float | None = None  # while held: the position it holds at (a part's end)
    _hold_part: int | None = None  # the waiting part held at next, while playing
    _held_since = 0.0  # clock time the hold began
    _reminded = 0.0  # clock time of the last reminder (or the hold's start)
    _reminder: Clip | None = None

    if TYPE_CHECKING:  # what ``Player`` provides (declared for the type checker only)
        timeline: Timeline
        backend: Backend
        bed: LiveBed | None
        result: PlayResult
        clock: Callable[[], float]
        _clip_of: Callable[[Event], Clip]

        def report(self, reason: Reason, position: float, message: str | None = None) -> None: ...

        def start_from(self, position: float) -> None: ...

        def _act(self, actions: list[str]) -> None: ...

        def _wait(self, seconds: float) -> list[str]: ...

    @property
    def _hold(self) -> float | None:
        """The position of the next hold: its part's end, as ``+`` and ``-`` leave it."""
        return None if self._hold_part is None else self.timeline.steps[self._hold_part].end

    def _next_hold(self, position: float) -> None:
        """Hold next at the end of the first waiting part that ends after ``position``."""
        steps = enumerate(self.timeline.steps)
        found = (i for i, s in steps if s.wait and s.end > position + EPSILON)
        self._hold_part = next(found, None)

    def _due_limit(self, limit: float) -> float:
        """``limit`` (a position up to which events are handed over), never reaching the
        next hold: what follows it waits for the release."""
        return limit if self._hold is None else min(limit, self._hold - 2 * EPSILON)

    def _holds_now(self, position: float) -> bool:
        """Start holding if ``position`` reached the next hold; whether it holds."""
        hold = self._hold
        if hold is None or position < hold - EPSILON:
            return False
        self.held_at, self._hold_part = hold, None
        self._held_since = self._reminded = self.clock()
        if self.bed is not None:
            self.bed.hold()
        self._prepare_reminder(hold)
        self.report(HELD, hold, HOLD_MESSAGE)
        return True

    def _while_held(self) -> None:
        """One turn of the loop while held: a reminder when due, then keys."""
        now = self.clock()
        if now - self._reminded >= REMIND - EPSILON:
            self._reminded = now
            self.result.reminders.append(now)
            if self._reminder is not None:
                self.backend.play(self._reminder, at=now + self.backend.latency)
        wait = self._reminded + REMIND - self.clock()
        self._act(self._wait(max(0.0, min(wait, 0.25))))

    def _release(self, position: float) -> None:
        """Go on from the hold at ``position`` (the part's end): the session's clock starts
        again there."""
        self.held_at = None
        waited = self.clock() - self._held_since
        self.result.waited += waited
        self.start_from(position)
        self.report(RELEASED, position, f"on, after waiting {durations.format(waited)}")

    def held_action(self, action: str) -> bool:
        """Handle ``action`` while held (True), or leave it to the usual handler (False):
        next and resume go on; pause and hold are refused (it is waiting already)."""
        held = self.held_at
        if held is None:  # not held (``Controls`` asks only while held)
            return False
        if action in (keynames.NEXT, keynames.RESUME):
            self._release(held)
            return True
        if action in (keynames.PAUSE, keynames.HOLD):
            self.report(REFUSED, held, HOLD_MESSAGE)
            return True
        return False

    def leave_hold(self) -> None:
        """Before a jump made while held (previous): the hold ends there."""
        if self.held_at is not None:
            self.result.waited += self.clock() - self._held_since
            self.held_at = None

    def _prepare_reminder(self, at: float) -> None:
        """The reminder's clip (for a hold at ``at``), made once, handed to the backend ahead
        (``preload``)."""
        if self._reminder is not None:
            return
        path = resources.find_sound(REMIND_SOUND, Path("."))
        if path is None:  # not installed: the status line still says it
            return
        sound = Sound(REMIND_SOUND, path)
        # a chime's clip is its file, whatever the event's duration says (the session's
        # timing knows only the sounds its routine names)
        clip = self._clip_of(Event(at, EventKind.CHIME, 1.0, 0, sound=sound))
        self._reminder = Clip(clip.samples * gain(REMIND_DB))
        self.backend.preload(self._reminder)

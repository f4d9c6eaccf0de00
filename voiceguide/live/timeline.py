"""Where the listener is in the session, and how keys re-time the rest: pure, no clock.

All times are seconds from the session start. ``find_step`` reads ``--start-at``; the
``Timeline`` holds the plan's parts and events as the listener changes them (skip, restart,
lengthen, shorten) and says what is due.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable

from voiceguide.errors import UsageError
from voiceguide.plan import (
    BEFORE_END_CHIME,
    GAP,
    Event,
    EventKind,
    Plan,
    PlanStep,
    StepKind,
    pulse_events,
)
from voiceguide.routine import Sound

RESIZE = 30.0  # seconds added or taken by one press of + or -
MIN_LEFT = 5.0  # seconds: - never leaves the current part with less than this
EPSILON = 1e-9


def find_step(plan: Plan, spec: str | int) -> int:
    """Index into ``plan.steps`` of the part ``spec`` names: a routine step number (1-based)
    or a case-insensitive prefix of a part's name ("chin", "side neck stretch (right)").

    Raises ``UsageError`` naming the choices when nothing or several different steps match.
    """
    text = str(spec).strip()
    if text.isdigit():
        number = int(text)
        for index, step in enumerate(plan.steps):
            if step.number == number:
                return index
        count = max((s.number or 0 for s in plan.steps), default=0)
        raise UsageError(f"--start-at: no step {number}; the routine has steps 1 to {count}")
    wanted = text.lower()
    for exact in (True, False):
        found = [
            i
            for i, step in enumerate(plan.steps)
            if any(
                name.lower() == wanted if exact else name.lower().startswith(wanted)
                for name in (step.title, step.name)
            )
        ]
        if found and len({plan.steps[i].name for i in found}) == 1:
            return found[0]
        if len(found) > 1 and not exact:
            names = ", ".join(dict.fromkeys(repr(plan.steps[i].name) for i in found))
            raise UsageError(
                f"--start-at: {text!r} matches several steps ({names}); "
                "give more of the name or the step number"
            )
    choices = ", ".join(dict.fromkeys(_label(s) for s in plan.steps))
    raise UsageError(f"--start-at: no step {text!r}; choose one of {choices}")


def _label(step: PlanStep) -> str:
    return f"{step.number} {step.name!r}" if step.number is not None else repr(step.name)


class Timeline:
    """The plan as it is being played: parts and events, re-timed by the listener.

    All times are seconds from the session start. ``cursor`` is the index of the next event
    to play. Events keep the index of their part in ``step`` (parts are never added or removed).
    """

    def __init__(self, plan: Plan, clip_seconds: Callable[[Sound], float] | None = None):
        self.steps: list[PlanStep] = list(plan.steps)
        self.events: list[Event] = list(plan.events)
        self.length = plan.length
        self.cursor = 0
        self.pace_factor = 1.0  # every pace times this: the listener's [ and ] keys
        # a pulse clip's seconds (the plan's own pulses say it when no function is given)
        known = {e.sounded.path: e.duration for e in plan.events if e.kind == EventKind.PULSE}
        self._clip_seconds = clip_seconds or (lambda sound: known.get(sound.path, 0.25))

    @property
    def count(self) -> int:
        """Routine steps (for "step 2/5")."""
        return max((s.number or 0 for s in self.steps), default=0)

    def step_index(self, position: float) -> int:
        """The part playing at ``position`` (the last one at or after the end)."""
        for index, step in enumerate(self.steps):
            if position < step.end - EPSILON:
                return index
        return len(self.steps) - 1

    def seek(self, position: float) -> None:
        """Make the first event at or after ``position`` the next one."""
        starts = [e.at for e in self.events]
        self.cursor = bisect.bisect_left(starts, position - EPSILON)

    def jump(self, position: float) -> None:
        """Seek to ``position`` (a part's boundary), the beats from there on at the
        listener's pace: a part played again after ``[`` or ``]`` follows the new pace too."""
        self.seek(position)
        if self.pace_factor != 1.0:
            self._retime_beats(position)
            self.seek(position)

    def next_event(self) -> Event | None:
        return self.events[self.cursor] if self.cursor < len(self.events) else None

    def upcoming(self, count: int) -> list[Event]:
        return self.events[self.cursor : self.cursor + count]

    def pop_due(self, position: float) -> list[Event]:
        """The events due at or before ``position``, in order; they will not be due again."""
        due = []
        while self.cursor < len(self.events) and self.events[self.cursor].at <= position:
            due.append(self.events[self.cursor])
            self.cursor += 1
        return due

    def resize(self, index: int, seconds: float, position: float) -> float:
        """Move the end of part ``index`` by ``seconds`` (at ``position``); return the change.

        The part's own events keep their times; those not yet played that would no longer end
        ``GAP / 2`` before its end are dropped. Later parts and events move by the change.
        The part never ends sooner than ``MIN_LEFT`` seconds after ``position``. In the
        closing part the end chime moves with its end (the quiet before it changes), never
        sooner than ``BEFORE_END_CHIME`` after the words nor before ``position``.
        """
        step = self.steps[index]
        end = step.end + seconds
        if seconds < 0:
            end = max(end, position + MIN_LEFT, self._least_end(index, position))
            if end >= step.end:
                return 0.0
        delta = end - step.end
        self.steps[index] = dataclasses.replace(step, end=end)
        for later in range(index + 1, len(self.steps)):
            s = self.steps[later]
            self.steps[later] = dataclasses.replace(s, start=s.start + delta, end=s.end + delta)
        kept = self.events[: self.cursor]
        for event in self.events[self.cursor :]:
            if event.step > index or (event.step == index and _ending(step, event)):
                kept.append(dataclasses.replace(event, at=event.at + delta))
            elif event.step < index or event.end <= end - GAP / 2:
                kept.append(event)
        self.events = kept
        self.length += delta
        self._retime_beats(position)  # the part's glide now spans its new length
        return delta

    def _least_end(self, index: int, position: float) -> float:
        """The earliest end of part ``index`` that keeps its end chime (if it has one not
        yet played) ``BEFORE_END_CHIME`` after its words and not before ``position``."""
        step = self.steps[index]
        chimes = [e.at for e in self.events[self.cursor :] if e.step == index and _ending(step, e)]
        if not chimes:
            return position
        words = [e.end for e in self.events if e.step == index and e.kind == EventKind.SPEECH]
        earliest = max([position, *(end + BEFORE_END_CHIME for end in words)])
        return step.end + earliest - min(chimes)

    @property
    def paced(self) -> bool:
        """Whether any part has a pace (the ``[`` and ``]`` keys then do something)."""
        return any(step.pace is not None for step in self.steps)

    def pace_rate(self, position: float) -> float | None:
        """Beats per minute at ``position`` (the listener's factor included), or None."""
        step = self.steps[self.step_index(position)]
        if step.pace is None:
            return None
        share = min(1.0, max(0.0, (position - step.start) / (step.end - step.start)))
        return (step.pace.start + (step.pace.end - step.pace.start) * share) * self.pace_factor

    def set_pace(self, factor: float, position: float) -> None:
        """From ``position`` on, every pace times ``factor`` (of the plan's): the next beat
        comes one new period after the last one heard, then the glide goes on at the new
        rate."""
        self.pace_factor = factor
        self._retime_beats(position)

    def _retime_beats(self, position: float) -> None:
        """The beats not yet played, made again from ``position`` at ``pace_factor``."""
        if not self.paced:
            return
        played = self.events[: self.cursor]
        others = [e for e in self.events[self.cursor :] if e.kind != EventKind.PULSE]
        index = self.step_index(position)
        heard = [e.at for e in played if e.kind == EventKind.PULSE and e.step == index]
        beats = pulse_events(
            self.steps,
            played + others,
            self._clip_seconds,
            factor=self.pace_factor,
            since=position,
            last_beat=heard[-1] if heard else None,
        )
        self.events = played + sorted(others + beats, key=lambda e: e.at)


def _ending(step: PlanStep, event: Event) -> bool:
    """Whether ``event`` of ``step`` keeps its place before the step's end: the end chime of
    the closing part."""
    return step.kind == StepKind.OUTRO and event.kind == EventKind.CHIME


def start_position(plan: Plan, start_at: str | int | None) -> float:
    """Seconds from the session start where ``start_at`` (see ``find_step``) begins; 0 for
    None. ``UsageError`` for a step that does not exist."""
    return 0.0 if start_at is None else plan.steps[find_step(plan, start_at)].start

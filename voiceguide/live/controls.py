"""What the listener's keys do to a playing session: pause and resume, skip, restart, lengthen
or shorten a part, the pace guide slower or faster, the bed off and on, quit.

``Controls`` acts on the player through ``Steered``, what a player offers it (its timeline,
its position, the sounds it has handed over, its holds, its reports): a player holds a ``Controls``
and hands it the actions it reads.

Pause freezes the session's time and stops the sound at once; resume continues at the start
of a sentence or chime the pause cut (nothing overlaps). ``next`` jumps to the next part,
``previous`` restarts the current one (pressed again within ``DOUBLE_PREVIOUS`` seconds: the
part before). ``longer``/``shorter`` move the current part's end by ``RESIZE`` seconds: its
own cues keep their times from its start (a cue that no longer fits is dropped), everything
after it moves with the new boundary, and it never ends sooner than ``MIN_LEFT`` seconds from
now. Lengthening adds quiet time: no new cues are made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from voiceguide import durations
from voiceguide.live import keys as keynames
from voiceguide.live.backends.base import Handle
from voiceguide.live.bed import LiveBed
from voiceguide.live.status import (
    BEDDED,
    PACED,
    PAUSED,
    QUIT,
    REFUSED,
    RESIZED,
    RESTARTED,
    RESUMED,
    SKIPPED,
    PlayResult,
    Reason,
)
from voiceguide.live.timeline import RESIZE, Timeline
from voiceguide.plan import Event

DOUBLE_PREVIOUS = 1.5  # seconds: previous pressed again within this goes one part back
PACE_STEP = 0.1  # a press of [ or ]: a tenth of the session's pace slower or faster
# How slow and how fast the keys may make the pace guide, as a share of the session's paces
# (already scaled by ``--pace``, whose own range is ``pace.SCALE_RANGE``): not the same range,
# as the keys act on what the session plays, a step at a time, while the listener hears it.
PACE_LIMITS = (0.3, 2.0)


class Steered(Protocol):
    """What ``Controls`` needs of the player it steers."""

    timeline: Timeline
    result: PlayResult
    paused_at: float | None  # the frozen position while paused
    finished: bool
    held_at: float | None  # while a waiting part holds: the position it holds at
    bed: LiveBed | None
    no_bed: str | None  # why there is no bed, when one was asked for
    sounding: list[tuple[Event, Handle]]  # the sounds handed over, and still to be heard

    def position(self) -> float:
        """Seconds from the session start, now."""
        ...

    def silence(self) -> None:
        """Stop every sound at once (the bed is the caller's)."""
        ...

    def start_from(self, position: float) -> None:
        """Run from ``position``, heard ``latency`` seconds from now."""
        ...

    def held_action(self, action: str) -> bool:
        """Handle ``action`` while held (True), or leave it to ``Controls`` (False)."""
        ...

    def leave_hold(self) -> None:
        """Before a jump made while held: the hold ends there."""
        ...

    def report(self, reason: Reason, position: float, message: str | None = None) -> None: ...

    def finish(self, reason: Reason, position: float) -> None: ...


class Controls:
    """The key handlers of a ``Steered`` player; ``clock`` times a double ``previous``."""

    def __init__(self, player: Steered, clock: Callable[[], float]):
        self.player = player
        self.clock = clock
        self._last_previous: tuple[float, int] | None = None  # (clock time, part restarted)
        self._handlers: dict[str, Callable[[], None]] = {
            keynames.PAUSE: self._toggle_pause,
            keynames.NEXT: self._next,
            keynames.PREVIOUS: self._previous,
            keynames.LONGER: lambda: self._resize(RESIZE),
            keynames.SHORTER: lambda: self._resize(-RESIZE),
            keynames.SLOWER: lambda: self._change_pace(-PACE_STEP),
            keynames.FASTER: lambda: self._change_pace(PACE_STEP),
            keynames.BED: self._toggle_bed,
            keynames.QUIT: self._quit,
            keynames.HOLD: self._hold,
            keynames.RESUME: self._resume,
        }

    def act(self, actions: list[str]) -> None:
        """Do ``actions`` in order (an unknown one is ignored; none after quitting)."""
        for action in actions:
            if self.player.finished:
                return
            if self.player.held_at is not None and self.player.held_action(action):
                continue
            handler = self._handlers.get(action)
            if handler is not None:
                handler()

    def _toggle_bed(self) -> None:
        player = self.player
        position = player.position()
        if player.bed is None:
            player.report(REFUSED, position, player.no_bed or "this session has no sound bed")
            return
        on = player.bed.toggle()
        player.report(BEDDED, position, f"bed {player.bed.name} {'on' if on else 'off'}")

    quit_at: float | None = None  # where ``q`` stopped the session (``resume_point``)

    def resume_point(self) -> float:
        """Where the session would go on from if stopped now: the position, or the start of
        a sentence or chime it would cut (heard whole again); after ``q``, where it was
        then."""
        if self.quit_at is not None:
            return self.quit_at
        position = self.player.position()
        cut = [e.at for e, _ in self.player.sounding if e.at <= position < e.end]
        return min(cut, default=position)

    def _toggle_pause(self) -> None:
        player = self.player
        if player.paused_at is None:
            point = self.resume_point()
            player.silence()
            if player.bed is not None:
                player.bed.hold()
            player.paused_at = point
            player.timeline.seek(player.paused_at)
            player.report(PAUSED, player.paused_at, "paused")
        else:
            position, player.paused_at = player.paused_at, None
            player.start_from(position)
            player.report(RESUMED, position, "resumed")

    def _hold(self) -> None:
        """Pause, unless paused already (voice must not toggle: "pause" said twice stays
        paused)."""
        if self.player.paused_at is None:
            self._toggle_pause()

    def _resume(self) -> None:
        if self.player.paused_at is not None:
            self._toggle_pause()

    def _jump(self, position: float) -> None:
        player = self.player
        player.leave_hold()
        player.silence()
        player.timeline.jump(position)
        if player.paused_at is not None:
            player.paused_at = position
        else:
            player.start_from(position)

    def _next(self) -> None:
        timeline, position = self.player.timeline, self.player.position()
        index = timeline.step_index(position)
        if index + 1 >= len(timeline.steps):
            self.player.report(REFUSED, position, "already in the last part")
            return
        step = timeline.steps[index + 1]
        self._jump(step.start)
        self.player.report(SKIPPED, step.start, f"skipped to {step.title}")

    def _previous(self) -> None:
        now = self.clock()
        timeline = self.player.timeline
        held = self.player.held_at is not None  # held at a part's end: previous restarts it
        index = timeline.step_index(self.player.position() - (2e-9 if held else 0.0))
        last = self._last_previous
        if last is not None and now - last[0] <= DOUBLE_PREVIOUS and last[1] == index and index:
            index -= 1
        self._last_previous = (now, index)
        step = timeline.steps[index]
        self._jump(step.start)
        self.player.report(RESTARTED, step.start, f"from the start of {step.title}")

    def _resize(self, seconds: float) -> None:
        player, timeline = self.player, self.player.timeline
        position = player.position()
        index = timeline.step_index(position)
        step = timeline.steps[index]
        self._unschedule(position)
        change = timeline.resize(index, seconds, position)
        if not change:
            left = durations.format(step.end - position)
            player.report(REFUSED, position, f"{step.title} cannot be shorter ({left} left)")
            return
        end = durations.format(timeline.steps[index].end)
        sign = "+" if change > 0 else "-"
        message = f"{sign}{abs(change):.0f}s: {step.title} now ends at {end}"
        player.report(RESIZED, position, message)

    def _change_pace(self, step: float) -> None:
        """The pace guide ``step`` (a share of the session's pace) faster or slower, from the
        next beat; within ``PACE_LIMITS``."""
        player, timeline = self.player, self.player.timeline
        position = player.position()
        if not timeline.paced:
            player.report(REFUSED, position, "this session has no pace guide")
            return
        low, high = PACE_LIMITS
        factor = round(min(high, max(low, timeline.pace_factor + step)), 2)
        if factor == timeline.pace_factor:
            player.report(REFUSED, position, f"the pace stays at {factor:.0%}")
            return
        self._unschedule(position)
        timeline.set_pace(factor, position)
        way = "slower" if step < 0 else "faster"
        player.report(PACED, position, f"pace {factor:.0%}: {way} from the next beat")

    def _quit(self) -> None:
        self.player.result.quit = True
        self.quit_at = self.resume_point()
        self.player.finish(QUIT, self.player.position())

    def _unschedule(self, position: float) -> None:
        """Take back events handed to the backend early (its ``lead``) that have not started,
        so that re-timing applies to them too."""
        player = self.player
        ahead = [(e, h) for e, h in player.sounding if e.at > position]
        for _, handle in ahead:
            handle.stop()
        if ahead:
            player.sounding = [(e, h) for e, h in player.sounding if e.at <= position]
            player.timeline.seek(position)

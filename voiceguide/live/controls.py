"""What the listener's keys do to a playing session (``Player`` inherits these): pause and
resume, skip, restart, lengthen or shorten a part, the pace guide slower or faster, quit.

See the ``live.player`` docstring for what each one means for the session's time.
"""

from __future__ import annotations

from voiceguide import durations
from voiceguide.live import keys as keynames
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
)
from voiceguide.live.timeline import RESIZE

DOUBLE_PREVIOUS = 1.5  # seconds: previous pressed again within this goes one part back
PACE_STEP = 0.1  # a press of [ or ]: a tenth of the routine's pace slower or faster
PACE_LIMITS = (0.3, 2.0)  # how slow and how fast the keys may make it


class Controls:
    """The key handlers of ``Player`` (which provides the clock, the timeline, the backend,
    ``position``, ``_report``, ``_start_from`` and ``_finish``)."""

    quit_at: float | None = None  # where ``q`` stopped the session (``resume_point``)

    # -- keys

    def _act(self, actions: list[str]) -> None:
        for action in actions:
            if self.finished:
                return
            if self.held_at is not None and self._held_action(action):
                continue
            handler = {
                keynames.PAUSE: self._toggle_pause,
                keynames.NEXT: self._next,
                keynames.PREVIOUS: self._previous,
                keynames.LONGER: lambda: self._resize(RESIZE),
                keynames.SHORTER: lambda: self._resize(-RESIZE),
                keynames.SLOWER: lambda: self._change_pace(-PACE_STEP),
                keynames.FASTER: lambda: self._change_pace(PACE_STEP),
                keynames.BED: self._toggle_bed,
                keynames.QUIT: self._quit,
                keynames.HOLD: lambda: self.paused_at is None and self._toggle_pause(),
                keynames.RESUME: lambda: self.paused_at is not None and self._toggle_pause(),
            }.get(action)
            if handler is not None:
                handler()
        self._retime_bed()

    def _toggle_bed(self) -> None:
        position = self.position()
        if self.bed is None:
            self._report(REFUSED, position, self.no_bed or "this session has no sound bed")
            return
        on = self.bed.toggle()
        self._report(BEDDED, position, f"bed {self.bed.name} {'on' if on else 'off'}")

    def _silence(self) -> None:
        self.backend.stop_all()
        self._sounding = []

    def resume_point(self) -> float:
        """Where the session would go on from if stopped now: the position, or the start of
        a sentence or chime it would cut (heard whole again); after ``q``, where it was
        then."""
        if self.quit_at is not None:
            return self.quit_at
        position = self.position()
        cut = [e.at for e, _ in self._sounding if e.at <= position < e.end]
        return min(cut, default=position)

    def _toggle_pause(self) -> None:
        if self.paused_at is None:
            point = self.resume_point()
            self._silence()
            if self.bed is not None:
                self.bed.hold()
            self.paused_at = point
            self.timeline.seek(self.paused_at)
            self._report(PAUSED, self.paused_at, "paused")
        else:
            position, self.paused_at = self.paused_at, None
            self._start_from(position)
            self._report(RESUMED, position, "resumed")

    def _jump(self, position: float) -> None:
        self._leave_hold()
        self._silence()
        self.timeline.jump(position)
        if self.paused_at is not None:
            self.paused_at = position
        else:
            self._start_from(position)

    def _next(self) -> None:
        position = self.position()
        index = self.timeline.step_index(position)
        if index + 1 >= len(self.timeline.steps):
            self._report(REFUSED, position, "already in the last part")
            return
        step = self.timeline.steps[index + 1]
        self._jump(step.start)
        self._report(SKIPPED, step.start, f"skipped to {step.title}")

    def _previous(self) -> None:
        now = self.clock()
        held = self.held_at is not None  # held at a part's end: previous restarts that part
        index = self.timeline.step_index(self.position() - (2e-9 if held else 0.0))
        last = self._last_previous
        if last is not None and now - last[0] <= DOUBLE_PREVIOUS and last[1] == index and index:
            index -= 1
        self._last_previous = (now, index)
        step = self.timeline.steps[index]
        self._jump(step.start)
        self._report(RESTARTED, step.start, f"from the start of {step.title}")

    def _resize(self, seconds: float) -> None:
        position = self.position()
        index = self.timeline.step_index(position)
        step = self.timeline.steps[index]
        if step.kind == "outro":
            self._report(REFUSED, position, "the closing keeps its length")
            return
        self._unschedule(position)
        change = self.timeline.resize(index, seconds, position)
        if not change:
            left = durations.format(step.end - position)
            self._report(REFUSED, position, f"{step.title} cannot be shorter ({left} left)")
            return
        end = durations.format(self.timeline.steps[index].end)
        sign = "+" if change > 0 else "-"
        message = f"{sign}{abs(change):.0f}s: {step.title} now ends at {end}"
        self._report(RESIZED, position, message)

    def _change_pace(self, step: float) -> None:
        """The pace guide ``step`` (a share of the routine's pace) faster or slower, from the
        next beat; within ``PACE_LIMITS``."""
        position = self.position()
        if not self.timeline.paced:
            self._report(REFUSED, position, "this session has no pace guide")
            return
        low, high = PACE_LIMITS
        factor = round(min(high, max(low, self.timeline.pace_factor + step)), 2)
        if factor == self.timeline.pace_factor:
            self._report(REFUSED, position, f"the pace stays at {factor:.0%}")
            return
        self._unschedule(position)
        self.timeline.set_pace(factor, position)
        way = "slower" if step < 0 else "faster"
        self._report(PACED, position, f"pace {factor:.0%}: {way} from the next beat")

    def _unschedule(self, position: float) -> None:
        """Take back events handed to the backend early (its ``lead``) that have not started,
        so that re-timing applies to them too."""
        ahead = [(e, h) for e, h in self._sounding if e.at > position]
        for _, handle in ahead:
            handle.stop()
        if ahead:
            self._sounding = [(e, h) for e, h in self._sounding if e.at <= position]
            self.timeline.seek(position)

    def _quit(self) -> None:
        self.result.quit = True
        self.quit_at = self.resume_point()
        self._finish(QUIT, self.position())

"""Lay out a fitted routine as a plan: steps and events at absolute times (seconds from the
session start).

The plan is the one thing live playback and export consume. Rules:

* each step (each side of a step) begins with its chime exactly at its boundary; its
  instruction is spoken once the chime has rung out, and must be over before the step ends: a
  step too short for them is a ``RoutineError`` at the step's line (fitting never makes a
  flexible step that short, but a fixed one, one whose max is too small, or one kept at its
  written length can be);
* boundaries never move, so the session lasts exactly the fitted length;
* speech never overlaps speech or a chime: a cue that would collide waits for the sound before
  it, and the plan says so in ``warnings``; a cue that cannot finish before its step ends is
  dropped (with a warning);
* the session opens with the intro (if any), spoken ``LEAD_IN`` seconds in (a get-ready's
  opening chime rings at 0:00 and its words follow ``AFTER_CHIME`` after it); written as text
  the first step follows ``AFTER_INTRO`` seconds after it, written as a part (the get-ready,
  ``Routine.get_ready``) when its fitted duration is over: quiet after the words;
* the session closes with the outro (if any) and the ``end`` chime, which finishes
  ``TAIL`` seconds before the end: ``BEFORE_END_CHIME`` seconds after the outro when it is
  text, at the end of the rest (``Routine.rest``: the words, then quiet) when it is a part;
* a session with a bed gets its envelope (``bed_envelope``): the plan is finished here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import assert_never

from voiceguide import durations, fit
from voiceguide.errors import RoutineError, combined
from voiceguide.plan import bed
from voiceguide.plan.bed import BedEnvelope, BedLevels
from voiceguide.plan.model import END_CHIME, Event, EventKind, Plan, PlanStep, StepKind
from voiceguide.plan.pulses import pulse_events
from voiceguide.routine import Cue, CueKind, Pace, Routine, Sound, Step, instruction, side_text

LEAD_IN = 0.5  # silence before the intro is spoken
AFTER_CHIME = 0.25  # silence between a chime's end and the speech that follows it
GAP = 0.3  # least silence between two sounds in the same step
AFTER_INTRO = 1.5  # silence between the intro and the first step
BEFORE_END_CHIME = 1.0  # silence between the outro (or last step) and the end chime
TAIL = 0.5  # silence after the end chime


class Timing:
    """The durations (seconds) of every clip, for planning: speech by text, sounds by path."""

    def __init__(self, speech: Mapping[str, float], sounds: Mapping[Path, float], end_chime: Sound):
        self.speech = speech
        self.sounds = sounds
        self.end_chime = end_chime

    def of(self, sound: Sound | None) -> float:
        return self.sounds[sound.path] if sound is not None else 0.0

    def overhead(self, routine: Routine) -> float:
        """Fixed time outside the parts the fitter scales: an intro and a closing written as
        text (an intro or outro written as a part is one of those parts)."""
        intro = self.opening(routine) if routine.get_ready is None else 0.0
        return intro + (self.closing(routine) if routine.rest is None else 0.0)

    def opening(self, routine: Routine) -> float:
        """Seconds the intro's words take with the silence around them (0 without words): the
        intro's part when written as text. It depends on the intro's speech alone (not even
        by a rounding: a session begins before its other texts are rendered,
        ``session.staged``); a get-ready's length depends on the fit. A get-ready that rings
        an opening chime needs the chime's length at least."""
        if not routine.intro:
            return self.of(opening_chime(routine))
        return self.intro_start(routine) + self.speech[routine.intro] + AFTER_INTRO

    def intro_start(self, routine: Routine) -> float:
        """Seconds from the session start to the intro's words: ``LEAD_IN``, or after the
        get-ready's opening chime has rung out (``AFTER_CHIME`` after it)."""
        chime = opening_chime(routine)
        return LEAD_IN if chime is None else self.of(chime) + AFTER_CHIME

    def closing(self, routine: Routine) -> float:
        """Seconds the outro's words, the end chime and the silence around them take."""
        outro = self.speech[routine.outro] if routine.outro else 0.0
        return outro + BEFORE_END_CHIME + self.of(self.end_chime) + TAIL

    def floors(self, routine: Routine) -> dict[int, float]:
        """Least time (seconds) each part needs: a step (the interlude) to ring its chime
        and say its instruction, the get-ready and the rest to say their words (and ring the
        end chime); keyed as ``fit.routine_parts``."""
        steps = dict(enumerate(routine.steps))
        if routine.interlude is not None:
            steps[fit.INTERLUDE] = routine.interlude
        floors = {i: self.step_floor(step, routine.announcement) for i, step in steps.items()}
        if routine.get_ready is not None:
            floors[fit.GET_READY] = self.opening(routine)
        if routine.rest is not None:
            floors[fit.REST] = self.closing(routine)
        return floors

    def step_floor(self, step: Step, wording: str) -> float:
        """Seconds ``step`` needs: every side (equal shares of the step) must hold its chime,
        the pause after it, its instruction (a side announced in ``wording``) and a gap, so
        it is the sides' count times the most that one side needs (the first side's chime
        is usually the longer)."""
        sides = step.sides or (None,)
        needs = (self.side_need(step, n, side, wording) for n, side in enumerate(sides))
        return len(sides) * max(needs)

    def side_need(self, step: Step, position: int, side: str | None, wording: str) -> float:
        chime = step.chime if position == 0 else step.side_chime
        return self.of(chime) + AFTER_CHIME + self.speech[instruction(step, side, wording)] + GAP


def opening_chime(routine: Routine) -> Sound | None:
    """The chime a get-ready rings at 0:00 (``intro: {chime: ...}``), or None."""
    return routine.get_ready.chime if routine.get_ready is not None else None


def build(
    routine: Routine, timing: Timing, pace: float = 1.0, bed_levels: BedLevels | None = None
) -> Plan:
    """Lay out ``routine`` (already fitted) as a ``Plan``; ``pace`` scales every pace of the
    pace guide (0: none), whose beats are added last (``pulses``); with ``bed_levels`` the
    plan holds the bed's envelope under its events (``Plan.bed``).

    Raises ``RoutineError`` at a step's line when the step cannot hold its chime and spoken
    instruction: they would run into the next step's chime (two sounds at once) or, after
    the last step, past the end of the session.
    """
    check_room(routine, timing)
    builder = _Builder(timing, pace, routine.announcement)
    at = builder.add_intro(routine)
    for place, step in enumerate(routine.steps, start=1):
        at = builder.add_routine_step(step, at, step.number or place, StepKind.STEP)
        if routine.interlude and step.interlude_after and place < len(routine.steps):
            at = builder.add_routine_step(routine.interlude, at, None, StepKind.BETWEEN)
    builder.add_closing(routine, at)
    built = builder.plan(routine.title)
    if bed_levels is None:
        return built
    return dataclasses.replace(built, bed=bed_envelope(bed_levels, built.events, built.length))


def bed_envelope(levels: BedLevels, events: Sequence[Event], length: float) -> BedEnvelope:
    """The bed at ``levels`` under ``events`` (a plan's, or the live player's re-timed
    ones), ducked under their speech, its fade-out ending before the end chime (or, without
    one, ``length`` seconds: the session's end)."""
    speech = [(e.at, e.end) for e in events if e.kind == EventKind.SPEECH]
    return bed.envelope(levels, speech, end_chime_at(events, length))


def end_chime_at(events: Sequence[Event], length: float) -> float:
    """When the session's end chime (the last chime called ``END_CHIME``) starts; a plan
    without one ends with the session (``length``)."""
    ending = [e.at for e in events if e.kind == EventKind.CHIME and e.sounded.name == END_CHIME]
    return ending[-1] if ending else length


def check_room(routine: Routine, timing: Timing) -> None:
    """Refuse every step (and the interlude, if it is played) shorter than its chime and
    spoken instruction take (``Timing.step_floor``), and a get-ready or rest shorter than
    its words (and the end chime) take, naming its line and what to change."""
    steps = [(f"step {step.number or n}", step) for n, step in enumerate(routine.steps, start=1)]
    steps = list({(step.line, what): (what, step) for what, step in steps}.values())  # rounds
    if routine.interlude is not None and fit.interlude_count(routine):
        steps.append(("between", routine.interlude))
    wording = routine.announcement
    needs = [(what, step, timing.step_floor(step, wording)) for what, step in steps]
    if routine.get_ready is not None:
        needs.append(("intro", routine.get_ready, timing.opening(routine)))
    if routine.rest is not None:
        needs.append(("outro", routine.rest, timing.closing(routine)))
    short = [
        RoutineError(routine.path, step.line, _no_room(what, step, need))
        for what, step, need in needs
        if step.duration < need - 1e-6
    ]
    if short:  # every one at once
        raise combined(short)


def _no_room(what: str, step: Step, need: float) -> str:
    least = durations.humanize(math.ceil(need))
    sounds = "chime and spoken instruction need"
    if len(step.sides) > 1:
        sounds = f"chimes and spoken instructions ({len(step.sides)} sides) need"
    if what == "intro":
        sounds = "words need"
    if what == "outro":
        sounds = "words and the end chime need" if step.say else "end chime needs"
    if not step.fixed and step.max < need:
        change = f"raise its max to at least {least}"
    else:
        change = f"make its duration at least {least}"
    if what != "outro" or step.say:
        change += ", or shorten the text"
    return (
        f"{what} {step.name!r} lasts {durations.format(step.duration, True)} but its {sounds} "
        f"{durations.format(need, True)}; {change}"
    )


class _Builder:
    def __init__(self, timing: Timing, pace: float, wording: str):
        self.timing = timing
        self.pace = pace
        self.wording = wording  # how a side is announced (``Routine.announcement``)
        self.steps: list[PlanStep] = []
        self.events: list[Event] = []
        self.warnings: list[str] = []

    def plan(self, title: str) -> Plan:
        beats = pulse_events(self.steps, self.events, self.timing.of)
        events = tuple(sorted(self.events + beats, key=lambda e: e.at))
        return Plan(title, self.steps[-1].end, tuple(self.steps), events, tuple(self.warnings))

    def add_step(self, step: PlanStep) -> int:
        self.steps.append(step)
        return len(self.steps) - 1

    def speak(self, text: str, at: float, index: int) -> Event:
        event = Event(at, EventKind.SPEECH, self.timing.speech[text], index, text=text)
        self.events.append(event)
        return event

    def chime(self, sound: Sound, at: float, index: int) -> Event:
        event = Event(at, EventKind.CHIME, self.timing.of(sound), index, sound=sound)
        self.events.append(event)
        return event

    def add_routine_step(
        self, step: Step, start: float, number: int | None, kind: StepKind
    ) -> float:
        sides = step.sides or (None,)
        segment = step.duration / len(sides)
        for position, side in enumerate(sides):
            begin = start + position * segment
            end = (
                start + (position + 1) * segment
                if position < len(sides) - 1
                else start + step.duration
            )
            waits = step.wait and position == len(sides) - 1  # at the step's end
            paced = self.paced(step.pace)
            made = PlanStep(step.name, kind, begin, end, side, number, paced, waits, step.round)
            index = self.add_step(made)
            self.add_segment(step, side, position, index)
        return start + step.duration

    def add_segment(self, step: Step, side: str | None, position: int, index: int) -> None:
        segment = self.steps[index]
        busy = segment.start
        chime = step.chime if position == 0 else step.side_chime
        if chime is not None:
            busy = self.chime(chime, busy, index).end + AFTER_CHIME
        spoken = self.speak(instruction(step, side, self.wording), busy, index)  # has room
        busy = spoken.end + GAP
        cues = sorted(
            ((t, c) for c in step.cues for t in _cue_times(c, segment)), key=lambda tc: tc[0]
        )
        due = {id(cue) for _, cue in cues}
        for cue in step.cues:
            if id(cue) not in due:
                self.warnings.append(
                    f"{_where(segment)}: cue at line {cue.line} ({_cue_label(cue)!r}) skipped: "
                    "the fitted step is too short for its time"
                )
        waited: dict[int, float] = {}
        dropped: dict[int, int] = {}
        for at, cue in cues:
            busy = self.add_cue(cue, step, side, segment, index, at, busy, waited, dropped)
        self._cue_warnings(step, segment, waited, dropped)

    def add_cue(
        self,
        cue: Cue,
        step: Step,
        side: str | None,
        segment: PlanStep,
        index: int,
        at: float,
        busy: float,
        waited: dict[int, float],
        dropped: dict[int, int],
    ) -> float:
        text = side_text(cue.say, side, announce=False)
        start = max(at, busy)
        length = self.timing.of(cue.chime) + (AFTER_CHIME if cue.chime and text else 0.0)
        length += self.timing.speech[text] if text else 0.0
        if start + length > segment.end - GAP / 2:
            dropped[cue.line] = dropped.get(cue.line, 0) + 1
            return busy
        if start > at + 1e-9:
            waited[cue.line] = max(waited.get(cue.line, 0.0), start - at)
        if cue.chime is not None:
            start = self.chime(cue.chime, start, index).end + (AFTER_CHIME if text else 0.0)
        if text:
            start = self.speak(text, start, index).end
        return start + GAP

    def _cue_warnings(
        self, step: Step, segment: PlanStep, waited: dict[int, float], dropped: dict[int, int]
    ) -> None:
        for cue in step.cues:
            said = f"cue at line {cue.line} ({_cue_label(cue)!r})"
            if cue.line in waited:
                self.warnings.append(
                    f"{_where(segment)}: {said} waits up to "
                    f"{waited[cue.line]:.1f}s for the sound before it"
                )
            if cue.line in dropped:
                times = dropped[cue.line]
                self.warnings.append(
                    f"{_where(segment)}: {said} skipped {times} time"
                    f"{'s' if times > 1 else ''}: no room before the step ends"
                )

    def paced(self, pace: Pace | None) -> Pace | None:
        """``pace`` at the session's ``--pace`` (None: no pace guide there)."""
        return pace.scaled(self.pace) if pace is not None and self.pace > 0 else None

    def add_intro(self, routine: Routine) -> float:
        """The intro's part (``Introduction``, or the get-ready's name), if any; returns
        where the first step starts (seconds)."""
        part = routine.get_ready
        if part is None and not routine.intro:
            return 0.0
        length = part.duration if part else self.timing.opening(routine)
        name = part.name if part else "Introduction"
        pace = self.paced(part.pace) if part else None
        index = self.add_step(PlanStep(name, StepKind.INTRO, 0.0, length, pace=pace))
        chime = opening_chime(routine)
        if chime is not None:
            self.chime(chime, 0.0, index)
        if routine.intro:
            self.speak(routine.intro, self.timing.intro_start(routine), index)
        return length

    def add_closing(self, routine: Routine, start: float) -> None:
        """The last part: the outro and the end chime, ``BEFORE_END_CHIME`` after the words
        when the outro is text; when it is the rest (a part), the end chime at its end."""
        part = routine.rest
        length = part.duration if part else self.timing.closing(routine)
        name = part.name if part else ("Closing" if routine.outro else "End")
        pace = self.paced(part.pace) if part else None
        index = self.add_step(PlanStep(name, StepKind.OUTRO, start, start + length, pace=pace))
        at = start
        if routine.outro:
            at = self.speak(routine.outro, at, index).end
        chime = at + BEFORE_END_CHIME
        if part is not None:
            chime = start + length - TAIL - self.timing.of(self.timing.end_chime)
        self.chime(self.timing.end_chime, chime, index)


def _cue_times(cue: Cue, segment: PlanStep) -> Iterator[float]:
    """Absolute times (seconds from session start) a cue is due in ``segment``."""
    span = segment.end - segment.start
    match cue.when:
        case CueKind.EVERY:
            count = 1
            while count * cue.value < span - 1e-9:
                yield segment.start + count * cue.value
                count += 1
            return
        case CueKind.FRACTION:
            offset = cue.value * span
        case CueKind.FROM_START:
            offset = cue.value
        case CueKind.BEFORE_END:
            offset = span - cue.value
        case _:
            assert_never(cue.when)
    if 0 <= offset < span:
        yield segment.start + offset


def _cue_label(cue: Cue) -> str:
    if cue.say:
        return cue.say
    assert cue.chime is not None, "the loader refuses a cue with neither"
    return cue.chime.name


def _where(step: PlanStep) -> str:
    return f"{durations.format(step.start)} {step.title!r}"

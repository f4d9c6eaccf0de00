"""What a plan is: steps (``PlanStep``) and events (``Event``) at absolute times, in seconds
from the session start. Frozen: the live player re-times copies."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import assert_never

from voiceguide.plan.bed import BedEnvelope
from voiceguide.routine import Pace, Sound

END_CHIME = "end"  # the built-in chime that closes every session (``plan.build``)


class EventKind(StrEnum):
    """What an ``Event`` sounds (its value is the plan JSON's ``kind``)."""

    SPEECH = "speech"  # a text spoken: ``Event.text`` set
    CHIME = "chime"  # a chime: ``Event.sound`` set
    PULSE = "pulse"  # a beat of the pace guide: ``Event.sound`` set, a breath stretched


class StepKind(StrEnum):
    """What a ``PlanStep`` is (its value is the plan JSON's ``kind``)."""

    INTRO = "intro"  # the introduction, before the routine's first step
    STEP = "step"  # a step of the routine (one of its sides, when it has sides)
    BETWEEN = "between"  # the routine's interlude, between two steps
    OUTRO = "outro"  # the closing: the outro spoken, the end chime


@dataclass(frozen=True)
class Event:
    """A sound at ``at`` seconds from the session start, lasting ``duration`` seconds.

    ``kind`` is ``CHIME`` (``sound`` set), ``SPEECH`` (``text`` set) or ``PULSE`` (a
    beat of the pace guide: ``sound`` set, stretched to ``duration`` for a breath). ``step`` is
    the index into ``Plan.steps`` of the step it belongs to. ``gain_db`` is the event's level
    against the session's (a pulse sits under the speech, and further under it when speech
    is heard; speech and chimes: 0).
    """

    at: float
    kind: EventKind
    duration: float
    step: int
    text: str | None = None
    sound: Sound | None = None
    gain_db: float = 0.0

    @property
    def end(self) -> float:
        return self.at + self.duration

    @property
    def clip_key(self) -> tuple[object, ...]:
        """What identifies the event's audio: events with equal keys sound the same."""
        match self.kind:
            case EventKind.SPEECH:
                return (self.kind, self.text)
            case EventKind.PULSE:  # a breath is stretched to its period: its length counts
                return (self.kind, self.sounded.path, round(self.duration, 3), self.gain_db)
            case EventKind.CHIME:
                return (self.kind, self.sounded.path)
            case _:
                assert_never(self.kind)

    @property
    def spoken(self) -> str:
        """The text of a ``SPEECH`` event (``ValueError`` for another kind)."""
        if self.text is None:
            raise ValueError(f"a {self.kind} event speaks no text")
        return self.text

    @property
    def sounded(self) -> Sound:
        """The sound of a ``CHIME`` or ``PULSE`` event (``ValueError`` for speech)."""
        if self.sound is None:
            raise ValueError(f"a {self.kind} event sounds no chime")
        return self.sound


@dataclass(frozen=True)
class PlanStep:
    """A stretch of the session from ``start`` to ``end`` (seconds from the session start).

    ``kind``: see ``StepKind``. ``number`` is the 1-based
    step number in the routine (``None`` for the others); ``side`` is set for a side of a step.
    """

    name: str
    kind: StepKind
    start: float
    end: float
    side: str | None = None
    number: int | None = None
    pace: Pace | None = None  # the pace guide's rhythm in this stretch (rates already scaled)
    wait: bool = False  # played live, the session holds at ``end`` until the giver moves on
    round: int | None = None  # which round of a repeated step (from 1), in rounds

    @property
    def title(self) -> str:
        name = f"{self.name}, round {self.round}" if self.round else self.name
        return f"{name} ({self.side})" if self.side else name


@dataclass(frozen=True)
class Plan:
    title: str
    length: float
    steps: tuple[PlanStep, ...]
    events: tuple[Event, ...]
    warnings: tuple[str, ...] = field(default=())
    bed: BedEnvelope | None = None  # the sound bed's level over the session, if one plays

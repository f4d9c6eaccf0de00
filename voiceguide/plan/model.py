"""What a plan is: steps (``PlanStep``) and events (``Event``) at absolute times, in seconds
from the session start. Frozen: the live player re-times copies."""

from __future__ import annotations

from dataclasses import dataclass, field

from voiceguide.plan.bed import BedEnvelope
from voiceguide.routine import Pace, Sound

END_CHIME = "end"  # the built-in chime that closes every session (``plan.build``)


@dataclass(frozen=True)
class Event:
    """A sound at ``at`` seconds from the session start, lasting ``duration`` seconds.

    ``kind`` is ``"chime"`` (``sound`` set), ``"speech"`` (``text`` set) or ``"pulse"`` (a
    beat of the pace guide: ``sound`` set, stretched to ``duration`` for a breath). ``step`` is
    the index into ``Plan.steps`` of the step it belongs to. ``gain_db`` is the event's level
    against the session's (a pulse sits under the speech, and further under it when speech
    is heard; speech and chimes: 0).
    """

    at: float
    kind: str
    duration: float
    step: int
    text: str | None = None
    sound: Sound | None = None
    gain_db: float = 0.0

    @property
    def end(self) -> float:
        return self.at + self.duration

    @property
    def clip_key(self) -> tuple:
        """What identifies the event's audio: events with equal keys sound the same."""
        if self.kind == "speech":
            return ("speech", self.text)
        if self.kind == "pulse":  # a breath is stretched to its period: its length counts
            return ("pulse", self.sound.path, round(self.duration, 3), self.gain_db)
        return (self.kind, self.sound.path)


@dataclass(frozen=True)
class PlanStep:
    """A stretch of the session from ``start`` to ``end`` (seconds from the session start).

    ``kind``: ``"intro"``, ``"step"``, ``"between"`` or ``"outro"``. ``number`` is the 1-based
    step number in the routine (``None`` for the others); ``side`` is set for a side of a step.
    """

    name: str
    kind: str
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

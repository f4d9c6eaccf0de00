"""Build the session plan: steps and events at absolute times (seconds from session start).

The plan is the one thing live playback and export consume: ``model`` says what it is,
``build`` lays a fitted routine out (chimes on boundaries, instructions after them, cues,
the closing), ``pulses`` adds the pace guide's beats. Pure: no disk, no clock.
"""

from voiceguide.plan.bed import BedEnvelope, BedLevels
from voiceguide.plan.build import (
    AFTER_CHIME,
    AFTER_INTRO,
    BEFORE_END_CHIME,
    GAP,
    LEAD_IN,
    TAIL,
    Timing,
    bed_envelope,
    build,
    check_room,
    end_chime_at,
)
from voiceguide.plan.model import END_CHIME, Event, EventKind, Plan, PlanStep, StepKind
from voiceguide.plan.pulses import pulse_events

__all__ = [
    "AFTER_CHIME",
    "AFTER_INTRO",
    "BedEnvelope",
    "BedLevels",
    "BEFORE_END_CHIME",
    "END_CHIME",
    "GAP",
    "LEAD_IN",
    "TAIL",
    "Event",
    "EventKind",
    "Plan",
    "PlanStep",
    "StepKind",
    "Timing",
    "bed_envelope",
    "end_chime_at",
    "build",
    "check_room",
    "pulse_events",
]

"""Build the session plan: steps and events at absolute times (seconds from session start).

The plan is the one thing live playback and export consume: ``model`` says what it is,
``build`` lays a fitted routine out (chimes on boundaries, instructions after them, cues,
the closing), ``pulses`` adds the pace guide's beats. Pure: no disk, no clock.
"""

from voiceguide.plan.bed import BedPlan, bed_plan, end_chime_at
from voiceguide.plan.build import (
    AFTER_CHIME,
    AFTER_INTRO,
    BEFORE_END_CHIME,
    GAP,
    LEAD_IN,
    TAIL,
    Timing,
    build,
    check_room,
)
from voiceguide.plan.model import Event, EventKind, Plan, PlanStep, StepKind
from voiceguide.plan.pulses import pulse_events

__all__ = [
    "AFTER_CHIME",
    "AFTER_INTRO",
    "BedPlan",
    "BEFORE_END_CHIME",
    "GAP",
    "LEAD_IN",
    "TAIL",
    "Event",
    "EventKind",
    "Plan",
    "PlanStep",
    "StepKind",
    "Timing",
    "bed_plan",
    "end_chime_at",
    "build",
    "check_room",
    "pulse_events",
]

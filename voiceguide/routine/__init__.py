"""Routine scripts: the model (``model``), the strict loader (``loader``) and the YAML reader
that keeps every value's line (``yamlnodes``). The format is documented in docs/routines.md
and published as a JSON Schema (voiceguide/routine/routine.schema.json)."""

from voiceguide.choices import (
    BED_DUCK,
    BED_DUCK_RANGE,
    BED_LEVEL,
    BED_LEVEL_RANGE,
    CHIME_LEVEL,
    CHIME_LEVEL_RANGE,
)
from voiceguide.routine.loader import (
    RATE_RANGE,
    SIDE_CHIME,
    VOLUME_RANGE,
    Reading,
    load,
    read,
)
from voiceguide.routine.model import (
    BedSpec,
    Cue,
    CueKind,
    Pace,
    Routine,
    Sound,
    Step,
    Voice,
    instruction,
    side_text,
)

__all__ = [
    "BED_DUCK",
    "BED_DUCK_RANGE",
    "BED_LEVEL",
    "BED_LEVEL_RANGE",
    "CHIME_LEVEL",
    "CHIME_LEVEL_RANGE",
    "RATE_RANGE",
    "SIDE_CHIME",
    "VOLUME_RANGE",
    "BedSpec",
    "Cue",
    "CueKind",
    "Pace",
    "Reading",
    "Routine",
    "Sound",
    "Step",
    "Voice",
    "instruction",
    "load",
    "read",
    "side_text",
]

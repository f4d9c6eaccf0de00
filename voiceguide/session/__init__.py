"""From a routine name to a plan with its clips: load -> render speech -> fit -> build
(``prepare``), what every command does first (``begin``: a session that begins while its
speech renders, ``staged``); which file a routine's name means and what a
session reads (``inputs``); its chimes, checked before any speech is rendered (``chimes``)."""

from voiceguide.session.chimes import (
    MAX_CHIME,
    chime_durations,
    end_chime,
    prepared,
    sound_durations,
)
from voiceguide.session.inputs import Inputs, bed_spec, find, inputs, inputs_of
from voiceguide.session.options import Options
from voiceguide.session.prepare import (
    Ready,
    Session,
    bed_levels,
    bed_source,
    check_spoken,
    fitted_to,
    length_range,
    planned,
    prepare,
    readied,
    speech_for,
)
from voiceguide.session.sentence import MAX_SAY, quoted, say
from voiceguide.session.speaker import Speaker, language_of, speaker, voice_for
from voiceguide.session.staged import Staged, begin, whole

__all__ = [
    "MAX_CHIME",
    "MAX_SAY",
    "Inputs",
    "Options",
    "Ready",
    "Session",
    "Speaker",
    "Staged",
    "bed_levels",
    "bed_source",
    "begin",
    "bed_spec",
    "check_spoken",
    "chime_durations",
    "end_chime",
    "find",
    "fitted_to",
    "inputs",
    "inputs_of",
    "language_of",
    "length_range",
    "planned",
    "prepared",
    "prepare",
    "quoted",
    "readied",
    "say",
    "sound_durations",
    "speaker",
    "speech_for",
    "voice_for",
    "whole",
]

"""From a routine name to a plan with its clips: load -> render speech -> fit -> build
(``prepare``), what every command does first; which file a routine's name means and what a
session reads (``inputs``); its chimes, checked before any speech is rendered (``chimes``)."""

from voiceguide.session.chimes import (
    END_CHIME,
    MAX_CHIME,
    chime_durations,
    end_chime,
    sound_durations,
)
from voiceguide.session.inputs import Inputs, bed_spec, find, inputs, inputs_of
from voiceguide.session.options import Options
from voiceguide.session.prepare import (
    MAX_SAY,
    Session,
    bed_for,
    check_spoken,
    fitted_to,
    length_range,
    prepare,
    quoted,
    say,
    speech_for,
)
from voiceguide.session.speaker import Speaker, language_of, speaker, voice_for

__all__ = [
    "END_CHIME",
    "MAX_CHIME",
    "MAX_SAY",
    "Inputs",
    "Options",
    "Session",
    "Speaker",
    "bed_for",
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
    "prepare",
    "quoted",
    "say",
    "sound_durations",
    "speaker",
    "speech_for",
    "voice_for",
]

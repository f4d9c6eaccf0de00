"""What a user may choose, and within which bounds: the closed lists and ranges that a
routine (``routine.loader``, ``routine.fields``), the command line's options and their help,
and the server's parameters all read.

It imports nothing, on purpose: ``voiceguide --help`` states these values without loading
the library (numpy, YAML, the engines), and ``tests/cli/test_startup.py`` holds it to that.
"""

from __future__ import annotations

ENGINES = ("espeak", "piper")  # the speech engines a routine or --engine may name
RATE_RANGE = (80, 450)  # words per minute
BED_LEVEL = 22.0  # LU under the speech, between words: there, and 12 dB under the pace guide
BED_DUCK = 12.0  # dB further down under speech: never masks a word
BED_LEVEL_RANGE = (6.0, 40.0)  # LU
BED_DUCK_RANGE = (0.0, 40.0)  # dB
# Chimes: LU under the speech (a negative level puts them over it). The default is where a
# chime is made (audio.clips.CHIME_LUFS, 2 LU under the speech's -16 LUFS).
CHIME_LEVEL = 2.0
CHIME_LEVEL_RANGE = (-6.0, 40.0)

# The playback backends by name, each the module that plays through it (it offers ``usable()``
# and ``open_backend()``: ``live.backends.BackendModule``). A new output is one module and one
# line here; where none is named, the first usable one plays (``live.backends.open_backend``).
BACKENDS = {
    "alsa": "voiceguide.live.backends.alsa",
    "simpleaudio": "voiceguide.live.backends.simpleaudio",
}

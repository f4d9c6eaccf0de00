"""What a user may choose, and within which bounds: the closed lists and ranges that a
routine (``routine.loader``, ``routine.fields``), the command line's options and their help,
and the server's parameters all read. The closed lists are ``StrEnum``s whose values are
what a routine, an option or a parameter spells.

It imports nothing of voiceguide's, on purpose: ``voiceguide --help`` states these values
without loading the library (numpy, YAML, the engines, the encoders), and
``tests/cli/test_startup.py`` holds it to that. Each set is defined here only; the modules
that act on a member are told by the member (``speech.engines`` loads an engine's module by
its value, ``exporting.formats`` holds each format's settings in a table keyed by it).
"""

from __future__ import annotations

from enum import StrEnum


class Engine(StrEnum):
    """A speech engine, by the name a routine (``voice: {engine: piper}``) or ``--engine``
    gives. Each is the module ``voiceguide.speech.<value>`` (what it holds:
    ``speech.engines.EngineModule``), loaded when the engine is first wanted: a new engine
    is that module and one line here (DEVELOPERS.md, "A new speech engine")."""

    ESPEAK = "espeak"  # espeak-ng through pyttsx3: everywhere, instant (the fallback)
    PIPER = "piper"  # Piper's neural voices, optional: pip install 'voiceguide[piper]'


# The engine where Piper is not installed, and for a language the chosen engine has no voice
# for (``speech.engines.default`` picks the default: Piper where installed).
FALLBACK_ENGINE = Engine.ESPEAK
# The engines a routine or --engine may name, as strings: click shows an Enum's choices by
# their names (ESPEAK), a StrEnum's values only when given as strings.
ENGINES: tuple[str, ...] = tuple(engine.value for engine in Engine)


class ExportFormat(StrEnum):
    """A format an export is written in (``--format``, a file's extension): its settings are
    ``exporting.formats.FORMATS[member]``."""

    WAV = "wav"
    FLAC = "flac"
    MP3 = "mp3"
    OGG = "ogg"  # Vorbis
    OPUS = "opus"


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

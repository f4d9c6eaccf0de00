"""What a user may choose from closed lists: the speech engines and the export formats, each
a ``StrEnum`` whose values are what a routine, an option or the server's parameters spell.

It imports nothing of voiceguide's, on purpose: a routine's loader, the command line's
options and their help, and the server all read these without loading the engines or the
encoders. Each set is defined here only; the modules that act on a member are told by the
member (``speech.engines`` loads an engine's module by its value, ``exporting.formats``
holds each format's settings in a table keyed by it).
"""

from __future__ import annotations

from enum import StrEnum


class Engine(StrEnum):
    """A speech engine, by the name a routine (``voice: {engine: piper}``) or ``--engine``
    gives. Each is the module ``voiceguide.speech.<value>`` (what it holds:
    ``speech.engines.EngineModule``), loaded when the engine is first wanted: a new engine
    is that module and one line here (DEVELOPERS.md, "A new speech engine")."""

    ESPEAK = "espeak"  # espeak-ng through pyttsx3: everywhere, instant (the default)
    PIPER = "piper"  # Piper's neural voices, optional: pip install 'voiceguide[piper]'


DEFAULT_ENGINE = Engine.ESPEAK


class ExportFormat(StrEnum):
    """A format an export is written in (``--format``, a file's extension): its settings are
    ``exporting.formats.FORMATS[member]``."""

    WAV = "wav"
    FLAC = "flac"
    MP3 = "mp3"
    OGG = "ogg"  # Vorbis
    OPUS = "opus"

"""voiceguide: routine scripts become spoken cues and chimes, played live or exported.

The library API, one call per stage (everything a user can cause raises a ``VoiceguideError``;
see ``voiceguide.errors``)::

    routine = voiceguide.load("back-massage.yaml")          # a checked Routine
    with voiceguide.renderer() as engine:                     # the speech engine's workers
        session = voiceguide.prepare("back-massage", voiceguide.Options(length=600), engine)
        voiceguide.export(session, "session.mp3")             # -16 LUFS, chapters, atomic
        voiceguide.play_live(lambda: session)                 # live, through the sound device

The names are imported when first used (PEP 562), so that ``import voiceguide.live`` does not
bring in the exporter's encoders, nor the command line the whole library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiceguide.speech import Engines

__version__ = "0.1.0"

_API = {
    "load": "voiceguide.routine",
    "Options": "voiceguide.session",
    "Session": "voiceguide.session",
    "prepare": "voiceguide.session",
    "export": "voiceguide.exporting",
    "export_many": "voiceguide.exporting",
    "export_split": "voiceguide.exporting",
    "play": "voiceguide.live",
    "play_live": "voiceguide.live",
    "VoiceguideError": "voiceguide.errors",
    "RoutineError": "voiceguide.errors",
    "UsageError": "voiceguide.errors",
    "SpeechError": "voiceguide.errors",
    "PlaybackError": "voiceguide.errors",
    "ExportError": "voiceguide.errors",
}
__all__ = [*_API, "renderer"]


def __getattr__(name: str) -> object:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'voiceguide' has no attribute {name!r}")


def renderer() -> Engines:
    """The speech engines, for ``prepare``: each routine is spoken by the engine it names
    (espeak-ng by default, Piper with ``voice: {engine: piper}``), in worker processes
    started when first needed.

    Returns:
        A ``speech.Engines``: a context manager (``with voiceguide.renderer() as engine``)
        whose exit stops every worker.
    """
    from voiceguide.speech import Engines

    return Engines()

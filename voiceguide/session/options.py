"""What the user may override on the command line, for every command that makes a session."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """What the user may override on the command line; ``None`` keeps the routine's.

    Attributes:
        length: The session's length in seconds (``--length``); ``None``: the routine's.
        voice: A voice id, name or language code (``--voice``).
        rate: Words per minute (``--rate``), within ``choices.RATE_RANGE``.
        pace: Every pace of the pace guide times this (``--pace 80%`` is 0.8); 0: none.
        engine: ``espeak`` or ``piper`` (``--engine``), overriding the routine's.
        bed: A built-in bed, a sound file (from the working directory) or ``"none"``.
        bed_level: LU under the speech between words (``--bed-level``).
        duck: dB further down under speech (``--duck``).
        chime_level: LU under the speech of the chimes (``--chime-level``).
    """

    length: float | None = None
    voice: str | None = None
    rate: int | None = None
    pace: float = 1.0
    engine: str | None = None
    bed: str | None = None
    bed_level: float | None = None
    duck: float | None = None
    chime_level: float | None = None

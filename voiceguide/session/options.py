"""What the user may override on the command line, for every command that makes a session."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """What the user may override on the command line. ``length`` in seconds."""

    length: float | None = None
    voice: str | None = None
    rate: int | None = None
    pace: float = 1.0  # every pace of the pace guide times this (``--pace 80%``); 0: none
    engine: str | None = None  # espeak or piper: overrides the routine's
    bed: str | None = None  # a built-in bed, a file (from the working directory) or "none"
    bed_level: float | None = None  # LU under the speech between words (default: routine's)
    duck: float | None = None  # dB further down under speech (default: the routine's)
    chime_level: float | None = None  # LU under the speech of the chimes (default: routine's)

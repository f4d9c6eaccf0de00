"""The error policy.

Programming misuse (a wrong type passed to a library function, an impossible internal state)
raises the standard ``TypeError``/``ValueError``. Everything a *user* can cause - a bad routine,
a missing voice or engine, no sound device, an unwritable output - raises a ``VoiceguideError``
subclass, chained ``from`` the underlying exception. The CLI prints ``str(error)`` on one line
and exits with ``error.exit_status``: 2 for bad input (the user must change what they asked),
1 for an environment problem (something is missing on the machine).
"""

from __future__ import annotations

import os
from pathlib import Path


class VoiceguideError(Exception):
    """Base of every error a user can cause."""

    exit_status = 1


class RoutineError(VoiceguideError):
    """An invalid routine script: carries the file and the 1-based line."""

    exit_status = 2

    def __init__(self, path: Path | str | None, line: int | None, message: str):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.message = message
        where = _shown(self.path) if self.path is not None else "<routine>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class UsageError(VoiceguideError):
    """A bad option value (a length that cannot be met, an unknown format...)."""

    exit_status = 2


class SpeechError(VoiceguideError):
    """The text-to-speech engine is missing, failed, or a voice is unknown."""


class PlaybackError(VoiceguideError):
    """No sound device, or the audio backend failed."""


class ExportError(VoiceguideError):
    """The output could not be written."""


class BedError(UsageError):
    """A sound bed that cannot be played: an unknown built-in name, or a file that is
    missing, not a sound, silent, too short or damaged. The message names it."""


def _shown(path: Path) -> str:
    """``path`` for a message, bytes that are not UTF-8 escaped (``\\xe9``): printing it never
    fails (as ``atomic.shown``: this module imports nothing of voiceguide's)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")

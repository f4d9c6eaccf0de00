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
    """Base of every error a user can cause; ``str(error)`` is what to tell them, one line
    (a ``RoutineErrors``: one line per problem).

    Attributes:
        exit_status: The command line's exit status for it: 2 when the user must change
            what they asked, 1 when something is missing or failing on the machine.
    """

    exit_status = 1


class RoutineError(VoiceguideError):
    """An invalid routine script: ``str(error)`` is ``FILE:LINE: what is wrong, what is
    allowed``. Exit status 2.

    Attributes:
        path: The routine's file, or ``None`` when it has none.
        line: The 1-based line of the problem, or ``None`` for the file as a whole.
        message: What is wrong and what is allowed, without the file and line.
        errors: Every problem it stands for, each one line (itself; a ``RoutineErrors``
            holds several), in line order.
        warnings: ``FILE:LINE: message`` texts about valid values that look like slips,
            found in the same routine: printed with the errors, since they often explain
            one (``length 30 is read as 30 seconds`` beside ``cannot fit 30s``).
    """

    exit_status = 2

    def __init__(self, path: Path | str | None, line: int | None, message: str):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.message = message
        self.warnings: tuple[str, ...] = ()
        where = _shown(self.path) if self.path is not None else "<routine>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")

    @property
    def errors(self) -> tuple[RoutineError, ...]:
        return (self,)


class RoutineErrors(RoutineError):
    """Several problems of one routine at once, so that one run reports them all. ``path``,
    ``line`` and ``message`` are the first's; ``str()`` is their lines joined by newlines."""

    def __init__(self, errors: tuple[RoutineError, ...]):
        first = errors[0]
        super().__init__(first.path, first.line, first.message)
        self.args = ("\n".join(str(error) for error in errors),)
        self._errors = errors

    @property
    def errors(self) -> tuple[RoutineError, ...]:
        return self._errors


def combined(found: list[RoutineError], warnings: tuple[str, ...] = ()) -> RoutineError:
    """One error for every problem in ``found`` (each may hold several), with ``warnings``:
    file by file (in the order met: a routine, then the user's lexicon), each in line order
    (a problem without a line first; the same line keeps the order found). ``found`` must
    not be empty."""
    errors = [error for each in found for error in each.errors]
    files = list(dict.fromkeys(error.path for error in errors))
    errors.sort(key=lambda error: (files.index(error.path), error.line or 0))
    error = errors[0] if len(errors) == 1 else RoutineErrors(tuple(errors))
    error.warnings = tuple(warnings)
    return error


class UsageError(VoiceguideError):
    """A bad option value (a length that cannot be met, an unknown format, a target that
    may not be written...), found before any work. Exit status 2."""

    exit_status = 2


class SpeechError(VoiceguideError):
    """The text-to-speech engine is missing or failed, a voice is not installed, or the
    speech cache cannot be written. Exit status 1."""


class PlaybackError(VoiceguideError):
    """No sound device, or the audio backend failed. Exit status 1."""

    # set (only) by ``live.backends.no_device``: what a named device's message says; an
    # annotation, not a default, so ``getattr(error, "detail", ...)`` tells the two apart
    detail: str


class ExportError(VoiceguideError):
    """The output could not be written (a full disk, a file-size limit, a closed pipe);
    any previous file is left as it was. Exit status 1."""


class BedError(UsageError):
    """A sound bed that cannot be played: an unknown built-in name, or a file that is
    missing, not a sound, silent, too short or damaged. The message names it."""


def _shown(path: Path) -> str:
    """``path`` for a message, bytes that are not UTF-8 escaped (``\\xe9``): printing it never
    fails (as ``atomic.shown``: this module imports nothing of voiceguide's)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")

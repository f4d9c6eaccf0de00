"""Where the built-in routines (scripts/) and chimes (sounds/) live.

In a wheel they are inside the package (``voiceguide/scripts``, ``voiceguide/sounds``, put there
by hatchling's force-include); in a checkout or an editable install they are at the top of the
repository. Both places are looked up, the package first.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
SOUND_SUFFIXES = (".wav", ".flac", ".ogg")


def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    return _PACKAGE / name


def scripts_dir() -> Path:
    return _data_dir("scripts")


def sounds_dir() -> Path:
    return _data_dir("sounds")


def routine_names() -> list[str]:
    """Names of the built-in routines (file stems in scripts/)."""
    return sorted(p.stem for p in scripts_dir().glob("*.yaml"))


class PaceSound(StrEnum):
    """The pace guide's sounds, by the name a routine gives (``pace: {sound: breath}``):
    each is the file of that name in sounds/, beside the chimes."""

    PULSE = "pulse"  # a soft tick per stroke
    BREATH = "breath"  # an in-breath and an out-breath per beat, stretched to its period


PACE_SOUNDS = tuple(PaceSound)  # in the order a message lists them


def sound_names() -> list[str]:
    """Names of the built-in chimes (file stems in sounds/, not the pace guide's)."""
    if not sounds_dir().is_dir():
        return []
    found = (p.stem for p in sounds_dir().iterdir() if p.suffix in SOUND_SUFFIXES)
    return sorted(name for name in found if name not in PACE_SOUNDS)


ROUTINE_SUFFIXES = (".yaml", ".yml")


def builtin_routine(name: str) -> Path | None:
    """The built-in routine ``name`` (``back-massage``), or None if there is none: a file of
    the working directory is never one."""
    if "/" in name or Path(name).suffix.lower() in ROUTINE_SUFFIXES:
        return None
    builtin = scripts_dir() / f"{name}.yaml"
    return builtin if builtin.is_file() else None


def find_routine(name_or_path: str) -> Path | None:
    """A built-in routine by name (``back-massage``), else any existing file path. A name
    that is a built-in's is the built-in even when a file of that name is in the working
    directory (as ``voiceguide list`` shows it): ``./back-massage`` names the file."""
    builtin = builtin_routine(name_or_path)
    if builtin is not None:
        return builtin
    path = Path(name_or_path)
    return path if path.is_file() else None


def shadowed_file(name: str) -> Path | None:
    """The file of the working directory that the built-in ``name`` hides, if there is one."""
    path = Path(name)
    return path if builtin_routine(name) is not None and path.is_file() else None


def is_sound_name(name: str) -> bool:
    """Whether ``name`` names a built-in sound (``bell``) rather than a file: no ``/`` and
    no ``.``."""
    return "/" not in name and "." not in name


def builtin_sound(name: str) -> Path:
    """The built-in sound ``name``'s file; where it should be (a ``.wav``) when a broken
    installation lacks it, so that reading it says so in one line."""
    return find_sound(name, sounds_dir()) or sounds_dir() / f"{name}.wav"


def find_sound(name: str, base: Path) -> Path | None:
    """A built-in chime by name (``bell``) or a sound file path relative to ``base``."""
    if is_sound_name(name):
        for suffix in SOUND_SUFFIXES:
            builtin = sounds_dir() / f"{name}{suffix}"
            if builtin.is_file():
                return builtin
        return None
    path = (base / name).expanduser()
    return path if path.is_file() and path.suffix.lower() in SOUND_SUFFIXES else None

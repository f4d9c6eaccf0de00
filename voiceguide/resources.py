"""Where the built-in routines (scripts/) and chimes (sounds/) live.

In a wheel they are inside the package (``voiceguide/scripts``, ``voiceguide/sounds``, put there
by hatchling's force-include); in a checkout or an editable install they are at the top of the
repository. Both places are looked up, the package first.
"""

from __future__ import annotations

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


PACE_SOUNDS = ("pulse", "breath")  # sounds/ holds the pace guide's sounds beside the chimes


def sound_names() -> list[str]:
    """Names of the built-in chimes (file stems in sounds/, not the pace guide's)."""
    if not sounds_dir().is_dir():
        return []
    found = (p.stem for p in sounds_dir().iterdir() if p.suffix in SOUND_SUFFIXES)
    return sorted(name for name in found if name not in PACE_SOUNDS)


def find_routine(name_or_path: str) -> Path | None:
    """A built-in routine by name (``back-massage``) or any existing file path."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    builtin = scripts_dir() / f"{name_or_path}.yaml"
    return builtin if "/" not in name_or_path and builtin.is_file() else None


def find_sound(name: str, base: Path) -> Path | None:
    """A built-in chime by name (``bell``) or a sound file path relative to ``base``."""
    if "/" not in name and "." not in name:
        for suffix in SOUND_SUFFIXES:
            builtin = sounds_dir() / f"{name}{suffix}"
            if builtin.is_file():
                return builtin
        return None
    path = (base / name).expanduser()
    return path if path.is_file() and path.suffix.lower() in SOUND_SUFFIXES else None

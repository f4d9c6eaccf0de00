"""What voiceguide wrote into a directory, so that it replaces its own files and nothing else.

A split export leaves ``.voiceguide-manifest.json`` in its directory: the name, size (bytes)
and SHA-256 of every file it wrote there. An entry of the directory is *verified* when the
manifest lists it and it is still a regular file (not a link) of that size and digest; every
other entry - a user's file, a track changed since, a folder, a link - is *foreign*.

``foreign`` names the first foreign entry of a directory (the caller refuses to replace it).
``remove`` deletes the verified files one by one, then the manifest and the
directory only if nothing else is left: never a recursive delete, so whatever is not
voiceguide's stays where it is. A directory from an older voiceguide (a ``playlist.m3u8`` but
no manifest) is foreign as a whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
from pathlib import Path

NAME = ".voiceguide-manifest.json"
_KIND = "voiceguide split"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def write(directory: Path) -> None:
    """List every file of ``directory`` (the manifest excepted) in its manifest.

    Only regular files may be listed: a directory or link there is a ``ValueError`` (the
    caller put it there; voiceguide never writes one into a split).
    """
    files = []
    for name in sorted(os.listdir(directory)):
        path = Path(directory) / name
        if name == NAME:
            continue
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{str(path)!r} is not a regular file: a manifest lists files only")
        files.append({"name": name, "size": info.st_size, "sha256": _digest(path)})
    text = json.dumps({"kind": _KIND, "version": 1, "files": files}, indent=1)
    (Path(directory) / NAME).write_text(text + "\n", encoding="ascii")


def listed(directory: Path) -> dict[str, tuple[int, str]] | None:
    """``{name: (size, sha256)}`` from ``directory``'s manifest; ``None`` when there is none
    or it is not one voiceguide could have written (unreadable, a link, a name with a path)."""
    path = Path(directory) / NAME
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        data = json.loads(path.read_text(encoding="ascii"))
    except (OSError, ValueError):  # ValueError: bad JSON or not ASCII
        return None
    if not isinstance(data, dict) or data.get("kind") != _KIND:
        return None
    files = data.get("files")
    if not isinstance(files, list) or not all(_valid(entry) for entry in files):
        return None
    return {entry["name"]: (entry["size"], entry["sha256"]) for entry in files}


def foreign(directory: Path) -> str | None:
    """The first entry (in name order) of ``directory`` that is not verified, or ``None``.

    The manifest itself is not foreign; without a valid manifest every entry is.
    """
    known = listed(directory)
    for name in sorted(os.listdir(directory)):
        if known is not None and name == NAME:
            continue
        if (
            known is None
            or name not in known
            or not _verified(Path(directory) / name, *known[name])
        ):
            return name
    return None


def remove(directory: Path) -> list[str]:
    """Delete ``directory``'s verified files, then its manifest and the directory itself if
    nothing else is left; returns the names left behind (foreign ones), ``[]`` when gone.

    A file that cannot be removed stays (and keeps the manifest): nothing here raises.
    """
    directory = Path(directory)
    for name, (size, digest) in (listed(directory) or {}).items():
        path = directory / name
        with contextlib.suppress(OSError):
            if _verified(path, size, digest):
                path.unlink()
    with contextlib.suppress(OSError):
        if os.listdir(directory) == [NAME]:
            (directory / NAME).unlink()
        directory.rmdir()
    try:
        return sorted(os.listdir(directory))
    except FileNotFoundError:
        return []


def _valid(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    name, size, digest = entry.get("name"), entry.get("size"), entry.get("sha256")
    return (
        isinstance(name, str)
        and name not in ("", ".", "..", NAME)
        and "/" not in name
        and "\0" not in name
        and isinstance(size, int)
        and size >= 0
        and isinstance(digest, str)
        and _DIGEST.match(digest) is not None
    )


def _verified(path: Path, size: int, digest: str) -> bool:
    """``path`` is a regular file (not a link) of ``size`` bytes and SHA-256 ``digest``."""
    try:
        return _digest(path, size) == digest
    except OSError:
        return False


def _digest(path: Path, size: int | None = None) -> str | None:
    """The SHA-256 of the regular file ``path`` (``None`` if it is not one, or not ``size``
    bytes long). Opened without following a link and without blocking, so a FIFO put there
    is refused rather than waited on."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with open(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or size not in (None, info.st_size):
            return None
        return hashlib.file_digest(f, "sha256").hexdigest()

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

A manifest is read only if it is one voiceguide could have written: a regular file of at
most ``MAX_BYTES`` (checked before reading: a 400 MB sparse file was read whole), laid out as
``write`` lays it out (its fields in that order, any white space), listing at most
``MAX_FILES``. It is matched field by field with regular expressions, never handed whole to a
JSON parser: a nesting 100,000 brackets deep (RecursionError) or a few MB of ``{},{},...``
(one dict per three bytes) would otherwise cost a traceback or hundreds of MB. Anything else
counts as no manifest, so nothing it names is replaced.
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
# The most tracks a split can have: a plan of the loader's most steps (200), each with the most
# sides (8), an interlude after each but the last (8 sides too), an intro and a closing:
# 1 + 200 * 8 + 199 * 8 + 1 = 3194 (tests/test_manifest.py checks it against the loader).
MAX_TRACKS = 3200
MAX_FILES = 2 * MAX_TRACKS + 1  # each track and its subtitles, and the playlist
# The longest entry as written: a name of 255 bytes (NAME_MAX) escaped to at most 6 ASCII
# bytes each (``\u0001``), its size, its digest and the keys: under 1,700 bytes.
ENTRY_BYTES = 2048
MAX_BYTES = 4096 + MAX_FILES * ENTRY_BYTES  # about 13 MB

# JSON as ``write`` lays it out, any white space (``\s``: JSON allows fewer; harmless here)
_HEAD = re.compile(
    rb'\s*\{\s*"kind"\s*:\s*"voiceguide split"\s*,\s*"version"\s*:\s*1\s*,\s*"files"\s*:\s*\['
)
_STRING = rb'"(?:[^"\\\x00-\x1f\x80-\xff]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'  # ASCII JSON
_ENTRY = re.compile(
    rb'\s*\{\s*"name"\s*:\s*(' + _STRING + rb')\s*,\s*"size"\s*:\s*(0|[1-9][0-9]{0,18})'
    rb'\s*,\s*"sha256"\s*:\s*"([0-9a-f]{64})"\s*\}\s*(,|\])'
)
_EMPTY = re.compile(rb"\s*\]")
_TAIL = re.compile(rb"\s*\}\s*")


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
    text = json.dumps({"kind": _KIND, "version": 1, "files": files}, indent=1) + "\n"
    if len(files) > MAX_FILES or len(text) > MAX_BYTES:  # listed() would refuse it
        raise ValueError(f"{len(files)} files, {len(text)} bytes: more than a split can hold")
    (Path(directory) / NAME).write_text(text, encoding="ascii")


def listed(directory: Path) -> dict[str, tuple[int, str]] | None:
    """``{name: (size, sha256)}`` from ``directory``'s manifest; ``None`` when there is none
    or it is not one voiceguide could have written (unreadable, a link, larger than
    ``MAX_BYTES``, laid out otherwise, a name with a path). Reads at most ``MAX_BYTES``."""
    text = _read(Path(directory) / NAME)
    if text is None:
        return None
    files = _parsed(text)
    if files is None or not all(_valid(name) for name in files):
        return None
    return files


def _read(path: Path) -> bytes | None:
    """The bytes of the regular file ``path`` if it holds at most ``MAX_BYTES``, else
    ``None``; opened without following a link or blocking on a FIFO, sized before reading."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with open(fd, "rb") as f:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
                return None
            text = f.read(MAX_BYTES + 1)  # it may have grown since fstat
        except OSError:
            return None
    return text if len(text) <= MAX_BYTES else None


def _parsed(text: bytes) -> dict[str, tuple[int, str]] | None:
    """The entries of a manifest laid out as ``write`` lays it out, or ``None``. Linear in
    the text's length; only the names go through the JSON parser (strings already matched).
    A name listed twice keeps its last entry, as ``json.loads`` did."""
    head = _HEAD.match(text)
    if head is None:
        return None
    at, files, count = head.end(), {}, 0
    empty = _EMPTY.match(text, at)
    if empty is not None:
        at = empty.end()
    else:
        end = b","
        while end == b",":
            entry = _ENTRY.match(text, at)
            count += 1
            if entry is None or count > MAX_FILES:
                return None
            name, size, digest, end = entry.groups()
            files[json.loads(name)] = (int(size), digest.decode())
            at = entry.end()
    return files if _TAIL.fullmatch(text, at) else None


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


def _valid(name: str) -> bool:
    """``name`` names an entry of the directory itself (no path, not the manifest)."""
    return name not in ("", ".", "..", NAME) and "/" not in name and "\0" not in name


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

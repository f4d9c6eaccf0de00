"""The content-addressed store below speech and the bed: where it lives, how an entry is
named, verified, written and read. Its users decide what an entry holds and what its key is
made from (``speech.cache``: clips; ``bed.calibrate``: a bed's loudness; ``speech.render``,
``speech.piper_voices``: an engine's voices, a model's fingerprint).

An entry is named by a readable slug and the start of its key (``name``): a sha256 of
everything that changes what it holds (``key``), so a changed input simply misses. Two kinds:

- WAV entries: mono float32 at ``audio.RATE``, carrying in their WAV comment the full key and
  a sha256 of their samples: one copied over another's name, or whose samples were damaged
  behind an intact header, is not used. Checking the key and the header is cheap
  (``verified_frames``); the checksum is checked when the samples are read (``read``).
- small JSON values (``load_json``, ``store_json``).

Only regular files are read, opened without following links and without blocking, so a FIFO
cannot hang a run; anything else at an entry's name was not written by voiceguide and is
neither read nor replaced (``ForeignEntry``). Writes go through ``atomic.file``: a killed run
never leaves a half-written entry under a real name, and its temporary file is removed by
``atomic.cleanup_stale`` on the next render. The messages speak of "the speech cache": that
is the folder users know (``$VOICEGUIDE_CACHE_DIR``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import platformdirs
import soundfile as sf

from voiceguide import atomic
from voiceguide.atomic import shown
from voiceguide.audio import RATE
from voiceguide.errors import SpeechError, UsageError

# The layout of a WAV entry (7: its key and a checksum inside). What its samples are made by
# is its users' part of the key (``speech.cache.key_for``).
FORMAT_VERSION = 7
MIN_FREE = 1 << 20  # bytes: with less free, rendering is not started (the disk is full)
_COMMENT = re.compile(
    r"^voiceguide v(?P<version>\d+) key=(?P<key>[0-9a-f]{64}) "
    r"sha256=(?P<sha>[0-9a-f]{64})$"
)
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


class ForeignEntry(SpeechError):
    """Something other than a regular file (a FIFO, a link, a directory) at an entry's name:
    voiceguide did not write it, so it is neither read nor replaced."""

    def __init__(self, path: Path, kind: str):
        self.path, self.kind = path, kind
        super().__init__(
            f"the speech cache entry {path} is {kind}, not a clip voiceguide wrote; "
            "remove it or point VOICEGUIDE_CACHE_DIR elsewhere"
        )

    def __reduce__(self) -> tuple[type[ForeignEntry], tuple[Path, str]]:  # crosses a pipe
        return type(self), (self.path, self.kind)


def cache_dir() -> Path:
    """``$VOICEGUIDE_CACHE_DIR`` or the user's cache directory, absolute.

    The variable is read as a shell would have expanded it: a systemd unit or a ``.env``
    file passes ``~/x`` as written, and a folder named ``~`` is not what was meant. A
    relative path is from the working directory, as any path voiceguide is given. A
    ``~user`` that names no user is a ``UsageError``."""
    env = os.environ.get("VOICEGUIDE_CACHE_DIR")
    if not env:
        return Path(platformdirs.user_cache_dir("voiceguide")) / "clips"
    expanded = os.path.expanduser(env)
    if expanded.startswith("~"):
        user = expanded[1:].split(os.sep, 1)[0]
        raise UsageError(
            f"VOICEGUIDE_CACHE_DIR: there is no user {user!r} for {shown(env)}; "
            "give a folder's path"
        )
    return Path(os.path.abspath(expanded))


def key(*parts: str) -> str:
    """The sha256 (hex) of ``parts``, joined by U+001F: an entry's key."""
    # surrogateescape: a name that is not UTF-8 is hashed as its bytes (UTF-8 is unchanged)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def name(slug_text: str, entry_key: str, suffix: str = ".wav") -> str:
    """``slug-hash.wav``: a readable slug of ``slug_text`` (at most 40 characters) and the
    first 16 hex digits of ``entry_key``."""
    slug = re.sub(r"[^a-z0-9]+", "-", slug_text.lower()).strip("-")[:40] or "clip"
    return f"{slug}-{entry_key[:16]}{suffix}"


# -- WAV entries --------------------------------------------------------------------------------


def verified_frames(path: Path, entry_key: str) -> int | None:
    """Frames in the entry at ``path``, or ``None`` when it is missing, truncated, corrupt or
    made from another key. Reads only the header: the samples' checksum is left to ``read``.
    Raises ``ForeignEntry`` when ``path`` is not a regular file."""
    with _clip(path, entry_key) as found:
        return None if found is None else int(found[0].frames)


def read(path: Path, entry_key: str) -> npt.NDArray[np.float32] | None:
    """The samples of the entry at ``path`` if it verifies in full (header, key and the
    samples' checksum), else ``None``. Raises ``ForeignEntry`` when ``path`` is not a
    regular file."""
    with _clip(path, entry_key) as found:
        if found is None:
            return None
        sound, checksum = found
        try:
            samples: npt.NDArray[np.float32] = sound.read(dtype="float32")
        except (RuntimeError, sf.LibsndfileError):
            return None
    return samples if _checksum(samples) == checksum else None


def write(samples: npt.NDArray[np.floating], target: Path, entry_key: str) -> None:
    """Store ``samples`` (mono, ``audio.RATE``) at ``target`` atomically, with ``entry_key``
    and their checksum. A full disk or an unwritable cache is a ``SpeechError`` saying what
    to do; nothing half-written stays behind."""
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    comment = f"voiceguide v{FORMAT_VERSION} key={entry_key} sha256={_checksum(samples)}"
    with (
        _stored(target) as temp,
        sf.SoundFile(os.fsencode(temp), "w", RATE, 1, subtype="FLOAT", format="WAV") as out,
    ):
        out.comment = comment  # before the samples: the header stays at the file's start
        out.write(samples)


# -- JSON entries -------------------------------------------------------------------------------


def load_json(entry: str, directory: Path | None = None) -> object | None:
    """A small JSON value stored as ``entry`` (``None`` if absent or unreadable). Raises
    ``ForeignEntry`` when something else than a regular file is there."""
    with opened((directory or cache_dir()) / entry) as handle:
        if handle is None:
            return None
        try:
            value: object = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        return value


def store_json(entry: str, value: object, directory: Path | None = None) -> None:
    """Store ``value`` as JSON at ``entry``, atomically."""
    with _stored((directory or cache_dir()) / entry) as temp:
        temp.write_text(json.dumps(value))


# -- room ---------------------------------------------------------------------------------------


def storage_error(directory: Path, exc: BaseException) -> SpeechError:
    """The error to show when the store at ``directory`` cannot be written to: a full disk
    says to free space, an unwritable directory says to make it writable."""
    code = getattr(exc, "errno", None)
    reason = getattr(exc, "strerror", None) or str(exc)
    if code in _DENIED:
        return SpeechError(
            f"the speech cache {directory} is not writable ({reason}); make it writable "
            "for this user or point VOICEGUIDE_CACHE_DIR at a writable directory"
        )
    limit = atomic.file_size_limit()
    if limit is not None and (code == errno.EFBIG or (code is None and not _disk_full(directory))):
        return SpeechError(
            f"cannot store speech in the cache {directory}: {atomic.size_limit_reached(limit)}"
        )
    if code in _FULL or (code is None and no_room(directory)):
        if code is None:
            reason = "the disk is full"
        return SpeechError(
            f"cannot store speech in the cache {directory} ({reason}); free some space "
            "or point VOICEGUIDE_CACHE_DIR elsewhere"
        )
    return SpeechError(
        f"cannot store speech in the cache {directory} ({reason}); "
        "point VOICEGUIDE_CACHE_DIR elsewhere"
    )


def ensure_space(directory: Path) -> None:
    """Make ``directory`` and refuse to start rendering into it when it has less than
    ``MIN_FREE`` bytes free (``SpeechError``): a full disk fails at once, not mid-render."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        found = os.statvfs(directory)
    except OSError as exc:
        raise storage_error(directory, exc) from exc
    free = found.f_bavail * found.f_frsize
    if free < MIN_FREE:
        raise SpeechError(
            f"cannot store speech in the cache {directory} (only {free // 1024} kB free); "
            "free some space or point VOICEGUIDE_CACHE_DIR elsewhere"
        )


def _disk_full(directory: Path) -> bool:
    return atomic.disk_full(directory, MIN_FREE)


def no_room(directory: Path) -> bool:
    """A write at ``directory`` fails for want of room: the disk is full (``atomic.disk_full``)
    or a file-size limit is set (``ulimit -f``); libsndfile and espeak's callback report
    both only as a failed write."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return atomic.disk_full(directory, MIN_FREE) or soft != resource.RLIM_INFINITY


# -- internals --------------------------------------------------------------------------------


@contextlib.contextmanager
def opened(path: Path) -> Iterator[BinaryIO | None]:
    """``path`` opened for reading if it is a regular file, ``None`` if absent or unreadable.

    Opened with O_NOFOLLOW and O_NONBLOCK and checked with fstat before any read: a FIFO
    would block ``open`` until a writer came, and a link could point anywhere."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
    fd: int | None
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ForeignEntry(path, "a symbolic link") from exc
        if exc.errno == errno.ENXIO:  # a socket
            raise ForeignEntry(path, "a socket") from exc
        fd = None  # absent, or unreadable: a miss, and writing will say why it fails
    if fd is None:
        yield None
        return
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ForeignEntry(path, _kind(mode))
    with os.fdopen(fd, "rb") as handle:
        yield handle


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


@contextlib.contextmanager
def _clip(path: Path, entry_key: str) -> Iterator[tuple[sf.SoundFile, str] | None]:
    """The entry at ``path`` open, with its recorded checksum, if its header verifies: RIFF
    sizes that agree with the file's (a truncated write fails this, which libsndfile would
    read without complaint), 48 kHz mono with frames, and made from ``entry_key``."""
    with opened(path) as handle:
        sound = _sound(handle) if handle is not None else None
        if sound is None:
            yield None
            return
        with sound:
            match = _COMMENT.match(sound.comment or "")
            if (
                match is None
                or int(match["version"]) != FORMAT_VERSION
                or match["key"] != entry_key
                or (sound.samplerate, sound.channels) != (RATE, 1)
                or sound.frames <= 0
            ):
                yield None
                return
            yield sound, match["sha"]


def _sound(handle: BinaryIO) -> sf.SoundFile | None:
    header = handle.read(12)
    size = os.fstat(handle.fileno()).st_size
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return None
    if int.from_bytes(header[4:8], "little") + 8 != size:
        return None
    handle.seek(0)
    try:
        return sf.SoundFile(handle)
    except (RuntimeError, sf.LibsndfileError):
        return None


@contextlib.contextmanager
def _stored(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces it on success. Refuses to replace
    what voiceguide did not write (``ForeignEntry``); storage failures become the
    ``SpeechError`` of ``storage_error``, decided while the temporary file still exists."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode: int | None = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise storage_error(target.parent, exc) from exc
    if mode is not None and not stat.S_ISREG(mode):
        raise ForeignEntry(target, "a symbolic link" if stat.S_ISLNK(mode) else _kind(mode))
    try:
        with atomic.file(target, _translate) as temp:
            yield temp
    except OSError as exc:  # before or after the temporary file (creating it, the fsyncs)
        raise storage_error(target.parent, exc) from exc


def _translate(target: Path, exc: BaseException) -> Exception | None:
    if isinstance(exc, OSError | sf.LibsndfileError):
        return storage_error(target.parent, exc)
    return None


def _checksum(samples: npt.NDArray[np.floating]) -> str:
    return hashlib.sha256(np.ascontiguousarray(samples, dtype="<f4").tobytes()).hexdigest()

"""The render store: each session rendered once per set of options and format, kept in the
cache directory, shared by every request that asks for it, bounded in size.

A session's file is named by a key made from everything its sound depends on (``key_of``):
the plan as ``plan --json`` writes it, the speech cache's key of every text (engine, voice,
rate, the clip recipe), the sound files' sizes and times, the tags, the format and
voiceguide's version. Asking for a key already made reuses the file; asking for one being
made joins that render (two phones asking at once cause one render).

WAV can be heard while it is made: it is written by ``exporting.export_stream`` (the sizes in
its header come first, then the samples block by block), each block flushed to the file, so
a reader can serve any byte range once the header is there and wait for the bytes not yet
written (``Render.wait_for``). The other formats (MP3 with chapters, Opus; the split tracks
as a ZIP) are written by ``exporting.export``/``export_split`` and served when complete.
Every file is written beside its name and renamed into place (``atomic.file``), so a killed
server leaves no half file under a key, only a temporary that ``atomic.cleanup_stale``
removes at the next start.

Only files named ``KEY.EXT`` (32 hex digits, a known extension) are voiceguide's own: only
they are counted against the limit and removed, the least recently used first, never one
being written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, assert_never

from voiceguide import __version__, atomic, exporting, report, session
from voiceguide.choices import ExportFormat
from voiceguide.errors import ExportError, VoiceguideError
from voiceguide.exporting.encode import failure
from voiceguide.plan import EventKind


class Served(StrEnum):
    """What a session is rendered as (``/api/session.EXT``, the file's extension): three of
    the export formats, and ``zip``, the split tracks (MP3) and their playlist."""

    WAV = ExportFormat.WAV.value  # streamed while it is made (``_stream_wav``)
    MP3 = ExportFormat.MP3.value
    OPUS = ExportFormat.OPUS.value
    ZIP = "zip"


FORMATS = tuple(Served)
LIMIT = 2 * 2**30  # bytes of finished files kept (a 20-minute WAV is 115 MB, its MP3 3 MB)
OWN = re.compile(rf"^[0-9a-f]{{32}}\.({'|'.join(FORMATS)})$")
Prepare = Callable[[], session.Session]


def key_of(prepared: session.Session, fmt: Served) -> str:
    """32 hex digits naming ``prepared``'s file in ``fmt``: equal keys, equal files."""
    plan = prepared.plan
    texts = sorted({e.spoken for e in plan.events if e.kind == EventKind.SPEECH})
    sounds = sorted(_stamp(path) for path in prepared.timing.sounds)
    bed = prepared.bed
    tags = exporting.session_tags(prepared)
    data = {
        "voiceguide": __version__,
        "format": fmt,
        "plan": report.to_json(plan),
        "speech": [prepared.speech.key(text) for text in texts],
        "sounds": sounds,
        "bed": None if bed is None else [bed.description, _stamp(bed.path)],
        "tags": [tags.title, tags.album, tags.comment],
    }
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _stamp(path: Path | None) -> list[str | int]:
    if path is None:
        return []
    try:
        info = os.stat(path)
    except OSError:
        return [str(path)]
    return [str(path), info.st_size, info.st_mtime_ns]


@dataclass
class Render:
    """One file being made (or made). ``written`` bytes are in the file so far; ``size``
    is the whole file's once known (a WAV's from its header); ``error`` the one-line
    message of a failed render."""

    path: Path  # where the finished file is
    fmt: Served
    partial: Path | None = None  # where it is being written, while it is
    written: int = 0
    size: int | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def progress(self, written: int, size: int | None = None) -> None:
        with self._changed:
            self.written = written
            self.size = size if size is not None else self.size
            self._changed.notify_all()

    def finish(self, error: str | None = None) -> None:
        with self._changed:
            self.error = error
            if error is None:
                self.size = self.written = self.path.stat().st_size
            self.done.set()
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float) -> int:
        """Wait until ``count`` bytes are written (or the render ends), at most ``timeout``
        seconds; the bytes written then."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.written < count and not self.done.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return self.written


class Store:
    """Renders by key in ``directory``, at most ``limit`` bytes of finished files kept."""

    def __init__(self, directory: Path, limit: int = LIMIT):
        self.directory = directory
        self.limit = limit
        self.renders: dict[str, Render] = {}  # the ones running, or finished by this server
        self.made = 0  # renders started (what "one render" is checked by)
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)
        atomic.cleanup_stale(directory)

    def get(self, key: str, fmt: Served | str, prepare: Prepare) -> tuple[Render, str]:
        """The render of ``key`` in ``fmt`` and how it was had: ``"found"`` (the file is
        there), ``"joined"`` (being made for another request) or ``"made"`` (a new render:
        ``prepare()`` makes its session, in the render's own thread)."""
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        fmt = Served(fmt)
        path = self.directory / f"{key}.{fmt}"
        with self._lock:
            running = self.renders.get(key + fmt)
            if running is not None and not (running.done.is_set() and running.error):
                if running.done.is_set() and not path.is_file():  # evicted meanwhile
                    running = None
                else:
                    return running, "joined" if not running.done.is_set() else "found"
            if path.is_file():
                found = Render(path, fmt)
                found.finish()
                with contextlib.suppress(OSError):
                    os.utime(path)  # recently used: evicted last
                return found, "found"
            render = self.renders[key + fmt] = Render(path, fmt)
            self.made += 1
        threading.Thread(
            target=self._make, args=(render, prepare), name=f"render-{key[:8]}", daemon=True
        ).start()
        return render, "made"

    def _make(self, render: Render, prepare: Prepare) -> None:
        try:
            prepared = prepare()
            match render.fmt:
                case Served.WAV:
                    _stream_wav(prepared, render)
                case Served.ZIP:
                    _tracks_zip(prepared, render.path)
                case Served.MP3 | Served.OPUS:
                    exporting.export(prepared, render.path, render.fmt)
                case _:
                    assert_never(render.fmt)
        except VoiceguideError as exc:
            render.finish(str(exc) or type(exc).__name__)
        except Exception as exc:  # a bug: said, never a hang of the requests waiting
            render.finish(f"the {render.fmt} render failed: {type(exc).__name__}: {exc}")
            raise
        else:
            render.finish()
            self.trim()

    def trim(self) -> list[Path]:
        """Remove the least recently used finished files over ``limit``; those removed."""
        with self._lock:
            busy = {r.path for r in self.renders.values() if not r.done.is_set()}
            own = []
            for entry in os.scandir(self.directory):
                if OWN.match(entry.name) and entry.is_file(follow_symlinks=False):
                    if self.directory / entry.name not in busy:
                        info = entry.stat(follow_symlinks=False)
                        own.append((info.st_mtime, info.st_size, Path(entry.path)))
            total = sum(size for _, size, _ in own)
            removed = []
            for _, size, path in sorted(own):
                if total <= self.limit:
                    break
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
                total -= size
            return removed


class _Flushed:
    """A file that ``export_stream`` writes to: each write is flushed to the file and
    reported to ``render``, so that readers find the bytes in it. The WAV header comes
    first: its RIFF size (bytes 4-8) plus 8 is the whole file's size."""

    def __init__(self, raw: IO[bytes], render: Render):
        self.raw = raw
        self.render = render
        self.count = 0
        self.head = b""

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.raw.flush()
        if len(self.head) < 8:
            self.head += bytes(data[: 8 - len(self.head)])
        self.count += len(data)
        size = None
        if self.render.size is None and len(self.head) == 8:
            size = int.from_bytes(self.head[4:8], "little") + 8
        self.render.progress(self.count, size)
        return len(data)

    def flush(self) -> None:
        self.raw.flush()


def _stream_wav(prepared: session.Session, render: Render) -> None:
    with atomic.file(render.path, failure) as temp:
        render.partial = temp
        with open(temp, "wb") as raw:
            exporting.export_stream(prepared, _Flushed(raw, render), ExportFormat.WAV)


def _tracks_zip(prepared: session.Session, target: Path) -> None:
    """The split tracks (MP3, as ``export --split`` writes them) and their playlist in one
    ZIP, stored (MP3 does not compress), written atomically; the tracks' folder (``KEY.tracks``
    beside it, voiceguide's own split) removed after."""
    folder = target.with_suffix(".tracks")
    try:
        tracks = exporting.export_split(prepared, folder, ExportFormat.MP3)
        names = [t.path.name for t in tracks] + [exporting.PLAYLIST]
        try:
            with atomic.file(target) as temp, zipfile.ZipFile(temp, "w") as archive:
                for name in names:
                    archive.write(folder / name, name)
        except OSError as exc:
            raise ExportError(f"could not write the tracks' ZIP: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)

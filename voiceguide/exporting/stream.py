"""Exports to standard output (``-o -``), which cannot seek.

WAV is streamed as it is mixed; the other formats' encoders seek back to finish, so they are
encoded to a temporary file first and copied (see ``export_stream``).

Standard output is written through a duplicate of its descriptor, unbuffered
(``Descriptor``). It may be a non-blocking pipe: an event loop (Node.js) hands its children
pipes with ``O_NONBLOCK`` set, and that flag belongs to the pipe, shared with the reader, so
it is not ours to clear. A write the pipe cannot take now waits until it can (``poll``),
as a blocking write would, rather than failing after 64 kB. It may also be closed (``>&-``):
Python then has no ``sys.stdout``, and descriptor 1 may since have been given to a file this
process opened, so it is never used: ``check_open`` refuses before any work.
"""

from __future__ import annotations

import contextlib
import io
import os
import select
import stat
import struct
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from voiceguide.audio import RATE
from voiceguide.errors import ExportError, UsageError
from voiceguide.exporting import chapters, mix
from voiceguide.exporting.chapters import Tags
from voiceguide.exporting.encode import Counter, encode, failure, tag
from voiceguide.exporting.formats import Format
from voiceguide.plan import Plan

if TYPE_CHECKING:
    from typing_extensions import Buffer


def wav_header(frames: int, tags: Tags) -> bytes:
    """The head of a 48 kHz mono 16-bit WAV of ``frames`` frames, sizes filled in: ``RIFF``,
    ``fmt``, a ``LIST INFO`` chunk of the tags (as libsndfile names them) and the ``data``
    chunk's header; the PCM follows."""
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, RATE, RATE * 2, 2, 16)
    info = b"INFO"
    fields = [(b"INAM", tags.title), (b"IPRD", tags.album), (b"IART", tags.artist)]
    for key, text in fields + [(b"ICMT", tags.comment)]:
        if text:
            raw = text.encode("utf-8") + b"\0"
            info += struct.pack("<4sI", key, len(raw)) + raw + b"\0" * (len(raw) % 2)
    chunks = fmt + struct.pack("<4sI", b"LIST", len(info)) + info
    data = frames * 2
    return (
        struct.pack("<4sI4s", b"RIFF", 4 + len(chunks) + 8 + data, b"WAVE")
        + chunks
        + (struct.pack("<4sI", b"data", data))
    )


class Sink(Protocol):
    """Where a streamed export goes (standard output, ``Descriptor``, the server's file):
    ``write`` takes all of ``data``, ``flush`` pushes what is buffered out."""

    def write(self, data: bytes, /) -> int | None: ...

    def flush(self) -> None: ...


def send(stream: Sink, data: bytes) -> None:
    """Write ``data`` to ``stream`` (``b""``: flush it); a failure is an ``ExportError``."""
    try:
        if data:
            stream.write(data)
        else:
            stream.flush()
    except BrokenPipeError as exc:
        raise ExportError(
            "standard output was closed by its reader before the end: the export stopped "
            "there, incomplete"
        ) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExportError(
            f"could not write to standard output: {reason}: it is incomplete"
        ) from exc


CLOSED = (
    "standard output is closed, so the audio has nowhere to go: pipe it to a player "
    "(... -o - | mpv -) or give a file name"
)


def check_open() -> None:
    """A ``UsageError`` when there is no standard output (closed when voiceguide started,
    as with ``>&-``): checked before any work."""
    if sys.stdout is None:
        raise UsageError(CLOSED)


class Descriptor(io.RawIOBase):
    """A descriptor written to in full, unbuffered: when it is a non-blocking pipe that is
    full, each write waits until the reader makes room (however long it pauses), as a
    blocking write would. A signal ends the wait (``interrupts``). Closes the descriptor."""

    def __init__(self, descriptor: int):
        super().__init__()
        self.descriptor = descriptor

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.descriptor

    def write(self, data: Buffer, /) -> int:
        view = memoryview(data).cast("B")
        total = view.nbytes
        while view:
            try:
                view = view[os.write(self.descriptor, view) :]
            except BlockingIOError:
                _wait_writable(self.descriptor)
        return total

    def close(self) -> None:
        if not self.closed:
            super().close()
            os.close(self.descriptor)


def _wait_writable(descriptor: int) -> None:
    """Until ``descriptor`` can take a write, or has failed (the write after says how)."""
    poller = select.poll()
    poller.register(descriptor, select.POLLOUT)
    poller.poll()


@contextlib.contextmanager
def standard_output() -> Iterator[Sink]:
    """Standard output as a binary stream of its own: a duplicate of descriptor 1 written
    through ``Descriptor``, closed after, so that a reader's early close leaves nothing in
    ``sys.stdout``'s buffer for the interpreter to fail on at exit. Without a descriptor (a
    test runner's replacement), ``sys.stdout.buffer``. Closed standard output is an
    ``ExportError`` (``check_open`` says so before any work)."""
    if sys.stdout is None:
        raise ExportError(CLOSED)
    sys.stdout.flush()
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        yield sys.stdout.buffer
        return
    try:
        stream = Descriptor(os.dup(descriptor))
    except OSError as exc:
        raise ExportError(f"cannot write to standard output: {exc.strerror}") from exc
    try:
        yield stream
    finally:
        with contextlib.suppress(OSError):
            stream.close()


def names_standard_output(target: Path | str) -> bool:
    """``target`` is a path to this process's standard output that is no regular file (a
    pipe, a terminal): ``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1``. No file can be
    put there (its link leads to ``pipe:[...]`` in ``/proc``), but the stream can be written:
    an export takes it as ``-``."""
    out = output_stat()
    if out is None or stat.S_ISREG(out.st_mode):
        return False
    try:
        there = os.stat(target)
    except (OSError, ValueError):
        return False
    return (there.st_dev, there.st_ino) == (out.st_dev, out.st_ino)


def output_stat() -> os.stat_result | None:
    """``os.fstat`` of standard output, ``None`` without one."""
    try:
        return os.fstat(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        return None


def is_terminal() -> bool:
    try:
        return os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        return False


def stream_wav(
    plan: Plan,
    clip_for: mix.ClipFor,
    stream: Sink,
    tags: Tags,
    counter: Counter,
    bed: mix.Layer | None = None,
) -> int:
    """The whole session as a 16-bit WAV on ``stream``, block by block; returns the frames.

    Samples are converted as libsndfile (1.2) converts them - to 32 bits, rounded and
    clipped, then the top 16 bits - so the PCM is that of the WAV file ``export`` writes."""
    frames = mix.total_frames(plan)
    send(stream, wav_header(frames, tags))
    for block in mix.blocks(plan, clip_for, reuse=True, bed=bed):
        wide = np.clip(np.rint(block.astype(np.float64) * 2.0**31), -(2.0**31), 2.0**31 - 1)
        pcm = (wide // 65536).astype("<i2")
        send(stream, pcm.tobytes())
        counter.add(block)
    return frames


def stream_encoded(
    plan: Plan,
    clip_for: mix.ClipFor,
    stream: Sink,
    form: Format,
    tags: Tags,
    counter: Counter,
    bed: mix.Layer | None = None,
) -> int:
    """Encode the session (with chapters) into a temporary file, copy it to ``stream``,
    remove it whatever happens; returns the frames (at ``form.rate``)."""
    handle, name = tempfile.mkstemp(prefix="voiceguide-", suffix=f".{form.name}")
    os.close(handle)
    temp = Path(name)
    try:
        try:
            frames = encode(plan, clip_for, temp, form, (0.0, plan.length), tags, counter, bed)
            tag(temp, form, tags, chapters.from_plan(plan))
        except BaseException as exc:
            error = failure(temp, exc)
            if error is not None:
                raise error from exc
            raise
        with open(temp, "rb") as f:
            while chunk := f.read(1 << 20):
                send(stream, chunk)
        return frames
    finally:
        temp.unlink(missing_ok=True)

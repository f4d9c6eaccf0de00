"""Standard output as an export's destination: its own binary stream, writes that fail as
one ``ExportError``, and the head of a WAV that is streamed rather than written to a file.

A stream is never seeked: a WAV's sizes go into its header before the samples, which works
because an export knows its length in frames before it mixes anything.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
from collections.abc import Iterator
from typing import BinaryIO

from voiceguide.audio import RATE
from voiceguide.chapters import Tags
from voiceguide.errors import ExportError


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


def send(stream: BinaryIO, data: bytes) -> None:
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


@contextlib.contextmanager
def standard_output() -> Iterator[BinaryIO]:
    """Standard output as a binary stream of its own: a duplicate of descriptor 1, closed
    after, so that a reader's early close leaves nothing in ``sys.stdout``'s buffer for the
    interpreter to fail on at exit. Without a descriptor (a test runner's replacement),
    ``sys.stdout.buffer``."""
    sys.stdout.flush()
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        yield sys.stdout.buffer
        return
    try:
        stream = os.fdopen(os.dup(descriptor), "wb")
    except OSError as exc:
        raise ExportError(f"cannot write to standard output: {exc.strerror}") from exc
    try:
        yield stream
    finally:
        with contextlib.suppress(OSError):  # after a broken pipe, closing flushes in vain
            stream.close()


def is_terminal() -> bool:
    try:
        return os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        return False

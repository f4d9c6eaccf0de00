"""A user's sound file as an endless bed: resampled to 48 kHz in segments, looped with an
equal-power crossfade.

The resampled file ``x`` (``frames`` long at ``RATE``) is made a segment at a time: segment
``j`` is frames ``j * S`` .. ``(j + 1) * S`` of ``x``, made by a fresh soxr streaming
resampler fed the file's frames of that stretch plus a pre-roll before it and after it
(``PRE_ROLL``: the resampler's filter reaches ~16 ms back at 8 kHz; 50 ms leaves the joins
at float rounding, -128 dB). Segments start on frames where the two rates meet exactly
(multiples of ``rate / gcd(rate, 48000)`` at the file's rate), so they line up to the frame.
Every read of ``x`` goes through the same segments: a seek gives exactly the samples of a
contiguous read, and block sizes do not matter. Two segments are kept (~1.5 MB). A segment's
input is decoded and fed to the resampler a ``decode.PIECE`` at a time, never as a whole
window: 4 s of a 10 MHz file would be 160 MB.

The loop (when the session outlasts the file): with a crossfade of ``C`` frames
(``CROSSFADE``), the period is ``P = frames - C``. The first pass plays ``x[0:P]``; every
later pass starts with the join - the end of the file ``x[P:]`` fading out (cos) while its
start ``x[0:C]`` fades in (sin), equal power, so uncorrelated material keeps its level -
then plays ``x[C:P]``. The join is made once and kept (``C`` frames).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from voiceguide.audio import RATE
from voiceguide.bed.decode import PIECE, Decoder, refuse
from voiceguide.bed.source import CalibratedSource
from voiceguide.durations import humanize

CROSSFADE = 3.0  # seconds of equal-power crossfade at the loop point
SHORTEST = 2 * CROSSFADE  # seconds: the join's two halves must not overlap
SEGMENT = 4.0  # seconds of 48 kHz output per resampled segment (about)
PRE_ROLL = 0.05  # seconds of the file's frames fed before and after a segment (at least)


class Resampled:
    """The file at ``path`` as mono float32 at ``RATE``, read by frame (``x`` above)."""

    def __init__(self, path: Path):
        self.decoder = Decoder(path)
        rate = self.decoder.rate
        common = math.gcd(rate, RATE)
        self._step_in, self._step_out = rate // common, RATE // common
        whole = max(1, round(SEGMENT * RATE / self._step_out))
        self._segment_in, self.segment = whole * self._step_in, whole * self._step_out
        steps = math.ceil(PRE_ROLL * rate / self._step_in) if rate != RATE else 0
        self._pre_in, self._pre_out = steps * self._step_in, steps * self._step_out
        # what consecutive segments' windows share, when a piece holds it (else a seek: exact
        # in every format that has such rates; MP3's end at 48 kHz)
        self.decoder.keep(min(2 * self._pre_in, PIECE))
        self.frames: int = self.decoder.frames * self._step_out // self._step_in
        self._kept: dict[int, np.ndarray] = {}

    def read(self, first: int, frames: int, out: np.ndarray) -> None:
        """Frames ``first`` .. ``first + frames`` into ``out`` (silence past the end)."""
        done = 0
        while done < frames:
            index, at = divmod(first + done, self.segment)
            part = self._segment(index)[at : at + frames - done]
            if not len(part):  # past the end
                out[done:frames] = 0.0
                return
            out[done : done + len(part)] = part
            done += len(part)

    def _segment(self, index: int) -> np.ndarray:
        """Segment ``index`` (its last one shorter, past the end empty); the last two made
        are kept, as a read across a segment's end and the loop's join come back to them."""
        if index not in self._kept:
            if len(self._kept) >= 2:
                del self._kept[max(self._kept, key=lambda kept: abs(kept - index))]
            self._kept[index] = self._make(index)
        return self._kept[index]

    def _make(self, index: int) -> np.ndarray:
        start = index * self._segment_in
        length = min(self.segment, self.frames - index * self.segment)
        if length <= 0:
            return np.zeros(0, np.float32)
        if self._step_in == self._step_out:
            return self.decoder.window(start, start + length)
        import soxr  # here: the live player imports the bed package before it plays a file

        stream = soxr.ResampleStream(self.decoder.rate, RATE, 1, dtype="float32", quality="HQ")
        lo, hi = start - self._pre_in, start + self._segment_in + self._pre_in
        ends = range(hi, lo, -PIECE)[::-1]  # the last piece whole: the next segment's pre-roll
        made = [
            stream.resample_chunk(self.decoder.window(first, end), last=end == hi)
            for first, end in zip([lo, *ends[:-1]], ends, strict=True)
        ]
        return np.concatenate(made)[self._pre_out : self._pre_out + length].copy()

    def close(self) -> None:
        self._kept.clear()
        self.decoder.close()


class FileSource(CalibratedSource):
    """The sound file ``path`` (``spec`` as the user wrote it) as an endless bed, looped
    with a ``CROSSFADE`` when the session (``length`` seconds, None: unknown) outlasts it."""

    path: Path

    def __init__(self, path: Path, spec: str, length: float | None):
        self.path, self.name = path, spec
        self._x = Resampled(path)
        info = self._x.decoder.info
        self._identity = ("file", str(path.resolve()), str(info.st_size), str(info.st_mtime_ns))
        try:
            self.frames = self._x.frames
            self._check_length()
        except BaseException:
            self._x.close()
            raise
        self.crossfade = round(CROSSFADE * RATE)
        self.period = self.frames - self.crossfade
        self.description = self._describe(length)
        self._join: np.ndarray | None = None

    def identity(self) -> tuple[str, ...]:
        return (*self._identity, f"crossfade {CROSSFADE:g}")

    def raw(self, first: int, frames: int) -> np.ndarray:
        out = np.empty(frames, np.float32)
        done = 0
        while done < frames:
            done += self._run(first + done, out[done:])
        return out

    def close(self) -> None:
        self._x.close()

    def _run(self, at: int, out: np.ndarray) -> int:
        """Fill the start of ``out`` from bed frame ``at`` up to the next change (the end of
        a pass, of a join); returns the frames written."""
        if at < self.period:  # the first pass
            count = min(len(out), self.period - at)
            self._x.read(at, count, out)
            return count
        offset = (at - self.period) % self.period
        if offset < self.crossfade:
            count = min(len(out), self.crossfade - offset)
            out[:count] = self._joined()[offset : offset + count]
            return count
        count = min(len(out), self.period - offset)
        self._x.read(offset, count, out)
        return count

    def _joined(self) -> np.ndarray:
        """The loop's join: the file's end fading out under its start fading in."""
        if self._join is None:
            c = self.crossfade
            head, tail = np.empty(c, np.float32), np.empty(c, np.float32)
            self._x.read(self.period, c, tail)  # first: it continues the first pass
            self._x.read(0, c, head)
            angle = np.arange(c, dtype=np.float32)
            angle += np.float32(0.5)
            angle *= np.float32(np.pi / 2 / c)
            join = np.sin(angle)  # fading in, over the head; float32 in place: no 1 MB temporaries
            join *= head
            tail *= np.cos(angle, out=angle)  # fading out
            join += tail
            self._join = join
        return self._join

    def _check_length(self) -> None:
        seconds = self.frames / RATE
        if seconds < SHORTEST:
            raise refuse(
                self.path,
                f"lasts {math.floor(seconds * 100) / 100:g} s; a bed file must last at least "
                f"{SHORTEST:g} s "
                f"(it loops with a {CROSSFADE:g} s crossfade)",
            )

    def _describe(self, length: float | None) -> str:
        seconds = self.frames / RATE
        if length is not None and length * RATE <= self.period:
            return f"{self.name} ({humanize(seconds)})"
        return f"{self.name}, looped every {humanize(self.period / RATE)}"

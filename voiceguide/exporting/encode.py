"""Encoding the mix into a file, block by block, and tagging it.

Encoding is done by libsndfile block by block (``mix.blocks``; MP3 through a streaming soxr
resampler), so memory does not grow with the session's length and Vorbis never sees one huge
write (it crashes on those). Files are gapless: MP3 carries a LAME tag with the encoder
delay and padding, Opus its pre-skip and end trim, so the decoded file lasts the plan's
length to the frame (checked by the tests with libsndfile and with ffmpeg).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from voiceguide.atomic import disk_full, file_size_limit, shown, size_limit_reached
from voiceguide.audio import RATE, gain
from voiceguide.audio.loudness import Meter
from voiceguide.audio.peaks import true_peak_db
from voiceguide.choices import ExportFormat
from voiceguide.errors import ExportError
from voiceguide.exporting import chapters, mix
from voiceguide.exporting.chapters import Chapter, Tags
from voiceguide.exporting.formats import Format
from voiceguide.plan import Plan

Progress = Callable[[float, float], None]
PEAK_SPAN = 3.5  # dB: how far a true peak can lie over its samples' peak (4x oversampled)


class Counter:
    """Adds up the seconds of mix written, reports them to a ``progress`` callback, and
    measures the mix as it goes by: its true peak (``peak_db``, dBTP) and its integrated
    loudness (``lufs()``, BS.1770-4 over everything written, beds, beats and silences
    included, as a meter or a phone's normalization reads the file): what an export's
    summary states is measured, not assumed. Both are of the 48 kHz mix, before a lossy
    encoder (which moves them by about a tenth of a dB).

    Only blocks whose sample peak comes within ``PEAK_SPAN`` dB of the highest seen so far are
    oversampled: a true peak lies less than that over its samples' peak, so no block skipped
    could hold the highest true peak."""

    def __init__(self, progress: Progress | None, total: float):
        self.progress = progress
        self.total = total
        self.frames = 0
        self.peak_db = -np.inf
        self._sample_peak = 0.0
        self._meter = Meter()

    def add(self, block: np.ndarray) -> None:
        self.frames += len(block)
        self._measure(block)
        self._meter.add(block)
        if self.progress is not None:
            self.progress(min(self.frames / RATE, self.total), self.total)

    def lufs(self) -> float:
        """Integrated loudness (LUFS) of the mix counted so far; -inf for silence."""
        return self._meter.lufs()

    def _measure(self, block: np.ndarray) -> None:
        if not len(block):
            return
        top = float(np.max(np.abs(block)))
        if top <= 0.0 or top < self._sample_peak * gain(-PEAK_SPAN):
            return
        self._sample_peak = max(self._sample_peak, top)
        self.peak_db = max(self.peak_db, true_peak_db(block))


def encode(
    plan: Plan,
    clip_for: mix.ClipFor,
    path: Path,
    form: Format,
    span: tuple[float, float],
    tags: Tags,
    counter: Counter,
    bed: mix.Layer | None = None,
) -> int:
    """Encode the mix over ``span`` (start, end seconds) into ``path``; returns the frames
    written (at ``form.rate``), after checking that the decoder finds exactly that many."""
    start, end = span
    options = dict(form.options)
    resampler = None
    if form.rate != RATE:
        resampler = soxr.ResampleStream(RATE, form.rate, 1, dtype="float32", quality="HQ")
    written = 0
    with sf.SoundFile(
        os.fsencode(path), "w", form.rate, 1, form.subtype, format=form.container, **options
    ) as f:
        # a LIST INFO chunk, written by libsndfile with the header
        if form.name == ExportFormat.WAV:
            f.title, f.album, f.artist = tags.title, tags.album, tags.artist
            if tags.comment:
                f.comment = tags.comment
        for block in mix.blocks(plan, clip_for, start, end, reuse=True, bed=bed):
            out = block if resampler is None else resampler.resample_chunk(block)
            f.write(out)
            written += len(out)
            counter.add(block)
        if resampler is not None:  # the resampler's last frames
            out = resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            f.write(out)
            written += len(out)
    found: int = sf.info(os.fsencode(path)).frames  # bytes: soundfile cannot encode a non-UTF-8 str
    if found != written:
        raise ExportError(
            f"the {form.name} encoder wrote {found / form.rate:.3f}s of "
            f"{written / form.rate:.3f}s to {shown(path.name)}: nothing was written"
        )
    return found


def tag(path: Path, form: Format, tags: Tags, marks: Sequence[Chapter]) -> None:
    if form.name == ExportFormat.WAV:
        return  # no chapters in WAV (see chapters.py); its tags were written by encode
    chapters.write(path, form.name, tags, marks)


def failure(target: Path, exc: BaseException) -> ExportError | None:
    """The ``ExportError`` for ``exc`` (decided before the temporary file is removed, while
    a full disk is still full), or ``None`` to let ``exc`` propagate as it is."""
    cause = exc
    if not isinstance(exc, OSError | sf.LibsndfileError):
        from mutagen import MutagenError

        if not isinstance(exc, MutagenError):
            return None
        cause = exc.__cause__ or exc.__context__ or exc
    code = getattr(cause, "errno", None)
    if code is None and isinstance(cause, sf.LibsndfileError) and disk_full(target.parent):
        code = errno.ENOSPC
    if code in (errno.ENOSPC, errno.EDQUOT):
        return ExportError(f"disk full writing {shown(target)}: nothing was written")
    limit = file_size_limit()
    if limit is not None and (code == errno.EFBIG or _unexplained(cause)):
        return ExportError(
            f"could not write {shown(target)}: {size_limit_reached(limit)} or write a "
            "shorter or smaller file: nothing was written"
        )
    if isinstance(cause, sf.LibsndfileError):
        reason = f"the encoder failed ({cause.error_string.rstrip('.')})"
    else:
        reason = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
    return ExportError(f"could not write {shown(target)}: {reason}: nothing was written")


SYSTEM_ERROR = 2  # libsndfile's SFE_SYSTEM: a failed read or write, its errno not kept


def _unexplained(cause: BaseException) -> bool:
    """libsndfile's "System error": a write failed, and it does not keep why."""
    return isinstance(cause, sf.LibsndfileError) and cause.code == SYSTEM_ERROR

"""True peak (ITU-R BS.1770-4 Annex 2): the signal's largest value between its samples too,
found by 4x oversampling - only where the samples come near the level of interest, since
oversampling everything would cost most of an export's time."""

from __future__ import annotations

import numpy as np
import soxr

from voiceguide.audio import RATE, db

BLOCK = 512  # frames per block when looking for where true peaks matter
CONTEXT = 64  # frames of context around an oversampled stretch
PIECE = 64  # blocks oversampled in one call (as fast as one call for a whole clip)


def oversampled_peaks(samples: np.ndarray, floor: float = 0.0, rate: int = RATE) -> np.ndarray:
    """Per input frame, the largest absolute value of the 4x oversampled signal near it.

    Only blocks whose sample peak reaches ``floor`` (linear) are oversampled; elsewhere the
    sample values stand in. Inter-sample peaks exceed sample peaks by a few dB at most, so a
    ``floor`` 6 dB under the level of interest loses nothing there.
    """
    peaks: np.ndarray = np.abs(samples)
    frames = len(samples)
    if frames == 0:
        return peaks
    whole = frames // BLOCK * BLOCK
    loud = peaks[:whole].reshape(-1, BLOCK).max(axis=1) >= floor
    if whole < frames:
        loud = np.append(loud, peaks[whole:].max() >= floor)
    loud[1:] |= loud[:-1]  # a neighbour block gives the resampler its context
    loud[:-1] |= loud[1:]
    edges = np.flatnonzero(np.diff(np.concatenate(([0], loud.astype(np.int8), [0]))))
    # stretches of at most PIECE blocks: the oversampled copy stays ~0.5 MB
    pieces = [
        (piece, min(last, piece + PIECE))
        for first, last in zip(edges[::2], edges[1::2], strict=True)
        for piece in range(first, last, PIECE)
    ]
    for first, last in pieces:
        start, stop = first * BLOCK, min(frames, last * BLOCK)
        lo, hi = max(0, start - CONTEXT), min(frames, stop + CONTEXT)
        up = np.abs(soxr.resample(samples[lo:hi], rate, 4 * rate, quality="MQ"))
        up = np.pad(up, (0, max(0, 4 * (hi - lo) - len(up))))[: 4 * (hi - lo)]
        quads = np.maximum(np.maximum(up[0::4], up[1::4]), np.maximum(up[2::4], up[3::4]))
        peaks[start:stop] = np.maximum(quads[start - lo : stop - lo], peaks[start:stop])
    return peaks


def true_peak_db(samples: np.ndarray) -> float:
    """True peak in dBTP (4x oversampling, as BS.1770 Annex 2 suggests)."""
    if not len(samples):
        return -np.inf
    top = max(float(samples.max()), -float(samples.min()))
    return db(float(oversampled_peaks(samples, 0.5 * top).max()))


class PeakReader:
    """``oversampled_peaks(samples, floor, rate)`` read a stretch at a time: ``peaks[lo:hi]``
    is computed when asked, with a block and the resampler's context around it, so no
    whole-clip array is kept (the limiter reads them once, in pieces, and keeps only the
    frames over its threshold)."""

    def __init__(self, samples: np.ndarray, floor: float, rate: int = RATE):
        self.samples, self.floor, self.rate = samples, floor, rate

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, where: slice) -> np.ndarray:
        lo, hi, _ = where.indices(len(self.samples))
        pad = BLOCK + CONTEXT
        first, last = max(0, lo - pad), min(len(self.samples), hi + pad)
        peaks = oversampled_peaks(self.samples[first:last], self.floor, self.rate)
        return peaks[lo - first : hi - first]

"""Onset detection for recorded test audio (times in seconds, positions in frames).

A sample is "sound" when its absolute value exceeds ``threshold_db`` dBFS (0 dB = full scale).
An onset is the first sound sample after at least ``min_gap`` seconds without sound (or at the
start of the signal). This is exactly the abs-max envelope refined to one sample, so the
precision is 1 frame (~21 us at 48 kHz) for a signal that starts above the threshold; a slow
attack is reported where it crosses the threshold, consistently for identical sounds.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from voiceguide.session import Session


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Float mono in [-1, 1]: signed int PCM is scaled, (frames, channels) is averaged."""
    x = np.asarray(samples)
    if np.issubdtype(x.dtype, np.signedinteger):
        x = x.astype(np.float64) / -float(np.iinfo(x.dtype).min)
    else:
        x = x.astype(np.float64, copy=False)
    return x.mean(axis=1) if x.ndim == 2 else x


def _sound_frames(samples: np.ndarray, threshold_db: float) -> np.ndarray:
    return np.flatnonzero(np.abs(to_mono(samples)) > 10.0 ** (threshold_db / 20.0))


def find_onsets(
    samples: np.ndarray, rate: int, threshold_db: float = -40.0, min_gap: float = 0.3
) -> list[float]:
    """Times (s) where the signal rises above ``threshold_db`` after >= ``min_gap`` s of silence.

    ``samples``: (frames,) or (frames, channels), signed int PCM or float in [-1, 1].
    ``rate``: frames per second.
    Silences shorter than ``min_gap`` (including sine zero crossings) do not start new onsets.
    """
    idx = _sound_frames(samples, threshold_db)
    if idx.size == 0:
        return []
    starts = idx[np.concatenate(([True], np.diff(idx) >= min_gap * rate))]
    return [float(i) / rate for i in starts]


def last_sound(samples: np.ndarray, rate: int, threshold_db: float = -40.0) -> float | None:
    """Time (s) of the last sample above ``threshold_db``, or None if there is none."""
    idx = _sound_frames(samples, threshold_db)
    return float(idx[-1]) / rate if idx.size else None


def onset_errors(planned: list[float], found: list[float], tol: float = 0.25) -> list[float]:
    """Signed error (found - planned, s) of each planned onset, after aligning on the first.

    ``found`` is shifted so that ``found[0]`` coincides with ``planned[0]`` (recordings have no
    known time base), then each planned onset is matched to the nearest found one. A planned
    onset with no found onset within ``tol`` s gets ``nan`` (so ``abs(e) <= x`` fails).
    """
    if not found or not planned:
        return [math.nan] * len(planned)
    shift = found[0] - planned[0]
    aligned = np.asarray(found, dtype=np.float64) - shift
    errors = []
    for p in planned:
        e = float(aligned[np.argmin(np.abs(aligned - p))] - p)
        errors.append(e if abs(e) <= tol else math.nan)
    return errors


def onset_error(
    decoded: np.ndarray, clip: np.ndarray, at: float, rate: int = 48000, window: float = 0.05
) -> float:
    """Seconds between ``at`` and where ``clip`` starts in ``decoded`` (both at ``rate``):
    the normalized cross-correlation of its first 300 ms, searched within +-``window`` s."""
    import scipy.signal

    reference = clip[: int(0.3 * rate)].astype(np.float64)
    search = int(window * rate)
    expected = round(at * rate)
    begin = max(expected - search, 0)
    segment = decoded[begin : expected + search + len(reference)].astype(np.float64)
    corr = scipy.signal.correlate(segment, reference, "valid", method="fft")
    energy = np.concatenate(([0.0], np.cumsum(segment**2)))
    corr /= np.sqrt(np.maximum(energy[len(reference) :] - energy[: -len(reference)], 1e-20))
    return (int(np.argmax(corr)) + begin - expected) / rate


def mixed_clips(session: Session, rate: int, start: float = 0.0) -> np.ndarray:
    """The clips of ``session``'s plan mixed offline from ``start`` (s), no bed: what a
    recording of its cues should hold, for ``find_onsets``."""
    out = np.zeros(int((session.plan.length - start) * rate) + rate, np.float32)
    for event in session.plan.events:
        if event.at >= start:
            samples = session.clip(event).samples
            first = round((event.at - start) * rate)
            out[first : first + len(samples)] += samples
    return out

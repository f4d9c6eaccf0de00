"""Test signals with a known character, and reference measurements made another way."""

from __future__ import annotations

import os

import numpy as np

from voiceguide.audio import RATE


def speechlike(
    seconds: float, seed: int = 1, rhythm: float = 3.0, sharpness: int = 2, level: float = 0.3
) -> np.ndarray:
    """Noise bursts shaped like syllables (float32 at ``RATE``): a peaky signal like speech.

    ``rhythm``: syllables per second; ``sharpness``: the power of the half-sine envelope (3
    gives a higher crest factor); ``level``: the noise's standard deviation at a syllable's top.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * RATE)) / RATE
    envelope = np.maximum(0, np.sin(2 * np.pi * rhythm * t)) ** sharpness
    result: np.ndarray = (level * rng.standard_normal(len(t)) * envelope).astype(np.float32)
    return result


def band_limited(samples: np.ndarray) -> np.ndarray:
    """``samples`` band-limited to 16 kHz, as everything voiceguide plays is (the 4x
    oversampler's pass band ends at 91 % of Nyquist: full-band noise reads up to 0.6 dB low)."""
    import scipy.signal

    down = scipy.signal.resample_poly(samples, 2, 3)
    result: np.ndarray = scipy.signal.resample_poly(down, 3, 2).astype(np.float32)
    return result


def reference_true_peak_db(samples: np.ndarray) -> float:
    """True peak (dBTP) by 8x polyphase oversampling (scipy): a reference that shares no code
    with ``audio.peaks``."""
    import scipy.signal

    return float(20 * np.log10(np.abs(scipy.signal.resample_poly(samples, 8, 1)).max()))


def decoded(path: str | os.PathLike[str]) -> np.ndarray:
    """An exported file decoded by libsndfile, at 48 kHz (an MP3 resampled by soxr, VHQ),
    float64."""
    import soundfile
    import soxr

    samples, rate = soundfile.read(str(path), dtype="float32")
    if rate != 48_000:
        samples = soxr.resample(samples, rate, 48_000, quality="VHQ")
    result: np.ndarray = samples.astype(np.float64)
    return result

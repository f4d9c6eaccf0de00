"""Audio: clips, and what is done to them. This package imports no other voiceguide module.

Every clip is mono float32 at ``RATE`` frames per second (48 kHz: the rate Opus needs and the
usual rate of phones; anything else goes through the soxr resampler). Durations are seconds;
sample counts are called frames and stay inside the audio modules.

This module holds what the live player needs - the clip type, reading, resampling, gains and
fades - and imports nothing heavy (soxr only when something is resampled). The measuring and
processing are in submodules: ``loudness`` (BS.1770), ``peaks`` (true peak), ``limiter``,
``leveling`` (loudness with a true-peak ceiling) and ``clips`` (how speech and chimes are
made into clips).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 48_000


@dataclass(frozen=True, eq=False)
class Clip:
    """Mono float32 samples at ``RATE``; ``duration`` in seconds."""

    samples: np.ndarray

    @property
    def frames(self) -> int:
        return len(self.samples)

    @property
    def duration(self) -> float:
        return len(self.samples) / RATE


def read(path: Path) -> np.ndarray:
    """Decode ``path`` to mono float32 at ``RATE``."""
    # bytes: soundfile encodes a str path strictly, and a file name need not be UTF-8
    data, rate = sf.read(os.fsencode(path), dtype="float32", always_2d=True)
    return resample(data.mean(axis=1), rate, RATE)


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited resampling (soxr, high quality); a no-op when the rates agree."""
    if rate_in == rate_out:
        return np.ascontiguousarray(samples, dtype=np.float32)
    import soxr  # here, not above: the live player imports this module and never resamples

    resampled: np.ndarray = soxr.resample(
        samples.astype(np.float32), rate_in, rate_out, quality="HQ"
    )
    return resampled


def db(value: float) -> float:
    """A linear amplitude ratio in dB (-240 dB for 0)."""
    return 20 * float(np.log10(max(value, 1e-12)))


def gain(decibels: float) -> float:
    """The linear amplitude ratio of ``decibels``."""
    return float(10 ** (decibels / 20))


def ramp(frames: int) -> np.ndarray:
    """A raised-cosine ramp of ``frames`` frames from 0 to 1 (float32)."""
    return (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, frames))).astype(np.float32)


def fade(samples: np.ndarray, fade_in: float, fade_out: float) -> np.ndarray:
    """A copy of ``samples`` with raised-cosine fades (seconds), so its edges never click."""
    out = samples.astype(np.float32, copy=True)
    n_in, n_out = (min(len(out), int(seconds * RATE)) for seconds in (fade_in, fade_out))
    if n_in:
        out[:n_in] *= ramp(n_in)
    if n_out:
        out[len(out) - n_out :] *= ramp(n_out)[::-1]
    return out


UNDER = 10 ** (-1 / 20)  # the sample peak a bed may bring a mix to (-1 dBFS)


def add_under(block: np.ndarray, samples: np.ndarray, ceiling: float = UNDER) -> int:
    """Add a bed's ``samples`` to ``block`` (the clips, already mixed), in place, never past
    ``ceiling``: where the sum would pass it, the bed's sample is cut so that the sum sits at
    it, and the clips are never touched. A calibrated bed at an allowed level does not get
    there; a file whose loudness hides its peaks (a DC offset, sparse clicks, sound under
    20 Hz) would otherwise clip the whole mix. Returns how many samples were cut."""
    block += samples
    peak = float(np.max(np.abs(block))) if len(block) else 0.0
    if peak <= ceiling:
        return 0
    over = np.abs(block) > ceiling
    clips = block[over] - samples[over]
    block[over] = np.clip(block[over], np.minimum(clips, -ceiling), np.maximum(clips, ceiling))
    return int(np.count_nonzero(over))

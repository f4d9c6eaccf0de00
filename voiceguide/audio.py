"""Audio primitives: clips, reading, resampling, loudness, true peak, limiting, fades.

Every clip is mono float32 at ``RATE`` frames per second (48 kHz: the rate Opus needs and the
usual rate of phones; anything else goes through the soxr resampler). Durations are seconds;
sample counts are called frames and stay inside the audio modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

RATE = 48_000
SPEECH_LUFS = -16.0  # the usual integrated loudness for speech on phones
CHIME_LUFS = -18.0  # chimes sit a little under the voice
_HEADROOM = 1.5  # limiter aims this much lower, for the make-up gain
PEAK_CEILING_DB = -1.5  # true-peak ceiling of every clip, under the -1 dBTP of the session
SILENCE_DB = -50.0


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
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return resample(data.mean(axis=1), rate, RATE)


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited resampling (soxr, high quality); a no-op when the rates agree."""
    if rate_in == rate_out:
        return np.ascontiguousarray(samples, dtype=np.float32)
    return soxr.resample(samples.astype(np.float32), rate_in, rate_out, quality="HQ")


def db(value: float) -> float:
    return 20 * float(np.log10(max(value, 1e-12)))


def gain(decibels: float) -> float:
    return float(10 ** (decibels / 20))


# ITU-R BS.1770 K-weighting at 48 kHz: a high shelf, then a high-pass (the standard's
# published coefficients, exact at this rate).
_SHELF = (
    [1.53512485958697, -2.69169618940638, 1.19839281085285],
    [1.0, -1.69065929318241, 0.73248077421585],
)
_HIGHPASS = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])
BLOCK = 0.4  # gating block, seconds
HOP = 0.1  # 75 % overlap


def block_energies(samples: np.ndarray) -> np.ndarray:
    """Mean square of the K-weighted signal in each 400 ms block (100 ms hop), BS.1770."""
    import scipy.signal  # imported on first use: it takes ~0.7 s, a warm plan needs none

    sos = np.vstack([scipy.signal.tf2sos(*_SHELF), scipy.signal.tf2sos(*_HIGHPASS)])
    weighted = scipy.signal.sosfilt(sos, samples)
    block = min(int(BLOCK * RATE), len(samples))
    hop = int(HOP * RATE)
    if block == 0:
        return np.zeros(0)
    sums = np.concatenate(([0.0], np.cumsum(weighted.astype(np.float64) ** 2)))
    starts = np.arange(0, len(samples) - block + 1, hop)
    return (sums[starts + block] - sums[starts]) / block


def gated_loudness(energies: np.ndarray) -> float:
    """Integrated loudness (LUFS) from block energies: absolute gate -70, relative gate -10."""

    def lufs(z: np.ndarray) -> float:
        return -0.691 + 10 * float(np.log10(z.mean())) if len(z) and z.mean() > 0 else -np.inf

    level = -0.691 + 10 * np.log10(np.maximum(energies, 1e-30))
    kept = energies[level > -70.0]
    if not len(kept):
        return -np.inf
    return lufs(kept[level[level > -70.0] > lufs(kept) - 10.0])


def loudness(samples: np.ndarray) -> float:
    """Integrated loudness in LUFS of mono ``samples`` at ``RATE`` (ITU-R BS.1770-4)."""
    return gated_loudness(block_energies(samples))


def _oversampled_peaks(samples: np.ndarray) -> np.ndarray:
    """Per input frame, the largest absolute value of the 4x oversampled signal near it."""
    up = np.abs(soxr.resample(samples, RATE, 4 * RATE, quality="MQ"))
    frames = len(samples)
    up = np.pad(up, (0, max(0, 4 * frames - len(up))))[: 4 * frames]
    quads = np.maximum(np.maximum(up[0::4], up[1::4]), np.maximum(up[2::4], up[3::4]))
    return np.maximum(quads, np.abs(samples))


def true_peak_db(samples: np.ndarray) -> float:
    """True peak in dBTP (4x oversampling, as BS.1770 Annex 2 suggests)."""
    return db(float(_oversampled_peaks(samples).max())) if len(samples) else -np.inf


def limiter_gain(peaks: np.ndarray, ceiling_db: float, window: float = 0.005) -> np.ndarray:
    """Per-frame gain of a look-ahead peak limiter: it dips smoothly (over ``window`` seconds)
    wherever ``peaks`` (from ``_oversampled_peaks``) would pass ``ceiling_db``, else is 1.

    The needed gain is min-filtered over 2*window and then box-averaged over window, so the
    smoothed gain never exceeds what any frame needs.
    """
    import scipy.ndimage

    # aim 2 % under the ceiling: the gain ripple moves inter-sample peaks a little
    need = np.minimum(1.0, 0.98 * gain(ceiling_db) / np.maximum(peaks, 1e-12))
    if need.min() >= 1.0:
        return need
    width = max(1, int(window * RATE))
    lowest = scipy.ndimage.minimum_filter1d(need, 2 * width + 1, mode="nearest")
    return np.minimum(scipy.ndimage.uniform_filter1d(lowest, width, mode="nearest"), need)


def limit(samples: np.ndarray, ceiling_db: float) -> np.ndarray:
    """``samples`` with true peaks held under ``ceiling_db`` (dBTP)."""
    return (samples * limiter_gain(_oversampled_peaks(samples), ceiling_db)).astype(np.float32)


def fade(samples: np.ndarray, fade_in: float, fade_out: float) -> np.ndarray:
    """Raised-cosine fades (seconds) so clip edges never click."""
    out = samples.astype(np.float32, copy=True)
    n_in, n_out = (min(len(out), int(seconds * RATE)) for seconds in (fade_in, fade_out))
    if n_in:
        out[:n_in] *= _ramp(n_in)
    if n_out:
        out[len(out) - n_out :] *= _ramp(n_out)[::-1]
    return out


def _ramp(frames: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, frames))).astype(np.float32)


def trim(samples: np.ndarray, keep_before: float = 0.001, keep_after: float = 0.03) -> np.ndarray:
    """Cut leading and trailing silence (below ``SILENCE_DB``), keeping a little margin."""
    loud = np.flatnonzero(np.abs(samples) > gain(SILENCE_DB))
    if len(loud) == 0:
        return samples[:0]
    first = max(0, loud[0] - int(keep_before * RATE))
    last = min(len(samples), loud[-1] + 1 + int(keep_after * RATE))
    return samples[first:last]


def normalize(samples: np.ndarray, target_lufs: float) -> np.ndarray:
    """Scale to ``target_lufs`` with the true peak under ``PEAK_CEILING_DB``.

    The limiter aims ``_HEADROOM`` dB under the ceiling; the loudness it takes away is made
    up afterwards by at most that much, so the ceiling holds without a second limiter pass.
    Only a clip limited by more than the headroom ends below the target.
    """
    level = loudness(samples)
    if not np.isfinite(level):
        return samples
    scaled = samples * np.float32(gain(target_lufs - level))
    limited = scaled * limiter_gain(_oversampled_peaks(scaled), PEAK_CEILING_DB - _HEADROOM)
    makeup = min(_HEADROOM, target_lufs - loudness(limited))
    return (limited * gain(makeup)).astype(np.float32)


def prepare_speech(samples: np.ndarray, rate: int, level_db: float = 0.0) -> np.ndarray:
    """Engine output -> a clip: 48 kHz, silence trimmed, -16 LUFS (+``level_db``), faded."""
    out = trim(resample(samples, rate, RATE))
    out = normalize(out, SPEECH_LUFS + level_db)
    return fade(out, 0.001, 0.01)


def prepare_chime(path: Path) -> Clip:
    """A chime file -> a clip at ``CHIME_LUFS`` (the file's first frame stays its onset)."""
    samples = read(path)
    if not np.any(samples):
        raise ValueError(f"{path} is silent")
    return Clip(fade(normalize(samples, CHIME_LUFS), 0.0, 0.005))

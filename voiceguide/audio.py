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


_IMPULSE_TAPS = 8192  # the slowest K-weighting pole (r = 0.995) has decayed by 1e-17 here
_OLA_SIZE = 4 * _IMPULSE_TAPS
_impulse: np.ndarray | None = None


def _biquad_impulse(b: list[float], a: list[float], x: np.ndarray) -> np.ndarray:
    """Run one biquad over ``x`` (a short signal: used once, for the impulse response)."""
    y = np.zeros_like(x)
    x1 = x2 = y1 = y2 = 0.0
    for n, xn in enumerate(x.tolist()):
        yn = b[0] * xn + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
        x2, x1, y2, y1 = x1, xn, y1, yn
        y[n] = yn
    return y


def _k_weighting_impulse() -> np.ndarray:
    """The impulse response of the K-weighting filter, computed once per process."""
    global _impulse
    if _impulse is None:
        delta = np.zeros(_IMPULSE_TAPS)
        delta[0] = 1.0
        _impulse = _biquad_impulse(*_HIGHPASS, _biquad_impulse(*_SHELF, delta))
    return _impulse


def k_weight(samples: np.ndarray) -> np.ndarray:
    """``samples`` through the BS.1770 K-weighting filter: overlap-add FFT convolution with the
    filter's impulse response, exact to float precision (numpy only: importing scipy.signal
    costs every fresh worker process about a second)."""
    impulse = _k_weighting_impulse()
    size = _OLA_SIZE
    hop = size - len(impulse) + 1
    count = -(-len(samples) // hop)
    chunks = np.zeros((count, hop))
    chunks.ravel()[: len(samples)] = samples
    spectrum = np.fft.rfft(chunks, size, axis=1) * np.fft.rfft(impulse, size)
    pieces = np.fft.irfft(spectrum, size, axis=1)
    out = np.zeros(count * hop + size)
    for index in range(count):
        out[index * hop : index * hop + size] += pieces[index]
    return out[: len(samples)]


def block_energies(samples: np.ndarray) -> np.ndarray:
    """Mean square of the K-weighted signal in each 400 ms block (100 ms hop), BS.1770."""
    return weighted_energies(k_weight(samples))


def weighted_energies(weighted: np.ndarray) -> np.ndarray:
    """BS.1770 block energies of an already K-weighted signal."""
    block = min(int(BLOCK * RATE), len(weighted))
    hop = int(HOP * RATE)
    if block == 0:
        return np.zeros(0)
    sums = np.concatenate(([0.0], np.cumsum(weighted.astype(np.float64) ** 2)))
    starts = np.arange(0, len(weighted) - block + 1, hop)
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


_PEAK_BLOCK = 512  # frames per block when looking for where true peaks matter
_PEAK_CONTEXT = 64  # frames of context around an oversampled stretch


def _oversampled_peaks(samples: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """Per input frame, the largest absolute value of the 4x oversampled signal near it.

    Only blocks whose sample peak reaches ``floor`` (linear) are oversampled; elsewhere the
    sample values stand in. Inter-sample peaks exceed sample peaks by a few dB at most, so a
    ``floor`` 6 dB under the level of interest loses nothing there.
    """
    peaks = np.abs(samples)
    frames = len(samples)
    if frames == 0:
        return peaks
    blocks = -(-frames // _PEAK_BLOCK)
    padded = np.zeros(blocks * _PEAK_BLOCK, dtype=peaks.dtype)
    padded[:frames] = peaks
    loud = padded.reshape(blocks, _PEAK_BLOCK).max(axis=1) >= floor
    loud[1:] |= loud[:-1]  # a neighbour block gives the resampler its context
    loud[:-1] |= loud[1:]
    edges = np.flatnonzero(np.diff(np.concatenate(([0], loud.astype(np.int8), [0]))))
    for first, last in zip(edges[::2], edges[1::2], strict=True):
        start, stop = first * _PEAK_BLOCK, min(frames, last * _PEAK_BLOCK)
        lo, hi = max(0, start - _PEAK_CONTEXT), min(frames, stop + _PEAK_CONTEXT)
        up = np.abs(soxr.resample(samples[lo:hi], RATE, 4 * RATE, quality="MQ"))
        up = np.pad(up, (0, max(0, 4 * (hi - lo) - len(up))))[: 4 * (hi - lo)]
        quads = np.maximum(np.maximum(up[0::4], up[1::4]), np.maximum(up[2::4], up[3::4]))
        peaks[start:stop] = np.maximum(quads[start - lo : stop - lo], peaks[start:stop])
    return peaks


def true_peak_db(samples: np.ndarray) -> float:
    """True peak in dBTP (4x oversampling, as BS.1770 Annex 2 suggests)."""
    if not len(samples):
        return -np.inf
    return db(float(_oversampled_peaks(samples, 0.5 * float(np.abs(samples).max())).max()))


def sliding_min(values: np.ndarray, width: int) -> np.ndarray:
    """Minimum over a centred window of odd ``width`` (edges repeat the end values), in
    O(n) with the van Herk/Gil-Werman block trick."""
    half = width // 2
    padded = np.pad(values, (half, half), mode="edge")
    blocks = -(-len(padded) // width)
    grid = np.pad(padded, (0, blocks * width - len(padded)), mode="edge").reshape(blocks, width)
    prefix = np.minimum.accumulate(grid, axis=1).ravel()
    suffix = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    count = len(values)
    return np.minimum(suffix[:count], prefix[width - 1 : width - 1 + count])


def box_mean(values: np.ndarray, width: int) -> np.ndarray:
    """Mean over a window of ``width`` frames around each frame (edges repeat end values)."""
    before = width // 2
    padded = np.pad(values.astype(np.float64), (before, width - 1 - before), mode="edge")
    sums = np.concatenate(([0.0], np.cumsum(padded)))
    return (sums[width:] - sums[:-width]) / width


def limiter_gain(peaks: np.ndarray, ceiling_db: float, window: float = 0.005) -> np.ndarray:
    """Per-frame gain of a look-ahead peak limiter: it dips smoothly (over ``window`` seconds)
    wherever ``peaks`` (from ``_oversampled_peaks``) would pass ``ceiling_db``, else is 1.

    The needed gain is min-filtered over 2*window and then box-averaged over window, so the
    smoothed gain never exceeds what any frame needs.
    """
    # aim 2 % under the ceiling: the gain ripple moves inter-sample peaks a little
    need = np.minimum(1.0, 0.98 * gain(ceiling_db) / np.maximum(peaks, 1e-12))
    if need.min() >= 1.0:
        return need
    width = max(1, int(window * RATE))
    lowest = sliding_min(need, 2 * width + 1)
    return np.minimum(box_mean(lowest, width), need)


def limit(samples: np.ndarray, ceiling_db: float) -> np.ndarray:
    """``samples`` with true peaks held under ``ceiling_db`` (dBTP)."""
    peaks = _oversampled_peaks(samples, gain(ceiling_db - 6.0))
    return (samples * limiter_gain(peaks, ceiling_db)).astype(np.float32)


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
    Only a clip limited by more than the headroom ends below the target. The signal is
    K-weighted once: the limiter's gain moves slowly (5 ms), so the weighted limited signal
    is the weighted signal times that gain, to well under 0.1 LU.
    """
    weighted = k_weight(samples)
    level = gated_loudness(weighted_energies(weighted))
    if not np.isfinite(level):
        return samples
    scale = gain(target_lufs - level)
    scaled = samples * np.float32(scale)
    floor = gain(PEAK_CEILING_DB - _HEADROOM - 6.0)
    curve = limiter_gain(_oversampled_peaks(scaled, floor), PEAK_CEILING_DB - _HEADROOM)
    limited_level = gated_loudness(weighted_energies(weighted * scale * curve))
    makeup = min(_HEADROOM, target_lufs - limited_level)
    return (scaled * curve * np.float32(gain(makeup))).astype(np.float32)


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

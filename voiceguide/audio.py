"""Audio primitives: clips, reading, resampling, loudness, true peak, limiting, fades.

Every clip is mono float32 at ``RATE`` frames per second (48 kHz: the rate Opus needs and the
usual rate of phones; anything else goes through the soxr resampler). Durations are seconds;
sample counts are called frames and stay inside the audio modules.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

RATE = 48_000
SPEECH_LUFS = -16.0  # the usual integrated loudness for speech on phones
CHIME_LUFS = -18.0  # chimes sit a little under the voice
_HEADROOM = 1.5  # limiter aims this much lower, for the make-up gain
_ROUNDS = 3  # limiting rounds, each deeper, until the make-up can restore the loudness
PEAK_CEILING_DB = -2.0  # every clip's true-peak ceiling: that of MP3 (export.FORMATS)
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


def k_weighting(rate: int) -> tuple[tuple[list[float], list[float]], ...]:
    """The K-weighting biquads ``((b, a) shelf, (b, a) high-pass)`` at any ``rate``.

    At 48 kHz, the standard's published coefficients. Elsewhere they are designed from the
    analog filter the standard's coefficients come from (the parameters libebur128 uses,
    which give back the 48 kHz coefficients to 1e-9).
    """
    if rate == RATE:
        return _SHELF, _HIGHPASS
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = np.tan(np.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (
        [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0],
        [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0],
    )
    f0, q = 38.13547087602444, 0.5003270373238773
    k = np.tan(np.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    # The standard's high-pass numerator is [1, -2, 1], not divided by a0: its pass band
    # sits a0(48 kHz) above unity (+0.04 dB), which the -0.691 of the loudness formula
    # assumes. Keep that gain at every rate (unscaled, 22.05 kHz reads 0.05 LU loud).
    k48 = np.tan(np.pi * f0 / 48_000)
    passband = (1 + k48 / q + k48 * k48) / a0
    highpass = (
        [passband, -2 * passband, passband],
        [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0],
    )
    return shelf, highpass


_impulses: dict[int, np.ndarray] = {}
_responses: dict[tuple[int, int], np.ndarray] = {}  # impulses' spectra by rate and size
_OLA_GROUP = 2  # overlap-add chunks transformed together (~1 s of 48 kHz audio)


def _biquad_impulse(b: list[float], a: list[float], x: np.ndarray) -> np.ndarray:
    """Run one biquad over ``x`` (a short signal: used once, for the impulse response)."""
    y = np.zeros_like(x)
    x1 = x2 = y1 = y2 = 0.0
    for n, xn in enumerate(x.tolist()):
        yn = b[0] * xn + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
        x2, x1, y2, y1 = x1, xn, y1, yn
        y[n] = yn
    return y


def _k_weighting_impulse(rate: int = RATE) -> np.ndarray:
    """The impulse response of the K-weighting filter at ``rate``, computed once per process.

    Long enough for the slowest pole (r = 0.995 at 48 kHz) to decay by 1e-17: 8192 taps at
    48 kHz, proportionally fewer at lower rates (a power of two, for the FFT).
    """
    if rate not in _impulses:
        taps = 1 << int(np.ceil(np.log2(8192 * rate / RATE)))
        delta = np.zeros(taps)
        delta[0] = 1.0
        shelf, highpass = k_weighting(rate)
        _impulses[rate] = _biquad_impulse(*highpass, _biquad_impulse(*shelf, delta))
    return _impulses[rate]


class KWeighting:
    """The BS.1770 K-weighting filter over a stream of blocks (float64 out, no delay).

    Overlap-add FFT convolution with the filter's impulse response, exact to float precision
    (numpy only: importing scipy.signal costs every fresh worker process about a second).
    Each call filters one block and returns as many frames, the filter's ring-out carried
    into the next call; ``tail()`` gives the ring-out after the last block. A few chunks at a
    time go through the FFTs, in buffers kept between calls (``out=``), so work memory is
    fixed (~1.5 MB plus the largest block): many large temporaries per clip fragmented the
    heap of a long export. The array returned is reused by the next call.
    """

    def __init__(self, rate: int = RATE, light: bool = False):
        impulse = _k_weighting_impulse(rate)
        self._taps = len(impulse)
        # light: FFTs of twice the impulse's length, not four times: half the FFT buffers
        # (1.8 MB at 48 kHz at the peak of a call, not 3.0 MB), for ~10 % more time
        # leveling a clip, where the filter is only part of the work
        self._size = (2 if light else 4) * self._taps
        self._hop = self._size - self._taps + 1
        if (rate, self._size) not in _responses:
            _responses[rate, self._size] = np.fft.rfft(impulse, self._size)
        self._response = _responses[rate, self._size]
        self._chunks = np.zeros((_OLA_GROUP, self._size))  # columns past a chunk stay zero
        self._spectrum = np.empty((_OLA_GROUP, self._size // 2 + 1), dtype=np.complex128)
        self._pieces = np.empty((_OLA_GROUP, self._size))
        self._carry = np.zeros(self._taps - 1)
        self._out = np.zeros(0)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        frames, hop = len(block), self._hop
        if len(self._out) < frames + self._size:
            self._out = np.empty(frames + self._size)
        out = self._out[: frames + self._size]
        out[: len(self._carry)] = self._carry
        out[len(self._carry) :] = 0.0
        count = -(-frames // hop)
        for first in range(0, count, _OLA_GROUP):
            number = min(_OLA_GROUP, count - first)
            for index in range(number):
                part = block[(first + index) * hop : (first + index + 1) * hop]
                self._chunks[index, : len(part)] = part
                self._chunks[index, len(part) : hop] = 0.0
            spectrum = self._spectrum[:number]
            np.fft.rfft(self._chunks[:number], axis=1, out=spectrum)
            spectrum *= self._response
            np.fft.irfft(spectrum, self._size, axis=1, out=self._pieces[:number])
            for index in range(number):
                begin = (first + index) * hop
                out[begin : begin + self._size] += self._pieces[index]
        self._carry[:] = out[frames : frames + self._taps - 1]
        return out[:frames]

    def reset(self) -> None:
        """Back to rest, as if new (the buffers are kept)."""
        self._carry[:] = 0.0

    def state(self) -> np.ndarray:
        """Where the stream stands (a copy), for ``restore``."""
        return self._carry.copy()

    def restore(self, state: np.ndarray) -> None:
        """Back to a ``state``: a stream interrupted by other work goes on as it was."""
        self._carry[:] = state

    def tail(self) -> np.ndarray:
        """The filter's ring-out after the last block (``taps - 1`` frames)."""
        return self._carry.copy()


_local = threading.local()


@contextmanager
def shared_weighting(rate: int = RATE, light: bool = False) -> Iterator[KWeighting]:
    """A K-weighting filter at ``rate``, shared by the work of this thread while it lasts.

    The first user makes it (~3 MB at 48 kHz at the peak of a call) and it goes when that user
    is done; whoever uses it meanwhile (``leveling`` a clip inside a measurement's stream)
    gets it back in the state it found it in. So a measurement and the clips leveled during
    it never hold two filters, and nothing is kept after. ``light``: if made here, made
    light (see ``KWeighting``).
    """
    filters = _local.__dict__.setdefault("weightings", {})
    if rate in filters:
        weighting = filters[rate]
        state = weighting.state()
        try:
            yield weighting
        finally:
            weighting.restore(state)
        return
    filters[rate] = weighting = KWeighting(rate, light)
    try:
        yield weighting
    finally:
        del filters[rate]


def k_weight(
    samples: np.ndarray,
    rate: int = RATE,
    tail: bool = False,
    dtype: type = np.float64,
    weighting: KWeighting | None = None,
) -> np.ndarray:
    """``samples`` through the K-weighting filter (a new array of ``dtype``); with ``tail``
    the filter's ring-out follows (``len(impulse) - 1`` more frames). Filtered a second at
    a time, so the work memory beside the result is fixed (~2 MB), or nothing in a
    ``weighting`` given (at ``rate``; reset first)."""
    if weighting is None:
        weighting = KWeighting(rate)
    weighting.reset()
    frames = len(samples)
    out = np.empty(frames + (weighting._taps - 1 if tail else 0), dtype=dtype)
    for first in range(0, frames, rate):
        part = samples[first : first + rate]
        out[first : first + len(part)] = weighting(part)
    if tail:
        out[frames:] = weighting.tail()
    return out


def block_energies(samples: np.ndarray, rate: int = RATE) -> np.ndarray:
    """Mean square of the K-weighted signal in each 400 ms block (100 ms hop), BS.1770."""
    return weighted_energies(k_weight(samples, rate), rate)


def _block_grid(frames: int, rate: int) -> tuple[np.ndarray, int]:
    """First frames and length of the BS.1770 gating blocks over ``frames`` at ``rate``
    (one block of the whole signal when it is shorter than a block)."""
    block = min(int(BLOCK * rate), frames)
    if block == 0:
        return np.zeros(0, dtype=np.int64), 0
    return np.arange(0, frames - block + 1, int(HOP * rate)), block


def _in_hops(frames: int, rate: int) -> bool:
    """Whether the gating blocks over ``frames`` are made of whole 100 ms hops (400 ms = 4 x
    100 ms), so each hop can be summed once: not for a signal shorter than a block, nor at a
    rate whose 100 ms is not a whole number of frames times four."""
    block = int(BLOCK * rate)
    return frames >= block and block % int(HOP * rate) == 0


def weighted_energies(weighted: np.ndarray, rate: int = RATE) -> np.ndarray:
    """BS.1770 block energies of an already K-weighted signal (blocks of ``_block_grid``)."""
    if _in_hops(len(weighted), rate):
        hop = int(HOP * rate)
        return energies_of_hops(hop_sums(weighted[: len(weighted) // hop * hop], hop), rate)
    starts, block = _block_grid(len(weighted), rate)
    if not len(starts):
        return np.zeros(0)
    sums = np.concatenate(([0.0], np.cumsum(weighted.astype(np.float64) ** 2)))
    return (sums[starts + block] - sums[starts]) / block


def hop_sums(weighted: np.ndarray, hop: int) -> np.ndarray:
    """Sum of squares of each ``hop`` frames of ``weighted`` (a whole number of hops), in
    float64, without a squared (or float64) copy."""
    rows = weighted.reshape(-1, hop)
    return np.einsum("ij,ij->i", rows, rows, dtype=np.float64, casting="safe")


def streamed_energies(parts: Iterable[np.ndarray], rate: int = RATE) -> np.ndarray:
    """BS.1770 block energies of the concatenated, already K-weighted ``parts``, summed part
    by part: memory stays a part's. Parts of whole 100 ms hops cost no copy; a part may be
    a buffer its producer refills."""
    hop = int(HOP * rate)
    sums: list[np.ndarray] = []
    carry = np.zeros(0)
    for part in parts:
        if len(carry):
            part = np.concatenate((carry, part))
        whole = len(part) // hop * hop
        sums.append(hop_sums(part[:whole], hop))
        carry = part[whole:].copy()
    return energies_of_hops(np.concatenate(sums) if sums else np.zeros(0), rate)


def _energies(samples: np.ndarray, weighting: KWeighting, rate: int) -> np.ndarray:
    """BS.1770 block energies of ``samples`` K-weighted by ``weighting`` (reset first), a
    second at a time: no weighted copy of the whole signal is kept."""
    weighting.reset()
    if not _in_hops(len(samples), rate):  # short, or an odd rate: at once
        return weighted_energies(weighting(samples), rate)
    parts = (samples[first : first + rate] for first in range(0, len(samples), rate))
    return streamed_energies((weighting(part) for part in parts), rate)


def energies_of_hops(sums: np.ndarray, rate: int = RATE) -> np.ndarray:
    """BS.1770 block energies from consecutive 100 ms ``hop_sums``: each 400 ms block is four
    of them (none if there are fewer than four)."""
    per, block = round(BLOCK / HOP), int(BLOCK * rate)
    if len(sums) < per:
        return np.zeros(0)
    running = np.concatenate(([0.0], np.cumsum(sums)))
    return (running[per:] - running[:-per]) / block


def gated_loudness(energies: np.ndarray) -> float:
    """Integrated loudness (LUFS) from block energies: absolute gate -70, relative gate -10."""

    def lufs(z: np.ndarray) -> float:
        return -0.691 + 10 * float(np.log10(z.mean())) if len(z) and z.mean() > 0 else -np.inf

    level = -0.691 + 10 * np.log10(np.maximum(energies, 1e-30))
    kept = energies[level > -70.0]
    if not len(kept):
        return -np.inf
    return lufs(kept[level[level > -70.0] > lufs(kept) - 10.0])


def loudness(samples: np.ndarray, rate: int = RATE) -> float:
    """Integrated loudness in LUFS of mono ``samples`` at ``rate`` (ITU-R BS.1770-4)."""
    return gated_loudness(block_energies(samples, rate))


_PEAK_BLOCK = 512  # frames per block when looking for where true peaks matter
_PEAK_CONTEXT = 64  # frames of context around an oversampled stretch
_PEAK_PIECE = 64  # blocks oversampled in one call (as fast as one call for a whole clip)
_DIP_PIECE = 1 << 15  # frames of limiter gain computed in one go
_KEEP = 1 << 19  # bytes: a clip up to this size keeps its K-weighted copy while leveled


def _oversampled_peaks(samples: np.ndarray, floor: float = 0.0, rate: int = RATE) -> np.ndarray:
    """Per input frame, the largest absolute value of the 4x oversampled signal near it.

    Only blocks whose sample peak reaches ``floor`` (linear) are oversampled; elsewhere the
    sample values stand in. Inter-sample peaks exceed sample peaks by a few dB at most, so a
    ``floor`` 6 dB under the level of interest loses nothing there.
    """
    peaks = np.abs(samples)
    frames = len(samples)
    if frames == 0:
        return peaks
    whole = frames // _PEAK_BLOCK * _PEAK_BLOCK
    loud = peaks[:whole].reshape(-1, _PEAK_BLOCK).max(axis=1) >= floor
    if whole < frames:
        loud = np.append(loud, peaks[whole:].max() >= floor)
    loud[1:] |= loud[:-1]  # a neighbour block gives the resampler its context
    loud[:-1] |= loud[1:]
    edges = np.flatnonzero(np.diff(np.concatenate(([0], loud.astype(np.int8), [0]))))
    # stretches of at most _PEAK_PIECE blocks: the oversampled copy stays ~0.5 MB
    pieces = [
        (piece, min(last, piece + _PEAK_PIECE))
        for first, last in zip(edges[::2], edges[1::2], strict=True)
        for piece in range(first, last, _PEAK_PIECE)
    ]
    for first, last in pieces:
        start, stop = first * _PEAK_BLOCK, min(frames, last * _PEAK_BLOCK)
        lo, hi = max(0, start - _PEAK_CONTEXT), min(frames, stop + _PEAK_CONTEXT)
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
    return db(float(_oversampled_peaks(samples, 0.5 * top).max()))


def _edged(values: np.ndarray, before: int, after: int) -> np.ndarray:
    """``values`` with its first value repeated ``before`` times and its last ``after``
    times (``np.pad(mode="edge")`` without its per-call cost, which counts here)."""
    return np.concatenate((np.full(before, values[0]), values, np.full(after, values[-1])))


def sliding_min(values: np.ndarray, width: int) -> np.ndarray:
    """Minimum over a centred window of odd ``width`` (edges repeat the end values), in
    O(n) with the van Herk/Gil-Werman block trick."""
    half = width // 2
    blocks = -(-(len(values) + 2 * half) // width)
    grid = _edged(values, half, blocks * width - len(values) - half).reshape(blocks, width)
    prefix = np.minimum.accumulate(grid, axis=1).ravel()
    suffix = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    count = len(values)
    return np.minimum(suffix[:count], prefix[width - 1 : width - 1 + count])


def box_mean(values: np.ndarray, width: int) -> np.ndarray:
    """Mean over a window of ``width`` frames around each frame (edges repeat end values)."""
    before = width // 2
    padded = _edged(values.astype(np.float64), before, width - 1 - before)
    sums = np.concatenate(([0.0], np.cumsum(padded)))
    return (sums[width:] - sums[:-width]) / width


class _Peaks:
    """``_oversampled_peaks(samples, floor, rate)`` read a stretch at a time: ``peaks[lo:hi]``
    is computed when asked, with a block and the resampler's context around it, so no
    whole-clip array is kept (the limiter reads them once, in pieces, and keeps only the
    frames over its threshold)."""

    def __init__(self, samples: np.ndarray, floor: float, rate: int = RATE):
        self.samples, self.floor, self.rate = samples, floor, rate

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, where: slice) -> np.ndarray:
        lo, hi, _ = where.indices(len(self.samples))
        pad = _PEAK_BLOCK + _PEAK_CONTEXT
        first, last = max(0, lo - pad), min(len(self.samples), hi + pad)
        peaks = _oversampled_peaks(self.samples[first:last], self.floor, self.rate)
        return peaks[lo - first : hi - first]


def limiter_dips(
    peaks: np.ndarray | _Peaks, ceiling_db: float, window: float = 0.005, rate: int = RATE
) -> list[tuple[int, np.ndarray]]:
    """Where a look-ahead peak limiter's gain dips under 1: ``(start, gain)`` stretches, in
    order (the gain is 1 everywhere else). It dips smoothly (over ``window`` seconds)
    wherever ``peaks`` (from ``_oversampled_peaks``, or a ``_Peaks``) would pass
    ``ceiling_db``.

    The needed gain is min-filtered over 2*window and then box-averaged over window, so the
    smoothed gain never exceeds what any frame needs. Only the frames around peaks over the
    ceiling are computed, with enough margin that the result is that of the whole signal:
    in speech they are a few percent of the frames.
    """
    # aim 3 % under the ceiling: the gain ripple, and 4x oversampling of content near the
    # Nyquist frequency, can put the true peak a little above what we see
    threshold = 0.97 * gain(ceiling_db)
    width = max(1, int(window * rate))
    reach = 2 * width + 2  # of the two filters (width + width // 2 + 1): beyond, the gain is 1
    margin = 2 * reach
    # the peaks are read once, a piece at a time; only the frames over the threshold are
    # kept, with the gain each needs (1 everywhere else): a few percent of them in speech
    over, needs = [], []
    for begin in range(0, len(peaks), _DIP_PIECE):
        piece = peaks[begin : begin + _DIP_PIECE]
        found = np.flatnonzero(piece > threshold)
        over.append((found + begin).astype(np.int32))  # a clip is < 2**31 frames
        needs.append((threshold / piece[found]).astype(np.float32))
    where, need_at = np.concatenate(over), np.concatenate(needs)
    if not len(where):
        return []
    # stretches closer than a few margins are computed as one: fewer, longer numpy calls
    breaks = np.flatnonzero(np.diff(where) > 4 * margin)
    firsts = np.concatenate((where[:1], where[breaks + 1]))
    lasts = np.concatenate((where[breaks], where[-1:]))
    dips = []
    for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
        start, stop = max(0, first - margin), min(len(peaks), last + 1 + margin)
        # in pieces, each computed with ``reach`` frames of context: work memory stays small
        for begin in range(start, stop, _DIP_PIECE):
            end = min(stop, begin + _DIP_PIECE)
            lo, hi = max(0, begin - reach), min(len(peaks), end + reach)
            need = np.ones(hi - lo, dtype=np.float32)
            inside = slice(*np.searchsorted(where, [lo, hi]))
            need[where[inside] - lo] = need_at[inside]
            curve = np.minimum(box_mean(sliding_min(need, 2 * width + 1), width), need)
            dips.append((begin, curve[begin - lo : end - lo].astype(np.float32)))
    return dips


def limiter_gain(
    peaks: np.ndarray, ceiling_db: float, window: float = 0.005, rate: int = RATE
) -> np.ndarray:
    """The limiter's gain per frame (float32): ``limiter_dips`` with 1 everywhere else."""
    return Gain(1.0, limiter_dips(peaks, ceiling_db, window, rate), len(peaks)).curve()


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


def trim(
    samples: np.ndarray, keep_before: float = 0.001, keep_after: float = 0.03, rate: int = RATE
) -> np.ndarray:
    """Cut leading and trailing silence (below ``SILENCE_DB``), keeping a little margin."""
    loud = np.flatnonzero(np.abs(samples) > gain(SILENCE_DB))
    if len(loud) == 0:
        return samples[:0]
    first = max(0, loud[0] - int(keep_before * rate))
    last = min(len(samples), loud[-1] + 1 + int(keep_after * rate))
    return samples[first:last]


def normalize(samples: np.ndarray, target_lufs: float) -> np.ndarray:
    """Scale to ``target_lufs`` with the true peak under ``PEAK_CEILING_DB``."""
    out = samples.astype(np.float32, copy=True)
    leveling(out, target_lufs).apply(out)
    return out


@dataclass(frozen=True)
class Gain:
    """A per-frame gain over ``frames`` frames: ``top`` everywhere but in ``dips``,
    ``(start, gains)`` stretches in order, where a limiter lowers it. Kept sparse: in speech
    the limiter acts on a few percent of the frames, so a whole curve would be wasted memory."""

    top: float
    dips: list[tuple[int, np.ndarray]]
    frames: int

    def apply(self, samples: np.ndarray) -> None:
        """Multiply ``samples`` (``frames`` of them, float32) by the gain, in place."""
        done = 0
        for start, gains in self.dips:
            samples[done:start] *= np.float32(self.top)
            samples[start : start + len(gains)] *= gains
            done = start + len(gains)
        samples[done:] *= np.float32(self.top)

    def curve(self) -> np.ndarray:
        """The gain of every frame (float32)."""
        out = np.full(self.frames, self.top, dtype=np.float32)
        for start, gains in self.dips:
            out[start : start + len(gains)] = gains
        return out


def leveling(
    samples: np.ndarray,
    target_lufs: float | None,
    rate: int = RATE,
    ceiling_db: float = PEAK_CEILING_DB,
) -> Gain:
    """The gain that brings ``samples`` to ``target_lufs`` (``None``: their own loudness)
    with the true peak under ``ceiling_db`` (1 for silence).

    The limiter aims ``_HEADROOM`` dB under the ceiling; the loudness it takes away is made
    up afterwards by at most that much, so the ceiling holds without a second limiter pass.
    When it takes more, the limiter aims lower by what it took (up to ``_ROUNDS`` times), so
    a peaky clip ends at the target as a smooth one does. The limiter's gain moves slowly
    (5 ms), so the K-weighted limited signal is the K-weighted signal times that gain, to
    well under 0.1 LU; its block energies are those of the signal corrected only where the
    limiter dips (``_dipped_energies``).
    Work memory: the dips and, for a clip of up to ``_KEEP`` bytes, its K-weighted copy and
    its peaks; no copy of a longer clip: its peaks are read a stretch at a time (``_Peaks``)
    and its weighted signal is made again only around dips (``_filtered_parts``), by the
    thread's K-weighting filter (``shared_weighting``).
    """
    # a measurement may be streaming through it; if not, a light one does for a clip
    with shared_weighting(rate, light=True) as weighting:
        return _leveling(samples, target_lufs, rate, ceiling_db, weighting)


def _leveling(
    samples: np.ndarray,
    target_lufs: float | None,
    rate: int,
    ceiling_db: float,
    weighting: KWeighting,
) -> Gain:
    # a short clip keeps its K-weighted copy and its peaks (reading them again around dips
    # costs more than it saves); a long one reads them a piece at a time, where needed
    keep = samples.nbytes <= _KEEP
    weighted = k_weight(samples, rate, dtype=np.float32, weighting=weighting) if keep else None
    if weighted is None:
        energies = _energies(samples, weighting, rate)
    else:
        energies = weighted_energies(weighted, rate)
    level = gated_loudness(energies)
    if not np.isfinite(level):
        return Gain(1.0, [], len(samples))
    target = level if target_lufs is None else target_lufs
    scale = gain(target - level)
    headroom, dips = _HEADROOM, []
    for round_ in range(_ROUNDS):
        aim = ceiling_db - headroom - db(scale)  # the ceiling before the scale
        dips = []  # the last round's are let go before new ones are made: work memory
        floor = gain(aim - 6.0)
        peaks = _oversampled_peaks(samples, floor, rate) if keep else _Peaks(samples, floor, rate)
        dips = limiter_dips(peaks, aim, rate=rate)
        del peaks
        if weighted is None:
            parts = _filtered_parts(samples, dips, weighting, rate)
        else:
            parts = ((start, weighted[start : start + len(dip)], dip) for start, dip in dips)
        limited = _dipped_energies(energies, parts, len(samples), rate) * scale**2
        loss = target - gated_loudness(limited)
        if loss <= headroom or round_ == _ROUNDS - 1:
            break
        headroom = loss + _HEADROOM  # limit deeper, to make up more
    # never more make-up than the headroom the limiter kept: the ceiling holds
    top = np.float32(scale * gain(min(headroom, max(loss, 0.0))))
    for _, dip in dips:
        dip *= top
    return Gain(float(top), dips, len(samples))


def _dipped_energies(
    energies: np.ndarray,
    parts: Iterable[tuple[int, np.ndarray, np.ndarray]],
    frames: int,
    rate: int,
) -> np.ndarray:
    """Block energies of a K-weighted signal of ``frames`` times a gain that is 1 but in some
    dips, from its ``energies``: each block corrected by what the dips take from it.
    ``parts``: ``(first frame, weighted signal, gain)`` for every stretch of the dips."""
    starts, block = _block_grid(frames, rate)
    out = energies.copy()
    for begin, weighted, gains in parts:
        taken = np.square(weighted, dtype=np.float64)
        taken *= np.square(gains, dtype=np.float64) - 1.0
        running = np.concatenate(([0.0], np.cumsum(taken)))  # taken before each frame
        first = np.clip(starts - begin, 0, len(taken))
        last = np.clip(starts + block - begin, 0, len(taken))
        out += (running[last] - running[first]) / block
    return out


def _filtered_parts(
    samples: np.ndarray, dips: list[tuple[int, np.ndarray]], weighting: KWeighting, rate: int
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """``(first frame, K-weighted samples, gain)`` for every stretch of ``dips``, the
    weighted signal made again only there, a second at a time (the part is the filter's
    buffer: used before the next).

    The filter is a FIR of ``taps`` taps, so ``taps - 1`` frames before a dip are all the
    context it needs to be exact. Where the next dip is less than an FFT chunk further on,
    the filter runs on through the gap rather than start again from rest (cheaper).
    """
    context, chunk = weighting._taps - 1, weighting._hop
    index = 0
    while index < len(dips):
        last = index  # the last dip of this run of the filter
        while last + 1 < len(dips) and dips[last + 1][0] - _end(dips[last]) < context + chunk:
            last += 1
        weighting.reset()
        position, stop = max(0, dips[index][0] - context), _end(dips[last])
        while position < stop:
            until = min(stop, position + rate)  # a second at a time
            weighted = weighting(samples[position:until])
            while index <= last and dips[index][0] < until:
                start, dip = dips[index]
                begin, end = max(start, position), min(_end(dips[index]), until)
                if end > begin:
                    yield (
                        begin,
                        weighted[begin - position : end - position],
                        dip[begin - start : end - start],
                    )
                if _end(dips[index]) > until:
                    break  # the rest of this dip comes with the next part
                index += 1
            position = until
        index = last + 1


def _end(dip: tuple[int, np.ndarray]) -> int:
    return dip[0] + len(dip[1])


def prepare_speech(samples: np.ndarray, rate: int, level_db: float = 0.0) -> np.ndarray:
    """Engine output -> a clip: 48 kHz, silence trimmed, -16 LUFS (+``level_db``), faded.

    Measured and limited at the engine's own rate (22.05 kHz for espeak: under half the
    frames of 48 kHz), then resampled; the limiter's gain, smooth over 5 ms, is carried over
    by linear interpolation. The true peak of a band-limited signal does not depend on the
    rate it is sampled at, so the ceiling holds at 48 kHz.
    """
    source = trim(samples, rate=rate)
    with shared_weighting(rate):  # full-size FFTs: faster, and a render worker has the memory
        level = leveling(source, SPEECH_LUFS + level_db, rate)
    out = resample(source, rate, RATE)
    _stretch(level, len(out), rate).apply(out)
    return fade(out, 0.001, 0.01)


def _stretch(level: Gain, frames: int, rate: int) -> Gain:
    """``level`` (at ``rate``) carried over to ``frames`` frames at ``RATE`` by linear
    interpolation: only its dips move, each read with a neighbour on either side (dips at
    least two frames apart, as ``limiter_dips`` makes them)."""
    if rate == RATE:
        return Gain(level.top, level.dips, frames)
    dips = []
    for start, gains in level.dips:
        first, last = max(0, start - 1), min(level.frames, start + len(gains) + 1)
        values = np.full(last - first, level.top, dtype=np.float32)
        values[start - first : start - first + len(gains)] = gains
        lo = -(-first * RATE // rate)
        hi = frames if last == level.frames else min(frames, (last - 1) * RATE // rate + 1)
        if hi > lo:
            at = np.arange(lo, hi) * (rate / RATE)
            dips.append((lo, np.interp(at, np.arange(first, last), values).astype(np.float32)))
    return Gain(level.top, dips, frames)


def prepare_chime(path: Path) -> Clip:
    """A chime file -> a clip at ``CHIME_LUFS`` (the file's first frame stays its onset).

    Raises ``ValueError`` saying what is wrong (for the caller to name the file and line)
    when a sample is NaN or infinite (leveling would spread it, and the encoder clip it to
    a full-scale burst) or when nothing in it reaches the -70 LUFS loudness gate (silence,
    which leveling cannot raise).
    """
    samples = read(path)
    if not np.all(np.isfinite(samples)):
        raise ValueError("holds samples that are not numbers (NaN or infinite); replace the file")
    if not np.isfinite(loudness(samples)):
        raise ValueError("is silent (nothing in it reaches -70 LUFS)")
    return Clip(fade(normalize(samples, CHIME_LUFS), 0.0, 0.005))

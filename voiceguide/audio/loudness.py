"""Loudness as ITU-R BS.1770-4 measures it: K-weighting, 400 ms gating blocks, gates.

The K-weighting filter runs as an overlap-add FFT convolution with its impulse response
(``KWeighting``), exact to float precision and streamed block by block, so that measuring a
long mix needs a block's memory, not the mix's. Its FFT buffers (``Workspace``, ~3 MB at
48 kHz at the peak of a call) are what costs memory; several filter streams in one thread may
take turns with one workspace - a measurement of a mix and the leveling of a clip it mixes -
each keeping only its own state (the filter's ring-out, ``taps - 1`` frames).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from voiceguide.audio import RATE

# ITU-R BS.1770 K-weighting at 48 kHz: a high shelf, then a high-pass (the standard's
# published coefficients, exact at this rate).
STANDARD_SHELF = (
    [1.53512485958697, -2.69169618940638, 1.19839281085285],
    [1.0, -1.69065929318241, 0.73248077421585],
)
STANDARD_HIGHPASS = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])
BLOCK = 0.4  # gating block, seconds
HOP = 0.1  # 75 % overlap


def k_weighting(rate: int) -> tuple[tuple[list[float], list[float]], ...]:
    """The K-weighting biquads ``((b, a) shelf, (b, a) high-pass)`` at any ``rate``.

    At 48 kHz, the standard's published coefficients; elsewhere ``designed_k_weighting``.
    """
    if rate == RATE:
        return STANDARD_SHELF, STANDARD_HIGHPASS
    return designed_k_weighting(rate)


def designed_k_weighting(rate: int) -> tuple[tuple[list[float], list[float]], ...]:
    """The K-weighting biquads designed for ``rate`` from the analog filter the standard's
    coefficients come from (the parameters libebur128 uses, which give back the 48 kHz
    coefficients to 1e-9)."""
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


class Workspace:
    """The FFT buffers of a K-weighting filter at ``rate``, for streams that take turns.

    ``light``: FFTs of twice the impulse's length, not four times: half the buffers (1.8 MB at
    48 kHz at the peak of a call, not 3.0 MB), for ~10 % more time leveling a clip, where the
    filter is only part of the work. The array a stream returns lives in the workspace: it is
    valid until any stream of the workspace is called again.
    """

    def __init__(self, rate: int = RATE, light: bool = False):
        impulse = _k_weighting_impulse(rate)
        self.rate = rate
        self.taps = len(impulse)
        self.size = (2 if light else 4) * self.taps
        self.hop = self.size - self.taps + 1
        if (rate, self.size) not in _responses:
            _responses[rate, self.size] = np.fft.rfft(impulse, self.size)
        self.response = _responses[rate, self.size]
        self.chunks = np.zeros((_OLA_GROUP, self.size))  # columns past a chunk stay zero
        self.spectrum = np.empty((_OLA_GROUP, self.size // 2 + 1), dtype=np.complex128)
        self.pieces = np.empty((_OLA_GROUP, self.size))
        self.out = np.zeros(0)


class KWeighting:
    """The BS.1770 K-weighting filter over a stream of blocks (float64 out, no delay).

    Each call filters one block and returns as many frames, the filter's ring-out carried
    into the next call; ``tail()`` gives the ring-out after the last block. A few chunks at a
    time go through the FFTs, in the ``workspace``'s buffers (``out=``), so work memory is
    fixed: many large temporaries per clip fragmented the heap of a long export. The array
    returned is reused by the next call of any stream of the same workspace.
    """

    def __init__(self, rate: int = RATE, light: bool = False, workspace: Workspace | None = None):
        self.work = workspace if workspace is not None else Workspace(rate, light)
        self.rate = self.work.rate
        self.taps = self.work.taps
        self.hop = self.work.hop
        self._carry = np.zeros(self.taps - 1)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        work, frames, hop = self.work, len(block), self.hop
        if len(work.out) < frames + work.size:
            work.out = np.empty(frames + work.size)
        out = work.out[: frames + work.size]
        out[: len(self._carry)] = self._carry
        out[len(self._carry) :] = 0.0
        count = -(-frames // hop)
        for first in range(0, count, _OLA_GROUP):
            number = min(_OLA_GROUP, count - first)
            for index in range(number):
                part = block[(first + index) * hop : (first + index + 1) * hop]
                work.chunks[index, : len(part)] = part
                work.chunks[index, len(part) : hop] = 0.0
            spectrum = work.spectrum[:number]
            np.fft.rfft(work.chunks[:number], axis=1, out=spectrum)
            spectrum *= work.response
            np.fft.irfft(spectrum, work.size, axis=1, out=work.pieces[:number])
            for index in range(number):
                begin = (first + index) * hop
                out[begin : begin + work.size] += work.pieces[index]
        self._carry[:] = out[frames : frames + self.taps - 1]
        return out[:frames]

    def reset(self) -> None:
        """Back to rest, as if new."""
        self._carry[:] = 0.0

    def tail(self) -> np.ndarray:
        """The filter's ring-out after the last block (``taps - 1`` frames)."""
        return self._carry.copy()

    def at_rest(self) -> bool:
        """Nothing is ringing out: a block of silence now would come out as silence."""
        return not self._carry.any()


def k_weight(
    samples: np.ndarray,
    rate: int = RATE,
    tail: bool = False,
    dtype: type = np.float64,
    workspace: Workspace | None = None,
) -> np.ndarray:
    """``samples`` through the K-weighting filter (a new array of ``dtype``); with ``tail``
    the filter's ring-out follows (``len(impulse) - 1`` more frames). Filtered a second at
    a time in ``workspace`` (at ``rate``; a new one if None): the work memory beside the
    result is fixed."""
    weighting = KWeighting(rate, workspace=workspace)
    frames = len(samples)
    out: np.ndarray = np.empty(frames + (weighting.taps - 1 if tail else 0), dtype=dtype)
    for first in range(0, frames, rate):
        part = samples[first : first + rate]
        out[first : first + len(part)] = weighting(part)
    if tail:
        out[frames:] = weighting.tail()
    return out


def block_energies(samples: np.ndarray, rate: int = RATE) -> np.ndarray:
    """Mean square of the K-weighted signal in each 400 ms block (100 ms hop), BS.1770."""
    return weighted_energies(k_weight(samples, rate), rate)


def block_grid(frames: int, rate: int) -> tuple[np.ndarray, int]:
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
    starts, block = block_grid(len(weighted), rate)
    if not len(starts):
        return np.zeros(0)
    sums = np.concatenate(([0.0], np.cumsum(weighted.astype(np.float64) ** 2)))
    energies: np.ndarray = (sums[starts + block] - sums[starts]) / block
    return energies


def hop_sums(weighted: np.ndarray, hop: int) -> np.ndarray:
    """Sum of squares of each ``hop`` frames of ``weighted`` (a whole number of hops), in
    float64, without a squared (or float64) copy."""
    rows = weighted.reshape(-1, hop)
    sums: np.ndarray = np.einsum("ij,ij->i", rows, rows, dtype=np.float64, casting="safe")
    return sums


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


def energies(samples: np.ndarray, weighting: KWeighting) -> np.ndarray:
    """BS.1770 block energies of ``samples`` K-weighted by ``weighting`` (reset first), a
    second at a time: no weighted copy of the whole signal is kept."""
    weighting.reset()
    rate = weighting.rate
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


class Meter:
    """The integrated loudness (LUFS, BS.1770-4) of a signal handed over a block at a time,
    as a meter reading the whole of it from its start measures it: K-weighted as it comes,
    each 100 ms hop's energy kept (8 bytes per hop: 2.3 MB for 8 hours), gated at the end
    (``lufs``). A block of digital silence after the filter has rung out costs no filtering.
    Blocks may be a buffer the caller refills: nothing of them is kept."""

    def __init__(self, rate: int = RATE, workspace: Workspace | None = None):
        self.weighting = KWeighting(rate, workspace=workspace)
        self.rate = rate
        self.hop = int(HOP * rate)
        self._sums: list[np.ndarray] = []
        self._carry = np.zeros(0)

    def add(self, block: np.ndarray) -> None:
        if not block.any() and self.weighting.at_rest():
            part = np.zeros(len(block))
        else:
            part = self.weighting(block)
        if len(self._carry):
            part = np.concatenate((self._carry, part))
        whole = len(part) // self.hop * self.hop
        self._sums.append(hop_sums(part[:whole], self.hop))
        self._carry = part[whole:].copy()

    def lufs(self) -> float:
        """Integrated loudness of all the blocks so far; -inf for silence (or < 400 ms)."""
        sums = np.concatenate(self._sums) if self._sums else np.zeros(0)
        return gated_loudness(energies_of_hops(sums, self.rate))

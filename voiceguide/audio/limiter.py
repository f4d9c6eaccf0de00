"""A look-ahead true-peak limiter, kept sparse: it says where its gain dips under 1 and by
how much (``limiter_dips``), and a ``Gain`` applies that in place. In speech it acts on a few
percent of the frames, so nothing is computed, stored or multiplied elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voiceguide.audio import RATE, gain
from voiceguide.audio.peaks import PeakReader, oversampled_peaks

# The limiter aims this fraction under its ceiling (-0.26 dB): the gain's ripple, and 4x
# oversampling of content near the Nyquist frequency, can put the true peak a little above
# what it sees.
MARGIN = 0.97
DIP_PIECE = 1 << 15  # frames of limiter gain computed in one go
WINDOW = 0.005  # seconds over which the gain dips and recovers


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


def limiter_dips(
    peaks: np.ndarray | PeakReader,
    ceiling_db: float,
    window: float = WINDOW,
    rate: int = RATE,
    piece: int = DIP_PIECE,
) -> list[tuple[int, np.ndarray]]:
    """Where a look-ahead peak limiter's gain dips under 1: ``(start, gain)`` stretches, in
    order (the gain is 1 everywhere else). It dips smoothly (over ``window`` seconds)
    wherever ``peaks`` (from ``oversampled_peaks``, or a ``PeakReader``) would pass
    ``ceiling_db``.

    The needed gain is min-filtered over 2*window and then box-averaged over window, so the
    smoothed gain never exceeds what any frame needs. Only the frames around peaks over the
    ceiling are computed, with enough margin that the result is that of the whole signal:
    in speech they are a few percent of the frames.
    """
    threshold = MARGIN * gain(ceiling_db)
    width = max(1, int(window * rate))
    reach = 2 * width + 2  # of the two filters (width + width // 2 + 1): beyond, the gain is 1
    margin = 2 * reach
    # the peaks are read once, a piece at a time; only the frames over the threshold are
    # kept, with the gain each needs (1 everywhere else): a few percent of them in speech
    over, needs = [], []
    for begin in range(0, len(peaks), piece):
        chunk = peaks[begin : begin + piece]
        found = np.flatnonzero(chunk > threshold)
        over.append((found + begin).astype(np.int32))  # a clip is < 2**31 frames
        needs.append((threshold / chunk[found]).astype(np.float32))
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
        for begin in range(start, stop, piece):
            end = min(stop, begin + piece)
            lo, hi = max(0, begin - reach), min(len(peaks), end + reach)
            need = np.ones(hi - lo, dtype=np.float32)
            inside = slice(*np.searchsorted(where, [lo, hi]))
            need[where[inside] - lo] = need_at[inside]
            curve = np.minimum(box_mean(sliding_min(need, 2 * width + 1), width), need)
            dips.append((begin, curve[begin - lo : end - lo].astype(np.float32)))
    return dips


def limiter_gain(
    peaks: np.ndarray, ceiling_db: float, window: float = WINDOW, rate: int = RATE
) -> np.ndarray:
    """The limiter's gain per frame (float32): ``limiter_dips`` with 1 everywhere else."""
    return Gain(1.0, limiter_dips(peaks, ceiling_db, window, rate), len(peaks)).curve()


def limit(samples: np.ndarray, ceiling_db: float) -> np.ndarray:
    """``samples`` with true peaks held under ``ceiling_db`` (dBTP)."""
    peaks = oversampled_peaks(samples, gain(ceiling_db - 6.0))
    limited: np.ndarray = (samples * limiter_gain(peaks, ceiling_db)).astype(np.float32)
    return limited

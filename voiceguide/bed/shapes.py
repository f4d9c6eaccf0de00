"""The building blocks of the built-in beds: seeded noise loops and slow control curves.

Everything here is a pure function of a seed and an absolute frame, so a bed can be read at
any frame without the frames before it (random access), and the same frames come out
whatever the order and size of the reads.

* A noise loop is made once per bed from a seed: a spectrum shaped in the frequency domain,
  so the loop joins end to start seamlessly. Loops of different, incommensurate lengths play
  together, so their sum never comes round again.
* A slow curve (a swell, a level) is computed on a fixed grid of control points, one every
  ``CONTROL`` frames of the bed (10 ms), and interpolated linearly to every frame: the grid
  does not move with the reads, so neither does the curve.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

from voiceguide.audio import RATE

CONTROL = 480  # frames between the control points of slow curves (10 ms)
_RAMP = (np.arange(CONTROL) / CONTROL).astype(np.float32)


def seed_of(*parts: object) -> int:
    """A stable 32-bit seed from ``parts`` (CRC-32 of their text: the same in every process,
    unlike ``hash``)."""
    return zlib.crc32("/".join(map(str, parts)).encode())


def rng(*parts: object) -> np.random.Generator:
    """A generator seeded from ``parts`` (``seed_of``)."""
    return np.random.default_rng(seed_of(*parts))


def corners(freqs: np.ndarray, low: float, high: float, order: float = 1.0) -> np.ndarray:
    """A gentle band-pass gain: ``order``-th order corners at ``low`` and ``high`` Hz."""
    f = np.maximum(freqs, 1.0)
    below = (1 + (low / f) ** (2 * order)) ** -0.5
    gain: np.ndarray = below * (1 + (f / high) ** (2 * order)) ** -0.5
    return gain


def noise_loop(seconds: float, shape: Callable[[np.ndarray], np.ndarray], seed: int) -> np.ndarray:
    """A seamless loop of noise whose spectrum is ``shape(frequencies in Hz)``, RMS 1
    (float32, ``seconds`` long). Made in the frequency domain, so its end joins its start."""
    frames = round(seconds * RATE)
    generator = np.random.default_rng(seed)
    bins = frames // 2 + 1
    # filled in place: the same numbers as (a + 1j * b) * shape, with fewer 3-6 MB
    # temporaries (a 17 s loop's peak was most of a bed's memory)
    spectrum = np.empty(bins, np.complex128)
    spectrum.real = generator.standard_normal(bins)
    spectrum.imag = generator.standard_normal(bins)
    spectrum *= shape(np.fft.rfftfreq(frames, 1 / RATE))
    spectrum[0] = 0.0
    out = np.fft.irfft(spectrum, frames)
    del spectrum
    out /= np.sqrt(np.mean(np.square(out, out=np.empty_like(out))))
    return out.astype(np.float32)


def loop_read(
    loop: np.ndarray, first: int, frames: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Frames ``first`` .. ``first + frames`` of ``loop`` repeated forever, copied into
    ``out`` (a new float32 array if None); returns ``out``."""
    if out is None:
        out = np.empty(frames, np.float32)
    done, at = 0, first % len(loop)
    while done < frames:
        part = loop[at : at + frames - done]
        out[done : done + len(part)] = part
        done, at = done + len(part), 0
    return out


def control_times(first: int, frames: int) -> np.ndarray:
    """Seconds (from the bed's start) of the control points covering frames ``first`` ..
    ``first + frames``: on a fixed grid of absolute frames, so a curve does not depend on
    how the bed is read."""
    start = first // CONTROL
    stop = (first + frames) // CONTROL + 2
    return np.arange(start, stop) * (CONTROL / RATE)


def to_frames(curve: np.ndarray, first: int, frames: int) -> np.ndarray:
    """A curve sampled at ``control_times(first, frames)``, linearly interpolated to every
    frame (float32)."""
    points = curve.astype(np.float32)
    steps = points[1:] - points[:-1]
    grid = points[:-1, None] + steps[:, None] * _RAMP[None, :]
    skip = first % CONTROL
    return grid.reshape(-1)[skip : skip + frames]


class SlowSteps:
    """A slow random curve: a value drawn in ``[low, high]`` at the start of every ``slot``
    seconds (from ``key`` and the slot's index), joined by raised-cosine interpolation.

    Random access: the value at a time depends only on its two slots. Drawn values are
    remembered (a few slots, the ones contiguous reads come back to): seeding a generator
    per slot and per read was a third of a bed's time."""

    KEEP = 64  # slots remembered

    def __init__(self, key: str, slot: float, low: float, high: float):
        self.key, self.slot, self.low, self.high = key, slot, low, high
        self._drawn: dict[int, float] = {}

    def _value(self, index: int) -> float:
        value = self._drawn.get(index)
        if value is None:
            if len(self._drawn) >= self.KEEP:
                self._drawn.clear()
            value = self.low + (self.high - self.low) * rng(self.key, index).random()
            self._drawn[index] = value
        return value

    def __call__(self, times: np.ndarray) -> np.ndarray:
        """The curve at ``times`` (seconds, ascending)."""
        position = times / self.slot
        index = np.floor(position).astype(np.int64)
        where = position - index
        first = int(index[0])
        values = np.array([self._value(k) for k in range(first, int(index[-1]) + 2)])
        ease = 0.5 - 0.5 * np.cos(np.pi * where)
        return values[index - first] * (1 - ease) + values[index - first + 1] * ease

"""What the session itself plays, as the listener knows it: the player's clips at 16 kHz,
placed at the clock times they are heard (``Backend.play(clip, at)``), cut where the player
stopped everything (a pause, a jump). The echo canceller's reference, and the ``flags`` that
say where the session sounds (its loud windows, with the room's tail after them).

"Loud" is relative to the loudest window played so far: speech and chimes reach within a
few dB of each other, the pace guide's ticks stay ``RANGE`` dB under them and do not count.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

RATE = 16000
WINDOW = 0.05  # seconds: loudness is measured in windows this long
RANGE = 8.0  # dB under the loudest window: still "the session sounds"
FLOOR_DB = -60.0  # a window under this never counts
TAIL = 0.4  # seconds the room rings after a sound
KEEP = 60.0  # seconds of the past kept
_TAPS = np.sinc(np.arange(-32, 33) / 3) / 3 * np.hanning(65)  # a low-pass at 8 kHz for 48 kHz


def to_16k(samples: np.ndarray) -> np.ndarray:
    """48 kHz float samples at 16 kHz (filtered, then every third kept)."""
    return np.convolve(samples, _TAPS.astype(np.float32), mode="same")[::3].astype(np.float32)


@dataclass
class _Sound:
    at: float  # clock seconds of its first sample
    samples: np.ndarray
    until: float = math.inf  # clock seconds after which it was cut

    @property
    def end(self) -> float:
        return min(self.at + len(self.samples) / RATE, self.until)


class Reference:
    """The session's output by clock time. Thread-safe: the player's side adds and cuts,
    the listener reads."""

    def __init__(self) -> None:
        self._sounds: list[_Sound] = []
        self._lock = threading.Lock()
        self.loudest = FLOOR_DB  # dB of the loudest window so far

    def add(self, at: float, samples: np.ndarray) -> None:
        """A sound (16 kHz) heard from clock time ``at``."""
        level = _window_levels(samples)
        with self._lock:
            if len(level):
                self.loudest = max(self.loudest, float(level.max()))
            self._sounds.append(_Sound(at, samples.astype(np.float32)))
            latest = max(s.end for s in self._sounds)
            self._sounds = [s for s in self._sounds if s.end > latest - KEEP]

    def cut(self, at: float) -> None:
        """Nothing handed over before now sounds after ``at``."""
        with self._lock:
            for sound in self._sounds:
                sound.until = min(sound.until, at)

    def read(self, start: float, count: int) -> np.ndarray:
        """``count`` samples of the output from clock time ``start``."""
        out = np.zeros(count, np.float32)
        with self._lock:
            sounds = list(self._sounds)
        for sound in sounds:
            first = round((sound.at - start) * RATE)
            begin, last = max(0, first), min(first + len(sound.samples), count)
            if sound.until < math.inf:
                last = min(last, round((sound.until - start) * RATE))
            # a sound cut before it began (handed over ``lead`` early, then a pause or a
            # jump) has nothing to read: its ``last`` comes before ``begin`` (a slice of
            # negative length once crashed the listener, deaf for the rest of the session)
            if last <= begin:
                continue
            out[begin:last] += sound.samples[begin - first : last - first]
        return out

    def flags(self, start: float, count: int) -> np.ndarray:
        """Per sample from clock time ``start``: does the session sound there (or ring)?"""
        size = round(WINDOW * RATE)
        tail = round(TAIL / WINDOW)  # windows
        before = self.read(start - tail * WINDOW, count + tail * size + size)
        loud = _window_levels(before) > max(FLOOR_DB, self.loudest - RANGE)
        ringing = loud.copy()
        for shift in range(1, tail + 1):  # a loud window makes the next ``tail`` ring
            ringing[shift:] |= loud[:-shift]
        return np.repeat(ringing, size)[tail * size : tail * size + count]


def _window_levels(samples: np.ndarray) -> np.ndarray:
    size = round(WINDOW * RATE)
    count = len(samples) // size
    windows = samples[: count * size].reshape(count, size).astype(np.float64)
    levels: np.ndarray = 10 * np.log10(np.mean(windows**2, axis=1) + 1e-12)
    return levels

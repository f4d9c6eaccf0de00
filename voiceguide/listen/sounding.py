"""When the session itself makes sound, as the player knows it: the spans of each clip it
plays that are loud enough to reach the microphone, in the clock's seconds.

The player hands every clip to its backend with the clock time it will be heard
(``Backend.play(clip, at)``); ``loud_spans`` finds where in the clip there is sound, and
``Sounding`` keeps those spans (with ``TAIL`` seconds of room echo after each) for the
listener, which judges a stretch heard while the session sounds more strictly. A pause or
a jump cuts everything still to come (``cut``).
"""

from __future__ import annotations

import threading

import numpy as np

WINDOW = 0.05  # seconds: the loudness is measured in windows this long
LOUD = -20.0  # dBFS, RMS of a window: speech and chimes reach -13 and -11, a pace tick -23
JOIN = 0.3  # seconds: loud windows closer than this make one span
TAIL = 0.4  # seconds the room rings after a sound
KEEP = 30.0  # seconds of the past kept


def loud_spans(samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """The (start, end) seconds of ``samples`` where a ``WINDOW`` is louder than ``LOUD``."""
    size = max(1, round(WINDOW * rate))
    count = len(samples) // size
    if count == 0:
        return []
    windows = samples[: count * size].reshape(count, size).astype(np.float64)
    loud = np.mean(windows**2, axis=1) > 10 ** (LOUD / 10)
    spans: list[tuple[float, float]] = []
    for index in np.flatnonzero(loud):
        start, end = index * size / rate, (index + 1) * size / rate
        if spans and start - spans[-1][1] < JOIN:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


class Sounding:
    """The spans, in clock seconds, during which the session sounds. Thread-safe: the
    player's side adds, the listener's side asks."""

    def __init__(self) -> None:
        self._spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def add(self, start: float, end: float) -> None:
        with self._lock:
            self._spans.append((start, end + TAIL))
            latest = max(e for _, e in self._spans)
            self._spans = [(a, b) for a, b in self._spans if b > latest - KEEP]

    def cut(self, at: float) -> None:
        """Nothing planned after ``at`` will sound (a pause, a jump, the end)."""
        with self._lock:
            self._spans = [(a, min(b, at + TAIL)) for a, b in self._spans if a < at]

    def flags(self, start: float, count: int, rate: int) -> np.ndarray:
        """Per sample from clock time ``start``: does the session sound there?"""
        out = np.zeros(count, bool)
        with self._lock:
            spans = list(self._spans)
        for a, b in spans:
            i, j = round((a - start) * rate), round((b - start) * rate)
            if j > 0 and i < count:
                out[max(0, i) : min(count, j)] = True
        return out

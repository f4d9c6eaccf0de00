"""Takes the session's own sound out of the microphone's: a linear echo canceller (a
partitioned-block frequency-domain NLMS filter) fed with what the player plays.

The player knows its output exactly (``sounding``): the canceller learns the room's path from
the loudspeaker to the microphone (``PARTS`` x ``BLOCK`` samples long: 0.51 s at 16 kHz) and
subtracts its estimate. Linear only, on purpose: WebRTC's AEC3 (tried, pywebrtc-audio) also
suppresses what is left nonlinearly, and that suppressor ate the giver's word when both spoke
at once (0 of 21 "pause" heard over the session's speech; docs/performance.md).
"""

from __future__ import annotations

import numpy as np

BLOCK = 256  # samples per step (16 ms at 16 kHz)
PARTS = 32  # partitions: the filter's length, BLOCK * PARTS samples (0.51 s)
STEP = 0.5  # the normalized step size (shared by the partitions)
FLOOR = 1e-6  # regularization of the power estimate (absolute)
REGULARIZE = 0.01  # ... and relative to the reference's mean power over the bins
DIVERGED = 4.0  # an output this many times the microphone's energy: the filter is reset
WORKS_DB = -3.0  # the filter takes out less than this lately: its output is not used
# seconds the reference is read ahead of the microphone: the clock times of capture and
# playback are known to tens of milliseconds, and a filter cannot use a reference that
# comes after its echo
LOOKAHEAD = 0.04


class EchoCanceller:
    """Feed it blocks of ``BLOCK`` samples: the microphone's and the reference's (what the
    loudspeaker played, time-aligned to within the filter's length, never later)."""

    def __init__(self) -> None:
        bins = BLOCK + 1
        self._weights = np.zeros((PARTS, bins), np.complex128)
        self._history = np.zeros((PARTS, bins), np.complex128)  # the reference's last spectra
        self._previous = np.zeros(BLOCK)  # the reference's previous block
        self._power = np.full(bins, FLOOR)
        self._heard = 0.0  # the microphone's energy per block, smoothed
        self.erle = 0.0  # dB: how much the filter takes out, lately (while the session plays)

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """The microphone's block less the echo estimated from ``reference``."""
        spectrum = np.fft.rfft(np.concatenate([self._previous, reference]))
        self._previous = reference.astype(np.float64)
        self._history = np.roll(self._history, 1, axis=0)
        self._history[0] = spectrum
        estimate = np.fft.irfft((self._weights * self._history).sum(axis=0))[BLOCK:]
        error = mic - estimate
        heard = float(np.sum(np.square(mic, dtype=np.float64)))
        self._heard = 0.95 * self._heard + 0.05 * heard
        if np.sum(np.square(error)) > DIVERGED * max(heard, self._heard) + 1e-9:  # it adds sound
            self._weights[:] = 0.0  # diverged: start again
            error = np.asarray(mic, np.float64)
        if not reference.any():
            return error.astype(np.float32)
        left = 10 * np.log10((np.sum(np.square(error)) + 1e-12) / (heard + 1e-12))
        self.erle = 0.99 * self.erle + 0.01 * min(max(left, -40.0), 10.0)
        # no echo to take out (earphones, a muted loudspeaker): the words as heard, not as
        # the filter, learning from them, bends them
        out = error if self.erle <= WORKS_DB else np.asarray(mic, np.float64)
        self._power = 0.9 * self._power + 0.1 * np.abs(spectrum) ** 2
        gradient_in = np.fft.rfft(np.concatenate([np.zeros(BLOCK), error]))
        # bins where the reference has next to no power (a chime, a pure tone) would take
        # huge steps and blow the filter up: their power is floored at a share of the mean
        power = self._power + REGULARIZE * self._power.mean()
        correction = STEP * gradient_in / (PARTS * power + FLOOR)
        update = np.conj(self._history) * correction
        # constrain each partition to BLOCK taps (the overlap-save gradient constraint)
        taps = np.fft.irfft(update, axis=1)
        taps[:, BLOCK:] = 0.0
        self._weights += np.fft.rfft(taps, axis=1)
        return out.astype(np.float32)

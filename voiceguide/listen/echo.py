"""Takes the session's own sound out of the microphone's: a linear echo canceller (two
partitioned-block frequency-domain NLMS filters) fed with what the player plays.

The player knows its output exactly (``sounding``): the canceller learns the room's path from
the loudspeaker to the microphone (``PARTS`` x ``BLOCK`` samples long: 0.26 s at 16 kHz, long
enough for 20 dB in a room ringing 0.6 s) and subtracts its estimate. Two filters, as
echo cancellers for telephones do: a *background* filter adapts all the time, fast (it also
learns from the giver's words said over the session, and is thrown off by them); a
*foreground* filter cancels, and takes the background's weights only while they leave
clearly less than its own. So a word said over the session's speech neither bends the filter
that cancels nor is cancelled with the echo (measured on the test set: the echo 14.5 dB down
against 2 dB for the one filter before, the word over speech 16 dB above what is left of the
echo, docs/performance.md).

Linear only, on purpose: WebRTC's AEC3 (tried, pywebrtc-audio) also suppresses what is left
nonlinearly, and that suppressor ate the giver's word when both spoke at once (0 of 21
"pause" heard over the session's speech).

``excess`` says, per block, how far what is left stands above what the echo would leave
(the echo estimate less the filter's recent gain, plus the floor of the room's noise): the
giver speaking over the session, in dB. The segmenter uses it while the session sounds.
"""

from __future__ import annotations

import numpy as np

BLOCK = 256  # samples per step (16 ms at 16 kHz)
PARTS = 16  # partitions: the filter's length, BLOCK * PARTS samples (0.26 s)
STEP = 1.0  # the background's normalized step size (shared by the partitions)
FLOOR = 1e-6  # regularization of the power estimate (absolute)
REGULARIZE = 0.01  # ... and relative to the reference's mean power over the bins
SMOOTH = 0.8  # per block: the filters' errors are compared over ~80 ms
COPY = 0.5  # the background leaves under this share of the foreground's error: copied
RECOVER = 8.0  # ... over this many times it (thrown off by double talk): it restarts from it
WORKS_DB = 3.0  # the foreground takes out less than this lately: the microphone is passed on
TALK_DB = 6.0  # excess over which a block is double talk: not counted in ``erle``
NOISE_RISE = 1.002  # per block: the noise floor follows a minimum rising 0.5 dB a second
# seconds the reference is read ahead of the microphone: the clock times of capture and
# playback are known to tens of milliseconds, and a filter cannot use a reference that
# comes after its echo
LOOKAHEAD = 0.04


class EchoCanceller:
    """Feed it blocks of ``BLOCK`` samples: the microphone's and the reference's (what the
    loudspeaker played, time-aligned to within the filter's length, never later)."""

    def __init__(self) -> None:
        bins = BLOCK + 1
        self._background = np.zeros((PARTS, bins), np.complex128)  # adapts
        self._foreground = np.zeros((PARTS, bins), np.complex128)  # cancels
        self._history = np.zeros((PARTS, bins), np.complex128)  # the reference's last spectra
        self._previous = np.zeros(BLOCK)  # the reference's previous block
        self._power = np.full(bins, FLOOR)
        self._errors = np.zeros(3)  # smoothed energies: background, foreground, microphone
        self._heard = 1e-12  # the microphone's energy while the session sounds, smoothed
        self._left = 1e-12  # ... and the foreground's error then
        self.noise: float | None = None  # energy per block of what no filter explains
        self.erle = (
            0.0  # dB: how much the foreground takes out, lately (the echo return loss enhancement)
        )
        self.excess = 0.0  # dB: what is left over what the echo alone would leave

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """The microphone's block less the echo estimated from ``reference``."""
        spectrum = np.fft.rfft(np.concatenate([self._previous, reference]))
        self._previous = reference.astype(np.float64)
        self._history = np.roll(self._history, 1, axis=0)
        self._history[0] = spectrum
        background = mic - self._filtered(self._background)
        estimate = self._filtered(self._foreground)
        foreground = mic - estimate
        heard, left = _energy(mic), _energy(foreground)
        self._choose(_energy(background), left, heard)
        self.noise = left if self.noise is None else min(self.noise * NOISE_RISE, left + 1e-12)
        expected = _energy(estimate) * 10 ** (-self.erle / 10) + self.noise
        self.excess = float(10 * np.log10((left + 1e-12) / (expected + 1e-12)))
        works = self.erle >= WORKS_DB
        if reference.any():
            if self.excess < TALK_DB:  # the giver's words are not the echo's
                self._heard = 0.98 * self._heard + 0.02 * heard
                self._left = 0.98 * self._left + 0.02 * left
                self.erle = float(10 * np.log10((self._heard + 1e-12) / (self._left + 1e-12)))
            self._adapt(spectrum, background)
        # no echo to take out (earphones, a muted loudspeaker): the words as heard
        out = foreground if works else np.asarray(mic, np.float64)
        return out.astype(np.float32)

    def _filtered(self, weights: np.ndarray) -> np.ndarray:
        return np.fft.irfft((weights * self._history).sum(axis=0))[BLOCK:]

    def _choose(self, background: float, foreground: float, heard: float) -> None:
        """The foreground takes the background's weights when they do clearly better; the
        background starts again from the foreground's (or from nothing, if that adds sound)
        when it does far worse: thrown off by double talk, or blown up by a pure tone."""
        self._errors = SMOOTH * self._errors + (1 - SMOOTH) * np.array(
            [background, foreground, heard]
        )
        back, fore, mic = self._errors
        if back < COPY * fore:
            self._foreground[:] = self._background
            self._errors[1] = back
        elif back > RECOVER * min(fore, mic):
            self._background[:] = self._foreground if fore <= mic else 0.0
            self._errors[0] = min(fore, mic)

    def _adapt(self, spectrum: np.ndarray, error: np.ndarray) -> None:
        """One NLMS step of the background filter on its own error."""
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
        self._background += np.fft.rfft(taps, axis=1)


def _energy(samples: np.ndarray) -> float:
    return float(np.sum(np.square(samples, dtype=np.float64)))

"""Whisper's log-mel features in numpy (80 bands, 25 ms windows every 10 ms, at 16 kHz).

The same arithmetic as OpenAI's ``whisper.audio.log_mel_spectrogram`` (a Hann-windowed STFT,
Slaney-style mel filters, log10, clamped 8 orders under the maximum, scaled), without its
padding to 30 s: the encoder of CTranslate2 takes the short input a command needs, which
costs a tenth of a 30 s window (``docs/performance.md``).
"""

from __future__ import annotations

from functools import cache

import numpy as np

RATE = 16000
N_FFT = 400
HOP = 160
BANDS = 80


@cache
def filters() -> np.ndarray:
    """The mel filter bank, shape (80, 201): Slaney's mel scale, area-normalized."""
    frequencies = np.fft.rfftfreq(N_FFT, 1.0 / RATE)
    mels = np.linspace(0.0, 45.245640471924965, BANDS + 2)  # 0 Hz .. 8 kHz in Slaney mels
    hz = 200.0 / 3 * mels
    log_from = 1000.0 / (200.0 / 3)  # linear under 1 kHz, logarithmic above
    above = mels >= log_from
    hz[above] = 1000.0 * np.exp(np.log(6.4) / 27.0 * (mels[above] - log_from))
    widths = np.diff(hz)
    ramps = np.subtract.outer(hz, frequencies)
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    bank = np.maximum(0.0, np.minimum(lower, upper))
    bank *= (2.0 / (hz[2 : BANDS + 2] - hz[:BANDS]))[:, None]
    made: np.ndarray = bank.astype(np.float32)
    return made


@cache
def _window() -> np.ndarray:
    return np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic, as torch.hann_window


def log_mel(samples: np.ndarray) -> np.ndarray:
    """Features of ``samples`` (float32 at 16 kHz), shape (80, len // 160), as Whisper's."""
    padded = np.pad(samples.astype(np.float32), N_FFT // 2, mode="reflect")
    count = 1 + (len(padded) - N_FFT) // HOP
    index = np.arange(N_FFT)[None, :] + HOP * np.arange(count)[:, None]
    spectrum = np.fft.rfft(padded[index] * _window(), axis=1)
    power = (spectrum.real**2 + spectrum.imag**2)[:-1].T.astype(np.float32)
    mel = np.log10(np.maximum(filters() @ power, 1e-10))
    mel = np.maximum(mel, mel.max() - 8.0)
    scaled: np.ndarray = ((mel + 4.0) / 4.0).astype(np.float32)
    return scaled

"""Whisper's log-mel features (checked once against faster-whisper's FeatureExtractor: equal
to 1.2e-7 on a spoken command; faster-whisper is not a dependency, so not here)."""

from __future__ import annotations

import numpy as np

from voiceguide.listen import mel


def test_a_tone_lights_the_band_around_its_frequency_and_the_shape_is_whispers():
    t = np.arange(16000) / 16000
    features = mel.log_mel((0.1 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32))
    assert features.shape == (80, 100)  # 10 ms a frame
    bank = mel.filters()
    centre = np.fft.rfftfreq(mel.N_FFT, 1 / mel.RATE)[np.argmax(bank, axis=1)]
    loudest = int(np.argmax(features[:, 50]))
    assert abs(centre[loudest] - 1000) <= 80
    assert features.max() <= (np.log10(1e10) + 4) / 4  # scaled as Whisper scales it
    assert features.min() >= features.max() - 2.0  # clamped 8 orders (2 after scaling) under


def test_the_filter_bank_covers_0_to_8_khz_in_80_overlapping_bands():
    bank = mel.filters()
    assert bank.shape == (80, 201)
    assert (bank.sum(axis=0)[1:-1] > 0).all()  # every bin but 0 Hz and 8 kHz belongs to one

"""True peak, against the definition."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.audio import peaks
from voiceguide.testing.signals import band_limited, reference_true_peak_db, speechlike


def test_true_peak_sees_the_peak_between_samples():
    # a sine at fs/4 sampled 45 degrees off its peaks: samples at 0.707, true peak 1.0
    n = np.arange(4800)
    signal = np.sin(2 * np.pi * n / 4 + np.pi / 4).astype(np.float32)
    assert np.abs(signal).max() == pytest.approx(0.7071, abs=1e-3)
    assert peaks.true_peak_db(signal) == pytest.approx(0.0, abs=0.3)


def test_true_peak_agrees_with_an_8x_polyphase_reference():
    for seed in range(3):  # band-limited: see testing.signals.band_limited
        signal = band_limited(speechlike(2.0, seed))
        assert peaks.true_peak_db(signal) == pytest.approx(reference_true_peak_db(signal), abs=0.15)


def test_peaks_read_a_stretch_at_a_time_equal_the_whole_signals_over_the_floor():
    signal = speechlike(4.0, 7)
    floor = 0.3
    whole = peaks.oversampled_peaks(signal, floor)
    reader = peaks.PeakReader(signal, floor)
    for lo, hi in ((0, 1000), (5000, 90_000), (100_000, len(signal))):
        part = reader[lo:hi]
        loud = whole[lo:hi] >= floor
        np.testing.assert_allclose(part[loud], whole[lo:hi][loud], atol=1e-6)

"""The sparse look-ahead limiter, against its definition on the whole signal."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage

from voiceguide.audio import RATE, gain
from voiceguide.audio import limiter as lim
from voiceguide.audio.peaks import PeakReader, oversampled_peaks
from voiceguide.testing.signals import speechlike


def dense_limiter_gain(peaks: np.ndarray, ceiling_db: float, rate: int = RATE) -> np.ndarray:
    """The limiter's gain computed over the whole signal at once (the definition)."""
    need = np.minimum(1.0, lim.MARGIN * gain(ceiling_db) / np.maximum(peaks, 1e-12))
    width = int(lim.WINDOW * rate)
    return np.minimum(lim.box_mean(lim.sliding_min(need, 2 * width + 1), width), need)


@pytest.mark.parametrize("width", [1, 3, 240, 481])
def test_sliding_min_and_box_mean_match_scipy_ndimage(width):
    values = np.random.default_rng(width).random(5000)
    assert np.array_equal(
        lim.sliding_min(values, width),
        scipy.ndimage.minimum_filter1d(values, width, mode="nearest"),
    )
    assert np.allclose(
        lim.box_mean(values, width), scipy.ndimage.uniform_filter1d(values, width, mode="nearest")
    )


def test_the_limiter_leaves_quiet_passages_untouched():
    quiet = speechlike(2.0) * 0.01
    assert np.array_equal(lim.limit(quiet, -1.0), quiet)


@pytest.mark.parametrize("piece", [7, 1000, 1 << 15])
@pytest.mark.parametrize("ceiling_db", [-20.0, -12.0, -3.0])
@pytest.mark.slow
def test_the_limiters_dips_computed_in_pieces_equal_the_whole_signals_gain(piece, ceiling_db):
    signal = speechlike(4.0, 7)
    peaks = oversampled_peaks(signal, 0.0)
    dips = lim.limiter_dips(peaks, ceiling_db, piece=piece)
    starts = [start for start, _ in dips]
    assert starts == sorted(starts) and dips
    assert all(a + len(d) <= b for (a, d), b in zip(dips, starts[1:], strict=False))
    curve = lim.Gain(1.0, dips, len(peaks)).curve()
    np.testing.assert_allclose(curve, dense_limiter_gain(peaks, ceiling_db), atol=1e-6)


@pytest.mark.parametrize("piece", [1000, 1 << 15])
@pytest.mark.parametrize("ceiling_db", [-20.0, -3.0, 0.0])
def test_the_limiter_reading_its_peaks_a_piece_at_a_time_gives_the_same_gain(piece, ceiling_db):
    """A ``PeakReader`` oversamples each piece with its own context and block grid; where it
    differs from the whole signal's peaks (under the floor) the limiter does not look."""
    signal = speechlike(4.0, 7)
    floor = gain(ceiling_db - 6.0)
    dense = lim.limiter_gain(oversampled_peaks(signal, floor), ceiling_db)
    assert dense.min() < 0.8
    reader = PeakReader(signal, floor)
    lazy = lim.Gain(1.0, lim.limiter_dips(reader, ceiling_db, piece=piece), len(signal))
    np.testing.assert_allclose(lazy.curve(), dense, atol=1e-6)


def test_a_gain_applied_in_place_equals_multiplying_by_its_curve():
    signal = speechlike(3.0, 5)
    dips = lim.limiter_dips(oversampled_peaks(signal, 0.0), -12.0)
    level = lim.Gain(0.8, dips, len(signal))
    limited = signal.copy()
    level.apply(limited)
    np.testing.assert_array_equal(limited, signal * level.curve())

"""BS.1770 loudness and the K-weighting filter, against independent references."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
import scipy.signal

from voiceguide.audio import RATE, resample
from voiceguide.audio import loudness as meter
from voiceguide.testing.signals import speechlike

STANDARD = np.vstack(
    [scipy.signal.tf2sos(*meter.STANDARD_SHELF), scipy.signal.tf2sos(*meter.STANDARD_HIGHPASS)]
)


@pytest.mark.parametrize("seconds", [0.5, 3.0, 20.0])
def test_our_loudness_meter_agrees_with_pyloudnorm(seconds):
    signal = speechlike(seconds)
    reference = pyloudnorm.Meter(RATE, block_size=min(0.4, seconds)).integrated_loudness(
        signal.astype(np.float64)
    )
    assert meter.loudness(signal) == pytest.approx(reference, abs=0.05)


def test_a_full_scale_1khz_sine_reads_minus_3_lufs():
    t = np.arange(RATE * 5) / RATE
    assert meter.loudness(np.sin(2 * np.pi * 997 * t)) == pytest.approx(-3.01, abs=0.05)


def test_k_weighting_matches_the_standard_biquads_run_by_scipy():
    signal = speechlike(3.0).astype(np.float64)
    assert np.allclose(meter.k_weight(signal), scipy.signal.sosfilt(STANDARD, signal), atol=1e-9)


def test_k_weighting_designed_for_48k_gives_back_the_standards_coefficients():
    (shelf_b, shelf_a), (high_b, high_a) = meter.designed_k_weighting(48_000)
    assert np.allclose(shelf_b, meter.STANDARD_SHELF[0], atol=1e-9)
    assert np.allclose(shelf_a, meter.STANDARD_SHELF[1], atol=1e-9)
    assert np.allclose(high_a, meter.STANDARD_HIGHPASS[1], atol=1e-9)
    assert np.allclose(high_b, meter.STANDARD_HIGHPASS[0], atol=1e-12)


def test_loudness_at_the_engines_rate_agrees_with_loudness_at_48k():
    def compare(source: np.ndarray) -> float:
        return meter.loudness(source, 22050) - meter.loudness(resample(source, 22050, RATE))

    # speech's energy lies under 4 kHz: the 22.05 kHz filter agrees to a hundredth of a LU
    voiced = scipy.signal.resample_poly(speechlike(6.0, 4), 1, 6).astype(np.float32)  # 8 kHz
    assert compare(resample(voiced, 8000, 22050)) == pytest.approx(0.0, abs=0.02)
    # full-band noise up to 11 kHz: the bilinear design reads a little high (documented)
    noise = scipy.signal.resample_poly(speechlike(6.0, 4), 147, 320).astype(np.float32)
    assert 0.0 < compare(noise) < 0.2


def test_block_energies_by_whole_hops_equal_the_sliding_sums():
    weighted = meter.k_weight(speechlike(3.7, 2))
    squares = np.concatenate(([0.0], np.cumsum(weighted.astype(np.float64) ** 2)))
    block, hop = int(meter.BLOCK * RATE), int(meter.HOP * RATE)
    starts = np.arange(0, len(weighted) - block + 1, hop)
    expected = (squares[starts + block] - squares[starts]) / block
    assert np.allclose(meter.weighted_energies(weighted), expected, rtol=1e-9)


def test_energies_streamed_a_second_at_a_time_equal_those_of_the_whole_signal():
    signal = speechlike(6.3, 8)
    for rate in (RATE, 22050):
        weighting = meter.KWeighting(rate, light=True)
        expected = meter.weighted_energies(meter.k_weight(signal, rate), rate)
        np.testing.assert_allclose(meter.energies(signal, weighting), expected, rtol=1e-9)


@pytest.mark.parametrize("light", [False, True])
@pytest.mark.parametrize("block", [777, 24_577, 48_000, 200_001])
def test_k_weighting_a_stream_block_by_block_equals_filtering_it_whole(block, light):
    signal = speechlike(5.3, 4)
    reference = scipy.signal.sosfilt(
        STANDARD, np.concatenate((signal, np.zeros(8191))).astype(np.float64)
    )
    work = meter.Workspace(light=light)
    weighting = meter.KWeighting(workspace=work)
    parts = [weighting(signal[i : i + block]).copy() for i in range(0, len(signal), block)]
    streamed = np.concatenate([*parts, weighting.tail()])
    assert np.allclose(streamed, reference, atol=1e-9)
    assert np.allclose(meter.k_weight(signal, tail=True, workspace=work), reference, atol=1e-9)
    weighting.reset()
    assert np.allclose(weighting(signal), reference[: len(signal)], atol=1e-9)


def test_two_streams_taking_turns_with_one_workspace_keep_their_own_state():
    first, second = speechlike(3.0, 1), speechlike(3.0, 2)
    work = meter.Workspace()
    a, b = meter.KWeighting(workspace=work), meter.KWeighting(workspace=work)
    out_a, out_b = [], []
    for i in range(0, len(first), 10_000):  # interleaved, as a measurement and a leveling
        out_a.append(a(first[i : i + 10_000]).copy())
        out_b.append(b(second[i : i + 10_000]).copy())
    assert np.allclose(np.concatenate(out_a), meter.k_weight(first), atol=1e-12)
    assert np.allclose(np.concatenate(out_b), meter.k_weight(second), atol=1e-12)

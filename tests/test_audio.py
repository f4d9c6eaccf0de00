"""Audio primitives measured against independent references."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
import scipy.signal

from voiceguide import audio

RATE = audio.RATE


def speechlike(seconds: float, seed: int = 1) -> np.ndarray:
    """Noise bursts shaped like syllables: a peaky signal like speech."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = np.clip(np.sin(2 * np.pi * 3 * t), 0, None) ** 2
    return (0.3 * rng.standard_normal(len(t)) * envelope).astype(np.float32)


@pytest.mark.parametrize("seconds", [0.5, 3.0, 20.0])
def test_our_loudness_meter_agrees_with_pyloudnorm(seconds):
    signal = speechlike(seconds)
    reference = pyloudnorm.Meter(RATE, block_size=min(0.4, seconds)).integrated_loudness(
        signal.astype(np.float64)
    )
    assert audio.loudness(signal) == pytest.approx(reference, abs=0.05)


def test_a_full_scale_1khz_sine_reads_minus_3_lufs():
    t = np.arange(RATE * 5) / RATE
    assert audio.loudness(np.sin(2 * np.pi * 997 * t)) == pytest.approx(-3.01, abs=0.05)


def test_true_peak_sees_the_peak_between_samples():
    # a sine at fs/4 sampled 45 degrees off its peaks: samples at 0.707, true peak 1.0
    n = np.arange(4800)
    signal = np.sin(2 * np.pi * n / 4 + np.pi / 4).astype(np.float32)
    assert np.abs(signal).max() == pytest.approx(0.7071, abs=1e-3)
    assert audio.true_peak_db(signal) == pytest.approx(0.0, abs=0.3)


def test_normalize_meets_the_loudness_target_under_the_true_peak_ceiling():
    # band-limited to 16 kHz, as everything voiceguide plays is (the 4x oversampler's pass
    # band ends at 91 % of Nyquist: full-band noise reads up to 0.6 dB low, documented)
    for seed in range(5):
        signal = scipy.signal.resample_poly(speechlike(4.0, seed), 2, 3)
        signal = scipy.signal.resample_poly(signal, 3, 2).astype(np.float32)
        out = audio.normalize(signal, audio.SPEECH_LUFS)
        assert audio.loudness(out) == pytest.approx(audio.SPEECH_LUFS, abs=0.3)
        reference_peak = 20 * np.log10(np.abs(scipy.signal.resample_poly(out, 8, 1)).max())
        assert reference_peak <= audio.PEAK_CEILING_DB + 0.1


def test_the_limiter_leaves_quiet_passages_untouched():
    quiet = speechlike(2.0) * 0.01
    assert np.array_equal(audio.limit(quiet, -1.0), quiet)


def test_fades_start_and_end_at_zero_without_a_step():
    faded = audio.fade(np.ones(4800, dtype=np.float32), 0.002, 0.01)
    assert faded[0] == 0 and faded[-1] == 0
    assert np.abs(np.diff(faded)).max() < 0.02


def test_trim_keeps_a_millisecond_before_the_first_sound():
    signal = np.zeros(RATE, dtype=np.float32)
    signal[10_000:20_000] = 0.5
    trimmed = audio.trim(signal)
    assert np.flatnonzero(trimmed)[0] == RATE // 1000


def test_resampling_goes_through_a_real_resampler():
    t = np.arange(22050) / 22050
    tone = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    up = audio.resample(tone, 22050, RATE)
    assert len(up) == RATE
    spectrum = np.abs(np.fft.rfft(up[4800:-4800] * np.hanning(len(up) - 9600)))
    peak = np.argmax(spectrum) * RATE / (len(up) - 9600)
    assert peak == pytest.approx(1000, abs=2)
    # no images of the 1 kHz tone above the old Nyquist frequency
    image = spectrum[int(12000 * (len(up) - 9600) / RATE) :].max()
    assert 20 * np.log10(image / spectrum.max()) < -80


def test_k_weighting_matches_the_standard_biquads_run_by_scipy():
    signal = speechlike(3.0).astype(np.float64)
    sos = np.vstack([scipy.signal.tf2sos(*audio._SHELF), scipy.signal.tf2sos(*audio._HIGHPASS)])
    assert np.allclose(audio.k_weight(signal), scipy.signal.sosfilt(sos, signal), atol=1e-9)


@pytest.mark.parametrize("width", [1, 3, 240, 481])
def test_sliding_min_and_box_mean_match_scipy_ndimage(width):
    import scipy.ndimage

    values = np.random.default_rng(width).random(5000)
    assert np.array_equal(
        audio.sliding_min(values, width),
        scipy.ndimage.minimum_filter1d(values, width, mode="nearest"),
    )
    assert np.allclose(
        audio.box_mean(values, width), scipy.ndimage.uniform_filter1d(values, width, mode="nearest")
    )


def test_k_weighting_designed_for_48k_gives_back_the_standards_coefficients(monkeypatch):
    monkeypatch.setattr(audio, "RATE", -1)  # force the design path at 48 kHz
    (shelf_b, shelf_a), (high_b, high_a) = audio.k_weighting(48_000)
    assert np.allclose(shelf_b, audio._SHELF[0], atol=1e-9)
    assert np.allclose(shelf_a, audio._SHELF[1], atol=1e-9)
    assert np.allclose(high_a, audio._HIGHPASS[1], atol=1e-9)
    assert np.allclose(high_b, audio._HIGHPASS[0], atol=1e-12)


def test_loudness_at_the_engines_rate_agrees_with_loudness_at_48k():
    def compare(source: np.ndarray) -> float:
        return audio.loudness(source, 22050) - audio.loudness(audio.resample(source, 22050, RATE))

    # speech's energy lies under 4 kHz: the 22.05 kHz filter agrees to a hundredth of a LU
    voiced = scipy.signal.resample_poly(speechlike(6.0, 4), 1, 6).astype(np.float32)  # 8 kHz
    assert compare(audio.resample(voiced, 8000, 22050)) == pytest.approx(0.0, abs=0.02)
    # full-band noise up to 11 kHz: the bilinear design reads a little high (documented)
    noise = scipy.signal.resample_poly(speechlike(6.0, 4), 147, 320).astype(np.float32)
    assert 0.0 < compare(noise) < 0.2


@pytest.mark.parametrize("seed", range(4))
def test_speech_prepared_at_22k_meets_loudness_and_ceiling_at_48k(seed):
    source = scipy.signal.resample_poly(speechlike(4.0, seed) * 3, 147, 320).astype(np.float32)
    clip = audio.prepare_speech(source, 22050, level_db=-2.0)
    assert 3.5 * RATE < len(clip) <= 4.0 * RATE  # silence at the ends trimmed
    assert audio.loudness(clip) == pytest.approx(audio.SPEECH_LUFS - 2.0, abs=0.2)
    reference_peak = 20 * np.log10(np.abs(scipy.signal.resample_poly(clip, 8, 1)).max())
    assert reference_peak <= audio.PEAK_CEILING_DB + 0.1


def test_a_gain_curve_is_stretched_exactly_like_linear_interpolation():
    rng = np.random.default_rng(3)
    for _ in range(200):
        frames = int(rng.integers(1, 3000))
        rate = int(rng.choice([16_000, 22_050, 24_000, 44_100]))
        top = float(rng.uniform(0.5, 2.0))
        dips, at = [], int(rng.integers(0, 3))  # dips at least two frames apart
        while at < frames and len(dips) < 5:
            stop = min(frames, at + int(rng.integers(1, 50)))
            dips.append((at, rng.uniform(0.2, 1.0, stop - at).astype(np.float32) * top))
            at = stop + int(rng.integers(2, 400))
        level = audio.Gain(top, dips, frames)
        count = int(rng.integers(1, 3 * frames * RATE // rate + 2))
        expected = np.interp(np.arange(count) * (rate / RATE), np.arange(frames), level.curve())
        stretched = audio._stretch(level, count, rate)
        assert np.allclose(stretched.curve(), expected, atol=1e-6)
        samples = np.ones(count, dtype=np.float32)
        stretched.apply(samples)
        assert np.array_equal(samples, stretched.curve())


def test_block_energies_by_whole_hops_equal_the_sliding_sums():
    weighted = audio.k_weight(speechlike(3.7, 2))
    squares = np.concatenate(([0.0], np.cumsum(weighted.astype(np.float64) ** 2)))
    block, hop = int(audio.BLOCK * RATE), int(audio.HOP * RATE)
    starts = np.arange(0, len(weighted) - block + 1, hop)
    expected = (squares[starts + block] - squares[starts]) / block
    assert np.allclose(audio.weighted_energies(weighted), expected, rtol=1e-9)


@pytest.mark.parametrize("light", [False, True])
@pytest.mark.parametrize("block", [777, 24_577, 48_000, 200_001])
def test_k_weighting_a_stream_block_by_block_equals_filtering_it_whole(block, light):
    signal = speechlike(5.3, 4)
    reference = scipy.signal.sosfilt(
        np.vstack([scipy.signal.tf2sos(*audio._SHELF), scipy.signal.tf2sos(*audio._HIGHPASS)]),
        np.concatenate((signal, np.zeros(8191))).astype(np.float64),
    )
    weighting = audio.KWeighting(light=light)
    parts = [weighting(signal[i : i + block]).copy() for i in range(0, len(signal), block)]
    streamed = np.concatenate([*parts, weighting.tail()])
    assert np.allclose(streamed, reference, atol=1e-9)
    assert np.allclose(audio.k_weight(signal, tail=True, weighting=weighting), reference, atol=1e-9)
    weighting.reset()
    assert np.allclose(weighting(signal), reference[: len(signal)], atol=1e-9)


def _dense_limiter_gain(peaks: np.ndarray, ceiling_db: float, rate: int = RATE) -> np.ndarray:
    """The limiter's gain computed over the whole signal at once (the definition)."""
    need = np.minimum(1.0, 0.97 * audio.gain(ceiling_db) / np.maximum(peaks, 1e-12))
    width = int(0.005 * rate)
    return np.minimum(audio.box_mean(audio.sliding_min(need, 2 * width + 1), width), need)


@pytest.mark.parametrize("piece", [7, 1000, 1 << 15])
@pytest.mark.parametrize("ceiling_db", [-20.0, -12.0, -3.0])
def test_the_limiters_dips_computed_in_pieces_equal_the_whole_signals_gain(
    piece, ceiling_db, monkeypatch
):
    monkeypatch.setattr(audio, "_DIP_PIECE", piece)
    signal = speechlike(4.0, 7)
    peaks = audio._oversampled_peaks(signal, 0.0)
    dips = audio.limiter_dips(peaks, ceiling_db)
    starts = [start for start, _ in dips]
    assert starts == sorted(starts) and dips
    assert all(a + len(d) <= b for (a, d), b in zip(dips, starts[1:], strict=False))
    expected = _dense_limiter_gain(peaks, ceiling_db)
    np.testing.assert_allclose(audio.limiter_gain(peaks, ceiling_db), expected, atol=1e-6)


@pytest.mark.parametrize("rate", [RATE, 22050])
def test_leveling_a_clip_keeping_its_weighted_copy_or_not_gives_the_same_gain(rate, monkeypatch):
    signal = speechlike(5.0, 9)
    kept = audio.leveling(signal, -16.0, rate, ceiling_db=-3.0)
    monkeypatch.setattr(audio, "_KEEP", 0)
    filtered = audio.leveling(signal, -16.0, rate, ceiling_db=-3.0)
    assert len(kept.dips) > 10 and abs(kept.top - filtered.top) <= 1e-6 * kept.top
    np.testing.assert_allclose(filtered.curve(), kept.curve(), rtol=1e-6)


@pytest.mark.parametrize("piece", [1000, 1 << 15])
@pytest.mark.parametrize("ceiling_db", [-20.0, -3.0, 0.0])
def test_the_limiter_reading_its_peaks_a_piece_at_a_time_gives_the_same_gain(
    piece, ceiling_db, monkeypatch
):
    """``_Peaks`` oversamples each piece with its own context and block grid; where it
    differs from the whole signal's peaks (under the floor) the limiter does not look."""
    monkeypatch.setattr(audio, "_DIP_PIECE", piece)
    signal = speechlike(4.0, 7)
    floor = audio.gain(ceiling_db - 6.0)
    dense = audio.limiter_gain(audio._oversampled_peaks(signal, floor), ceiling_db)
    assert dense.min() < 0.8
    lazy = audio.limiter_gain(audio._Peaks(signal, floor), ceiling_db)
    np.testing.assert_allclose(lazy, dense, atol=1e-6)


@pytest.mark.parametrize("light", [False, True])
@pytest.mark.parametrize("rate", [RATE, 22050])
@pytest.mark.parametrize("ceiling_db", [-24.0, -14.0, -6.0])  # dips near and far apart
def test_energies_corrected_where_the_limiter_dips_equal_those_of_the_limited_signal(
    rate, ceiling_db, light
):
    signal = speechlike(6.0, 8)
    weighted = audio.k_weight(signal, rate)
    dips = audio.limiter_dips(audio._oversampled_peaks(signal, 0.0, rate), ceiling_db, rate=rate)
    gain = audio.Gain(1.0, dips, len(signal))
    weighting = audio.KWeighting(rate, light)
    energies = audio._energies(signal, weighting, rate)
    np.testing.assert_allclose(energies, audio.weighted_energies(weighted, rate), rtol=1e-9)
    direct = audio.weighted_energies(weighted * gain.curve(), rate)
    filtered = audio._filtered_parts(signal, dips, weighting, rate)
    kept = ((start, weighted[start : start + len(dip)], dip) for start, dip in dips)
    for parts in (filtered, kept):
        corrected = audio._dipped_energies(energies, parts, len(signal), rate)
        np.testing.assert_allclose(corrected, direct, rtol=1e-6)
    limited = signal.copy()
    gain.apply(limited)
    np.testing.assert_array_equal(limited, signal * gain.curve())

"""Onset detection on synthetic signals with known sample positions."""

import math

import numpy as np
import pytest

from voiceguide.testing.onsets import find_onsets, last_sound, onset_errors

RATE = 48000


def _signal(starts, length=0.15, total=5.0, freq=1000.0, amp=0.5, seed=0):
    """Tones (cosine phase, so the first frame is loud) at frame positions over a -70 dB floor."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, int(total * RATE)) * 10 ** (-70 / 20)
    n = int(length * RATE)
    tone = amp * np.cos(2 * np.pi * freq * np.arange(n) / RATE)
    for s in starts:
        x[s : s + n] += tone
    return x


def test_onsets_exact_to_one_frame():
    starts = [12345, 60001, 100000, 177777]
    found = find_onsets(_signal(starts), RATE)
    assert len(found) == len(starts)
    for f, s in zip(found, starts, strict=True):
        assert abs(f * RATE - s) <= 1


def test_sine_phase_start_within_one_frame_and_int16_stereo():
    starts = [4800, 96007]
    n = int(0.1 * RATE)
    x = _signal([], total=3.0)
    for s in starts:  # sine phase: first frame is 0, second is 0.5*sin(2*pi/48) = 0.065
        x[s : s + n] += 0.5 * np.sin(2 * np.pi * 1000 * np.arange(n) / RATE)
    pcm = np.round(np.column_stack([x, x]) * 32767).astype(np.int16)
    found = find_onsets(pcm, RATE)
    assert [round(f * RATE) - s for f, s in zip(found, starts, strict=True)] in ([0, 0], [1, 1])


def test_short_gaps_do_not_make_extra_onsets():
    n = int(0.15 * RATE)
    # second tone follows the first after a 0.1 s gap (< min_gap 0.3 s): same onset.
    starts = [RATE, RATE + n + int(0.1 * RATE), 3 * RATE]
    found = find_onsets(_signal(starts), RATE, min_gap=0.3)
    assert [round(f * RATE) for f in found] == [starts[0], starts[2]]
    # with a smaller min_gap the 0.1 s gap does separate them
    assert len(find_onsets(_signal(starts), RATE, min_gap=0.05)) == 3


def test_silence_and_noise_floor_have_no_onsets():
    assert find_onsets(_signal([]), RATE) == []
    assert find_onsets(np.zeros(RATE), RATE) == []
    assert last_sound(_signal([]), RATE) is None


def test_last_sound():
    x = _signal([RATE], length=0.5)
    assert abs(last_sound(x, RATE) * RATE - (RATE + int(0.5 * RATE) - 1)) <= 1


def test_onset_errors_align_on_first():
    planned = [0.5, 1.7, 3.2]
    found = [2.0, 3.201, 4.699]  # recording started 1.5 s before playback
    errors = onset_errors(planned, found)
    assert errors[0] == 0.0
    assert errors[1] == pytest.approx(0.001)
    assert errors[2] == pytest.approx(-0.001)


def test_onset_errors_unmatched_is_nan():
    errors = onset_errors([0.0, 1.0, 2.0], [5.0, 6.0], tol=0.25)
    assert errors[:2] == [0.0, 0.0] and math.isnan(errors[2])
    assert all(math.isnan(e) for e in onset_errors([1.0], []))

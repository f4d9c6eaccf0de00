"""The pace guide's arithmetic: beats of a linear glide, against the closed form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiceguide import pace
from voiceguide.routine.fields import PACE_RANGE

rates = st.floats(*PACE_RANGE)


def test_a_steady_pace_beats_evenly_from_the_start():
    assert np.allclose(pace.beat_times(12, 12, 0, 60), np.arange(0, 60, 5))


def test_a_glide_from_12_to_6_over_a_minute_has_nine_beats_at_the_integrals_whole_numbers():
    times = pace.beat_times(12, 6, 100, 160)
    assert len(times) == 9  # the integral of 12 -> 6 per minute over 60 s is 9
    # closed form of the integral of rate(t) = 12 - 6 t / 60 (per minute)
    t = times - 100
    assert np.allclose((12 * t - 6 * t**2 / 120) / 60, np.arange(9), atol=1e-12)


@given(rates, rates, st.floats(5, 3600))
def test_every_beat_falls_where_the_integral_of_the_rate_is_whole(start, end, length):
    times = pace.beat_times(start, end, 0.0, length)
    t = times
    integral = (start * t + (end - start) * t**2 / (2 * length)) / 60
    assert np.allclose(integral, np.arange(len(times)), atol=1e-9)
    total = (start + end) / 2 * length / 60
    assert len(times) == int(np.ceil(total - 1e-9))
    assert np.all(np.diff(times) > 0) and (len(times) == 0 or times[-1] < length)


@given(rates, rates, st.floats(10, 600), st.floats(0.05, 0.95), st.floats(0.5, 2.0))
def test_a_new_scale_takes_effect_from_the_next_beat_without_a_jump(start, end, length, at, scale):
    since = at * length
    before = pace.beat_times(start, end, 0.0, length)
    after = pace.beat_times(start, end, 0.0, length, scale=scale, since=since)
    assert np.all(after > since)
    if scale == 1.0 or len(after) == 0:
        return
    # the scaled glide's integral from `since` reaches the missing part of the beat, then 1
    phase = (start * since + (end - start) * since**2 / (2 * length)) / 60
    a, b = start * scale, end * scale

    def counted(t):
        return (a * t + (b - a) * t**2 / (2 * length)) / 60

    steps = counted(after) - counted(since)
    assert np.allclose(steps, np.floor(phase) + 1 - phase + np.arange(len(after)), atol=1e-9)
    # unscaled, resuming changes nothing
    same = pace.beat_times(start, end, 0.0, length, since=since)
    assert np.allclose(same, before[before > since])


def test_an_empty_stretch_has_no_beats():
    assert len(pace.beat_times(12, 6, 10, 10)) == 0


@pytest.mark.parametrize("k", [1, 10, 1000])
def test_the_inverse_is_exact_for_a_slight_glide(k):
    t = pace.time_of_beat(k, 12.0, 12.0 + 1e-9, 3600.0)
    assert float(pace.beats_until(t, 12.0, 12.0 + 1e-9, 3600.0)) == pytest.approx(k, abs=1e-9)

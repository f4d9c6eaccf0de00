"""Fitting a length: exact totals, proportional scaling within bounds, fixed parts kept."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiceguide import fit, routine
from voiceguide.errors import UsageError
from voiceguide.fit import Part


def test_flexible_parts_scale_in_proportion_to_their_written_durations():
    parts = [Part(60, 10, 600), Part(120, 10, 600), Part(30, 30, 30)]
    assert fit.solve(parts, 390) == pytest.approx([120, 240, 30])


def test_a_part_that_hits_its_bound_stops_and_the_others_take_the_rest():
    parts = [Part(60, 30, 90), Part(60, 30, 600)]
    assert fit.solve(parts, 400) == pytest.approx([90, 310])
    assert fit.solve(parts, 60) == pytest.approx([30, 30])


def test_repeated_parts_count_once_per_occurrence():
    parts = [Part(100, 10, 1000), Part(50, 10, 1000, count=3)]
    result = fit.solve(parts, 500)
    assert result[0] + 3 * result[1] == pytest.approx(500)
    assert result[0] / result[1] == pytest.approx(2)


def test_a_length_outside_the_bounds_is_refused():
    with pytest.raises(ValueError):
        fit.solve([Part(60, 30, 90)], 100)


@given(
    st.lists(
        st.tuples(st.floats(1, 3600), st.floats(0.1, 1), st.floats(1, 5), st.booleans()),
        min_size=1,
        max_size=30,
    ),
    st.floats(0, 1),
)
def test_any_reachable_length_is_met_exactly(specs, where):
    parts = [Part(d, d, d) if fixed else Part(d, d * lo, d * hi) for d, lo, hi, fixed in specs]
    low, high = fit.bounds(parts)
    target = low + where * (high - low)
    result = fit.solve(parts, target)
    assert math.fsum(result) == pytest.approx(target, abs=1e-6)
    for part, seconds in zip(parts, result, strict=True):
        assert part.low - 1e-6 <= seconds <= part.high + 1e-6
        if part.fixed:
            assert seconds == pytest.approx(part.duration)


def test_fitting_a_routine_keeps_fixed_steps_and_meets_the_length(write_routine):
    loaded = routine.load(
        write_routine("""
        title: T
        between: {name: Pause, duration: 30s, min: 10s, max: 1m}
        steps:
          - {name: A, duration: 1m, fixed: true}
          - {name: B, duration: 2m, min: 1m, max: 10m}
          - {name: C, duration: 4m, min: 1m, max: 10m}
    """)
    )
    fitted = fit.fit(loaded, 1020, overhead=20, floors={})
    a, b, c = fitted.steps
    assert a.duration == 60
    total = a.duration + b.duration + c.duration + 2 * fitted.interlude.duration + 20
    assert total == pytest.approx(1020, abs=1e-6)
    assert c.duration / b.duration == pytest.approx(2)
    assert fitted.interlude.duration == pytest.approx(60)  # hit its max


def test_an_impossible_length_names_the_shortest_and_longest(write_routine):
    loaded = routine.load(
        write_routine("""
        title: T
        steps:
          - {name: A, duration: 2m, min: 1m, max: 5m}
    """)
    )
    with pytest.raises(UsageError) as caught:
        fit.fit(loaded, 30 * 60, overhead=10, floors={})
    assert str(caught.value) == (
        "routine.yaml: cannot fit 30m; this routine takes from 1m10s to 5m10s"
    )


def test_a_step_never_shrinks_below_what_its_instruction_needs(write_routine):
    loaded = routine.load(
        write_routine("""
        title: T
        steps:
          - {name: A, duration: 2m, min: 5s}
          - {name: B, duration: 2m, min: 5s}
    """)
    )
    fitted = fit.fit(loaded, 60, overhead=0, floors={0: 40.0})
    assert fitted.steps[0].duration == pytest.approx(40)
    assert fitted.steps[1].duration == pytest.approx(20)


@pytest.mark.parametrize(
    ("low", "high", "shown"),
    [
        (245.3, 245.3, (245, 245)),  # all fixed: was shown from 4m06s to 4m05s
        (245.3, 245.8, (245, 246)),  # no whole second inside: nearest, still in order
        (70.2, 310.9, (71, 310)),  # inwards, so that every length shown can be met
        (60.0, 120.0, (60, 120)),
    ],
)
def test_a_range_is_shown_in_whole_seconds_never_upside_down(low, high, shown):
    assert fit.shown_range(low, high) == shown


def test_an_all_fixed_routine_names_its_only_length(write_routine):
    loaded = routine.load(
        write_routine("title: T\nsteps:\n  - {name: A, duration: 4m, fixed: true}\n")
    )
    with pytest.raises(fit.Unfittable) as caught:
        fit.fit(loaded, 30 * 60, overhead=5.3, floors={})
    assert caught.value.reason == "cannot fit 30m; this routine takes only 4m05s"
    assert str(caught.value) == "routine.yaml: " + caught.value.reason

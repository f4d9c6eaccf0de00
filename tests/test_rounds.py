"""Fitting beyond a routine's range (issue 22, 2): rounds of its repeatable steps above its
longest, its optional steps left out below its shortest, exact to the frame; and the one line
that says which lengths can be met when none of that meets a length."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voiceguide import durations, fit, plan, report, rounds, session
from voiceguide.audio import RATE
from voiceguide.errors import RoutineError, UsageError

# Held out: written for these tests, not a built-in. A waiting step between repeatable ones.
HELD_OUT = """
    title: Held out
    intro: Lie face down and settle in.
    outro: That is all for today.
    steps:
      - {name: Warm up, duration: 1m, min: 30s, max: 2m}
      - name: Circles
        duration: 2m
        min: 1m
        max: 3m
        repeat: true
        cues: [{at: 50%, say: Halfway.}]
      - {name: Pushes, duration: 2m, min: 1m, max: 3m, repeat: true, sides: [left, right]}
      - {name: Turn over, say: Help your partner turn over., duration: 45s, wait: true}
      - {name: Front, duration: 2m, min: 1m, max: 4m, optional: true}
      - {name: Rest, duration: 1m, min: 30s, max: 2m}
    """


@pytest.fixture
def held_out(write_routine, prepare):
    """The held-out routine, prepared as written."""
    return prepare(write_routine(HELD_OUT))


def exact(built: plan.Plan, length: float) -> None:
    """The plan lasts ``length`` to the frame (within a thousandth of one: float precision,
    as ``fit``'s own contract; a length of exactly half a frame more may still round either
    way), its parts back to back from 0."""
    assert abs(built.length - length) * RATE < 1e-3
    assert built.steps[0].start == 0.0
    for before, after in zip(built.steps, built.steps[1:], strict=False):
        assert after.start == before.end
    assert built.steps[-1].end == built.length
    for event in built.events:  # every sound inside its part (the closing's included)
        assert built.steps[event.step].start - 1e-9 <= event.at < built.steps[event.step].end


def fitted_plan(prepared: session.Session, length: float) -> plan.Plan:
    written, timing = prepared.written, prepared.timing
    made = rounds.fit_length(written, length, timing.overhead(written), timing.floors)
    return plan.build(made, timing)


def test_three_times_the_former_longest_plays_the_repeatable_steps_in_rounds(
    held_out, write_routine, prepare
):
    _, longest = session.length_range(held_out)
    built = prepare(write_routine(HELD_OUT), length=3 * longest).plan
    exact(built, 3 * longest)
    named = [(s.name, s.round) for s in built.steps if s.kind == "step" and s.side != "right"]
    count = max(r for _, r in named if r)
    assert count >= 3
    assert named == (
        [("Warm up", None)]
        + [(name, n) for n in range(1, count + 1) for name in ("Circles", "Pushes")]
        + [("Turn over", None), ("Front", None), ("Rest", None)]
    )
    # each round alike: the same step lasts as long in every round, and keeps its number
    circles = [s for s in built.steps if s.name == "Circles"]
    assert {round(s.end - s.start, 9) for s in circles} == {
        round(circles[0].end - circles[0].start, 9)
    }
    assert {s.number for s in circles} == {2}
    waiting = [s for s in built.steps if s.wait]
    assert [(s.name, s.end - s.start) for s in waiting] == [("Turn over", 45.0)]
    steps = report.to_json(built)["steps"]
    assert [s.get("round") for s in steps if s["name"] == "Circles"] == list(range(1, count + 1))
    assert [s["name"] for s in steps if s.get("wait")] == ["Turn over"]


def test_the_round_count_taken_keeps_the_steps_nearest_their_written_lengths(held_out):
    written = rounds.written_length(held_out.written) + held_out.timing.overhead(held_out.written)
    per_round = 4 * 60.0  # Circles and Pushes as written
    built = fitted_plan(held_out, written + 3 * per_round)  # as written, in 4 rounds
    assert max(s.round or 0 for s in built.steps) == 4
    circles = [s for s in built.steps if s.name == "Circles"]
    assert [s.end - s.start for s in circles] == pytest.approx([120.0] * 4, abs=1e-6)


@pytest.mark.slow  # over 2 s (--durations)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(share=st.floats(0.0, 1.0))
def test_every_length_from_the_shortest_to_eight_times_the_longest_plans_exactly(held_out, share):
    low, high = session.length_range(held_out)
    shortest = fit.length_range(
        rounds.without_optional(held_out.written, 1),
        held_out.timing.overhead(held_out.written),
        held_out.timing.floors(rounds.without_optional(held_out.written, 1)),
    )[0]
    length = shortest + share * (8 * high - shortest)
    exact(fitted_plan(held_out, length), length)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rounds_=st.integers(1, 60))
def test_the_ranges_in_rounds_are_those_of_the_routine_made(held_out, rounds_):
    """The ranges are computed from two rounds (linear in the count): the same as the
    routine made with that many rounds measures."""
    written, timing = held_out.written, held_out.timing
    overhead = timing.overhead(written)
    one = fit.length_range(rounds.in_rounds(written, 1), overhead, timing.floors(written))
    two_made = rounds.in_rounds(written, 2)
    two = fit.length_range(two_made, overhead, timing.floors(two_made))
    made = rounds.in_rounds(written, rounds_)
    low, high = fit.length_range(made, overhead, timing.floors(made))
    assert low == pytest.approx(one[0] + (rounds_ - 1) * (two[0] - one[0]), abs=1e-6)
    assert high == pytest.approx(one[1] + (rounds_ - 1) * (two[1] - one[1]), abs=1e-6)


def test_less_than_the_shortest_leaves_out_the_optional_step(held_out):
    low, _ = session.length_range(held_out)
    built = fitted_plan(held_out, low - 30)
    exact(built, low - 30)
    names = [s.name for s in built.steps if s.kind == "step"]
    assert "Front" not in names and "Rest" in names
    assert [s.number for s in built.steps if s.name == "Rest"] == [6]  # numbered as written


def test_a_length_between_the_ranges_of_rounds_says_the_nearest_ones(write_routine, prepare):
    path = write_routine("""
        title: T
        steps:
          - {name: Rub, duration: 20s, fixed: true}
          - {name: Knead, duration: 40s, fixed: true, repeat: true}
        """)
    prepared = prepare(path)
    low, _ = session.length_range(prepared)
    assert fitted_plan(prepared, low + 80).length == pytest.approx(low + 80)  # 3 rounds
    with pytest.raises(UsageError) as caught:
        prepare(path, length=low + 60)
    shown = [round(low + extra) for extra in (0, 40, 80)]
    one, two, three = (durations.humanize(s) for s in shown)
    assert str(caught.value) == (
        f"routine.yaml: cannot fit {durations.humanize(low + 60)}; this routine takes only "
        f"{one}, in 2 rounds only {two}, in 3 rounds only {three}; "
        "mark more steps repeat: true to play them again in rounds"
    )


def test_a_routine_without_marks_says_what_to_mark(write_routine, prepare):
    path = write_routine("title: T\nsteps:\n  - {name: Rub, duration: 1m, min: 30s, max: 2m}\n")
    with pytest.raises(UsageError) as longer:
        prepare(path, length=3600)
    assert str(longer.value).endswith("; mark steps repeat: true to play them again in rounds")
    with pytest.raises(UsageError) as shorter:
        prepare(path, length=5)
    assert str(shorter.value).endswith(
        "; mark steps optional: true to leave them out of shorter sessions"
    )


def test_the_routines_own_length_in_rounds_is_met_and_a_refusal_keeps_its_line(
    write_routine, prepare
):
    text = HELD_OUT.replace("title: Held out", "title: Held out\n    length: 1h")
    built = prepare(write_routine(text)).plan
    exact(built, 3600.0)
    fixed = "title: T\nlength: 10m\nsteps:\n  - {name: Rub, duration: 20s, fixed: true}\n"
    with pytest.raises(RoutineError) as caught:
        prepare(write_routine(fixed))
    assert caught.value.line == 2
    assert "mark steps repeat: true" in caught.value.message


def test_no_rounds_beyond_the_step_limit(write_routine, prepare):
    """A length that would take more than ``MAX_STEPS`` steps is refused in one line, fast."""
    path = write_routine(
        "title: T\nsteps:\n  - {name: Rub, duration: 20s, fixed: true, repeat: true}\n"
    )
    with pytest.raises(UsageError) as caught:
        prepare(path, length=24 * 3600)
    assert f"in {rounds.MAX_STEPS} rounds only " in str(caught.value)  # the longest there is


def test_back_massage_fits_ninety_minutes(prepare):
    built = prepare("back-massage", length=90 * 60).plan
    exact(built, 5400.0)
    assert max(s.round or 0 for s in built.steps) >= 2


def test_the_table_names_rounds_and_marks_where_a_live_session_waits(held_out):
    built = fitted_plan(held_out, 3 * session.length_range(held_out)[1])
    lines = report.table(built).splitlines()
    (end,) = [s.end for s in built.steps if s.wait]
    (row,) = [i for i, text in enumerate(lines) if report.WAIT_ROW in text]
    assert lines[row].split()[0] == durations.format(end, True)
    assert lines[row].split()[1:3] == ["Turn", "over"]
    assert "Front" in lines[row + 1]  # the next part's chime comes after it
    assert any("Circles, round 3" in text for text in lines)
    assert report.fits(0, 1, held_out.written).endswith(
        "; longer in rounds, shorter without optional steps"
    )

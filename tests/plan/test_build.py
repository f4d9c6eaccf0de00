"""The plan: chimes on boundaries, speech after them, no overlaps, exact lengths, warnings."""

from __future__ import annotations

import pytest

from voiceguide import plan
from voiceguide.plan import AFTER_CHIME, GAP


def assert_no_overlaps(built: plan.Plan) -> None:
    for before, after in zip(built.events, built.events[1:], strict=False):
        assert before.end <= after.at + 1e-9, (before, after)


SIDES = """
    title: Sides
    intro: Welcome.
    outro: Goodbye.
    between: {name: Pause, say: Rest a moment., duration: 20s}
    steps:
      - name: Push
        say: Push on the {side} side.
        duration: 2m
        sides: [left, right]
        cues:
          - {at: 50%, say: Halfway there.}
      - name: Rub
        duration: 1m
        cues:
          - {at: -10s, say: Close.}
"""


def test_every_step_begins_with_its_chime_exactly_at_its_boundary(write_routine, prepare):
    built = prepare(write_routine(SIDES), length=300).plan
    for index, step in enumerate(built.steps):
        if step.kind in ("intro", "outro"):
            continue
        first = next(e for e in built.events if e.step == index)
        assert first.kind == "chime" and first.at == pytest.approx(step.start, abs=1e-9)
        said = next(e for e in built.events if e.step == index and e.kind == "speech")
        assert said.at == pytest.approx(first.end + AFTER_CHIME)


def test_the_plan_lasts_the_fitted_length_and_ends_with_the_end_chime(write_routine, prepare):
    for length in (200, 300, 600):
        built = prepare(write_routine(SIDES), length=length).plan
        assert built.length == pytest.approx(length, abs=1e-6)
        assert built.steps[-1].end == built.length
        last = built.events[-1]
        assert (last.kind, last.sound.name) == ("chime", "end")
        assert last.end == pytest.approx(built.length - plan.TAIL)
        assert_no_overlaps(built)


def test_sides_are_planned_in_turn_with_the_side_filled_in(write_routine, prepare):
    built = prepare(write_routine(SIDES), length=300).plan
    pushes = [s for s in built.steps if s.name == "Push"]
    assert [s.side for s in pushes] == ["left", "right"]
    assert pushes[0].end == pushes[1].start
    assert pushes[1].end - pushes[1].start == pytest.approx(pushes[0].end - pushes[0].start)
    texts = [e.text for e in built.events if e.kind == "speech"]
    assert "Push on the left side." in texts and "Push on the right side." in texts
    switch = next(e for e in built.events if e.step == built.steps.index(pushes[1]))
    assert switch.sound.name == "soft"


def test_the_interlude_goes_between_steps_but_not_after_the_last(write_routine, prepare):
    built = prepare(write_routine(SIDES), length=300).plan
    assert [s.kind for s in built.steps] == ["intro", "step", "step", "between", "step", "outro"]


def test_cues_land_at_their_fraction_and_before_the_end(write_routine, prepare):
    built = prepare(write_routine(SIDES), length=300).plan
    left = next(s for s in built.steps if s.side == "left")
    halfway = next(
        e for e in built.events if e.text == "Halfway there." and left.start <= e.at < left.end
    )
    assert halfway.at == pytest.approx(left.start + (left.end - left.start) / 2)
    rub = next(s for s in built.steps if s.name == "Rub")
    close = next(e for e in built.events if e.text == "Close.")
    assert close.at == pytest.approx(rub.end - 10)


def test_a_colliding_cue_waits_for_the_speech_before_it_and_the_plan_warns(write_routine, prepare):
    built = prepare(
        write_routine("""
        title: T
        steps:
          - name: Long
            say: This instruction is long enough to run past the first cue of the step.
            duration: 1m
            cues:
              - {at: 1s, say: Early cue.}
    """)
    ).plan
    instruction = next(e for e in built.events if (e.text or "").startswith("This instr"))
    early = next(e for e in built.events if e.text == "Early cue.")
    assert early.at == pytest.approx(instruction.end + GAP)
    assert any("waits up to" in w and "Early cue." in w for w in built.warnings)
    assert_no_overlaps(built)


def test_a_cue_with_no_room_before_the_step_ends_is_skipped_with_a_warning(write_routine, prepare):
    built = prepare(
        write_routine("""
        title: T
        steps:
          - name: Short
            duration: 8s
            fixed: true
            cues:
              - {at: -1s, say: A cue far too long to be said in the one second that is left.}
    """)
    ).plan
    assert not any(e.text and e.text.startswith("A cue far") for e in built.events)
    assert any("skipped 1 time: no room" in w for w in built.warnings)


def test_repeating_cues_fill_the_step(write_routine, prepare):
    built = prepare(
        write_routine("""
        title: T
        steps:
          - name: Slow
            duration: 2m
            fixed: true
            cues:
              - {every: 30s, say: Slower., chime: soft}
    """)
    ).plan
    step = built.steps[0]
    chimes = [
        e.at - step.start for e in built.events if e.kind == "chime" and e.sound.name == "soft"
    ]
    assert chimes == pytest.approx([30, 60, 90])
    assert_no_overlaps(built)


def test_spoken_texts_lists_every_clip_once_in_order(write_routine):
    from voiceguide import routine

    texts = routine.load(write_routine(SIDES)).texts()
    assert texts == [
        "Welcome.",
        "Push on the left side.",
        "Halfway there.",
        "Push on the right side.",
        "Rub",
        "Close.",
        "Rest a moment.",
        "Goodbye.",
    ]


def test_a_cue_outside_its_fitted_step_is_skipped_with_a_warning(write_routine, prepare):
    built = prepare(
        write_routine("""
        title: T
        steps:
          - name: Long
            duration: 4m
            min: 1m
            cues:
              - {at: 3m, say: Three minutes in.}
    """),
        length=120,
    ).plan
    assert not any(e.text == "Three minutes in." for e in built.events)
    assert any(
        "'Three minutes in.') skipped: the fitted step is too short" in w for w in built.warnings
    )


def test_the_plan_is_finished_with_the_beds_envelope_under_its_own_events(write_routine, prepare):
    prepared = prepare(write_routine(SIDES), length=300, bed="Rain", bed_level=20, duck=6)
    built = prepared.plan
    levels = plan.BedLevels("rain", 20, 6)  # the source's name, the options' levels
    assert prepared.bed is not None and prepared.bed.name == "rain"
    assert built.bed == plan.bed_envelope(levels, built.events, built.length)
    end = built.events[-1]
    assert built.bed.stop == pytest.approx(end.at - 0.5)  # clear of the end chime
    again = plan.build(prepared.routine, prepared.timing, 1.0, levels)
    assert again == built
    assert plan.build(prepared.routine, prepared.timing).bed is None
    assert prepare(write_routine(SIDES), length=300).plan.bed is None

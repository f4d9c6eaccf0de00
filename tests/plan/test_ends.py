"""A get-ready and a rest (``intro``/``outro`` written as parts): fitted with the steps within
their bounds, the first step at the get-ready's end, the end chime at the rest's end after a
quiet, a paced rest's breaths clear of the end chime. Written as text, they keep the fixed
time they always took."""

from __future__ import annotations

import pytest

from voiceguide import fit, plan, report
from voiceguide.errors import RoutineError
from voiceguide.plan import pulses

ENDS = """
    title: Ends
    intro: {say: Warm some oil., duration: 30s, min: 10s, max: 1m}
    outro:
      say: Rest now.
      duration: 20s
      min: 10s
      max: 1m
      pace: {from: 6, to: 5, sound: breath}
    steps:
      - name: Rub
        say: Rub.
        duration: 2m
        min: 1m
        max: 4m
"""


def spoken(built: plan.Plan, index: int) -> list[plan.Event]:
    return [e for e in built.events if e.step == index and e.kind == "speech"]


def end_chime(built: plan.Plan) -> plan.Event:
    (chime,) = [e for e in built.events if e.kind == "chime" and e.sound.name == "end"]
    return chime


@pytest.mark.parametrize("length, scale", [(85, 0.5), (170, 1.0), (340, 2.0)])
def test_the_get_ready_and_the_rest_scale_with_the_steps(write_routine, prepare, length, scale):
    made = prepare(write_routine(ENDS), length=length)
    ready, rub, rest = made.plan.steps
    assert (ready.kind, ready.name, rest.kind, rest.name) == ("intro", "Get ready", "outro", "Rest")
    assert made.plan.length == pytest.approx(length, abs=1e-6)
    assert ready.end - ready.start == pytest.approx(30 * scale)
    assert rub.end - rub.start == pytest.approx(120 * scale)
    assert rest.end - rest.start == pytest.approx(20 * scale)
    assert made.routine.get_ready.duration == pytest.approx(30 * scale)


def test_the_first_step_rings_when_the_get_ready_ends_not_when_its_words_do(write_routine, prepare):
    built = prepare(write_routine(ENDS)).plan
    (words,) = spoken(built, 0)
    assert words.at == pytest.approx(plan.LEAD_IN)
    first = next(e for e in built.events if e.step == 1)
    assert (first.kind, first.at) == ("chime", pytest.approx(30.0))
    assert first.at - words.end > 25  # the time to get ready, not AFTER_INTRO (1.5 s)


def test_the_end_chime_rings_at_the_end_of_the_rest_after_a_quiet(write_routine, prepare):
    built = prepare(write_routine(ENDS), length=340).plan
    rest = built.steps[-1]
    (words,) = spoken(built, 2)
    chime = end_chime(built)
    assert words.at == pytest.approx(rest.start)
    assert chime.end == pytest.approx(rest.end - plan.TAIL)
    assert chime.at - words.end > 30  # 40 s of rest: the words, a quiet, the chime


def test_a_paced_rest_breathes_and_leaves_the_end_chime_alone(write_routine, prepare):
    built = prepare(write_routine(ENDS), length=340).plan
    breaths = [e for e in built.events if e.kind == plan.EventKind.PULSE and e.step == 2]
    assert len(breaths) >= 2
    assert {e.sound.name for e in breaths} == {"breath"}
    assert max(e.end for e in breaths) <= end_chime(built).at - pulses.END_CLEAR + 1e-9


@pytest.mark.parametrize("length, fits", [(80, True), (79.9, False), (360, True), (360.1, False)])
def test_the_range_counts_the_get_ready_and_rest_bounds(write_routine, prepare, length, fits):
    path = write_routine(ENDS)
    if fits:
        assert prepare(path, length=length).plan.length == pytest.approx(length)
        return
    with pytest.raises(fit.Unfittable, match=r"this routine takes from 1m20s to 6m(;|$)"):
        prepare(path, length=length)


def test_a_get_ready_shorter_than_its_words_is_refused_at_its_line(write_routine, prepare):
    path = write_routine("""
        title: Short
        intro:
          say: Your partner lies face down. Warm some oil in your hands, slowly.
          duration: 2s
          fixed: true
        steps:
          - {name: Rub, duration: 1m}
        """)
    with pytest.raises(RoutineError) as caught:
        prepare(path)
    assert caught.value.line == 3
    assert caught.value.message.startswith("intro 'Get ready' lasts 0:02.000 but its words need ")
    assert caught.value.message.endswith(", or shorten the text")
    assert "make its duration at least" in caught.value.message


@pytest.mark.parametrize("written", ["[Settle in., Breathe.]", "[]"])
def test_an_intro_that_is_neither_text_nor_a_mapping_says_what_it_may_be(
    written, write_routine, prepare
):
    """A list was refused as "intro must be text": the mapping it may also be went unsaid."""
    path = write_routine(f"""
        title: Listed
        intro: {written}
        steps:
          - {{name: Rub, duration: 1m}}
        """)
    with pytest.raises(RoutineError) as caught:
        prepare(path)
    assert caught.value.line == 2
    assert caught.value.message.startswith("intro must be text or a mapping of name, say, ")


def test_a_quiet_get_ready_and_rest_are_shown_in_the_table(write_routine, prepare):
    built = prepare(
        write_routine("""
        title: Quiet
        intro: {name: Settle, duration: 10s, fixed: true}
        outro: {duration: 15s, fixed: true}
        steps:
          - {name: Rub, duration: 1m, fixed: true}
        """)
    ).plan
    lines = report.table(built).splitlines()
    assert lines[3].split() == ["0:00.000", "Settle", "(quiet)"]
    assert built.steps[1].start == 10.0
    assert end_chime(built).end == pytest.approx(85.0 - plan.TAIL)
    assert spoken(built, 0) == spoken(built, 2) == []


def test_an_intro_and_outro_written_as_text_keep_their_fixed_time(write_routine, prepare):
    built = prepare(
        write_routine("""
        title: Text
        intro: Warm some oil.
        outro: Rest now.
        steps:
          - {name: Rub, duration: 1m, fixed: true}
        """)
    ).plan
    intro, _, closing = built.steps
    (hello,) = spoken(built, 0)
    assert (intro.name, closing.name) == ("Introduction", "Closing")
    assert intro.end == pytest.approx(hello.end + plan.AFTER_INTRO)
    (bye,) = spoken(built, 2)
    assert end_chime(built).at == pytest.approx(bye.end + plan.BEFORE_END_CHIME)

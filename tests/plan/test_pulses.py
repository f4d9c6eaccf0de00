"""The pace guide in the plan: beats where the glide's integral is whole, clear of chimes,
under the speech, each side on its own; scaled by --pace; in the JSON."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide import pace, report
from voiceguide.plan import EventKind, pulses

PACED = """
    title: Paced
    pace: 12
    steps:
      - name: Rub
        say: Rub slowly.
        duration: 2m
        pace: 12 to 7
        cues:
          - {every: 25s, say: Slower now.}
      - {name: Breathe, say: Breathe with me., duration: 90s,
         pace: {from: 6, to: 4, sound: breath, level: 16}}
      - {name: Check, say: How is it?, duration: 20s, fixed: true, pace: none}
      - name: Sides
        say: The {side} side.
        duration: 2m
        sides: [left, right]
        pace: 10 to 5
"""


@pytest.fixture
def paced(prepare, write_routine):
    return prepare(write_routine(PACED))


def beats(plan, index):
    return [e for e in plan.events if e.kind == EventKind.PULSE and e.step == index]


def chimes(plan):
    return np.array([e.at for e in plan.events if e.kind == "chime"])


def test_beats_fall_where_the_glides_integral_is_whole_but_near_chimes(paced):
    plan = paced.plan
    rub = plan.steps[0]
    expected = pace.beat_times(12, 7, rub.start, rub.end)
    clear = [t for t in expected if np.abs(chimes(plan) - t).min() >= pulses.CHIME_CLEARANCE]
    assert [e.at for e in beats(plan, 0)] == pytest.approx(clear, abs=1e-9)
    assert len(clear) == len(expected) - 1  # beat 0 is the step's own chime


def test_no_beat_is_within_the_clearance_of_any_chime(paced):
    plan = paced.plan
    onsets = chimes(plan)
    for event in plan.events:
        if event.kind == EventKind.PULSE:
            assert np.abs(onsets - event.at).min() >= pulses.CHIME_CLEARANCE


def test_beats_under_speech_are_ducked_and_the_others_sit_at_the_level(paced):
    plan = paced.plan
    speech = [(e.at, e.end) for e in plan.events if e.kind == "speech"]
    levels = {0: 14.0, 1: 16.0, 3: 14.0, 4: 14.0}
    seen = set()
    for event in (e for e in plan.events if e.kind == EventKind.PULSE):
        heard = any(a - pulses.SPEECH_GUARD < event.end and b + pulses.SPEECH_GUARD > event.at
                    for a, b in speech)  # fmt: skip
        level = levels[event.step]
        expected = -level - (pulses.DUCK_DB if heard else 0.0)
        assert event.gain_db == pytest.approx(expected)
        seen.add(heard)
    assert seen == {True, False}  # the cues every 25 s duck some beats


def test_a_breath_lasts_until_the_next_one_and_the_last_fits_its_step(paced):
    plan = paced.plan
    breaths = beats(plan, 1)
    assert breaths and all(e.sound.name == "breath" for e in breaths)
    for first, second in zip(breaths, breaths[1:], strict=False):
        assert first.end == pytest.approx(second.at, abs=1e-9)
    assert breaths[-1].end <= plan.steps[1].end + 1e-9
    step = plan.steps[1]
    for breath in breaths[:-1]:  # a period is 60 / the rate halfway through it, give or take
        middle = (breath.at + breath.duration / 2 - step.start) / (step.end - step.start)
        assert breath.duration == pytest.approx(60 / (6 - 2 * middle), rel=0.01)


def test_a_step_with_sides_glides_within_each_side(paced):
    plan = paced.plan
    left, right = plan.steps[3], plan.steps[4]
    assert (left.side, right.side) == ("left", "right") and left.pace == right.pace
    for index, side in ((3, left), (4, right)):
        times = [e.at - side.start for e in beats(plan, index)]
        full = pace.beat_times(10, 5, 0.0, side.end - side.start)
        assert times == pytest.approx([t for t in full if t >= pulses.CHIME_CLEARANCE])


def test_a_step_without_a_pace_has_no_beats_and_the_length_is_unchanged(
    paced, prepare, write_routine
):
    plan = paced.plan
    assert beats(plan, 2) == [] and plan.steps[2].pace is None
    unpaced = prepare(write_routine(PACED), pace=0.0).plan
    assert not any(e.kind == EventKind.PULSE for e in unpaced.events)
    assert all(step.pace is None for step in unpaced.steps)
    assert unpaced.length == plan.length
    heard = [(e.at, e.kind) for e in plan.events if e.kind != EventKind.PULSE]
    assert heard == [(e.at, e.kind) for e in unpaced.events]


def test_pace_80_percent_scales_every_rate(prepare, write_routine):
    slower = prepare(write_routine(PACED), pace=0.8).plan
    rub = slower.steps[0]
    assert (rub.pace.start, rub.pace.end) == pytest.approx((9.6, 5.6))
    expected = pace.beat_times(12, 7, rub.start, rub.end, scale=0.8)
    assert [e.at for e in beats(slower, 0)] == pytest.approx(list(expected[1:]), abs=1e-9)


def test_the_json_has_each_steps_pace_and_the_pulse_events(paced):
    data = report.to_json(paced.plan)
    assert data["version"] == 2
    assert data["steps"][0]["pace"] == {"from": 12, "to": 7, "sound": "pulse", "level": 14}
    assert data["steps"][1]["pace"]["level"] == 16
    assert data["steps"][2]["pace"] is None
    pulse = next(e for e in data["events"] if e["kind"] == "pulse")
    assert set(pulse) == {"at", "kind", "duration", "step", "sound", "gain_db"}
    assert pulse["sound"] == "pulse.wav" and pulse["gain_db"] in (-14.0, -26.0)


def test_the_table_shows_each_steps_pace_once_and_counts_the_beats(paced):
    text = report.table(paced.plan)
    assert "12\u21927/min" in text and "6\u21924/min breath" in text
    assert "[pulse" not in text
    count = sum(e.kind == EventKind.PULSE for e in paced.plan.events)
    assert f"{count} beats of the pace guide" in text.splitlines()[0]


def test_an_8_hour_paced_plan_has_every_beat_sorted_and_within_its_step(prepare, write_routine):
    steps = "\n".join(
        f"  - {{name: Stroke {n}, say: Stroke number {n}., duration: 30m, pace: 14 to 6}}"
        for n in range(16)
    )
    plan = prepare(write_routine(f"title: Long\nsteps:\n{steps}\n")).plan
    events = [e for e in plan.events if e.kind == EventKind.PULSE]
    assert len(events) > 4000
    assert all(a.at <= b.at for a, b in zip(plan.events, plan.events[1:], strict=False))
    assert all(plan.steps[e.step].start < e.at and e.end <= plan.steps[e.step].end for e in events)

"""Steps that wait (issue 22, 1), live against the fake clock: the session holds at a
waiting part's end until next, a quiet reminder plays every 30 s meanwhile, and everything
after is heard later by the time waited. Every session here has a watchdog: a quit pressed
long after it should have ended."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from voiceguide.live import player, waiting
from voiceguide.live.status import HELD, RELEASED, Status, line
from voiceguide.plan import Event, Plan, PlanStep
from voiceguide.routine import Sound
from voiceguide.testing.fakes import FakeBackend, FakeClock, FakeKeys, FakeSession

CHIME = Sound("bell", Path("bell.wav"))
WATCHDOG = 6 * 3600.0  # seconds: a quit, should the hold never end


def make_plan(parts: list[tuple[str, float, bool]]) -> Plan:
    """Parts (name, seconds, waits) back to back, each a 1 s chime and a 3 s instruction."""
    steps, events, at = [], [], 0.0
    for index, (name, seconds, waits) in enumerate(parts):
        kind = "outro" if name == "Closing" else "step"
        number = index + 1 if kind == "step" else None
        steps.append(PlanStep(name, kind, at, at + seconds, None, number, None, waits))
        events.append(Event(at, "chime", 1.0, index, sound=CHIME))
        events.append(Event(at + 1.25, "speech", 3.0, index, text=f"{name}."))
        at += seconds
    return Plan("Test", at, tuple(steps), tuple(events))


PARTS = [
    ("A", 60.0, False),
    ("Turn over", 40.0, True),
    ("C", 60.0, False),
    ("Closing", 10.0, False),
]


def run(session, script=(), latency=0.0, on_status=None, start_at=None):
    clock = FakeClock()
    backend = FakeBackend(clock, latency)
    pressed = [(clock.now + t, a) for t, a in [*script, (WATCHDOG, "quit")]]
    result = player.play(
        session,
        backend,
        clock=clock,
        sleep=clock.sleep,
        keys=FakeKeys(clock, pressed),
        on_status=on_status,
        spin=0.0,
        preload=False,
        start_at=start_at,
    )
    assert not result.quit, "the watchdog quit the session"
    return result, backend


def heard(result) -> list[tuple[float, float]]:
    return [(p.target - result.started, p.event.at) for p in result.played]


def test_the_session_holds_at_the_waiting_parts_end_until_next_and_the_rest_moves_on():
    plan = make_plan(PARTS)  # Turn over ends at 100 s; next pressed 75 s later
    statuses: list[Status] = []
    result, backend = run(FakeSession(plan), [(175.0, "next")], on_status=statuses.append)
    assert result.waited == pytest.approx(75.0)
    for target, at in heard(result):
        assert target == pytest.approx(at if at < 100.0 else at + 75.0, abs=1e-9)
    assert [p.event for p in result.played] == list(plan.events)
    # nothing after the hold was handed to the device before next
    later = [p.called - result.started for p in result.played if p.event.at >= 100.0]
    assert min(later) >= 175.0 - 1e-9
    assert result.length == plan.length  # the plan itself is as it was
    held = [s for s in statuses if s.reason == HELD]
    assert [(s.position, s.step.name, s.waiting) for s in held] == [(100.0, "Turn over", True)]
    assert line(held[0]).startswith("[waiting] 2/3 Turn over - n or say next to go on")
    released = [s for s in statuses if s.reason == RELEASED]
    assert [(s.position, s.step.name, s.message) for s in released] == [
        (100.0, "C", "on, after waiting 1:15")
    ]


def test_a_reminder_plays_every_30_seconds_while_held_quietly():
    plan = make_plan(PARTS)
    result, backend = run(FakeSession(plan), [(195.0, "next")])  # 95 s held
    assert [t - result.started for t in result.reminders] == pytest.approx(
        [130.0, 160.0, 190.0], abs=0.25
    )
    reminders = [h for h in backend.handles if h.clip is not None and h.at in result.reminders]
    assert len(reminders) == 3
    assert backend.calls.count(result.reminders[0]) == 1  # played when due, not ahead


def test_the_reminder_is_the_soft_chime_12_db_under_the_sessions_chimes(prepare, write_routine):
    prepared = prepare(write_routine(ROUTINE))
    end = next(s.end for s in prepared.plan.steps if s.wait)
    result, backend = run(prepared, [(end + 31.0, "next")])
    (reminder,) = [h for h in backend.handles if h.at in result.reminders]
    soft = prepared.clip(Event(0.0, "chime", 0.75, 0, sound=_soft()))
    assert np.max(np.abs(reminder.clip.samples)) == pytest.approx(
        np.max(np.abs(soft.samples)) * 10 ** (waiting.REMIND_DB / 20), rel=1e-5
    )


def _soft() -> Sound:
    from voiceguide import resources

    return Sound("soft", resources.find_sound("soft", Path(".")))


ROUTINE = """
    title: Waits
    intro: Settle in.
    steps:
      - {name: Back, duration: 1m, min: 30s, max: 2m, repeat: true}
      - {name: Turn over, say: Help your partner turn over., duration: 45s, wait: true}
      - {name: Front, duration: 1m, min: 30s, max: 2m}
    """


def test_a_prepared_session_in_rounds_waits_once_and_its_clock_shifts(prepare, write_routine):
    """The held-out routine fitted in rounds, played: held at Turn over's end until next."""
    prepared = prepare(write_routine(ROUTINE), length=10 * 60)
    plan = prepared.plan
    assert max(s.round or 0 for s in plan.steps) >= 3
    (end,) = [s.end for s in plan.steps if s.wait]
    result, _ = run(prepared, [(end + 42.5, "next")])
    assert result.waited == pytest.approx(42.5)
    for target, at in heard(result):
        assert target == pytest.approx(at if at < end else at + 42.5, abs=1e-9)
    assert len(result.played) == len(plan.events)
    assert result.position == pytest.approx(plan.length)


def test_next_during_the_waiting_step_skips_as_ever_and_the_hold_is_gone():
    """Ready early: next inside the waiting part goes to the next part at once."""
    result, _ = run(FakeSession(make_plan(PARTS)), [(70.0, "next")])
    assert result.waited == 0.0 and result.reminders == []
    assert heard(result)[4] == (pytest.approx(70.0), 100.0)


def test_pause_is_refused_while_held_and_resume_goes_on():
    statuses: list[Status] = []
    script = [(110.0, "pause"), (120.0, "resume")]
    result, _ = run(FakeSession(make_plan(PARTS)), script, on_status=statuses.append)
    assert result.waited == pytest.approx(20.0)
    refused = [s for s in statuses if s.reason == "refused"]
    assert [s.message for s in refused] == [waiting.HOLD_MESSAGE]


def test_previous_while_held_restarts_the_waiting_part_which_holds_again():
    script = [(110.0, "previous"), (160.0, "next")]  # again from 60 s at 110: ends at 150
    result, _ = run(FakeSession(make_plan(PARTS)), script)
    assert result.waited == pytest.approx(10.0 + 10.0)
    after = [(t, at) for t, at in heard(result) if at >= 100.0]
    assert after[0] == (pytest.approx(160.0), 100.0)


def test_longer_in_the_waiting_part_moves_its_hold():
    script = [(70.0, "longer"), (150.0, "next")]  # Turn over now ends at 130 s
    result, _ = run(FakeSession(make_plan(PARTS)), script)
    assert result.waited == pytest.approx(20.0)
    after = [(t, at) for t, at in heard(result) if at >= 130.0]
    assert after[0] == (pytest.approx(150.0), 130.0)


def test_starting_after_the_waiting_part_never_holds():
    result, _ = run(FakeSession(make_plan(PARTS)), start_at="C")
    assert result.waited == 0.0
    assert heard(result)[0] == (pytest.approx(0.0), 100.0)


def test_with_latency_the_hold_and_the_release_keep_the_sounds_on_the_clock():
    plan = make_plan(PARTS)
    result, _ = run(FakeSession(plan), [(175.0, "next")], latency=0.2)
    for target, at in heard(result):
        shift = 0.2 + (75.0 - 0.0 if at >= 100.0 else 0.0)
        assert target == pytest.approx(at + shift, abs=1e-9), (target, at)


def test_a_plan_without_waiting_parts_plays_as_before():
    plain = make_plan([(n, s, False) for n, s, _ in PARTS])
    result, _ = run(FakeSession(plain))
    assert result.waited == 0.0
    for target, at in heard(result):
        assert target == pytest.approx(at, abs=1e-9)
    assert dataclasses.asdict(plain)["steps"][1]["wait"] is False


@pytest.mark.slow  # over 2 s (--durations)
def test_the_bed_fades_out_while_held_and_plays_on_from_the_parts_end_after_next():
    from voiceguide.live import bed as live_bed
    from voiceguide.plan import BedLevels, bed_envelope
    from voiceguide.testing.fakes import FakeStreamBackend

    from .test_player_bed import LATENCY, Frames, at, expected

    plan = make_plan(PARTS)
    envelope = bed_envelope(BedLevels("frames", 18.0, 12.0), plan.events, plan.length)
    session = FakeSession(dataclasses.replace(plan, bed=envelope), Frames())
    clock = FakeClock()
    backend = FakeStreamBackend(clock, LATENCY)
    keys = FakeKeys(clock, [(clock.now + 175.0, "next"), (clock.now + WATCHDOG, "quit")])
    result = player.play(session, backend, clock=clock, sleep=clock.sleep, keys=keys,
                         spin=0.0, preload=False)  # fmt: skip
    assert not result.quit
    held = 100.0 + LATENCY  # the hold begins when position 100 s is heard
    assert np.abs(at(backend, held - 1.0)).min() > 0.0  # the bed plays up to the hold
    assert np.abs(at(backend, held + live_bed.FADE + LATENCY, 70.0)).max() == 0.0
    after = 175.0 + live_bed.FADE + LATENCY + 0.05  # faded back in: the plan from 100 s on
    position = 100.0 + after - 175.0  # at() reads what is heard LATENCY later
    assert at(backend, after) == pytest.approx(expected(session, position), abs=1e-6)


def test_the_remotes_status_says_it_waits():
    from voiceguide.serve.remote import status_json

    statuses: list[Status] = []
    run(FakeSession(make_plan(PARTS)), [(120.0, "next")], on_status=statuses.append)
    held = next(s for s in statuses if s.reason == HELD)
    shown = status_json(held, "waits")
    assert (shown["waiting"], shown["state"], shown["step"]["name"]) == (
        True,
        "playing",
        "Turn over",
    )
    assert shown["line"].startswith("[waiting] ")

"""The live player against a fake clock and a fake backend: timing, keys, status. No sleeping."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from voiceguide.audio import RATE
from voiceguide.errors import PlaybackError, UsageError
from voiceguide.live import player, preload, status, timeline
from voiceguide.live.status import Status, render_status
from voiceguide.plan import BEFORE_END_CHIME, Event, Plan, PlanStep
from voiceguide.plan.pulses import pulse_events
from voiceguide.routine import Sound
from voiceguide.testing.fakes import FakeBackend, FakeClock, FakeKeys, FakeSession

# ---------------------------------------------------------------------------- fakes


CHIME = Sound("bell", Path("bell.wav"))


def make_plan(parts: list[tuple[str, float]], cue_every: float | None = 30.0) -> Plan:
    """Parts (name, seconds) back to back; each starts with a 1 s chime and a 3 s instruction
    1.25 s later, then a 2 s cue every ``cue_every`` seconds that fits."""
    steps, events, at = [], [], 0.0
    for index, (name, seconds) in enumerate(parts):
        kind = "outro" if name == "Closing" else "step"
        number = index + 1 if kind == "step" else None
        steps.append(PlanStep(name, kind, at, at + seconds, None, number))
        events.append(Event(at, "chime", 1.0, index, sound=CHIME))
        events.append(Event(at + 1.25, "speech", 3.0, index, text=f"{name}."))
        cue = at + (cue_every or seconds)
        while cue_every and cue + 2.0 <= at + seconds - 0.15:
            events.append(Event(cue, "speech", 2.0, index, text=f"{name} cue."))
            cue += cue_every
        at += seconds
    return Plan("Test", at, tuple(steps), tuple(events))


PARTS = [("A", 70.0), ("B", 60.0), ("C", 60.0), ("Closing", 10.0)]


def run(plan, script=(), latency=0.0, jitter=0.0, spin=0.0, on_status=None, lead=None, **kw):
    clock = FakeClock(jitter)
    backend = FakeBackend(clock, latency, lead)
    keys = FakeKeys(clock, [(clock.now + t, a) for t, a in script]) if script else None
    result = player.play(
        FakeSession(plan),
        backend,
        clock=clock,
        sleep=clock.sleep,
        keys=keys,
        on_status=on_status,
        spin=spin,
        preload=False,
        **kw,
    )
    return result, backend, clock


def heard(result) -> list[tuple[float, float]]:
    """(clock time relative to the start, session position) of each sound."""
    return [(p.target - result.started, p.event.at) for p in result.played]


# ---------------------------------------------------------------------------- timing


def test_every_event_is_played_at_start_plus_its_time(prepare):
    session = prepare("neck-stretch", length=180.0)
    clock = FakeClock()
    backend = FakeBackend(clock)
    result = player.play(session, backend, clock=clock, sleep=clock.sleep, spin=0.0)
    events = session.plan.events
    assert [p.event for p in result.played] == list(events)
    for played, call in zip(result.played, backend.calls, strict=True):
        assert call == pytest.approx(result.started + played.event.at, abs=1e-9)
        assert played.called == call == pytest.approx(played.target, abs=1e-9)
    assert clock.now - result.started == pytest.approx(session.plan.length, abs=1e-6)
    assert not result.quit and result.position == session.plan.length


def test_the_backends_latency_is_compensated_and_at_is_the_instant_heard():
    result, backend, _ = run(make_plan(PARTS), latency=0.08)
    for played, handle in zip(result.played, backend.handles, strict=True):
        assert handle.at == pytest.approx(played.target, abs=1e-9)
        assert played.called == pytest.approx(played.target - 0.08, abs=1e-9)
    # the first event (at 0) is still heard on time: the session starts `latency` after play()
    assert result.first_sound == pytest.approx(0.08, abs=1e-9)


def test_no_drift_over_an_eight_hour_plan_with_a_late_waking_clock():
    plan = make_plan([(f"Part {i}", 600.0) for i in range(48)], cue_every=7.3)
    assert plan.length == 8 * 3600 and len(plan.events) > 3800
    result, _, clock = run(plan, jitter=0.003, spin=0.002)
    errors = np.array([p.called - p.target for p in result.played])
    assert len(errors) == len(plan.events)
    assert errors.min() >= 0.0
    assert errors.max() <= 0.003 + 1e-6  # bounded by one wake-up, however long the session
    first, last = errors[:200].mean(), errors[-200:].mean()
    assert abs(last - first) < 0.0005  # no accumulation
    assert max(clock.slept) <= player.SLICE  # slept in slices only


def test_sleeps_are_never_added_up_a_late_wake_is_not_carried_over():
    clock = FakeClock()
    plan = make_plan(PARTS)
    backend = FakeBackend(clock)

    def sleep(seconds):  # one very late wake-up early in the session
        clock.sleep(seconds + (2.0 if 29.7 < clock.now - 1000.0 < 30.0 else 0.0))

    result = player.play(FakeSession(plan), backend, clock=clock, sleep=sleep, spin=0.0)
    late = [p.called - p.target for p in result.played]
    assert late[2] > 1.0  # the event during the stall was late...
    assert all(abs(e) < 1e-9 for e in late[3:])  # ...and the following ones are on time


def test_spinning_ends_within_one_yield_of_the_instant():
    result, _, clock = run(make_plan(PARTS), spin=0.002)
    errors = [p.called - p.target for p in result.played]
    assert all(-1e-9 <= e <= 2e-6 for e in errors), max(errors)
    assert 0 in clock.slept  # it spun


def test_clips_are_loaded_ahead_in_a_background_thread():
    plan = make_plan(PARTS)
    session = FakeSession(plan)
    loader = preload.Preloader(session.clip)
    loader.want(list(plan.events[:4]))  # the cue is said twice: three distinct clips
    deadline = time.monotonic() + 5
    while len(session.loaded) < 3 and time.monotonic() < deadline:
        time.sleep(0.001)
    clips = [loader.get(e) for e in plan.events[:4]]
    loader.close()
    assert [len(c.samples) for c in clips] == [int(e.duration * RATE) for e in plan.events[:4]]
    assert loader.misses == 0 and len(session.loaded) == 3


def test_a_clip_not_loaded_in_time_is_loaded_at_once_and_counted():
    plan = make_plan(PARTS)
    loader = preload.Preloader(FakeSession(plan).clip, background=False)
    assert loader.get(plan.events[1]).duration == pytest.approx(3.0)
    assert loader.get(plan.events[1]) is loader.get(plan.events[1])
    assert loader.misses == 1


def test_the_backends_prepare_runs_on_each_clip_once():
    plan = make_plan(PARTS)
    prepared = []
    loader = preload.Preloader(FakeSession(plan).clip, prepared.append, background=False)
    for event in plan.events[:3] + plan.events[:3]:
        loader.get(event)
    assert len(prepared) == 3


# ---------------------------------------------------------------------------- keys


def test_pause_freezes_session_time_and_stops_sound_and_resume_continues():
    plan = make_plan(PARTS)
    result, backend, _ = run(plan, script=[(20.0, "pause"), (50.0, "pause")])
    assert [s - result.started for s in backend.stops][:1] == [pytest.approx(20.0)]
    times = heard(result)
    assert not [t for t, _ in times if 20.0 < t < 50.0]  # silent while paused
    for t, at in times:
        assert t == pytest.approx(at if at < 20.0 else at + 30.0, abs=1e-9)
    assert [p.event for p in result.played] == list(plan.events)


def test_hold_pauses_only_when_playing_and_resume_resumes_only_when_paused():
    """Voice commands say which they mean: "pause" said twice must not resume, "go on"
    while playing must not pause (the keys' space toggles)."""
    plan = make_plan(PARTS)
    script = [(5.0, "resume"), (20.0, "hold"), (30.0, "hold"), (50.0, "resume"), (55.0, "resume")]
    result, backend, _ = run(plan, script=script)
    assert [s - result.started for s in backend.stops][:1] == [pytest.approx(20.0)]
    times = heard(result)
    assert not [t for t, _ in times if 20.0 < t < 50.0]  # one pause, from 20 s to 50 s
    for t, at in times:
        assert t == pytest.approx(at if at < 20.0 else at + 30.0, abs=1e-9)
    assert [p.event for p in result.played] == list(plan.events)


def test_a_sentence_cut_by_pause_is_heard_again_from_its_start():
    plan = make_plan(PARTS)  # A's instruction: 1.25 s to 4.25 s
    result, backend, _ = run(plan, script=[(2.0, "pause"), (10.0, "pause")])
    assert backend.handles[1].stopped_at - result.started == pytest.approx(2.0)
    times = heard(result)
    assert times[1] == (pytest.approx(1.25), 1.25)
    assert times[2] == (pytest.approx(10.0), 1.25)  # again, at resume
    # the session resumed at 1.25 s: everything later is 10 - 1.25 s later than planned
    for t, at in times[3:]:
        assert t == pytest.approx(at + 8.75, abs=1e-9)


def test_a_scheduling_backend_gets_each_sound_its_lead_ahead_and_hears_it_on_time():
    plan = make_plan(PARTS)
    result, _, _ = run(plan, latency=0.05, lead=0.3)
    first, *rest = result.played
    assert first.target - first.called == pytest.approx(0.05)  # due at once: the latency
    assert all(p.target - p.called == pytest.approx(0.3, abs=1e-9) for p in rest)
    for t, at in heard(result):
        assert t == pytest.approx(at + 0.05, abs=1e-9)  # the latency before the first sound


def test_pause_takes_back_a_sound_handed_over_and_plays_it_after_resume():
    plan = make_plan(PARTS)  # A's first cue at 30 s, handed over at 29.7 s
    result, backend, _ = run(plan, script=[(29.9, "pause"), (40.0, "pause")], lead=0.3)
    cue = [p for p in result.played if p.event.at == 30.0]
    assert len(cue) == 2  # handed over, taken back, handed over again
    assert backend.handles[2].stopped_at - result.started == pytest.approx(29.9)
    assert cue[1].target - result.started == pytest.approx(40.0 + 0.1)  # resumed at 29.9 s


def test_next_skips_to_the_next_step_at_once():
    plan = make_plan(PARTS)
    result, backend, _ = run(plan, script=[(10.0, "next")])
    times = heard(result)
    assert times[2] == (pytest.approx(10.0), 70.0)  # B's chime right away
    assert [at for _, at in times if 4.25 < at < 70.0] == []  # A's cue at 30 s skipped
    for t, at in times[2:]:
        assert t == pytest.approx(at - 60.0, abs=1e-9)
    assert backend.stops[0] - result.started == pytest.approx(10.0)


def test_next_in_the_last_part_is_refused():
    plan = make_plan(PARTS)
    snapshots = []
    result, _, _ = run(plan, script=[(195.0, "next")], on_status=snapshots.append)
    assert [s.message for s in snapshots if s.reason == status.REFUSED] == [
        "already in the last part"
    ]
    assert result.position == plan.length and not result.quit


def test_previous_restarts_the_current_step():
    plan = make_plan(PARTS)
    result, _, _ = run(plan, script=[(80.0, "previous")])  # 10 s into B
    times = heard(result)
    restart = [(t, at) for t, at in times if t >= 80.0]
    assert restart[0] == (pytest.approx(80.0), 70.0)  # B's chime again
    for t, at in restart:
        assert t == pytest.approx(at + 10.0, abs=1e-9)


def test_previous_twice_quickly_goes_back_a_step_but_slowly_restarts_twice():
    plan = make_plan(PARTS)
    quick, _, _ = run(plan, script=[(80.0, "previous"), (81.0, "previous")])
    assert [at for t, at in heard(quick) if t >= 81.0][0] == 0.0  # A from its start
    slow, _, _ = run(plan, script=[(80.0, "previous"), (83.0, "previous")])
    assert [at for t, at in heard(slow) if t >= 83.0][0] == 70.0  # B again


def test_longer_moves_the_rest_of_the_session_and_keeps_the_steps_own_cues():
    plan = make_plan(PARTS)
    result, _, _ = run(plan, script=[(20.0, "longer")])
    times = heard(result)
    assert result.length == plan.length + 30.0
    a_cues = [at for _, at in times if 4.25 < at < 70.0]
    assert a_cues == [30.0, 60.0]  # A's cues keep their times from A's start
    later = [p.event for p in result.played if p.event.step > 0]
    original = [e for e in plan.events if e.step > 0]
    assert [e.at for e in later] == [pytest.approx(e.at + 30.0) for e in original]
    for t, at in times:
        assert t == pytest.approx(at, abs=1e-9)  # no pause: heard when the new plan says


def test_shorter_drops_cues_that_no_longer_fit_and_moves_the_rest():
    plan = make_plan(PARTS)  # A: 0-70 s, cues at 30 s and 60 s
    result, _, _ = run(plan, script=[(10.0, "shorter")])
    assert result.length == plan.length - 30.0
    ats = [p.event.at for p in result.played]
    assert 30.0 in ats and 60.0 not in ats  # 60+2 s no longer ends before A's new end at 40 s
    assert ats[ats.index(30.0) + 1] == 40.0  # B's chime at the new boundary


def test_shorter_never_ends_the_step_sooner_than_min_left_from_now():
    plan = make_plan(PARTS)
    snapshots = []
    result, _, _ = run(
        plan, script=[(60.0, "shorter"), (61.0, "shorter")], on_status=snapshots.append
    )
    resized = [s for s in snapshots if s.reason in (status.RESIZED, status.REFUSED)]
    assert resized[0].step.end == pytest.approx(60.0 + timeline.MIN_LEFT)
    assert resized[0].message == "-5s: A now ends at 1:05"
    assert resized[1].reason == status.REFUSED and "cannot be shorter" in resized[1].message
    assert result.length == plan.length - 5.0


def test_resizing_takes_back_sounds_handed_early_to_a_latent_backend():
    plan = make_plan(PARTS)
    # the session starts 80 ms after play(): B's chime is handed over at 70.00 s and heard at
    # 70.08 s; "longer" comes in between
    result, backend, _ = run(plan, script=[(70.03, "longer")], latency=0.08)
    played = zip(backend.handles, result.played, strict=True)
    chimes = [(h, p) for h, p in played if p.event.step == 1 and p.event.kind == "chime"]
    assert chimes[0][0].stopped_at is not None  # taken back...
    assert chimes[1][1].event.at == pytest.approx(100.0)  # ...and played at the new boundary
    assert chimes[1][1].target - result.started == pytest.approx(100.0 + 0.08)


END = Sound("end", Path("end.wav"))


def closing_plan(rest: float) -> Plan:
    """A 30 s step, then a closing part of ``rest`` seconds as the plan lays it out: its
    words (3 s) at its start, the end chime (4.2 s) ending 0.5 s before the end."""
    steps = (PlanStep("A", "step", 0.0, 30.0, None, 1), PlanStep("Rest", "outro", 30.0, 30 + rest))
    events = (
        Event(0.0, "chime", 1.0, 0, sound=CHIME),
        Event(1.25, "speech", 3.0, 0, text="A."),
        Event(30.0, "speech", 3.0, 1, text="Rest."),
        Event(30 + rest - 4.7, "chime", 4.2, 1, sound=END),
    )
    return Plan("Test", 30 + rest, steps, events)


def end_chime(result) -> float:
    (rung,) = [p for p in result.played if p.event.sound is END]
    return rung.event.at


def test_longer_in_the_closing_adds_quiet_before_the_end_chime():
    """The rest grows as any part does, and its end chime stays at its end (it was refused,
    "the closing keeps its length", before a rest could be written)."""
    plan = closing_plan(30.0)
    result, _, _ = run(plan, script=[(35.0, "longer")])
    assert result.length == pytest.approx(plan.length + timeline.RESIZE)
    assert end_chime(result) == pytest.approx(60.0 - 4.7 + timeline.RESIZE)


def test_shorter_in_the_closing_keeps_the_end_chime_after_the_words_and_now():
    plan = closing_plan(30.0)
    result, _, _ = run(plan, script=[(31.0, "shorter")])  # during the words (30 to 33 s)
    # not MIN_LEFT from now (36 s) but the end chime 1 s after the words: 34 s, ends 38.7 s
    assert end_chime(result) == pytest.approx(33.0 + BEFORE_END_CHIME)
    assert result.length == pytest.approx(33.0 + BEFORE_END_CHIME + 4.7)


def test_a_closing_with_no_quiet_cannot_be_shorter():
    plan = closing_plan(3.0 + 1.0 + 4.7)  # an outro written as text: words, 1 s, the chime
    snapshots = []
    result, _, _ = run(plan, script=[(31.0, "shorter")], on_status=snapshots.append)
    assert result.length == pytest.approx(plan.length)
    refused = [s for s in snapshots if s.reason == status.REFUSED]
    assert refused and refused[0].message.startswith("Rest cannot be shorter")


def test_quit_stops_everything_at_once():
    plan = make_plan(PARTS)
    snapshots = []
    result, backend, clock = run(plan, script=[(2.0, "quit")], on_status=snapshots.append)
    assert result.quit and result.position == pytest.approx(2.0)
    assert clock.now - result.started == pytest.approx(2.0)
    assert all(h.stopped_at is not None for h in backend.handles)
    assert snapshots[-1].reason == status.QUIT and snapshots[-1].final


def test_keys_act_while_paused_skip_then_resume():
    plan = make_plan(PARTS)
    result, _, _ = run(plan, script=[(10.0, "pause"), (12.0, "next"), (20.0, "pause")])
    times = heard(result)
    assert [at for t, at in times if 10.0 <= t < 20.0] == []
    assert times[2] == (pytest.approx(20.0), 70.0)


def test_keyboard_interrupt_stops_all_sound():
    plan = make_plan(PARTS)
    clock = FakeClock()
    backend = FakeBackend(clock)

    class Interrupting(FakeKeys):
        def read(self, timeout):
            if clock.now - 1000.0 > 2.0:
                raise KeyboardInterrupt
            return super().read(timeout)

    with pytest.raises(KeyboardInterrupt):
        player.play(
            FakeSession(plan),
            backend,
            clock=clock,
            sleep=clock.sleep,
            keys=Interrupting(clock, []),
            spin=0.0,
            preload=False,
        )
    assert backend.stops and all(h.stopped_at is not None for h in backend.handles)


# ---------------------------------------------------------------------------- start-at


@pytest.mark.parametrize(
    ("spec", "title"),
    [
        ("3", "Chin tucks"),
        (2, "Side neck stretch (left)"),
        ("chin", "Chin tucks"),
        ("SHOULDER B", "Shoulder blade squeeze"),
        ("side neck stretch (right)", "Side neck stretch (right)"),
        ("rest", "Rest"),
        ("get", "Get ready"),
    ],
)
@pytest.mark.slow
def test_start_at_finds_a_step_by_number_or_name_prefix(prepare, spec, title):
    plan = prepare("neck-stretch").plan
    assert plan.steps[timeline.find_step(plan, spec)].title == title


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("9", "--start-at: no step 9; the routine has steps 1 to 5"),
        (
            "s",
            "--start-at: 's' matches several steps ('Shoulder rolls', 'Side neck stretch', "
            "'Shoulder blade squeeze', 'Slow neck turns'); "
            "give more of the name or the step number",
        ),
        (
            "yoga",
            "--start-at: no step 'yoga'; choose one of 'Get ready', 1 'Shoulder rolls', "
            "2 'Side neck stretch', 3 'Chin tucks', 4 'Shoulder blade squeeze', "
            "5 'Slow neck turns', 'Rest'",
        ),
    ],
)
def test_start_at_rejects_unknown_and_ambiguous_steps(prepare, spec, message):
    plan = prepare("neck-stretch").plan
    with pytest.raises(UsageError) as caught:
        timeline.find_step(plan, spec)
    assert str(caught.value) == message
    assert caught.value.exit_status == 2


def test_start_at_starts_the_session_at_the_steps_boundary(prepare):
    session = prepare("neck-stretch", length=180.0)
    clock = FakeClock()
    backend = FakeBackend(clock)
    result = player.play(
        session, backend, clock=clock, sleep=clock.sleep, start_at="chin", spin=0.0, preload=False
    )
    start = next(s for s in session.plan.steps if s.name == "Chin tucks").start
    assert result.played[0].event.at == start and result.played[0].event.kind == "chime"
    assert result.first_sound == pytest.approx(0.0, abs=1e-9)
    assert [p.event for p in result.played] == [e for e in session.plan.events if e.at >= start]
    assert clock.now - result.started == pytest.approx(session.plan.length - start)


# ---------------------------------------------------------------------------- status


def test_status_snapshots_tell_time_left_and_the_next_step():
    plan = make_plan(PARTS)
    snapshots: list[Status] = []
    run(plan, on_status=snapshots.append)
    first = snapshots[0]
    assert first.reason == status.START and first.step.name == "A"
    assert (first.step_left, first.session_left) == (70.0, 200.0)
    assert first.next_step.name == "B" and first.count == 3
    ticks = [s for s in snapshots if s.reason == status.TICK]
    assert len(ticks) == 199 - 3  # one a second from 1 s to 199 s, but 3 step changes
    at_25 = next(s for s in ticks if s.position >= 25.0)
    assert at_25.step_left == pytest.approx(45.0) and at_25.session_left == pytest.approx(175.0)
    steps = [s for s in snapshots if s.reason == status.STEP]
    assert [(s.step.name, s.position) for s in steps] == [
        ("B", pytest.approx(70.0)),
        ("C", pytest.approx(130.0)),
        ("Closing", pytest.approx(190.0)),
    ]
    assert steps[-1].next_step is None
    assert snapshots[-1].reason == status.END and snapshots[-1].session_left == 0


def test_status_while_paused_shows_the_frozen_time():
    plan = make_plan(PARTS)
    snapshots: list[Status] = []
    run(plan, script=[(30.5, "pause"), (40.0, "pause")], on_status=snapshots.append)
    paused = next(s for s in snapshots if s.reason == status.PAUSED)
    assert paused.paused and paused.position == pytest.approx(30.0)  # the cue's start
    assert paused.step_left == pytest.approx(40.0)
    resumed = next(s for s in snapshots if s.reason == status.RESUMED)
    assert not resumed.paused and resumed.position == pytest.approx(30.0)


def _snapshot(reason=status.TICK, position=83.4, message=None, paused=False):
    step = PlanStep("Side neck stretch", "step", 80.0, 110.0, "left", 2)
    following = PlanStep("Side neck stretch", "step", 110.0, 140.0, "right", 2)
    return Status(reason, position, 180.0, step, following, paused, 5, message)


def test_render_status_on_a_terminal_rewrites_one_line():
    text = render_status(_snapshot(), tty=True)
    assert text == (
        "\r\x1b[K1:23 2/5 Side neck stretch (left) - 0:27 left, session 1:37 left"
        " - next: Side neck stretch (right)"
    )
    assert "\n" not in text
    paused = render_status(_snapshot(status.PAUSED, message="paused", paused=True), tty=True)
    assert paused == (
        "\r\x1b[K1:23 paused\n\r\x1b[K1:23 [paused] 2/5 Side neck stretch (left) - 0:27 left, "
        "session 1:37 left - next: Side neck stretch (right)"
    )
    assert render_status(_snapshot(status.END, 180.0), tty=True) == "\r\x1b[K3:00 end of session\n"


def test_render_status_in_a_log_prints_a_line_per_change_only():
    assert render_status(_snapshot(), tty=False) == ""
    assert render_status(_snapshot(status.STEP, 80.0), tty=False) == (
        "1:20 2/5 Side neck stretch (left) - 0:30 left, session 1:40 left"
        " - next: Side neck stretch (right)\n"
    )
    skipped = _snapshot(status.SKIPPED, 80.0, message="skipped to Side neck stretch (left)")
    assert render_status(skipped, tty=False).startswith(
        "1:20 skipped to Side neck stretch (left) - 2/5 Side neck stretch (left)"
    )
    assert render_status(_snapshot(status.QUIT, 90.0), tty=False) == "1:30 stopped\n"


def test_time_left_is_rounded_up():
    assert "0:01 left" in status.line(_snapshot(position=109.2))


def test_play_live_reports_a_bad_step_before_a_missing_device(prepare, monkeypatch):
    def no_device(*args, **kwargs):
        raise PlaybackError("no sound device found")

    monkeypatch.setattr(player, "open_backend", no_device)
    with pytest.raises(UsageError, match="no step 'yoga'"):
        player.play_live(lambda: prepare("neck-stretch"), "neck-stretch", start_at="yoga")
    with pytest.raises(PlaybackError):
        player.play_live(lambda: prepare("neck-stretch"), "neck-stretch", start_at="chin")


def test_play_live_without_a_device_hands_the_session_and_start_to_the_fallback(
    prepare, monkeypatch
):
    def no_device(*args, **kwargs):
        raise PlaybackError("no sound device found")

    monkeypatch.setattr(player, "open_backend", no_device)
    handed = []
    result = player.play_live(
        lambda: prepare("neck-stretch"),
        start_at="chin",
        without_device=lambda session, start: handed.append((session, start)),
    )
    assert result is None
    ((session, start),) = handed
    assert start == session.plan.steps[timeline.find_step(session.plan, "chin")].start > 0


def test_play_live_closes_the_device_when_preparing_fails(monkeypatch):
    closed = []

    class Device:
        latency = 0.0

        def close(self):
            closed.append(True)

    monkeypatch.setattr(player, "open_backend", lambda *args, **kwargs: Device())

    def prepare():
        raise UsageError("bad routine")

    with pytest.raises(UsageError):
        player.play_live(prepare)
    assert closed == [True]


def test_while_a_latent_backend_gets_ready_the_status_does_not_step_back():
    plan = make_plan(PARTS)
    snapshots: list[Status] = []
    run(plan, script=[(10.0, "next")], latency=0.08, on_status=snapshots.append, start_at="B")
    steps = [s.step.name for s in snapshots if s.reason != status.TICK]
    assert steps == ["B", "C", "Closing", "Closing"]  # start, skipped, step, end
    assert all(s.position >= 70.0 for s in snapshots)


class WarmingBackend(FakeBackend):
    """A backend whose ``latency`` waits for a warm-up first, as ``AlsaBackend``'s does."""

    def __init__(self, clock: FakeClock, latency: float, warm_up: float):
        super().__init__(clock, latency)
        self._latency, self.warm_up = latency, warm_up

    @property
    def latency(self) -> float:
        if self.warm_up:
            self.clock.now += self.warm_up
            self.warm_up = 0.0
        return self._latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._latency = value


def test_a_sound_due_at_once_is_scheduled_after_the_backend_warmed_up():
    plan = make_plan([("A", 60.0), ("Closing", 5.0)])
    clock = FakeClock()
    device = WarmingBackend(clock, latency=0.08, warm_up=0.05)
    result = player.play(FakeSession(plan), device, clock=clock, sleep=clock.sleep)
    first = result.played[0]
    assert first.event.at == 0.0
    assert first.target - first.called == pytest.approx(0.08)  # the whole latency ahead


# ---------------------------------------------------------------------------- the pace guide

PACED = """
    title: Paced
    steps:
      - {name: Strokes, say: Long strokes., duration: 2m, pace: 12 to 6}
      - {name: More, say: More strokes., duration: 1m, pace: 8}
"""


def beat_times(result) -> list[float]:
    return [p.event.at for p in result.played if p.event.kind == "pulse"]


def test_slower_makes_the_next_beat_come_one_new_period_after_the_last(prepare, write_routine):
    session = prepare(write_routine(PACED))
    clock = FakeClock()
    keys = FakeKeys(clock, [(clock.now + 30.0, "slower")])
    result = player.play(session, FakeBackend(clock), clock=clock, sleep=clock.sleep,
                         keys=keys, spin=0.0, preload=False)  # fmt: skip
    times = beat_times(result)
    before = [t for t in times if t < 30.0]
    after = [t for t in times if 30.0 < t < 120.0]
    step = session.plan.steps[0]

    def rate(t: float, factor: float) -> float:  # per minute, the glide at t
        return (12 - 6 * (t - step.start) / (step.end - step.start)) * factor

    # the next beat: one period at 90 % after the last one heard, give or take the glide
    gap = after[0] - before[-1]
    assert gap == pytest.approx(60 / rate(before[-1] + gap / 2, 0.9), rel=0.02)
    for a, b in zip(after, after[1:], strict=False):
        assert b - a == pytest.approx(60 / rate((a + b) / 2, 0.9), rel=0.02)
    # the next step's pace is 90 % of its own too
    more = [t for t in times if t > 120.0]
    assert more[1] - more[0] == pytest.approx(60 / (8 * 0.9), rel=1e-6)


def test_faster_and_slower_show_on_the_status_line_and_stay_within_limits(prepare, write_routine):
    session = prepare(write_routine(PACED))
    clock = FakeClock()
    presses = [(clock.now + 10.0 + i, "faster") for i in range(15)]
    keys = FakeKeys(clock, presses)
    shown: list = []
    player.play(session, FakeBackend(clock), clock=clock, sleep=clock.sleep, keys=keys,
                spin=0.0, preload=False, on_status=shown.append)  # fmt: skip
    messages = [s.message for s in shown if s.message]
    assert messages[0] == "pace 110%: faster from the next beat"
    assert messages[-1] == "the pace stays at 200%"
    last = next(s for s in shown if s.message == "the pace stays at 200%")
    assert "pace 22/min (200%)" in status.line(last)  # 12 to 6 over 120 s: 11/min at 20 s


def test_the_pace_keys_in_a_session_without_a_pace_guide_say_so():
    clock = FakeClock()
    keys = FakeKeys(clock, [(clock.now + 5.0, "slower")])
    shown: list = []
    player.play(FakeSession(make_plan(PARTS)), FakeBackend(clock), clock=clock,
                sleep=clock.sleep, keys=keys, spin=0.0, preload=False,
                on_status=shown.append)  # fmt: skip
    assert "this session has no pace guide" in [s.message for s in shown]


def test_lengthening_a_paced_part_stretches_its_glide(prepare, write_routine):
    session = prepare(write_routine(PACED))
    clock = FakeClock()
    keys = FakeKeys(clock, [(clock.now + 20.0, "longer")])
    result = player.play(session, FakeBackend(clock), clock=clock, sleep=clock.sleep,
                         keys=keys, spin=0.0, preload=False)  # fmt: skip
    times = [t for t in beat_times(result) if t < 150.0]
    assert all(a < b for a, b in zip(times, times[1:], strict=False))
    assert times[-1] > 120.0  # the part now ends at 150 s: beats go on past its old end


def test_a_part_played_again_after_slower_follows_the_new_pace(prepare, write_routine):
    session = prepare(write_routine(PACED))
    clock = FakeClock()
    start = clock.now
    keys = FakeKeys(clock, [(start + 30.0, "slower"), (start + 60.0, "previous")])
    result = player.play(session, FakeBackend(clock), clock=clock, sleep=clock.sleep,
                         keys=keys, spin=0.0, preload=False)  # fmt: skip
    step = session.plan.steps[0]
    # the beats played after the jump back: the part's whole glide again, at 90 %
    replayed = [
        p.event.at
        for p in result.played
        if p.event.kind == "pulse" and p.target - start > 60.0 and p.event.step == 0
    ]
    expected = [e.at for e in pulse_events(session.plan.steps, session.plan.events,
                                           lambda sound: 0.22, factor=0.9)
                if e.step == 0]  # fmt: skip
    assert replayed == pytest.approx(expected, abs=1e-9)
    assert replayed[1] - replayed[0] > 60 / 12 + 0.4  # 12/min at 90 %, not the written 5 s
    assert step.start == 0.0

"""A session that begins while its speech renders (``session.begin``, ``live.follow``): the
staged plan is the whole plan's start, exactly; the player takes the whole plan on the same
clock, and holds at the horizon (saying so) when rendering falls behind. Fake clock, fake
backend, a fake rendering that takes fake-clock seconds."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide import session
from voiceguide.live import player, status
from voiceguide.live.follow import GOES_ON
from voiceguide.session import staged
from voiceguide.testing.fakes import FakeBackend, FakeClock, FakeKeys, FakeStreamBackend

BUILT_IN = ["back-massage", "first-back-massage", "neck-stretch"]


def ready_for(renderer, name: str, **options) -> session.Ready:
    return session.readied(name, session.Options(**options), renderer)


def spoken(ready) -> dict[str, float]:
    return ready.cache.durations(ready.loaded.texts())


def first_known(ready, every: dict[str, float]) -> dict[str, float]:
    """What the staged plan is made from: the texts it begins with."""
    return {t: every[t] for t in staged._needed(ready)}


@pytest.mark.parametrize("name", BUILT_IN)
@pytest.mark.parametrize(
    "options",
    [{}, {"length": 500.0}, {"length": 620.0, "pace": 0.0}, {"pace": 1.3, "bed": "ocean"}],
)
def test_the_staged_plan_is_the_whole_plans_start_whatever_the_other_texts_take(
    renderer, name, options
):
    ready = ready_for(renderer, name, **options)
    every = spoken(ready)
    whole = session.planned(ready, every)
    intro = {ready.loaded.intro: every[ready.loaded.intro]}
    for known in (first_known(ready, every), intro):  # before the words render, and after
        first, horizon = staged._provisional(ready, known)
        before = [e for e in whole.plan.events if e.at < horizon]
        assert first.plan.events == tuple(before)
        assert horizon > whole.plan.events[0].at  # it begins with something to hear
        if whole.plan.bed is not None:  # the bed up to the horizon too, to the frame
            frames = np.arange(0, int(horizon * 48000), 7) / 48000
            np.testing.assert_array_equal(
                first.plan.bed.db_at(frames), whole.plan.bed.db_at(frames)
            )


@pytest.mark.parametrize("name", BUILT_IN)
def test_a_built_in_begins_with_its_opening_chime_before_any_speech_is_rendered(renderer, name):
    ready = ready_for(renderer, name)
    assert staged._needed(ready) == []  # nothing to render before the first sound
    first, horizon = staged._provisional(ready, {})
    chime, *rest = first.plan.events
    assert chime.kind == "chime" and chime.at == 0.0 and chime.sounded.name == "soft"
    assert rest == [] and horizon == pytest.approx(chime.end + 0.25)  # where the words begin
    whole = session.planned(ready, spoken(ready))
    words = whole.plan.events[1]
    assert words.text == ready.loaded.intro and words.at == pytest.approx(horizon)


def test_a_routine_without_an_intro_begins_with_its_first_chime_and_instruction(
    renderer, write_routine
):
    path = write_routine("""
        title: T
        length: 5m
        steps:
          - {name: One, say: The first thing to do., duration: 2m, min: 1m, max: 4m,
             cues: [{at: 50%, say: Halfway.}]}
          - {name: Two, say: The second thing., duration: 2m, min: 1m, max: 4m}
    """)
    ready = ready_for(renderer, str(path))
    every = spoken(ready)
    first, horizon = staged._provisional(ready, first_known(ready, every))
    whole = session.planned(ready, every)
    assert [e.kind for e in first.plan.events] == ["chime", "speech"]
    assert first.plan.events == tuple(e for e in whole.plan.events if e.at < horizon)
    assert horizon == pytest.approx(first.plan.events[1].end + 0.3)


class SlowRendering:
    """The whole session ready ``seconds`` (fake clock) after it was asked to render; the
    intro's words ``intro`` seconds after (told to whoever ``watch``es, as each text is)."""

    def __init__(self, clock: FakeClock, seconds: float, whole, total: int, ready, intro=0.5):
        self.clock, self.when, self.whole, self.total = clock, clock.now + seconds, whole, total
        self.inputs, self.intro_when, self.hook = ready, clock.now + intro, None

    def watch(self, hook):
        self.hook = hook

    def result(self):
        if self.hook is not None and self.clock() >= self.intro_when:
            said = self.inputs.loaded.intro
            self.hook({said: self.whole.timing.speech[said]})
            self.hook = None
        return self.whole if self.clock() >= self.when else None

    def wait(self):
        self.clock.advance_to(self.when)
        return self.whole

    def counts(self):
        return (self.total if self.clock() >= self.when else self.total // 3), self.total


def play_staged(
    renderer, seconds: float, name="back-massage", script=(), stream=False, intro=0.5, **opts
):
    """Play ``name`` staged, its intro rendered ``intro`` seconds in and the rest ``seconds``
    in (fake clock); the result, the whole session, the last horizon and the statuses."""
    ready = ready_for(renderer, name, **opts)
    every = spoken(ready)
    first, horizon = staged._provisional(ready, first_known(ready, every))
    whole = session.planned(ready, every, first.bed)
    clock = FakeClock()
    backend = FakeStreamBackend(clock) if stream else FakeBackend(clock, latency=0.05)
    keys = FakeKeys(clock, [(clock.now + t, a) for t, a in script]) if script else None
    slow = SlowRendering(clock, seconds, whole, len(every), ready, intro)
    backend_out = backend
    seen: list[status.Status] = []
    staging = staged.Staged(first, horizon, slow, staged._awaited(ready, first))
    result = player.play(
        staging,
        backend,
        clock=clock,
        sleep=clock.sleep,
        keys=keys,
        on_status=seen.append,
        spin=0.0,
        preload=False,
    )
    result.bed_out = backend_out.bed_out if stream else None
    result.stops = backend_out.stops
    return result, whole, staging.horizon, seen


def test_rendered_in_time_the_session_plays_the_whole_plan_as_a_warm_cache_would(renderer):
    result, whole, horizon, seen = play_staged(renderer, 3.0)
    warm = player.play(
        whole, FakeBackend(clock := FakeClock(), latency=0.05), clock=clock, sleep=clock.sleep,
        spin=0.0, preload=False,
    )  # fmt: skip
    assert [p.event for p in result.played] == list(whole.plan.events)
    staged_times = [p.target - result.started for p in result.played]
    warm_times = [p.target - warm.started for p in warm.played]
    assert staged_times == warm_times  # the same instants from the start, every one
    assert not any(s.message and "waiting" in s.message for s in seen)
    assert result.late == 0 and result.position == whole.plan.length


def test_rendering_behind_the_session_holds_it_at_the_horizon_and_says_so(renderer):
    late = 25.0  # the back massage's horizon is ~13 s in
    result, whole, horizon, seen = play_staged(renderer, late)
    assert horizon < late
    assert [p.event for p in result.played] == list(whole.plan.events)  # nothing lost
    offsets = [p.target - result.started - p.event.at for p in result.played]
    before = [o for o, p in zip(offsets, result.played, strict=True) if p.event.at < horizon]
    after = [o for o, p in zip(offsets, result.played, strict=True) if p.event.at >= horizon]
    assert len(set(np.round(before, 9))) == 1  # one clock before the hold ...
    assert len(set(np.round(after, 9))) == 1  # ... and one after it: no drift
    held = after[0] - before[0]
    assert held == pytest.approx(late - horizon, abs=0.3)  # the wait, and no more
    messages = [s.message for s in seen if s.message]
    assert any(m.startswith("waiting for the speech to render (") for m in messages)
    assert GOES_ON in messages
    waiting = next(s for s in seen if s.message and s.message.startswith("waiting"))
    assert waiting.paused and waiting.position <= horizon
    assert all(p.called <= p.target + 1e-9 for p in result.played)  # none handed over late
    last = result.played[-1].called
    assert all(stop >= last for stop in result.stops)  # the hold cut nothing (the chime rings)


def test_words_rendered_after_the_opening_chime_hold_the_session_there_then_it_grows(renderer):
    # the intro's words render 4 s in, after the chime (0.75 s) and where they are due (1 s):
    # the session holds there, then plays them and on to their end, holds again until the
    # whole plan is ready (30 s in), and plays the rest: every event, two holds, no drift
    result, whole, horizon, seen = play_staged(renderer, 30.0, intro=4.0)
    assert [p.event for p in result.played] == list(whole.plan.events)  # nothing lost
    offsets = [p.target - result.started - p.event.at for p in result.played]
    chime, words, *later = offsets
    assert result.played[0].event.kind == "chime" and result.played[1].event.text
    assert words - chime == pytest.approx(4.0 - 1.0, abs=0.3)  # held until the words were
    assert len(set(np.round(later, 9))) == 1  # one clock after the second hold: no drift
    said_end = result.played[1].event.end
    assert later[0] - words == pytest.approx(30.0 - 4.0 - (said_end - 1.0), abs=0.3)
    assert horizon == pytest.approx(said_end)  # it grew to the words' end
    messages = [s.message for s in seen if s.message]
    assert messages.count(GOES_ON) == 2


def test_a_key_that_moves_time_waits_for_the_whole_plan(renderer):
    result, whole, _, seen = play_staged(renderer, 8.0, script=[(2.0, "next")])
    messages = [s.message for s in seen if s.message]
    assert any(m.startswith("next: once the speech is rendered") for m in messages)
    skipped = next(s for s in seen if s.reason == status.SKIPPED)
    assert skipped.step.start == whole.plan.steps[1].start  # acted at 8 s, into step 1


def test_the_bed_under_a_staged_session_is_the_warm_sessions_to_the_frame(renderer):
    options = {"name": "neck-stretch", "bed": "ocean", "length": 300.0, "stream": True}
    result, whole, horizon, _ = play_staged(renderer, 3.0, script=[(25.0, "quit")], **options)
    clock = FakeClock()
    warm_backend = FakeStreamBackend(clock)
    keys = FakeKeys(clock, [(clock.now + 25.0, "quit")])
    warm = player.play(whole, warm_backend, clock=clock, sleep=clock.sleep, keys=keys, spin=0.0,
                       preload=False)  # fmt: skip
    assert [p.event for p in result.played] == [p.event for p in warm.played]
    assert horizon > 3.0  # the whole plan came before the horizon: nothing held
    staged_bed, warm_bed = result.bed_out, warm_backend.bed_out
    assert np.abs(warm_bed).max() > 0.001  # the bed sounds
    np.testing.assert_array_equal(staged_bed, warm_bed)


def test_the_render_shows_until_the_session_begins_and_the_rest_renders_behind(renderer):
    calls, begun = [], []
    prepared = session.begin(
        "back-massage", session.Options(), renderer,
        progress=lambda done, total: calls.append((done, total, bool(begun))),
    )  # fmt: skip
    begun.append(True)
    assert isinstance(prepared, session.Staged)
    whole = session.whole(prepared)
    assert calls[0][0] == 0 and not any(after for *_, after in calls)
    assert calls[-1][0] < calls[-1][1]  # it began before the last text was rendered
    assert whole.plan.length == pytest.approx(1200.0)
    assert prepared.plan.events == tuple(e for e in whole.plan.events if e.at < prepared.horizon)
    assert isinstance(session.begin("back-massage", session.Options(), renderer), session.Session)


def test_the_first_text_renders_alone_then_the_rest_on_every_worker(renderer, monkeypatch):
    # the words heard first render alone: a second worker (a second Piper loading its
    # voice) would take the core they render on
    batches: list[list[str]] = []
    render = renderer.render

    def counted(jobs, in_order=False):
        batches.append([job[0] for job in jobs])
        return render(jobs, in_order)

    monkeypatch.setattr(renderer, "render", counted)
    prepared = session.begin("back-massage", session.Options(), renderer)
    whole = session.whole(prepared)
    texts = whole.written.texts()
    assert batches == [[whole.written.intro], texts[1:]]


def test_after_a_hold_the_next_sound_is_loaded_before_the_clock_restarts(renderer, monkeypatch):
    # it was not in the plan held, so not loaded ahead: loaded once the clock ran again, it
    # came 0.1 s late through a real device (tests/live/test_player_e2e.py)
    log: list[tuple[str, object]] = []
    start_from, clip = player.Player.start_from, staged.Staged.clip

    def starting(self, position):
        log.append(("start", position))
        return start_from(self, position)

    def loading(self, event):
        log.append(("clip", event.text or event.kind))
        return clip(self, event)

    monkeypatch.setattr(player.Player, "start_from", starting)
    monkeypatch.setattr(staged.Staged, "clip", loading)
    result, whole, _, _ = play_staged(renderer, 30.0, intro=4.0)
    starts = [i for i, (what, _) in enumerate(log) if what == "start"]
    assert len(starts) == 3  # the start, and going on after each of the two holds
    for resumed in starts[1:]:
        position = log[resumed][1]
        due = next(e for e in whole.plan.events if e.at >= position - 1e-9)
        assert ("clip", due.text or due.kind) in log[starts[0] + 1 : resumed]

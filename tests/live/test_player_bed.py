"""The sound bed through the player: anchored where the session is heard, faded out by a
pause and back in on resume, toggled by b, read from the new place after a jump, named on
the status line; a backend that cannot mix it says so. Fake clock, fake stream: no sleeping."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from voiceguide.audio import RATE
from voiceguide.live import bed as live_bed
from voiceguide.live import player, status, timeline
from voiceguide.plan import BedLevels, bed_envelope
from voiceguide.testing.fakes import (
    FakeBackend,
    FakeClock,
    FakeKeys,
    FakeSession,
    FakeStreamBackend,
)

from .test_player import PARTS, make_plan

LATENCY = 0.05


class Frames:
    """A bed source whose session frame ``f`` reads ``1 + f * 1e-8``: level and place show."""

    name = "frames"

    def read(self, first: int, frames: int) -> np.ndarray:
        return (1.0 + (first + np.arange(frames)) * 1e-8).astype(np.float32)


def bedded_session(parts=PARTS) -> FakeSession:
    plan = make_plan(parts)
    envelope = bed_envelope(BedLevels("frames", 18.0, 12.0), plan.events, plan.length)
    return FakeSession(dataclasses.replace(plan, bed=envelope), Frames())


def run(session, script=(), backend_type=FakeStreamBackend):
    clock = FakeClock()
    backend = (
        backend_type(clock, LATENCY) if backend_type is FakeStreamBackend else FakeBackend(clock)
    )
    keys = FakeKeys(clock, [(clock.now + t, a) for t, a in script]) if script else None
    statuses: list[status.Status] = []
    result = player.play(session, backend, clock=clock, sleep=clock.sleep, keys=keys,
                         on_status=statuses.append, spin=0.0, preload=False)  # fmt: skip
    return result, backend, statuses


def at(backend, seconds: float, width: float = 0.01) -> np.ndarray:
    """What the bed added around clock ``seconds`` after the start (the stream's frames)."""
    first = round(backend.heard_frame(backend.started + seconds) + LATENCY * RATE)
    return backend.out[first : first + round(width * RATE)]


def expected(session, position: float, width: float = 0.01) -> np.ndarray:
    first = round(position * RATE)
    frames = round(width * RATE)
    gains = session.plan.bed.gains(first, frames, RATE)
    return session.bed.read(first, frames) * gains


@pytest.mark.slow
def test_the_bed_plays_the_plans_envelope_from_where_the_session_is_heard():
    session = bedded_session()
    result, backend, _ = run(session)
    for position in (2.0, 2.6, 10.0, 31.0, 45.0, 150.0):  # fade in, under words, gaps
        assert at(backend, position) == pytest.approx(expected(session, position), abs=1e-6)
    assert result.position == pytest.approx(session.plan.length)


@pytest.mark.slow
def test_a_pause_fades_the_bed_out_within_half_a_second_and_resume_fades_it_back_in():
    session = bedded_session()
    _, backend, _ = run(session, [(20.0, "pause"), (30.0, "pause")])
    silent_from = 20.0 + live_bed.FADE + LATENCY
    assert silent_from <= 20.5
    assert np.abs(at(backend, silent_from, 9.4)).max() == 0.0
    assert np.abs(at(backend, 20.0 + LATENCY / 2)).min() > 0.0  # fading, not cut
    # paused at session position 20 - LATENCY (what was heard then; nothing was sounding),
    # resumed there: faded in, then exactly the plan
    after = 30.0 + live_bed.FADE + LATENCY + 0.05
    position = 20.0 - LATENCY + after - 30.0
    assert at(backend, after) == pytest.approx(expected(session, position), abs=1e-6)


def test_b_turns_the_bed_off_and_on_and_the_status_line_says_so():
    session = bedded_session()
    _, backend, statuses = run(session, [(40.0, "bed"), (80.0, "bed")])
    bedded = [s for s in statuses if s.reason == status.BEDDED]
    assert [s.message for s in bedded] == ["bed frames off", "bed frames on"]
    assert np.abs(at(backend, 40.0 + live_bed.TOGGLE + LATENCY, 30.0)).max() == 0.0
    later = 80.0 + live_bed.TOGGLE + LATENCY + 0.1
    assert at(backend, later) == pytest.approx(expected(session, later), abs=1e-6)
    lines = [status.line(s) for s in statuses]
    assert any(" - bed frames - next: " in line for line in lines)
    assert any(" - bed off - next: " in line for line in lines)


@pytest.mark.slow
def test_a_jump_reads_the_bed_from_the_new_place():
    session = bedded_session()
    result, backend, _ = run(session, [(20.0, "next")])
    # "next" at clock 20 s jumps to part B (session 70 s), heard from clock 20 s + latency
    later = 25.0
    position = 70.0 + later - 20.0
    assert at(backend, later) == pytest.approx(expected(session, position), abs=1e-6)
    assert result.position == pytest.approx(session.plan.length)


@pytest.mark.slow
def test_a_step_made_longer_moves_the_duck_with_its_words():
    session = bedded_session()
    _, backend, statuses = run(session, [(10.0, "longer")])
    (was,) = [e.at for e in session.plan.events if e.text == "B."]
    moved = was + timeline.RESIZE  # part B's instruction, after part A was made longer
    assert [s.reason for s in statuses].count(status.RESIZED) == 1
    # at the instruction's new time the bed is down by the duck; where it was, it is not
    down = at(backend, moved + 0.5)
    up = at(backend, was + 0.5)
    assert np.abs(down).max() < np.abs(up).min() * 10 ** (-11.5 / 20)


def test_a_backend_that_cannot_mix_a_bed_says_so_when_b_is_pressed():
    session = bedded_session()
    _, backend, statuses = run(session, [(5.0, "bed")], backend_type=FakeBackend)
    assert statuses[0].message == "the sound bed plays only through the alsa backend"
    refused = [s for s in statuses if s.reason == status.REFUSED]
    assert [s.message for s in refused] == ["the sound bed plays only through the alsa backend"]
    assert all(s.bed is None for s in statuses)


class Vanishing(Frames):
    """A file bed whose file goes away 30 s into the session."""

    def read(self, first: int, frames: int) -> np.ndarray:
        if first + frames > 30 * RATE:
            raise OSError("the file is gone")
        return super().read(first, frames)


def test_a_bed_that_fails_to_read_stops_and_the_session_goes_on():
    session = bedded_session()
    session.bed = Vanishing()
    result, backend, statuses = run(session, [(50.0, "bed")])
    stopped = [s for s in statuses if s.reason == status.BEDDED]
    assert [s.message for s in stopped] == [
        "the sound bed stopped (OSError: the file is gone); the session goes on"
    ]
    assert 29.0 < stopped[0].position < 31.0
    assert [s.message for s in statuses if s.reason == status.REFUSED] == [
        "the sound bed stopped (OSError: the file is gone)"
    ]
    assert result.position == pytest.approx(session.plan.length)
    assert len(result.played) == len(session.plan.events)
    assert np.abs(at(backend, 40.0, 20.0)).max() == 0.0


class ShiftingStream(FakeStreamBackend):
    """A stream that runs dry once, ``SHIFTED`` seconds after it starts: from then on every
    frame is heard ``SHIFT`` seconds later than before (what ``AlsaBackend``'s estimate
    follows after an underrun, and its ``shifts`` counts)."""

    SHIFTED, SHIFT = 40.0, 0.1

    def frame_at(self, at: float) -> float:
        frame = super().frame_at(at)
        return frame - self.SHIFT * RATE if at - self.started >= self.SHIFTED else frame


class Steep(Frames):
    """``Frames`` ten times steeper: a place 100 frames off reads 1e-5 off (under the bed's
    -18 dB, well over the tests' 1e-6)."""

    def read(self, first: int, frames: int) -> np.ndarray:
        return (1.0 + (first + np.arange(frames)) * 1e-7).astype(np.float32)


class DriftingStream(FakeStreamBackend):
    """A device whose crystal runs ``PPM`` parts per million fast against the clock: its
    frames are heard a little earlier each second (30 ms after 5 minutes)."""

    PPM = 100.0

    def frame_at(self, at: float) -> float:
        return super().frame_at(at) * (1 + self.PPM * 1e-6)


@pytest.mark.parametrize("stream", [ShiftingStream, DriftingStream])
def test_when_the_streams_clock_moves_the_bed_moves_with_the_clips(stream):
    """The clips are placed by the stream's clock (``frame_at``) as they come; the bed follows
    the same clock, so a shift or a drift of the stream moves both: anchored once on stream
    frames, the bed stayed 0.1 s late after the shift, 15 ms after 150 s of drift."""
    session = bedded_session()
    session.bed = Steep()
    clock = FakeClock()
    backend = stream(clock, LATENCY)
    player.play(session, backend, clock=clock, sleep=clock.sleep, spin=0.0, preload=False)
    for position in (10.0, 31.0, 60.0, 100.0, 150.0):  # before and after the shift at 40 s
        assert at(backend, position) == pytest.approx(expected(session, position), abs=1e-6)

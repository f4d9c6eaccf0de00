"""The bed in the live stream (``live.bed.LiveBed``): what the feeding thread adds, frame by
frame, around starts, pauses, jumps and the b key."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.live import bed
from voiceguide.plan import BedLevels, bed_envelope
from voiceguide.plan.model import Event
from voiceguide.routine import Sound

RATE = bed.RATE


class Ramp:
    """A source whose frame ``f`` is ``f`` itself (scaled): where it was read shows."""

    name = "ramp"

    def __init__(self):
        self.reads: list[tuple[int, int]] = []

    def read(self, first: int, frames: int) -> np.ndarray:
        self.reads.append((first, frames))
        return ((first + np.arange(frames)) * 1e-7).astype(np.float32)


class Flat:
    """An envelope at 0 dB everywhere, so the source's frames show as they are."""

    def gains(self, first, frames, rate):
        return 1.0


def frame(at: float) -> float:
    """The stream of these tests: its first frame is heard at clock time 0 (clock time ``t``
    is heard at stream frame ``t * RATE``)."""
    return at * RATE


def heard(stream_frame: int) -> float:
    """The clock time at which the stream of these tests plays ``stream_frame``."""
    return stream_frame / RATE


def streamed(live: bed.LiveBed, first: int, frames: int, period: int = 480) -> np.ndarray:
    """What the stream gets from ``first`` for ``frames``, filled a period at a time."""
    out = np.zeros(frames, np.float32)
    for at in range(0, frames, period):
        block = np.zeros(min(period, frames - at), np.float32)
        live.fill(block, first + at)
        out[at : at + len(block)] = block
    return out


@pytest.mark.slow
def test_the_bed_is_read_at_the_session_frame_its_stream_frame_is_heard_at():
    live = bed.LiveBed(Ramp(), Flat(), frame)
    live.start(at=heard(10_000), session_seconds=30.0)
    out = streamed(live, 0, 3 * RATE)
    assert not out[:10_000].any()  # before the anchor: nothing
    fade = round(bed.FADE * RATE)
    after = np.arange(10_000 + fade, 3 * RATE)
    assert out[after] == pytest.approx((30 * RATE + after - 10_000) * 1e-7, rel=1e-6)
    ramp = out[10_000 : 10_000 + fade] / ((30 * RATE + np.arange(fade)) * 1e-7)
    assert np.all(np.diff(ramp) > 0) and ramp[0] < 0.01  # faded in, from silence


@pytest.mark.parametrize("period", [64, 480, 1000, 4096])
@pytest.mark.slow
def test_what_is_added_does_not_depend_on_the_period(period):
    reference = bed.LiveBed(Ramp(), Flat(), frame)
    reference.start(heard(5_000), 2.0)
    live = bed.LiveBed(Ramp(), Flat(), frame)
    live.start(heard(5_000), 2.0)
    assert streamed(live, 0, RATE, period) == pytest.approx(streamed(reference, 0, RATE, 480))


def test_a_pause_fades_out_from_the_next_frame_and_stays_silent():
    live = bed.LiveBed(Ramp(), Flat(), frame)
    live.start(heard(0), 0.0)
    streamed(live, 0, RATE)
    live.hold()
    out = streamed(live, RATE, RATE)
    fade = round(bed.FADE * RATE)
    assert out[0] > 0 and not out[fade:].any()
    assert np.all(np.diff(out[:fade] / ((RATE + np.arange(fade)) * 1e-7)) < 0)


def test_a_jump_fades_the_old_place_out_quickly_and_the_new_one_in():
    source = Ramp()
    live = bed.LiveBed(source, Flat(), frame)
    live.start(heard(0), 0.0)
    streamed(live, 0, RATE)
    live.start(heard(RATE + 2400), 100.0)  # heard 50 ms later, 100 s into the session
    out = streamed(live, RATE, RATE)
    cut = round(bed.CUT * RATE)
    old = (RATE + np.arange(cut)) * 1e-7
    assert out[0] == pytest.approx(old[0], rel=1e-3)  # no jump in level at the key
    assert (100 * RATE, 2 * RATE) in [(a, max(b, 2 * RATE)) for a, b in source.reads]
    tail = out[-100:]
    assert tail == pytest.approx((100 * RATE + np.arange(RATE - 100, RATE) - 2400) * 1e-7)


def test_b_fades_the_bed_out_and_back_in():
    live = bed.LiveBed(Ramp(), Flat(), frame)
    live.start(heard(0), 0.0)
    streamed(live, 0, RATE)
    assert live.toggle() is False
    off = streamed(live, RATE, 2 * RATE)
    toggle = round(bed.TOGGLE * RATE)
    assert off[0] > 0 and not off[toggle:].any()
    assert live.toggle() is True
    on = streamed(live, 3 * RATE, 2 * RATE)
    assert on[0] == 0.0 and on[-1] == pytest.approx((5 * RATE - 1) * 1e-7)


def test_the_bed_ducks_where_the_plan_says_and_a_retimed_plan_moves_the_duck():
    end = Event(40.0, "chime", 4.2, 0, sound=Sound("end", None))
    said = [Event(10.0, "speech", 2.0, 0, text="Now."), end]
    live = bed.LiveBed(Ramp(), bed_envelope(BedLevels("ramp", 18.0, 12.0), said, 40.0), frame)
    live.start(heard(0), 0.0)

    def level_db(out: np.ndarray, first: int, second: float) -> float:
        frame = round(second * RATE)
        return 20 * np.log10(out[frame - first] / (frame * 1e-7))

    early = streamed(live, 0, 12 * RATE)
    assert level_db(early, 0, 8.0) == pytest.approx(-18.0, abs=0.01)
    assert level_db(early, 0, 11.0) == pytest.approx(-30.0, abs=0.01)
    # a step made longer: the next words come at 25 s, and the bed ducks there now
    moved = [Event(25.0, "speech", 2.0, 0, text="Next."), end]
    live.retime(bed_envelope(BedLevels("ramp", 18.0, 12.0), moved, 40.0))
    late = streamed(live, 12 * RATE, 16 * RATE)
    assert level_db(late, 12 * RATE, 20.0) == pytest.approx(-18.0, abs=0.01)
    assert level_db(late, 12 * RATE, 26.0) == pytest.approx(-30.0, abs=0.01)


def test_b_while_paused_waits_for_the_resume():
    live = bed.LiveBed(Ramp(), Flat(), frame)
    live.start(heard(0), 0.0)
    streamed(live, 0, RATE)
    live.hold()
    streamed(live, RATE, RATE)
    live.toggle()  # off
    live.toggle()  # on again, still paused
    assert not streamed(live, 2 * RATE, RATE).any()
    live.start(heard(3 * RATE), 1.0)
    assert streamed(live, 3 * RATE, RATE)[-1] > 0


class Moving:
    """A stream's clock that counts its frames (as ``frame``) until ``moved`` is set: then
    clock time ``t`` is heard at stream frame ``t * RATE - moved`` (the stream plays later)."""

    def __init__(self):
        self.moved = 0

    def __call__(self, at: float) -> float:
        return at * RATE - self.moved


def test_when_the_streams_clock_moves_the_bed_glides_to_where_the_clock_now_puts_it():
    clock = Moving()
    live = bed.LiveBed(Ramp(), Flat(), clock)
    live.start(heard(0), 0.0)
    assert streamed(live, 0, RATE)[-1] == pytest.approx((RATE - 1) * 1e-7)
    clock.moved = 2400  # the server ran dry: heard 50 ms later from now on
    out = streamed(live, RATE, RATE)
    old, new = (RATE + np.arange(RATE)) * 1e-7, (RATE + np.arange(RATE) + 2400) * 1e-7
    assert out[-100:] == pytest.approx(new[-100:])  # the session where the clock puts it
    glide = round(bed.GLIDE * RATE)
    assert out[0] == pytest.approx(old[0])  # no jump where it moves
    assert np.all(np.diff(out[:glide]) > 0) and np.all((out >= old - 1e-9) & (out <= new + 1e-9))
    assert out[glide:] == pytest.approx(new[glide:])  # from the glide's end
    clock.moved = 2400 + 20  # moving less than FOLLOW (the clock's jitter): left alone
    assert streamed(live, 2 * RATE, 480) == pytest.approx((2 * RATE + np.arange(480) + 2400) * 1e-7)


def test_a_bed_not_heard_yet_moves_at_once():
    clock = Moving()
    live = bed.LiveBed(Ramp(), Flat(), clock)
    live.start(heard(RATE), 10.0)  # session 10 s heard from stream frame RATE
    streamed(live, 0, 480)
    clock.moved = 2400
    out = streamed(live, 480, 2 * RATE)
    begins = RATE - 2400 - 480  # where the clock puts it now: 50 ms earlier in the stream
    assert not out[:begins].any() and out[begins + 1] > 0  # faded in from there
    fade = round(bed.FADE * RATE)
    assert out[begins + 1 : begins + fade] == pytest.approx(
        (10 * RATE + np.arange(1, fade)) * 1e-7 * np.arange(1, fade) / fade, rel=1e-5
    )
    assert out[-1] == pytest.approx((10 * RATE + 2 * RATE + 480 - 1 - RATE + 2400) * 1e-7)

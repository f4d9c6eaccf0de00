"""The mixer every stream sink pulls (``live.mixer``): clips at stream frames, stopped, late,
the bed under them; and a sink made of it (``FakeStreamBackend``, a ``StreamBackend``)."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.audio import RATE, UNDER, Clip
from voiceguide.live.bed import LiveBed
from voiceguide.live.mixer import Mixer
from voiceguide.testing.fakes import FakeClock, FakeStreamBackend


def pulled(mixer: Mixer, first: int, frames: int, block: int) -> np.ndarray:
    """What a sink pulling ``block`` frames at a time from ``first`` gets."""
    out = []
    for at in range(first, first + frames, block):
        part = np.full(min(block, first + frames - at), 7.0, np.float32)  # stale: overwritten
        mixer.pull(part, at)
        out.append(part)
    return np.concatenate(out)


def tone(frames: int, value: float = 0.25) -> np.ndarray:
    return np.full(frames, value, np.float32)


@pytest.mark.parametrize("block", [64, 480, 1000, 4800])
def test_clips_are_heard_from_their_frame_whatever_the_block_size(block):
    mixer = Mixer(lambda: 0.0)
    ramp = np.linspace(0.1, 0.2, 3000, dtype=np.float32)
    mixer.place(ramp, 1234)
    mixer.place(tone(500), 2000)  # overlapping the first: summed
    out = pulled(mixer, 0, 6000, block)
    expected = np.zeros(6000, np.float32)
    expected[1234:4234] += ramp
    expected[2000:2500] += 0.25
    np.testing.assert_array_equal(out, expected)


def test_a_stopped_clip_is_silent_from_the_next_block_and_stop_all_silences_every_one():
    mixer = Mixer(lambda: 0.0)
    first = mixer.place(tone(RATE), 0)
    second = mixer.place(tone(RATE, 0.125), 0)
    head = pulled(mixer, 0, 480, 480)
    first.stop()
    middle = pulled(mixer, 480, 480, 480)
    mixer.stop_all()
    tail = pulled(mixer, 960, 480, 480)
    assert head.max() == pytest.approx(0.375) and middle.max() == pytest.approx(0.125)
    assert not tail.any() and first.stopped and second.stopped


def test_a_clip_asked_for_a_frame_already_pulled_starts_at_the_next_one_and_is_late():
    mixer = Mixer(lambda: 0.0)
    pulled(mixer, 0, 960, 480)
    placed = mixer.place(tone(100), 500)
    assert placed.late and placed.first == 960
    assert pulled(mixer, 960, 480, 480)[:100].tolist() == [0.25] * 100
    assert not mixer.place(tone(10), 2000).late


def test_a_clip_plays_while_its_frames_are_heard():
    heard = [0.0]
    mixer = Mixer(lambda: heard[0])
    placed = mixer.place(tone(480), 1000)
    assert placed.is_playing()
    heard[0] = 1480.0
    assert not placed.is_playing()


def test_a_clip_placed_for_a_clock_time_moves_with_the_streams_clock_until_it_begins():
    """The sound server ran dry: from now on the stream is heard 50 ms later, and the clips
    not begun move as the bed does (``LiveBed``); one already sounding plays on."""
    moved = [0]
    mixer = Mixer(lambda: 0.0, lambda at: at * RATE - moved[0])
    sounding = mixer.place(tone(RATE), 0, at=0.0)
    coming = mixer.place(tone(100, 0.5), RATE, at=1.0)
    pulled(mixer, 0, 480, 480)
    moved[0] = 2400
    out = pulled(mixer, 480, 2 * RATE, 480)
    assert sounding.first == 0 and out[: RATE - 2880].tolist() == [0.25] * (RATE - 2880)
    assert coming.first == RATE - 2400 and not coming.late
    assert out[RATE - 2400 - 480 : RATE - 2300 - 480].tolist() == [0.5 + 0.25] * 100


class Level:
    """A bed source at one level, read by frame; fails past ``fails_at`` if given."""

    name = "level"

    def __init__(self, value: float, fails_at: int | None = None):
        self.value, self.fails_at = value, fails_at

    def read(self, first: int, frames: int) -> np.ndarray:
        if self.fails_at is not None and first + frames > self.fails_at:
            raise OSError("gone")
        return np.full(frames, self.value, np.float32)


class Flat:
    def gains(self, first: int, frames: int, rate: int) -> float:
        return 1.0


def carried(mixer: Mixer, source: Level) -> LiveBed:
    bed = LiveBed(source, Flat(), lambda at: at * RATE)  # type: ignore[arg-type]
    mixer.carry(bed)
    bed.start(0, 0.0)
    return bed


def test_the_bed_goes_under_the_clips_never_past_minus_one_dbfs():
    mixer = Mixer(lambda: 0.0)
    carried(mixer, Level(0.5))
    mixer.place(tone(RATE, 0.6), 0)
    out = pulled(mixer, RATE, RATE, 480)  # past the bed's fade-in
    mixer.place(tone(RATE, 0.2), 2 * RATE)
    quiet = pulled(mixer, 2 * RATE, RATE, 480)
    assert out.min() == out.max() == 0.5  # the clip has ended: the bed alone
    assert quiet.max() == pytest.approx(0.7)  # 0.2 + 0.5: under the ceiling, summed
    mixer.place(tone(RATE, 0.8), 3 * RATE)
    loud = pulled(mixer, 3 * RATE, RATE, 480)
    assert loud.max() == pytest.approx(UNDER)  # the bed cut to the ceiling, the clip whole


def test_a_bed_that_fails_is_dropped_with_why_and_the_clips_play_on():
    mixer = Mixer(lambda: 0.0)
    bed = carried(mixer, Level(0.1, fails_at=RATE))
    mixer.place(tone(2 * RATE, 0.25), 0)
    out = pulled(mixer, 0, 2 * RATE, 480)
    assert bed.failure == "OSError: gone" and mixer.bed is None
    assert out[-480:].tolist() == [0.25] * 480  # the clip alone after the failure


def test_a_stream_sink_places_a_clip_at_the_frame_heard_at_its_instant():
    clock = FakeClock()
    sink = FakeStreamBackend(clock, latency=0.05, period=480)
    clip = Clip(tone(4800))
    handle = sink.play(clip, at=clock() + 1.0)  # heard one second from now
    clock.sleep(2.0)
    out = sink.out
    first = int(np.flatnonzero(out)[0])
    assert first == round(1.0 * RATE) and np.count_nonzero(out) == 4800
    assert not handle.is_playing() and sink.late == 0
    late = sink.play(clip, at=clock() - 1.0)  # its frame is long gone: at once, and late
    assert late.late and sink.late == 1

"""The sound bed's envelope from a plan's events: where it sits, ducks, fades (pure)."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.plan import bed
from voiceguide.plan.bed import BedLevels
from voiceguide.plan.build import bed_envelope
from voiceguide.plan.model import Event
from voiceguide.routine import Sound

RATE = 48_000
BELL = Sound("bell", None)


def speech(at: float, seconds: float) -> Event:
    return Event(at, "speech", seconds, 0, text="Words.")


def chime(at: float, seconds: float = 1.8, name: str = "bell") -> Event:
    return Event(at, "chime", seconds, 0, sound=Sound(name, None))


EVENTS = [
    speech(0.5, 6.0),  # the intro: the bed fades in under it
    chime(20.0),
    speech(22.05, 3.0),
    speech(26.0, 2.0),  # 0.95 s after the last word: the bed stays down
    Event(40.0, "pulse", 0.22, 0, sound=Sound("pulse", None), gain_db=-14.0),
    speech(60.0, 4.0),
    speech(90.0, 2.0),
    chime(100.0, 4.2, "end"),
]


@pytest.fixture
def envelope() -> bed.BedEnvelope:
    return bed_envelope(BedLevels("ocean", 18.0, 12.0), EVENTS, 200.0)  # ends at the end chime


def test_words_closer_than_two_seconds_keep_the_bed_down_and_chimes_and_beats_do_not_duck(
    envelope,
):
    assert envelope.downs == ((0.5, 6.5), (22.05, 28.0), (60.0, 64.0), (90.0, 92.0))


def test_the_bed_sits_at_its_level_between_words_and_duck_lower_under_them(envelope):
    at = np.array([10.0, 35.0, 50.0, 22.05, 25.0, 27.5, 62.0])
    assert envelope.db_at(at) == pytest.approx([-18, -18, -18, -30, -30, -30, -30])


def test_it_falls_over_the_300_ms_before_a_word_and_rises_over_the_second_after(envelope):
    assert envelope.db_at(np.array([59.7 - 1e-6]))[0] == pytest.approx(-18.0)
    assert envelope.db_at(np.array([59.85]))[0] == pytest.approx(-24.0)  # halfway down
    assert envelope.db_at(np.array([64.5]))[0] == pytest.approx(-24.0)  # halfway up
    assert envelope.db_at(np.array([65.0 + 1e-6]))[0] == pytest.approx(-18.0)


def test_it_fades_in_from_silence_and_is_ducked_under_a_word_spoken_meanwhile(envelope):
    start, mid, late = envelope.db_at(np.array([0.0, 2.0, 3.9]))
    assert start == pytest.approx(-18.0 + bed.SILENT)
    assert mid == pytest.approx(-18.0 + bed.SILENT / 2)  # the fade: a straight line in dB
    assert late == pytest.approx(-30.0)  # the fade has passed the duck: ducked


def test_it_fades_out_before_the_end_chime_and_is_silent_from_there(envelope):
    assert envelope.stop == pytest.approx(100.0 - bed.CLEAR)
    out = envelope.db_at(np.array([99.5 - 4.0, 99.5, 99.6, 104.2]))
    assert out[0] == pytest.approx(-18.0)
    assert out[1] == pytest.approx(-18.0 + bed.SILENT)
    assert out[2] == out[3] == -np.inf
    assert envelope.gains(round(99.6 * RATE), 4800, RATE).max() == 0.0


def test_straight_lines_between_the_points_are_the_envelope(envelope):
    points = envelope.points()
    assert np.all(np.diff(points[:, 0]) > 0)
    times = np.random.default_rng(1).uniform(0, envelope.stop, 5000)
    drawn = np.interp(times, points[:, 0], points[:, 1])
    assert drawn == pytest.approx(envelope.db_at(times), abs=1e-9)


@pytest.mark.parametrize("first", [0, 1000, 35 * RATE, round(59.5 * RATE), 97 * RATE])
@pytest.mark.slow
def test_the_gains_of_a_window_are_the_envelope_per_frame(envelope, first):
    frames = RATE
    gains = envelope.gains(first, frames, RATE)
    expected = 10 ** (envelope.db_at((first + np.arange(frames)) / RATE) / 20)
    assert np.asarray(gains * np.ones(frames)) == pytest.approx(expected, rel=1e-5)


def test_a_window_at_one_level_is_one_number_not_an_array(envelope):
    assert envelope.gains(35 * RATE, RATE, RATE) == pytest.approx(10 ** (-18 / 20))
    assert isinstance(envelope.gains(35 * RATE, RATE, RATE), float)
    assert not isinstance(envelope.gains(round(59.5 * RATE), RATE, RATE), float)


def test_a_session_too_short_for_both_fades_shares_its_time_between_them():
    short = bed_envelope(BedLevels("rain", 18.0, 12.0), [chime(5.0, 1.0, "end")], 5.0)
    assert short.fade_in == short.fade_out == pytest.approx(2.25)
    assert short.db_at(np.array([2.25]))[0] == pytest.approx(-18.0)

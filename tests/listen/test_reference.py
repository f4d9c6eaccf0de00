"""What the session plays, as the listener knows it: placed by clock time, cut by a pause,
loud where speech and chimes sound (not the pace guide's ticks), with the room's tail."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.listen import reference
from voiceguide.listen.reference import RATE, Reference, to_16k


def tone(seconds: float, level_db: float, frequency: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (np.sqrt(2) * 10 ** (level_db / 20) * np.sin(2 * np.pi * frequency * t)).astype(
        np.float32
    )


def edges(flags: np.ndarray) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(np.diff(flags.astype(int)))]


def test_sounds_are_read_where_the_clock_puts_them_and_cut_where_the_player_stopped():
    output = Reference()
    output.add(100.0, tone(1.0, -20))
    output.add(100.5, tone(1.0, -20, 660))
    both = output.read(100.0, 2 * RATE)
    assert np.abs(both[: RATE // 2]).max() > 0.1 and not both[round(1.5 * RATE) :].any()
    assert np.allclose(both[RATE // 2 : RATE], tone(1.0, -20)[RATE // 2 :] + tone(0.5, -20, 660))
    output.cut(100.75)
    cut = output.read(100.0, 2 * RATE)
    assert not cut[round(0.75 * RATE) :].any() and cut[: round(0.75 * RATE)].any()
    output.add(101.0, tone(0.5, -20))  # handed over after the pause: it plays
    assert output.read(101.0, RATE // 2).any()


def test_a_sound_cut_before_it_began_is_silence_wherever_it_is_read_from():
    """The player hands a sound over ``lead`` (0.3 s) early; a pause 0.1 s before it begins
    cuts it whole. Read over a window holding both the cut and its start, it once gave a
    slice of negative length: a ValueError that ended the listener's process (deaf for the
    rest of the session: the end-to-end test's "nothing heard after the pause")."""
    output = Reference()
    output.add(100.0, tone(0.22, -20))  # a beat of the pace guide
    output.cut(99.9)
    for start in np.arange(99.3, 100.3, 0.01):
        assert not output.read(start, 1600).any()
        assert not output.flags(start, 1600).any()


def test_the_session_sounds_where_it_is_loud_and_rings_for_the_tail_after():
    output = Reference()
    speech = np.concatenate([np.zeros(RATE), tone(1.0, -15), np.zeros(2 * RATE)])
    output.add(10.0, speech)
    flags = output.flags(10.0, len(speech))
    assert edges(flags) == [RATE, 2 * RATE + round(reference.TAIL * RATE)]


def test_a_pace_tick_well_under_the_speech_is_not_the_session_sounding():
    output = Reference()
    output.add(0.0, tone(1.0, -15))  # speech: sets the loudest level
    output.add(5.0, tone(0.1, -15 - reference.RANGE - 3))  # a tick, 11 dB under it
    assert not output.flags(4.5, RATE).any()


def test_resampling_keeps_the_voice_band_and_removes_what_16_khz_cannot_hold():
    t = np.arange(48000) / 48000
    kept = to_16k(np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    gone = to_16k(np.sin(2 * np.pi * 12000 * t).astype(np.float32))
    assert len(kept) == RATE
    assert np.abs(kept[100:-100]).max() == pytest.approx(1.0, abs=0.01)
    assert np.abs(gone[100:-100]).max() < 0.01

"""The tick-to-bed margin and the bed's rhythm, measured on signals whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.audio import RATE
from voiceguide.plan import Event
from voiceguide.routine import Sound
from voiceguide.testing import margin

PULSE, BREATH = Sound("pulse", None), Sound("breath", None)


def tone(freq: float, seconds: float, level: float) -> np.ndarray:
    return level * np.sin(2 * np.pi * freq * np.arange(round(seconds * RATE)) / RATE)


def placed(clip: np.ndarray, times: list[float], seconds: float) -> np.ndarray:
    out = np.zeros(round(seconds * RATE))
    for at in times:
        first = round(at * RATE)
        out[first : first + len(clip)] += clip
    return out


def noise(seconds: float, level: float, seed: int = 1) -> np.ndarray:
    return level * np.random.default_rng(seed).standard_normal(round(seconds * RATE))


def test_a_tick_20_db_over_white_noise_reads_20_db_full_band():
    beats = [margin.Beat("pulse", at, at + margin.TICK_WINDOW, True) for at in (1, 3, 5, 7)]
    ticks = placed(tone(1000, margin.TICK_WINDOW, 0.1 * np.sqrt(2)), [1, 3, 5, 7], 9)
    found = margin.margins(ticks, noise(9, 0.01), beats, margin.FULL)
    assert found == pytest.approx(20.0, abs=0.3)


def test_a_low_thump_vanishes_through_the_small_speaker_and_a_1_khz_tick_does_not():
    beats = [margin.Beat("pulse", 1.0, 1.0 + margin.TICK_WINDOW, True)]
    bed = noise(2, 0.01)
    thump = placed(tone(120, margin.TICK_WINDOW, 0.1), [1.0], 2)
    tick = placed(tone(1000, margin.TICK_WINDOW, 0.1), [1.0], 2)
    full = margin.margins(thump, bed, beats, margin.FULL)[0]
    small = margin.margins(thump, bed, beats, margin.SMALL)[0]
    assert full - small > 15  # 4th order from 300 Hz: ~ -32 dB at 120 Hz, noise loses ~0.3
    assert margin.margins(tick, bed, beats, margin.SMALL)[0] > full - 1


def test_only_beats_clear_of_speech_count_and_a_breath_is_measured_over_its_span():
    events = [
        Event(0.5, "speech", 2.0, 0, text="Begin."),
        Event(2.55, "pulse", 0.22, 0, sound=PULSE, gain_db=-26.0),  # 0.05 s after the words
        Event(4.0, "pulse", 0.22, 0, sound=PULSE, gain_db=-14.0),
        Event(6.0, "pulse", 5.0, 0, sound=BREATH, gain_db=-14.0),
        Event(11.15, "speech", 1.0, 0, text="End."),  # 0.15 s after the breath: clear
    ]
    beats = margin.beats_of(events)
    assert [(b.sound, b.clear) for b in beats] == [
        ("pulse", False),
        ("pulse", True),
        ("breath", True),
    ]
    assert beats[1].end == pytest.approx(4.0 + margin.TICK_WINDOW)
    assert beats[2].end == pytest.approx(11.0)


def test_the_session_margin_is_the_median_and_the_worst_tenth_of_the_clear_beats():
    seconds, times = 25, [1.0 + 2 * k for k in range(12)]
    bed = noise(seconds, 0.01)
    bed[round(8.5 * RATE) : round(11.5 * RATE)] *= 10  # a crest under the beats at 9 and 11 s
    ticks = placed(tone(1000, margin.TICK_WINDOW, 0.1 * np.sqrt(2)), times, seconds)
    speech = placed(tone(300, 1.0, 0.3), [20.0], seconds)
    events = [Event(at, "pulse", 0.22, 0, sound=PULSE, gain_db=-14.0) for at in times]
    events.append(Event(20.0, "speech", 1.0, 0, text="Now."))
    plain = speech + ticks
    found = margin.session_margins(plain + bed, plain, speech, events)
    full = found["full"]
    assert full.beats == 11  # the beat at 21 s is under the words
    assert full.median == pytest.approx(20.0, abs=0.5)
    assert full.worst10 == pytest.approx(0.0, abs=0.5)  # 2 of 11 stood in the crest
    # white noise has 32 % of its energy in the small speaker's band; the 1 kHz tick all
    assert found["small"].median == pytest.approx(20.0 + 10 * np.log10(24000 / 7700), abs=0.6)


def test_three_exports_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="not of one plan"):
        margin.session_margins(np.zeros(100), np.zeros(100), np.zeros(90), [])


def test_a_level_that_comes_round_is_a_rhythm_and_a_drifting_one_is_not():
    hops = round(600 / margin.HOP)  # ten minutes of envelope
    t = np.arange(hops) * margin.HOP
    swells = 1 + 0.5 * np.sin(2 * np.pi * t / 9.5)
    drift = np.convolve(np.random.default_rng(2).standard_normal(hops), np.ones(100), "same")
    periods = margin.pace_periods(2, 60)
    assert margin.rhythm(swells, [9.5])[0] > 1.9
    assert margin.rhythm(swells, periods).max() > 1.9
    assert margin.rhythm(drift, periods).max() < margin.RHYTHM_LIMIT


def test_a_period_too_long_for_the_envelope_is_refused():
    with pytest.raises(ValueError, match="too few"):
        margin.rhythm(np.ones(100), [100 * margin.HOP])


def test_the_envelope_read_a_minute_at_a_time_is_the_envelope_of_the_whole():
    signal = noise(150, 0.1, seed=4).astype(np.float32)
    whole = margin.speaker(signal, margin.SMALL)
    hop = round(margin.HOP * RATE)
    expected = np.sqrt(np.mean(whole[: len(whole) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    found = margin.envelope(lambda first, count: signal[first : first + count], len(signal))
    np.testing.assert_allclose(found, expected, rtol=1e-9)

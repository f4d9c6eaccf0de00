"""The echo canceller: it learns a room's path from the loudspeaker to the microphone and
takes the session's sound out, and leaves the giver's voice, also while both sound."""

from __future__ import annotations

import numpy as np
import scipy.signal

from voiceguide.listen.echo import BLOCK, EchoCanceller

RATE = 16000


def room(rng) -> np.ndarray:
    """A path 0.25 s long: 5 ms of delay, then a decaying tail."""
    t = np.arange(round(0.25 * RATE)) / RATE
    path = rng.standard_normal(len(t)) * np.exp(-t / 0.04) * 0.05
    path[:80] = 0.0
    path[80] = 0.6
    return path


def voice_like(rng, seconds: float) -> np.ndarray:
    """Noise shaped like speech: low-passed, in syllable-long bursts."""
    noise = scipy.signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal(round(seconds * RATE)))
    bursts = (np.sin(2 * np.pi * 3 * np.arange(len(noise)) / RATE) > -0.3).astype(float)
    return (noise * bursts * 0.02).astype(np.float32)


def cancel(mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
    canceller = EchoCanceller()
    blocks = len(mic) // BLOCK
    return np.concatenate(
        [canceller.process(mic[i * BLOCK : (i + 1) * BLOCK], reference[i * BLOCK : (i + 1) * BLOCK])
         for i in range(blocks)]
    )  # fmt: skip


def level(samples: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.asarray(samples, np.float64) ** 2) + 1e-20)


def test_the_sessions_own_sound_is_taken_out_by_20_db_after_a_few_seconds():
    rng = np.random.default_rng(1)
    played = voice_like(rng, 12.0)
    heard = scipy.signal.fftconvolve(played, room(rng))[: len(played)].astype(np.float32)
    left = cancel(heard, played)
    assert level(heard[8 * RATE :]) - level(left[8 * RATE : len(left)]) > 20.0


def test_the_givers_voice_over_the_sessions_comes_through_at_its_level():
    rng = np.random.default_rng(2)
    played = voice_like(rng, 12.0)
    echo = scipy.signal.fftconvolve(played, room(rng))[: len(played)]
    giver = np.zeros_like(played)
    giver[10 * RATE : round(10.8 * RATE)] = voice_like(rng, 0.8) * 1.5
    left = cancel((echo + giver).astype(np.float32), played)
    word = slice(10 * RATE, round(10.8 * RATE))
    kept = level(left[word])  # what is left where the giver spoke
    assert abs(kept - level(giver[word])) < 1.5  # the word, not cut
    assert level(left[word] - giver[word]) < level(giver[word]) - 12.0  # the echo, mostly out


def test_without_a_reference_the_microphone_passes_unchanged():
    rng = np.random.default_rng(3)
    mic = voice_like(rng, 1.0)
    left = cancel(mic, np.zeros_like(mic))
    assert np.allclose(left, mic[: len(left)], atol=1e-6)


def test_a_pure_tone_played_and_not_heard_leaves_the_givers_word_alone():
    """A chime or a test tone has next to no power in most bins: the filter must not take
    huge steps there (it did: the output grew without bound and hid every word after it)."""
    rng = np.random.default_rng(4)
    t = np.arange(6 * RATE) / RATE
    played = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    giver = np.zeros_like(played)
    giver[4 * RATE : round(4.8 * RATE)] = voice_like(rng, 0.8) * 1.5
    left = cancel(giver, played)  # the microphone hears only the giver
    word = slice(4 * RATE, round(4.8 * RATE))
    assert abs(level(left[word]) - level(giver[word])) < 1.0
    assert np.abs(left).max() < 2 * np.abs(giver).max()


def test_the_sessions_voice_is_taken_out_from_its_second_sentence_on():
    """Sentences 3 s long every 8 s, with only a pace guide's quiet ticks between them (the
    sessions as they are): the second sentence is already 20 dB down. The first canceller
    (one filter, 0.5 s long, a slow step) took 11 dB out of it, 2 dB on the test set, whose
    trials hear a sentence or two before the command."""
    rng = np.random.default_rng(5)
    played = np.zeros(40 * RATE, np.float32)
    for start in range(0, 40, 8):
        played[start * RATE : (start + 3) * RATE] = voice_like(rng, 3.0)
    played[np.arange(0, 40 * RATE, RATE // 2)] += 0.01  # a tick every half second
    heard = scipy.signal.fftconvolve(played, room(rng))[: len(played)]
    heard += rng.standard_normal(len(heard)) * 10 ** (-65 / 20)  # the microphone's own noise
    left = cancel(heard.astype(np.float32), played)
    second = slice(8 * RATE, 11 * RATE)
    assert level(heard[second]) - level(left[second]) > 20.0


def test_the_givers_word_over_the_sessions_speech_does_not_teach_the_filter_to_take_it_out():
    """The word said while the session speaks, loud, for a whole second: the filter that
    cancels keeps what it learned from the echo (the two filters), so the sentence after the
    word is still taken out, and the word is not."""
    rng = np.random.default_rng(6)
    played = voice_like(rng, 24.0) * 3
    echo = scipy.signal.fftconvolve(played, room(rng))[: len(played)]
    giver = np.zeros_like(played)
    word = slice(20 * RATE, 21 * RATE)
    giver[word] = voice_like(rng, 1.0) * 4
    heard = (echo + giver + rng.standard_normal(len(echo)) * 10 ** (-65 / 20)).astype(np.float32)
    left = cancel(heard, played)
    assert level(left[word] - giver[word]) < level(giver[word]) - 15.0  # the echo, out
    after = slice(21 * RATE + RATE // 2, 23 * RATE)
    assert level(heard[after]) - level(left[after]) > 15.0  # still taken out after it

"""Stretches of voice (with a fake VAD: loud is voice) and the rules that make one a command
(with a fake model): no model, no microphone."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.listen import grammar, listener
from voiceguide.listen.segmenter import CHUNK, HANG, LONGEST, RATE, Segmenter
from voiceguide.listen.whisper import Hearing


class LoudIsVoice:
    """A VAD whose speech probability is 1 for a chunk louder than -40 dBFS, else 0."""

    def process_samples(self, chunk) -> float:
        return float(np.sqrt(np.mean(np.square(chunk))) > 0.01)


def burst(seconds: float) -> np.ndarray:
    return np.full(round(seconds * RATE), 0.1, np.float32)


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), np.float32)


def stream(segmenter, samples: np.ndarray, block: int = 1600):
    found = []
    for start in range(0, len(samples), block):
        found += list(segmenter.feed(samples[start : start + block]))
    return found


def test_a_word_between_quiet_is_one_stretch_ending_once_the_quiet_has_lasted():
    samples = np.concatenate([quiet(1.0), burst(0.5), quiet(1.0)])
    (found,) = stream(Segmenter(LoudIsVoice()), samples)
    assert found.voiced == pytest.approx(0.5, abs=CHUNK / RATE)
    word_end = 1.5 * RATE
    assert word_end + HANG * RATE <= found.end <= word_end + HANG * RATE + 2 * CHUNK
    assert np.abs(found.samples).max() == pytest.approx(0.1)


def test_talk_longer_than_a_command_is_dropped_and_the_next_word_is_heard():
    samples = np.concatenate(
        [quiet(0.5), burst(LONGEST + 1.0), quiet(0.6), burst(0.4), quiet(0.6), burst(0.01)]
    )
    found = stream(Segmenter(LoudIsVoice()), samples)
    assert [round(f.voiced, 1) for f in found] == [0.4]  # not the talk, not the click


class Model:
    """Hears what it is told to, whatever the sound."""

    def __init__(self, chances: dict[str, float], text: str = ""):
        self.hearing = Hearing(text, tuple(chances.get(c.words, 0.0) for c in grammar.COMMANDS))

    def __call__(self, samples: np.ndarray) -> Hearing:
        return self.hearing


def heard(chances: dict[str, float], sounding: bool) -> list[str]:
    found = listener.Listener(Model(chances), Segmenter(LoudIsVoice()), cancel=False)
    samples = np.concatenate([quiet(0.5), burst(0.5), quiet(0.6)])
    flags = np.full(len(samples), sounding)
    return [h.command.words for h in found.feed(samples, np.zeros_like(samples), flags)]


def test_between_cues_the_likeliest_command_counts_when_clearly_likelier_than_the_next():
    assert heard({"next": 0.05, "back": 0.004}, sounding=False) == ["next"]
    assert heard({"next": 0.05, "back": 0.02}, sounding=False) == []  # not clear enough
    assert heard({"next": 0.005}, sounding=False) == []  # too unlikely: a bed, a cough


def test_while_the_session_sounds_only_a_likely_pause_or_stop_counts():
    assert heard({"pause": 0.5}, sounding=True) == ["pause"]
    assert heard({"stop": 0.5}, sounding=True) == ["stop"]
    assert heard({"back": 0.9}, sounding=True) == []  # "back" is a word the session says
    assert heard({"pause": 0.05}, sounding=True) == []


def test_every_command_heard_carries_the_action_the_keys_would_send():
    for command in grammar.COMMANDS:
        found = listener.Listener(Model({command.words: 0.9}), Segmenter(LoudIsVoice()), False)
        samples = np.concatenate([quiet(0.5), burst(0.5), quiet(0.6)])
        (one,) = found.feed(samples, np.zeros_like(samples), np.zeros(len(samples), bool))
        assert one.command.action == command.action

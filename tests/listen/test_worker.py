"""The listener's process, a block of the microphone at a time (``worker.hear_block``), with
what the session plays told as the player tells it: no microphone, no model, no real time
(a fake VAD: loud is voice; a fake model: every stretch is the command it is told)."""

from __future__ import annotations

import numpy as np

from voiceguide.listen import worker
from voiceguide.listen.listener import Listener
from voiceguide.listen.reference import Reference
from voiceguide.listen.segmenter import HANG, RATE, Segmenter

from .test_segmenter_and_rules import LoudIsVoice, Model

BLOCK = 1600  # samples the microphone gives at a time (0.1 s), as ``capture`` does
START = 1000.0  # clock time of the first sample heard


def beat() -> np.ndarray:
    """A pace guide's beat: 0.22 s of a soft tone (16 kHz)."""
    t = np.arange(round(0.22 * RATE)) / RATE
    return (0.05 * np.sin(2 * np.pi * 880 * t)).astype(np.float32)


def test_a_pause_that_cuts_a_beat_handed_over_early_leaves_the_listener_hearing():
    """The session beats every second (each beat handed over 0.3 s before it sounds, as
    ``AlsaBackend.lead``); "pause" is acted on 0.1 s before a beat that was handed over,
    which the pause cuts before it began. "go on" said 2 s later must be heard: before the
    fix, the next block's read of the session's sound raised (a slice of negative length)
    and the listener's process ended, deaf for the rest of the session."""
    told = [(START + s - 0.3, "add", START + s) for s in np.arange(0.5, 3.6, 1.0)]
    told.append((START + 3.4, "cut", START + 3.4))  # the pause: the beat at 3.5 was told
    mic = np.zeros(8 * RATE, np.float32)
    word = slice(round(5.5 * RATE), round(6.0 * RATE))
    mic[word] = 0.1 * np.sin(2 * np.pi * 220 * np.arange(word.stop - word.start) / RATE)
    listener = Listener(Model({"go on": 0.9}), Segmenter(LoudIsVoice()))
    sounding = Reference()
    answers = []
    for first in range(0, len(mic), BLOCK):
        end = START + (first + BLOCK) / RATE
        while told and told[0][0] <= end:  # what the player told before this block was read
            _, what, at = told.pop(0)
            if what == "add":
                sounding.add(at, beat())
            else:
                sounding.cut(at)
        answers += worker.hear_block(listener, sounding, mic[first : first + BLOCK], end)
    assert [a["heard"] for a in answers] == ["go on"]
    assert [a["action"] for a in answers] == ["resume"]
    heard_at = float(answers[0]["at"])  # type: ignore[arg-type]
    assert START + 6.0 + HANG <= heard_at <= START + 6.0 + HANG + 0.1

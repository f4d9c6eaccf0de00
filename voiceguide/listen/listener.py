"""From the microphone's sound to the player's actions: stretches of voice (``segmenter``)
heard by Whisper (``whisper``), and the rules that decide what counts as a command.

The player knows when the session itself makes sound: the ``sounding`` flags fed with the
samples. A stretch heard while the session is silent is a command when the model's chance
for it reaches ``QUIET_CHANCE`` and its text is that command and nothing else (or the chance
alone reaches ``SURE``). A stretch that overlaps the session's sound must be "pause" or "stop"
(``Command.sounding``), with the stricter ``SOUNDING_CHANCE``: the session's own words are no
command, whatever they say.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voiceguide.listen import grammar
from voiceguide.listen.segmenter import RATE, Segmenter, Stretch
from voiceguide.listen.whisper import Hearing

QUIET_CHANCE = 0.3
SURE = 0.8
SOUNDING_CHANCE = 0.5
PAD = 0.15  # seconds of silence around a stretch handed to the model


@dataclass(frozen=True)
class Heard:
    """A command heard: the word, the action, where its stretch ended (seconds of stream),
    and how long the model took (seconds of CPU)."""

    command: grammar.Command
    end: float
    chance: float
    text: str
    thought: float


class Listener:
    """Feed it the stream (16 kHz float32) with a flag per sample: does the session sound
    here? It returns the commands heard."""

    def __init__(self, hear: Callable[[np.ndarray], Hearing], segmenter: Segmenter | None = None):
        self.hear = hear
        self.segmenter = Segmenter() if segmenter is None else segmenter
        self._sounding = np.zeros(0, bool)  # the flags of the samples not yet decided
        self._offset = 0  # stream sample of self._sounding[0]
        self.stretches = 0  # handed to the model
        self.thinking = 0.0  # CPU seconds in the model
        self.log: list[tuple[Stretch, bool, Hearing]] | None = None  # every judgment, if a list

    def feed(self, samples: np.ndarray, sounding: np.ndarray) -> list[Heard]:
        self._sounding = np.concatenate([self._sounding, sounding.astype(bool)])
        heard = []
        for stretch in self.segmenter.feed(samples):
            found = self._judge(stretch)
            if found is not None:
                heard.append(found)
        keep = max(0, self.segmenter.fed - self._offset - round(4 * RATE))
        self._sounding, self._offset = self._sounding[keep:], self._offset + keep
        return heard

    def _judge(self, stretch: Stretch) -> Heard | None:
        first = stretch.end - len(stretch.samples) - self._offset
        sounding = bool(self._sounding[max(0, first) : stretch.end - self._offset].any())
        pad = np.zeros(round(PAD * RATE), np.float32)
        began = time.process_time()
        hearing = self.hear(np.concatenate([pad, stretch.samples, pad]))
        thought = time.process_time() - began
        self.stretches += 1
        self.thinking += thought
        if self.log is not None:
            self.log.append((stretch, sounding, hearing))
        command, chance = hearing.best()
        said = grammar.command(hearing.text)
        if sounding:
            ok = command.sounding and said == command and chance >= SOUNDING_CHANCE
        else:
            ok = chance >= SURE or (said == command and chance >= QUIET_CHANCE)
        if not ok:
            return None
        return Heard(command, stretch.end / RATE, chance, hearing.text, thought)

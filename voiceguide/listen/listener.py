"""From the microphone's sound to the player's actions: the session's own sound taken out
(``echo``, with what the player plays as the reference), stretches of voice (``segmenter``)
heard by Whisper (``whisper``), and the rules that decide what counts as a command.

A stretch heard while the session is quiet is the command Whisper finds likeliest when its
chance reaches ``QUIET_CHANCE`` and is ``QUIET_MARGIN`` times the next command's. A stretch that
overlaps the session's sound (``flags``) can only be "pause" or "stop" (``Command.sounding``):
the likelier of the two, at ``SOUNDING_CHANCE`` and ``MARGIN`` times the other; what the
canceller leaves of the session's own words is no command, whatever they say. A stretch
that is neither is heard again by its last ``TAILS`` seconds: the canceller's leftovers of
the session's words often start it, and the giver's word is at its end.

Set on the test set (docs/performance.md), with the model's input of 3 s: between cues, the
right command is the likeliest for nearly every stretch that holds one, at chances from
0.005 to 0.99 (242 of 252 commands heard), and no stretch without one passed 0.007; over the
session's speech, "pause" is the likelier of the two at 0.01 in 67 of 84 words heard whole,
74 with the tails (the third round's set), and what the session's echo leaves gave "pause"
or "stop" 0.0056 at most in 66 of 68 stretches, 0.036 and 0.055 in the other two (a false
action in 2 h of sessions, and one in the trials' sessions; the second round's set had one
at 0.028).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voiceguide.listen import grammar
from voiceguide.listen.echo import BLOCK, EchoCanceller
from voiceguide.listen.segmenter import RATE, Segmenter, Stretch
from voiceguide.listen.whisper import Hearing

# 0.015 before Whisper heard 3 s (the first round: 4 false actions in 2 h at 0.012); 0.005
# gave 4 more of 252 commands and no false action, on too few stretches without one (6) to
# trust
QUIET_CHANCE = 0.01
# over the session: 0.1 gave 41 of 84 "pause" over speech (the second round's set), 0.03
# 49 and 0.02 a false action there ("stop" at 0.028); on the third round's set (the
# routines changed) "pause" or "stop" reached 0.0056 at most in 68 stretches of the
# session's own sound but two (0.036, 0.055: over any of these thresholds), and 0.01 with
# ``_pause_or_stop`` heard 67 of 84 where 0.03 and the margin over every command heard 60
SOUNDING_CHANCE = 0.01
MARGIN = 4.0
# between cues: 4 until the fourth round, whose full run missed 2 of 252 commands by it alone
# ("stop" 3.8 and 3.4 times "next"); 3 hears them, and takes nothing more for a command in
# 196 phrases of talk that are none, the negatives or the trials (2.5 gave the same)
QUIET_MARGIN = 3.0
PAD = 0.15  # seconds of silence around a stretch handed to the model
# seconds: while the session sounds, a stretch in which neither "pause" nor "stop" counts is
# heard again by its last TAILS seconds (each that is CUT shorter than the stretch), in this
# order. What the canceller leaves of the session's words often starts the stretch before the
# giver's word, and Whisper, writing those first, never reaches the word ("Going. Going."):
# on the third round's set, "pause" over speech in 67 of 84 stretches whole, 74 with the last
# 0.6 s or 0.8 s heard too (72-75 with any one or more of 0.5-0.8 s but 0.5 s alone) and no
# stretch of the session's own sound more (150 judged; bench/listen_tails.py); a run of this
# code heard 74 of 84 (docs/performance.md, fourth round)
TAILS = (0.6, 0.8)
CUT = 0.15
# dB: while the session sounds, a chunk may be voice only where what the canceller leaves
# stands this far over what the session's echo would leave (``EchoCanceller.excess``)
TALK_DB = 6.0


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
    """Feed it the stream (16 kHz float32), what the session played meanwhile (the echo
    canceller's reference, ``echo.LOOKAHEAD`` seconds ahead) and a flag per sample (does the
    session sound here?). It returns the commands heard."""

    def __init__(
        self,
        hear: Callable[[np.ndarray], Hearing],
        segmenter: Segmenter | None = None,
        cancel: bool = True,
    ):
        self.hear = hear
        self.segmenter = Segmenter() if segmenter is None else segmenter
        self.canceller = EchoCanceller() if cancel else None
        self._mic = np.zeros(0, np.float32)
        self._reference = np.zeros(0, np.float32)
        self._sounding = np.zeros(0, bool)  # the flags of the samples not yet decided
        self._offset = 0  # stream sample of self._sounding[0]
        self.stretches = 0  # handed to the model
        self.thinking = 0.0  # CPU seconds in the model
        # every judgment, if a list: the stretch (or its tail), whether the session sounded,
        # what the model heard, its CPU seconds for the stretch so far, the tail's seconds
        # (0.0: the whole stretch)
        self.log: list[tuple[Stretch, bool, Hearing, float, float]] | None = None

    def feed(self, mic: np.ndarray, reference: np.ndarray, sounding: np.ndarray) -> list[Heard]:
        self._sounding = np.concatenate([self._sounding, sounding.astype(bool)])
        heard = []
        cancelled, talk = self._cancelled(mic, reference)
        start = self.segmenter.received - self._offset
        quiet = ~self._sounding[start : start + len(cancelled)]
        gate = talk | np.pad(quiet, (0, len(cancelled) - len(quiet)), constant_values=True)
        for stretch in self.segmenter.feed(cancelled, gate):
            found = self._judge(stretch)
            if found is not None:
                heard.append(found)
        keep = max(0, self.segmenter.fed - self._offset - round(4 * RATE))
        self._sounding, self._offset = self._sounding[keep:], self._offset + keep
        return heard

    def _cancelled(self, mic: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The microphone less the session's echo, and per sample whether the giver (or
        anything the session did not play) is heard over what the echo would leave."""
        if self.canceller is None:
            return mic, np.ones(len(mic), bool)
        self._mic = np.concatenate([self._mic, mic])
        self._reference = np.concatenate([self._reference, reference])
        whole = len(self._mic) // BLOCK * BLOCK
        out, talk = [], []
        for i in range(0, whole, BLOCK):
            out.append(
                self.canceller.process(self._mic[i : i + BLOCK], self._reference[i : i + BLOCK])
            )
            talk.append(self.canceller.excess >= TALK_DB)
        self._mic, self._reference = self._mic[whole:], self._reference[whole:]
        if not out:
            return np.zeros(0, np.float32), np.zeros(0, bool)
        return np.concatenate(out), np.repeat(np.array(talk, bool), BLOCK)

    def _judge(self, stretch: Stretch) -> Heard | None:
        first = stretch.end - len(stretch.samples) - self._offset
        sounding = bool(self._sounding[max(0, first) : stretch.end - self._offset].any())
        self.stretches += 1
        hearing, thought = self._hear(stretch, sounding, 0.0, 0.0)
        command = accept(hearing, sounding)
        for tail in TAILS if sounding else ():
            if command is not None:
                break
            if len(stretch.samples) - round(tail * RATE) >= round(CUT * RATE):
                hearing, thought = self._hear(stretch, sounding, tail, thought)
                command = accept(hearing, sounding)
        if command is None:
            return None
        return Heard(command, stretch.end / RATE, max(hearing.chances), hearing.text, thought)

    def _hear(
        self, stretch: Stretch, sounding: bool, tail: float, before: float
    ) -> tuple[Hearing, float]:
        """What the model hears in ``stretch`` (its last ``tail`` seconds; 0: all of it),
        and the CPU seconds spent on the stretch so far (``before`` and this)."""
        samples = stretch.samples[-round(tail * RATE) :] if tail else stretch.samples
        pad = np.zeros(round(PAD * RATE), np.float32)
        began = time.process_time()
        hearing = self.hear(np.concatenate([pad, samples, pad]))
        spent = time.process_time() - began
        self.thinking += spent
        if self.log is not None:
            part = Stretch(samples, stretch.end, stretch.voiced) if tail else stretch
            self.log.append((part, sounding, hearing, before + spent, tail))
        return hearing, before + spent


def accept(hearing: Hearing, sounding: bool) -> grammar.Command | None:
    """The command a stretch is, by the rules above, or None."""
    if sounding:
        return _pause_or_stop(hearing)
    command, chance = hearing.best()
    second = sorted(hearing.chances)[-2]
    if chance < QUIET_MARGIN * second or chance < QUIET_CHANCE:
        return None
    return command


def _pause_or_stop(hearing: Hearing) -> grammar.Command | None:
    """While the session sounds: the likelier of "pause" and "stop", when its chance reaches
    ``SOUNDING_CHANCE`` and ``MARGIN`` times the other's. The commands that cannot count
    then do not count against it either: the giver's "pause" over the session's words is
    often heard as a likelier "go on", "next" or "back" ("fall, fall" beside "faster")."""
    pair = sorted(
        ((c, p) for c, p in zip(grammar.COMMANDS, hearing.chances, strict=True) if c.sounding),
        key=lambda found: found[1],
    )
    (_, other), (command, chance) = pair[0], pair[-1]
    if chance < SOUNDING_CHANCE or chance < MARGIN * other:
        return None
    return command

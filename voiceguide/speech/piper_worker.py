"""The Piper engine's own process: the one file of voiceguide that imports ``piper``.

piper-tts is GPL-3.0-or-later (espeak-ng is compiled into it); voiceguide is MIT. So Piper
never runs inside voiceguide's processes: ``speech.piper`` starts this script as a separate
program (``python -P piper_worker.py MODEL CONFIG PARENT_PID``) and talks to it over its
standard input and output, one JSON object a line. It imports nothing from voiceguide.

    out, once the voice is loaded:  {"ready": true, "piper": "1.8.0", "rate": 22050}
    in, one per render:             {"text": "...", "path": "/x.wav", "length_scale": 1.1,
                                     "pause": 0.36}
    out, one per render:            {"frames": 51200}  or  {"error": "...", "errno": 28}

A render writes a 16-bit mono WAV at the voice's rate to ``path``: each sentence as Piper
gives it, the silence at the joins cut and ``pause`` seconds of silence put between them.

The model's memory grows with what it is given at once: ~19 MB per second of speech, and
its text encoder's attention with the square of the phonemes (a 13,349-character sentence
asked for one 4.3 GB buffer; a user saw 23 GB). So a sentence is given whole only up to
``PIECE`` phonemes times ``length_scale`` (about 400 characters at 160 words a minute): a
longer one is cut into pieces, each after the last clause mark (``,`` ``;`` ``:``) before the
limit, else after the last word, with half the pause between them.

``noise_scale`` and ``noise_w_scale`` are 0 and onnxruntime runs on one thread: the same
text, voice and ``length_scale`` give the same samples (Piper's defaults add noise that
varies run to run, and the sums of a multi-threaded run differ a little with the thread
count).

The process dies with its parent: ``PR_SET_PDEATHSIG`` (Linux), a thread that checks the
parent every 0.5 s, and the end of its standard input. Anything else it or its libraries
print goes to standard error, never into the protocol. ``-P`` keeps this script's folder out
of ``sys.path``: ``speech/piper.py`` beside it would hide the ``piper`` package.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import threading
import time
import wave
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # this process imports them when it runs
    import numpy as np
    from piper import PiperVoice

SILENCE = 10 ** (-50 / 20)  # under this, the end of a sentence is silence (as audio.clips)
PIECE = 500  # phonemes times length_scale given to the model at once: ~0.5 GB at the peak
SHRINK = 200  # phonemes times length_scale after which the model's memory is handed back
CLAUSE_MARKS = (",", ";", ":")


def main(argv: list[str]) -> int:
    model, config, parent = argv[1], argv[2], int(argv[3])
    _die_with(parent)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # stray prints (onnxruntime, piper) go to stderr, not into the replies
    sys.stdout = sys.stderr
    voice, version = _load(model, config)
    _reply(replies, {"ready": True, "piper": version, "rate": voice.config.sample_rate})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            frames = _render(voice, request)
        except OSError as exc:  # a full disk, an unwritable folder: the parent says which
            _reply(replies, {"error": exc.strerror or str(exc), "errno": exc.errno})
        except Exception as exc:  # what Piper refuses: said, and the next text is rendered
            _reply(replies, {"error": f"{type(exc).__name__}: {exc}", "errno": None})
        else:
            _reply(replies, {"frames": frames})
    return 0


def _load(model: str, config: str) -> tuple[PiperVoice, str]:
    """The voice, on one thread, and piper's version."""
    from importlib import metadata

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # the render pool runs one such process per core
    options.inter_op_num_threads = 1
    with open(config, encoding="utf-8") as handle:
        settings = PiperConfig.from_dict(json.load(handle))
    session = onnxruntime.InferenceSession(
        model, sess_options=options, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(session=_Session(session), config=settings), metadata.version("piper-tts")


class _Session:
    """The model's session, handing back after a large run the memory it took.

    onnxruntime keeps what a run allocated in its arena, and a text cut into pieces grew it
    piece after piece (943 MB for four pieces where one takes 564; 644 when shrunk).
    Shrinking after every run costs ~5 % more CPU on ordinary sentences, so only a run
    longer than ``SHRINK`` is followed by one (``shrink``, set before each run)."""

    def __init__(self, session: Any) -> None:  # onnxruntime's InferenceSession
        import onnxruntime

        self.session = session
        self.shrink = False
        self._options = onnxruntime.RunOptions()
        self._options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, names: Any, feed: Any) -> Any:  # as onnxruntime's InferenceSession.run
        return self.session.run(names, feed, self._options if self.shrink else None)


def _render(voice: PiperVoice, request: dict[str, Any]) -> int:
    import numpy as np
    from piper import SynthesisConfig

    settings = SynthesisConfig(
        length_scale=float(request["length_scale"]),
        noise_scale=0.0,
        noise_w_scale=0.0,
        normalize_audio=False,  # one level for the whole text: voiceguide levels the clip
    )
    rate = voice.config.sample_rate
    pause = np.zeros(int(float(request["pause"]) * rate), dtype=np.float32)
    scale = float(request["length_scale"])  # the settings' length_scale
    most = max(1, int(PIECE / scale))
    parts: list[np.ndarray] = []
    for sentence in voice.phonemize(request["text"]):
        gap = pause
        for piece in _pieces(sentence, most):
            # what PiperVoice.synthesize does for a sentence, a piece at a time
            ids = voice.phonemes_to_ids(piece)
            voice.session.shrink = len(piece) * scale > SHRINK
            made = voice.phoneme_ids_to_audio(ids, settings)
            assert not isinstance(made, tuple), "alignments come only when asked for"
            said = np.clip(made, -1.0, 1.0)
            said = _trimmed(said.astype(np.float32))
            if len(said):
                parts += [gap, said] if parts else [said]
                gap = pause[: len(pause) // 2]  # between the pieces of one sentence
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(request["path"], "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return len(pcm)


def _pieces(phonemes: list[str], most: int) -> list[list[str]]:
    """``phonemes`` (one sentence) cut into pieces of at most ``most`` (none when empty)."""
    pieces = []
    while len(phonemes) > most:
        cut = _cut(phonemes[:most])
        pieces.append(phonemes[:cut])
        phonemes = phonemes[cut:]
    return [*pieces, phonemes] if phonemes else pieces


def _cut(head: list[str]) -> int:
    """Where a piece that must end within ``head`` ends: after the last clause mark and the
    space after it, else after the last space between words, else at ``head``'s end."""
    wants: tuple[Callable[[int], bool], ...] = (
        lambda at: head[at - 1] in CLAUSE_MARKS,
        lambda at: True,
    )
    for wanted in wants:
        for at in range(len(head) - 1, 0, -1):
            if head[at] == " " and wanted(at):
                return at + 1
    return len(head)


def _trimmed(samples: np.ndarray) -> np.ndarray:
    """``samples`` without the silence at either end."""
    import numpy as np

    loud = np.flatnonzero(np.abs(samples) > SILENCE)
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples[:0]


def _reply(replies: IO[str], answer: dict[str, object]) -> None:
    replies.write(json.dumps(answer) + "\n")


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends, however it ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the group: the parent decides
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the thread below is the guard
    if os.getppid() != parent:  # it ended before the death signal was set
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv))

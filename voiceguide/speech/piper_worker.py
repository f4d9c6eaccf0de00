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
gives it (one chunk a sentence), the silence at the joins cut and ``pause`` seconds of
silence put between them. ``noise_scale`` and ``noise_w_scale`` are 0 and onnxruntime runs
on one thread: the same text, voice and ``length_scale`` give the same samples (Piper's
defaults add noise that varies run to run, and the sums of a multi-threaded run differ a
little with the thread count).

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

SILENCE = 10 ** (-50 / 20)  # under this, the end of a sentence is silence (as audio.clips)


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


def _load(model: str, config: str):
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
    return PiperVoice(session=session, config=settings), metadata.version("piper-tts")


def _render(voice, request: dict) -> int:
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
    parts: list = []
    for chunk in voice.synthesize(request["text"], settings):
        sentence = _trimmed(chunk.audio_float_array)
        if len(sentence):
            parts += [pause, sentence] if parts else [sentence]
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(request["path"], "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return len(pcm)


def _trimmed(samples):
    """``samples`` without the silence at either end."""
    import numpy as np

    loud = np.flatnonzero(np.abs(samples) > SILENCE)
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples[:0]


def _reply(replies, answer: dict) -> None:
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

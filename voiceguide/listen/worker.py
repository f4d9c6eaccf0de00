"""The listener's own process: the microphone, the segmenter and Whisper, away from the
player's process (whose timing the end-to-end tests measure to the millisecond).

    python -m voiceguide.listen.worker DEVICE PARENT_PID

It speaks JSON lines on standard output:

    {"ready": true}                          the microphone is open
    {"error": "no microphone: ..."}          it is not (then the process ends)
    {"listening": true}                      the model is loaded: commands are heard
    {"heard": "pause", "action": "hold", "at": 1234.5, "chance": 0.9, "text": " Pause."}

``at`` is the ``time.monotonic()`` at which the stretch holding the command ended. On
standard input it is told when the session sounds (the player's side: ``source.Listening``):

    {"clip": [at, PCM]}        a sound the session plays from clock time ``at``: base64 of
                               16 kHz mono s16 (the echo canceller's reference)
    {"cut": at}                nothing planned after ``at`` plays (pause, jump)
    {"deaf_until": at}         hear nothing before ``at`` (the session names the commands)

It ends at the end of its standard input, and dies with its parent however that ends.
With ``VOICEGUIDE_LISTEN_LOG=FILE``, every stretch judged is appended to FILE as a JSON line
(clock time, whether the session sounded, the model's text and best command, its chance):
what to look at when a command is missed, or one is heard that was not said.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import queue
import signal
import sys
import threading
import time
import traceback
from typing import IO, TYPE_CHECKING

import numpy as np

from voiceguide.listen.capture import RATE, MicError, Microphone
from voiceguide.listen.echo import LOOKAHEAD
from voiceguide.listen.reference import Reference

if TYPE_CHECKING:
    from voiceguide.listen.listener import Listener
    from voiceguide.listen.segmenter import Stretch
    from voiceguide.listen.whisper import Hearing

Block = tuple[np.ndarray, float]  # samples and the clock time the last one was captured

BACKLOG = 300  # blocks (0.1 s) of sound the model may fall behind by before capture waits


def main(argv: list[str]) -> int:
    device, parent = argv[1], int(argv[2])
    _die_with(parent)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # what libraries print goes to stderr, never into the replies
    sys.stdout = sys.stderr
    try:
        mic = Microphone(device)
    except MicError as exc:
        _reply(replies, {"error": str(exc)})
        return 1
    _reply(replies, {"ready": True})
    from voiceguide.errors import VoiceguideError
    from voiceguide.listen.listener import Listener
    from voiceguide.listen.whisper import Whisper

    try:
        listener = Listener(Whisper().hear)
    except VoiceguideError as exc:
        _reply(replies, {"error": str(exc)})
        return 1
    sounding, deaf = Reference(), [0.0]
    threading.Thread(target=_told, args=(sounding, deaf), daemon=True).start()
    _reply(replies, {"listening": True})
    with mic:
        try:
            _listen(mic, listener, sounding, deaf, replies)
        except Exception as exc:  # a bug: said (the player shows it), never deaf in silence
            traceback.print_exc()  # into the worker's stderr, for whoever debugs it
            _reply(replies, {"error": f"the listener stopped ({type(exc).__name__}: {exc})"})
            return 1
    return 0


def _capture(mic: Microphone, blocks: queue.Queue[Block | MicError]) -> None:
    """Read the microphone without pause, whatever the model is doing: the device's buffer
    holds only ``capture.LATENCY_US``, and on a busy machine one stretch can take Whisper
    longer than that (measured: whole words lost to overruns under a load of 12)."""
    while True:
        try:
            blocks.put(mic.read())
        except MicError as exc:
            blocks.put(exc)
            return


def _listen(
    mic: Microphone, listener: Listener, sounding: Reference, deaf: list[float], replies: IO[str]
) -> None:
    log_path = os.environ.get("VOICEGUIDE_LISTEN_LOG")
    listener.log = [] if log_path else None
    blocks: queue.Queue[Block | MicError] = queue.Queue(maxsize=BACKLOG)
    threading.Thread(target=_capture, args=(mic, blocks), daemon=True).start()
    while True:
        block = blocks.get()
        if isinstance(block, MicError):
            _reply(replies, {"error": str(block)})
            return
        samples, end = block
        fed = listener.segmenter.fed + len(samples)  # the stream's samples after this block
        for answer in hear_block(listener, sounding, samples, end, deaf[0]):
            _reply(replies, answer)
        if listener.log and log_path:  # a list only when there is a log
            _write_log(log_path, listener.log, end, fed)
            listener.log.clear()


def hear_block(
    listener: Listener, sounding: Reference, samples: np.ndarray, end: float, deaf: float = 0.0
) -> list[dict[str, object]]:
    """One block of the microphone (``samples``, its last captured at clock time ``end``)
    through ``listener``, with what the session played then (``sounding``): the commands
    heard, as the replies say them (none whose stretch ended before clock time ``deaf``)."""
    start = end - len(samples) / RATE
    fed = listener.segmenter.fed + len(samples)  # the stream's samples after this block
    reference = sounding.read(start + LOOKAHEAD, len(samples))
    flags = sounding.flags(start, len(samples))
    answers: list[dict[str, object]] = []
    for heard in listener.feed(samples, reference, flags):
        at = end - (fed - heard.end * RATE) / RATE
        if at >= deaf:
            answers.append({"heard": heard.command.words, "action": heard.command.action,
                            "at": at, "chance": heard.chance, "text": heard.text})  # fmt: skip
    return answers


def _write_log(
    path: str, judged: list[tuple[Stretch, bool, Hearing, float, float]], end: float, fed: int
) -> None:
    with open(path, "a", encoding="utf-8") as log:
        for stretch, sounded, hearing, _, tail in judged:
            command, chance = hearing.best()
            at = end - (fed - stretch.end) / RATE
            record: dict[str, object] = {
                "at": at,
                "seconds": len(stretch.samples) / RATE,
                "sounding": sounded,
                "tail": tail,
            }
            record.update(text=hearing.text, best=command.words, chance=round(chance, 4))
            log.write(json.dumps(record) + "\n")


def _told(sounding: Reference, deaf: list[float]) -> None:
    """Read what the player says about its sound; at the end of the input, end."""
    for line in sys.stdin:
        try:
            message = json.loads(line)
            if "clip" in message:
                at, pcm = message["clip"]
                samples = np.frombuffer(base64.b64decode(pcm), "<i2").astype(np.float32)
                sounding.add(float(at), samples / 32768.0)
            elif "cut" in message:
                sounding.cut(message["cut"])
            elif "deaf_until" in message:
                deaf[0] = float(message["deaf_until"])
        except (ValueError, TypeError, KeyError):
            continue  # a broken line: the next one counts
    os._exit(0)


def _reply(replies: IO[str], answer: dict[str, object]) -> None:
    try:
        replies.write(json.dumps(answer) + "\n")
    except (BrokenPipeError, OSError):  # the player went away
        os._exit(0)


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends, however it ends (as ``speech.piper_worker``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the group: the parent decides
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv))

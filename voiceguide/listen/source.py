"""The player's side of listening: the listener's process (``Listening``), the seam through
which its commands reach the player (``VoiceKeys``, a ``KeySource`` merging them with the
keys) and through which the player tells it when the session sounds (``TappedBackend``).

Each command heard is answered by a short, soft sound (``ACK``: two quiet notes going up)
played right after the player has acted on it, so that a pause silences everything but it;
"stop" is answered by the end of the session.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from voiceguide.audio import RATE, Clip
from voiceguide.bed.source import BedSource
from voiceguide.listen.capture import MicError
from voiceguide.listen.reference import to_16k
from voiceguide.live.backends.base import Backend, Handle
from voiceguide.live.bed import LiveBed
from voiceguide.plan.bed import BedEnvelope

if TYPE_CHECKING:
    from voiceguide.live.keys import KeySource

READY_SECONDS = 10.0  # the microphone opens within this, or listening is given up
POLL = 0.02  # seconds: keys and voice are read in turns this long


def acknowledgement() -> Clip:
    """Two soft sine notes a fifth apart (0.2 s, -30 dBFS peak): heard, never startling."""
    notes = []
    for frequency in (660.0, 990.0):
        t = np.arange(round(0.09 * RATE)) / RATE
        envelope = np.sin(np.pi * t / t[-1]) ** 2
        notes.append(np.sin(2 * np.pi * frequency * t) * envelope)
    gap = np.zeros(round(0.02 * RATE))
    samples = np.concatenate([notes[0], gap, notes[1]]) * 10 ** (-30 / 20)
    return Clip(samples.astype(np.float32))


class Listening:
    """The listener's process (``listen.worker``), from the player's side.

    ``start`` returns once the microphone is open, or raises ``MicError`` with the one line
    saying why not. Commands heard arrive in ``actions``. ``close`` ends the process.
    """

    def __init__(self, process: subprocess.Popen[str], errors: IO[bytes]):
        self.process = process
        self._errors = errors
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.actions: queue.Queue[str] = queue.Queue()
        self.heard: list[dict[str, Any]] = []  # every command heard, as the worker said it
        self.listening = threading.Event()
        self.stopped: str | None = None  # why the listener stopped, if it did
        self._closing = False  # ``close`` ends it: its end is no news
        self._writing = threading.Lock()
        threading.Thread(target=self._read, name="voiceguide-listen", daemon=True).start()

    @classmethod
    def start(cls, device: str | None = None) -> Listening:
        errors = tempfile.TemporaryFile()
        command = [sys.executable, "-m", "voiceguide.listen.worker", device or "default"]
        process = subprocess.Popen(
            [*command, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            bufsize=1,
        )
        listening = cls(process, errors)
        try:
            first = listening._replies.get(timeout=READY_SECONDS)
        except queue.Empty:
            first = {"error": f"no microphone: none answered within {READY_SECONDS:.0f} s"}
        if "error" in first:
            listening.close()
            raise MicError(first["error"])
        return listening

    def _read(self) -> None:
        assert self.process.stdout is not None, "started with stdout=PIPE"
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if "heard" in message:
                self.heard.append(message)
                self.actions.put(message["action"])
            elif "listening" in message:
                self.listening.set()
            elif "error" in message and self.listening.is_set():
                self.stopped = message["error"]
            else:
                self._replies.put(message)
        if not self.listening.is_set():
            self._replies.put({"error": "no microphone: the listener ended " + self._why()})
        elif self.stopped is None and not self._closing:  # ended unsaid: killed, a crash
            self.stopped = "the listener ended " + self._why()

    def _why(self) -> str:
        self._errors.seek(0)
        lines = self._errors.read().decode(errors="replace").strip().splitlines()
        return f"({lines[-1]})" if lines else "(without a word)"

    def tell(self, message: dict[str, object]) -> None:
        """Send the worker one message (``clip``, ``cut``, ``deaf_until``)."""
        with self._writing:
            try:
                assert self.process.stdin is not None, "started with stdin=PIPE"
                self.process.stdin.write(json.dumps(message) + "\n")
            except (BrokenPipeError, OSError, ValueError):
                pass  # it has ended: the session goes on without it

    def close(self) -> None:
        self._closing = True
        try:
            assert self.process.stdin is not None, "started with stdin=PIPE"
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._errors.close()

    def __enter__(self) -> Listening:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TappedBackend:
    """The player's backend (a ``live.backends.base.Backend`` wrapping one), telling the
    listener what each clip is and when it will sound (``play``) and when everything stops
    (``stop_all``); everything else is the device's.

    Clips are resampled and sent in a thread of this object's own, not in the player's
    loop: ``play`` only queues the clip, and ``stop_all`` queues the cut behind it (told
    first, a cut let a clip handed over before it, early, sound on in the listener's
    reference after a pause). The bed is not told (see DEVELOPERS.md)."""

    def __init__(
        self, backend: Backend, listening: Listening, clock: Callable[[], float] = time.monotonic
    ):
        self._backend = backend
        self._listening = listening
        self._clock = clock
        # a clip and the clock time it sounds, a cut's clock time, or None: the end
        self._clips: queue.Queue[tuple[Clip, float] | float | None] = queue.Queue()
        self._thread = threading.Thread(target=self._measure, name="voiceguide-tap", daemon=True)
        self._thread.start()

    @property
    def latency(self) -> float:
        return self._backend.latency

    @property
    def lead(self) -> float:
        return self._backend.lead

    @property
    def late(self) -> int:
        return self._backend.late

    @property
    def shifts(self) -> int:
        return self._backend.shifts

    def preload(self, clip: Clip) -> None:
        self._backend.preload(clip)

    def play(self, clip: Clip, at: float | None = None) -> Handle:
        handle = self._backend.play(clip, at)
        self._clips.put((clip, self._clock() if at is None else at))
        return handle

    def carry_bed(self, source: BedSource, envelope: BedEnvelope) -> LiveBed | None:
        return self._backend.carry_bed(source, envelope)

    def stop_all(self) -> None:
        self._backend.stop_all()
        self._clips.put(self._clock())

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> TappedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _measure(self) -> None:
        while (item := self._clips.get()) is not None:
            if not isinstance(item, tuple):
                self._listening.tell({"cut": item})
                continue
            clip, at = item
            pcm = (np.clip(to_16k(clip.samples), -1, 1) * 32767).astype("<i2")
            self._listening.tell({"clip": [at, base64.b64encode(pcm.tobytes()).decode()]})

    def close_tap(self) -> None:
        self._clips.put(None)


class VoiceKeys:
    """A ``KeySource``: the keys' actions (if there are keys) and the listener's, in the
    order they come. After actions are returned, the next read plays ``ACK`` (the player
    has acted on them by then: a pause has silenced the session, and not this sound)."""

    def __init__(
        self,
        keys: KeySource | None,
        listening: Listening,
        backend: Backend,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.keys = keys
        self.listening = listening
        self.backend = backend
        self.clock = clock
        self.ack = acknowledgement()
        self._answer = 0  # voice actions to answer with ACK at the next read

    def read(self, timeout: float) -> list[str]:
        if self._answer:
            self._answer = 0
            self.backend.play(self.ack, self.clock() + self.backend.latency)
        deadline = self.clock() + max(0.0, timeout)
        while True:
            voiced = self._voiced()
            left = max(0.0, deadline - self.clock())
            typed: list[str] = []
            if self.keys is not None:
                typed = self.keys.read(0.0 if voiced else min(POLL, left))
            elif not voiced and left > 0:
                voiced = self._voiced(min(POLL, left))
            if voiced or typed:
                self._answer = len(voiced)
                return typed + voiced
            if self.clock() >= deadline:
                return []

    def _voiced(self, wait: float = 0.0) -> list[str]:
        """The listener's actions so far, waiting up to ``wait`` seconds for the first."""
        found = []
        if wait > 0:
            try:
                found.append(self.listening.actions.get(timeout=wait))
            except queue.Empty:
                return found
        while True:
            try:
                found.append(self.listening.actions.get_nowait())
            except queue.Empty:
                return found

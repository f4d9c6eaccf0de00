"""The laptop's live player, steered from the page: ``voiceguide play`` in a thread, its keys
from a queue the requests fill (``QueueKeys``, a ``live.keys.KeySource``) and its status kept
for the page (``Remote.state``, a JSON-ready dict, with a version that changes with it).

The player is the one ``voiceguide play`` runs (``live.play_live``), reached only through its
two seams: the actions it reads (``keys``) and the ``Status`` it reports (``on_status``).
One session plays at a time; starting another stops the one playing first.
"""

from __future__ import annotations

import queue
import threading
from enum import StrEnum

from voiceguide import durations, live, session
from voiceguide.errors import VoiceguideError
from voiceguide.live import keys as keynames
from voiceguide.live import status as statuses
from voiceguide.plan import PlanStep

ACTIONS = keynames.ACTIONS  # pause (and go on), next, previous, longer, shorter, ...
STARTED = 5.0  # seconds ``start`` waits for the player's first status
STOPPED = 5.0  # seconds ``stop`` waits for the player to close the device


class State(StrEnum):
    """What the live player is doing, as the page reads it (``state`` in ``Remote.state``)."""

    IDLE = "idle"  # nothing started yet
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"  # the session played to its end
    STOPPED = "stopped"  # quit (the page's stop, or another session started)
    ERROR = "error"  # it could not start: ``message`` says why (no sound device)


class QueueKeys:
    """A ``KeySource`` fed by ``press``: what the page's buttons send, read by the player."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[str] = queue.SimpleQueue()

    def press(self, action: str) -> None:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
        self._queue.put(action)

    def read(self, timeout: float) -> list[str]:
        """Actions pressed so far, waiting up to ``timeout`` seconds for the first one."""
        try:
            first = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return []
        actions = [first]
        while True:
            try:
                actions.append(self._queue.get_nowait())
            except queue.Empty:
                return actions


def _step(step: PlanStep | None) -> dict[str, object] | None:
    if step is None:
        return None
    return {
        "title": step.title,
        "name": step.name,
        "side": step.side,
        "number": step.number,
        "start": round(step.start, 3),
        "end": round(step.end, 3),
    }


def status_json(status: statuses.Status, routine: str) -> dict[str, object]:
    """What the page shows of a ``Status``: times in seconds, and the terminal's line."""
    final = {statuses.Reason.END: State.ENDED, statuses.Reason.QUIT: State.STOPPED}
    return {
        "state": final.get(status.reason, State.PAUSED if status.paused else State.PLAYING),
        "routine": routine,
        "reason": status.reason,
        "position": round(status.position, 3),
        "length": round(status.length, 3),
        "step": _step(status.step),
        "next": _step(status.next_step),
        "count": status.count,
        "step_left": round(status.step_left, 3),
        "session_left": round(status.session_left, 3),
        "paused": status.paused,
        "waiting": status.waiting,  # held at a waiting step's end until next
        "message": status.message,
        "pace": None if status.pace is None else round(status.pace, 2),
        "pace_factor": round(status.pace_factor, 3),
        "bed": status.bed,
        "line": statuses.line(status),
        "at": durations.format(status.position),
    }


IDLE = {"state": State.IDLE}


class Remote:
    """The live player of this server: ``start`` a session, ``press`` its keys, read its
    ``state``. ``backend``: the audio output's name (None: as ``voiceguide play``)."""

    def __init__(self, backend: str | None = None):
        self.backend = backend
        self.state: dict[str, object] = dict(IDLE)
        self.version = 0
        self._keys: QueueKeys | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition()

    def _set(self, state: dict[str, object]) -> None:
        with self._changed:
            self.state = state
            self.version += 1
            self._changed.notify_all()

    def wait(self, version: int, timeout: float) -> int:
        """Wait until the state is newer than ``version`` (at most ``timeout`` s); its version."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != version, timeout)
            return self.version

    def start(self, prepared: session.Session, routine: str, hint: str) -> dict[str, object]:
        """Play ``prepared`` on this computer (stopping what plays); the first state it
        reports (``playing``, or ``error`` with the one-line message: no sound device)."""
        with self._lock:
            self.stop()
            keys = QueueKeys()
            version = self.version
            thread = threading.Thread(
                target=self._play,
                args=(prepared, routine, hint, keys),
                name="live-player",
                daemon=True,
            )
            self._keys, self._thread = keys, thread
            thread.start()
        self.wait(version, STARTED)
        return self.state

    def _play(self, prepared: session.Session, routine: str, hint: str, keys: QueueKeys) -> None:
        def report(status: statuses.Status) -> None:
            self._set(status_json(status, routine))

        try:
            live.play_live(
                lambda: prepared, hint, on_status=report, backend_name=self.backend, keys=keys
            )
        except VoiceguideError as exc:
            self._set({"state": State.ERROR, "routine": routine, "message": str(exc)})

    def press(self, action: str) -> dict[str, object]:
        """Send ``action`` to the player; ``ValueError`` for an unknown one. Nothing playing:
        the state as it is (the page shows it)."""
        if action not in ACTIONS:
            raise ValueError(action)
        thread, keys = self._thread, self._keys
        if keys is None or thread is None or not thread.is_alive():
            return self.state
        version = self.version
        keys.press(action)
        self.wait(version, 1.0)  # the player reads keys every 0.25 s at most
        return self.state

    def stop(self) -> None:
        """Quit the session playing, if any, and wait for the device to close."""
        thread, keys = self._thread, self._keys
        if thread is not None and keys is not None and thread.is_alive():
            keys.press(keynames.QUIT)
            thread.join(STOPPED)

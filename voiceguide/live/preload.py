"""Clips loaded before they are due, in a background thread, so the player never waits."""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable

from voiceguide.audio import Clip
from voiceguide.plan import Event

BUDGET = 64 * 2**20  # bytes of clips kept: ~6 minutes of audio


class Preloader:
    """Loads clips ahead of their instant, in a background thread (or on demand).

    Loaded clips are kept, the most recently used first, up to ``budget`` bytes: a session's
    cues and chimes repeat, while each breath of a gliding pace is a clip of its own, heard
    once. ``preload`` (the backend's) runs on each clip as it is loaded. A clip that is not
    ready when due is loaded at once (counted in ``misses``); a background failure is retried
    there, so the error reaches the player.
    """

    def __init__(
        self,
        load: Callable[[Event], Clip],
        preload: Callable[[Clip], None] | None = None,
        background: bool = True,
        budget: int = BUDGET,
    ):
        self._load = load
        self._preload = preload
        self._budget = budget
        self._bytes = 0
        self._clips: OrderedDict[tuple[object, ...], Clip] = OrderedDict()
        self._failed: set[tuple[object, ...]] = set()
        self._queue: deque[Event] = deque()
        self._busy: tuple[object, ...] | None = None
        self._cond = threading.Condition()
        self._closed = False
        self.misses = 0
        self._thread = None
        if background:
            self._thread = threading.Thread(target=self._run, name="voiceguide-clips", daemon=True)
            self._thread.start()

    def want(self, events: list[Event]) -> None:
        """Load these events' clips soon, in this order."""
        with self._cond:
            for event in events:
                key = event.clip_key
                if key not in self._clips and key not in self._failed and key != self._busy:
                    self._queue.append(event)
            self._cond.notify()

    def get(self, event: Event, miss: bool = True) -> Clip:
        """The event's clip: waits for one being loaded, loads a missing one at once (a miss,
        unless ``miss`` is False: the first clip is loaded before the session starts)."""
        key = event.clip_key
        with self._cond:
            while self._busy == key:
                self._cond.wait()
            if key in self._clips:
                self._clips.move_to_end(key)
                return self._clips[key]
            self.misses += miss
        clip = self._fetch(event)
        with self._cond:
            self._keep(key, clip)
        return clip

    def _keep(self, key: tuple[object, ...], clip: Clip) -> None:
        """Keep ``clip``; let the least recently used go while over the budget (never the
        newest)."""
        if key not in self._clips:
            self._bytes += clip.samples.nbytes
        self._clips[key] = clip
        self._clips.move_to_end(key)
        while self._bytes > self._budget and len(self._clips) > 1:
            _, old = self._clips.popitem(last=False)
            self._bytes -= old.samples.nbytes

    def _fetch(self, event: Event) -> Clip:
        clip = self._load(event)
        if self._preload is not None:
            self._preload(clip)
        return clip

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                event = self._queue.popleft()
                key = event.clip_key
                if key in self._clips or key in self._failed:
                    continue
                self._busy = key
            try:
                clip = self._fetch(event)
            except Exception:  # the player's own get() loads it again and raises
                clip = None
            with self._cond:
                if clip is None:
                    self._failed.add(key)
                else:
                    self._keep(key, clip)
                self._busy = None
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

"""Audio output through ``simpleaudio`` (the ``play`` extra), for systems where libasound
cannot be loaded: one ``simpleaudio.play_buffer`` per clip. See the package docstring for
what that costs in timing.

It stays a clip-per-stream backend, without a mixer and so without a bed: simpleaudio has no
stream to write blocks into. ``play_buffer`` takes a whole buffer and opens a new device
stream for it, which the server starts when it will (measured on a null sink: +-10 ms, up
to 25 ms late); blocks played one after another that way would leave a gap or an overlap
at every join, and a bed played as one long buffer could follow neither the keys (pause,
``b``, a jump) nor a re-timed duck.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from voiceguide.audio import RATE, Clip
from voiceguide.bed.source import BedSource
from voiceguide.errors import PlaybackError
from voiceguide.live.backends import no_device, quiet_stderr
from voiceguide.live.backends.base import Handle, to_pcm16
from voiceguide.live.bed import LiveBed
from voiceguide.plan.bed import BedEnvelope


def usable() -> bool:
    """The last resort where nothing else plays: tried always (a missing extra says so)."""
    return True


def open_backend(routine: str | None, clock: Callable[[], float]) -> SimpleaudioBackend:
    return SimpleaudioBackend(routine)


class SimpleaudioBackend:
    """One ``simpleaudio.play_buffer`` per clip; see the module docstring for its limits."""

    latency = 0.0
    lead = 0.0  # it cannot schedule: each clip is handed over at its instant
    late = 0  # it cannot tell
    shifts = 0

    def __init__(self, routine: str | None = None):
        try:
            import simpleaudio
        except ImportError as exc:
            raise PlaybackError(
                "live playback needs simpleaudio: pip install 'voiceguide[play]'"
            ) from exc
        self._sa: Any = simpleaudio  # untyped
        self._handles: list[Any] = []
        self._pcm: weakref.WeakKeyDictionary[Clip, bytes] = weakref.WeakKeyDictionary()
        try:
            with quiet_stderr():  # a tiny silent buffer: fails now if there is no device
                simpleaudio.play_buffer(b"\0\0" * 48, 1, 2, RATE).wait_done()
        except Exception as exc:  # SimpleaudioError has no public name
            raise no_device(str(exc), routine) from exc

    def __enter__(self) -> SimpleaudioBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def preload(self, clip: Clip) -> None:
        """Convert ahead of time, so ``play`` does no work at the event's instant."""
        if clip not in self._pcm:
            self._pcm[clip] = to_pcm16(clip.samples).tobytes()

    def play(self, clip: Clip, at: float | None = None) -> Handle:
        self.preload(clip)
        try:
            with quiet_stderr():
                handle = self._sa.play_buffer(self._pcm[clip], 1, 2, RATE)
        except Exception as exc:
            raise PlaybackError(f"the sound device failed: {exc}") from exc
        self._handles = [h for h in self._handles if h.is_playing()] + [handle]
        played: Handle = handle
        return played

    def carry_bed(self, source: BedSource, envelope: BedEnvelope) -> LiveBed | None:
        """None: no stream to mix a bed into (see the module docstring)."""
        return None

    def stop_all(self) -> None:
        for handle in self._handles:
            handle.stop()
        self._handles = []

    def close(self) -> None:
        self.stop_all()

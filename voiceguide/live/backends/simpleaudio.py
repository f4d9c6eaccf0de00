"""Audio output through ``simpleaudio`` (the ``play`` extra), for systems where libasound
cannot be loaded: one ``simpleaudio.play_buffer`` per clip. See the package docstring for
what that costs in timing."""

from __future__ import annotations

import weakref

from voiceguide.audio import RATE, Clip
from voiceguide.errors import PlaybackError
from voiceguide.live.backends import Handle, no_device, quiet_stderr, to_pcm16


class SimpleaudioBackend:
    """One ``simpleaudio.play_buffer`` per clip; see the module docstring for its limits."""

    latency = 0.0
    lead = 0.0  # it cannot schedule: each clip is handed over at its instant

    def __init__(self, routine: str | None = None):
        try:
            import simpleaudio
        except ImportError as exc:
            raise PlaybackError(
                "live playback needs simpleaudio: pip install 'voiceguide[play]'"
            ) from exc
        self._sa = simpleaudio
        self._handles: list = []
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
        return handle

    def stop_all(self) -> None:
        for handle in self._handles:
            handle.stop()
        self._handles = []

    def close(self) -> None:
        self.stop_all()

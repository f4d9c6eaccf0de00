"""Audio backends for the live player: they make the noise the scheduler says is due.

A backend plays a ``Clip`` and returns a handle (``stop()``, ``is_playing()``). Two exist:

``AlsaBackend`` (the default on Linux)
    ONE playback stream on ALSA's ``default`` device, opened before the session and fed by a
    thread for the whole session (libasound through ctypes, no compiled extension). A clip is
    mixed into the stream at the frame that will be heard at the requested clock time, so
    onsets are as exact as the stream's own clock (measured on a PulseAudio null sink: within
    0.3 ms, no drift), and ``stop()`` takes only what is already queued (~50 ms buffer plus
    the server's latency: ~65 ms to silence; ``close()`` drops the queue: ~20 ms).

``SimpleaudioBackend``
    ``simpleaudio.play_buffer`` per clip (the ``play`` extra). Each clip opens a new stream, so
    onsets wander with the server's start of each stream (measured on a null sink: +-10 ms,
    worst 18-25 ms) and ``stop()`` needs 170-300 ms to fall silent (its thread
    finishes a 100 ms ALSA write, then drains). For systems where libasound cannot be loaded.

No sound device is a ``PlaybackError`` raised when the backend is opened, before the session
starts, with the suggestion to export instead. ALSA's own error noise is kept off the screen.
Backends are context managers; leaving one stops every sound at once.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

from voiceguide.audio import Clip
from voiceguide.errors import PlaybackError, UsageError

BACKENDS = ("alsa", "simpleaudio")


class Handle(Protocol):
    def stop(self) -> None:
        """Silence this sound now (a backend may need a moment; see its docstring)."""
        ...

    def is_playing(self) -> bool: ...


class Backend(Protocol):
    """Plays clips. ``latency``: seconds from ``play()`` to the first frame heard when the call
    comes at the last moment. ``lead`` (at least ``latency``): how early a player calls
    ``play(clip, at=t)``. A backend that can schedule (``AlsaBackend``) starts the clip exactly
    at clock time ``t`` and takes it well ahead, so that a player thread held up by a loaded
    machine is still in time; a sound taken ahead and not yet started stops with its handle
    or ``stop_all``. A backend with ``latency == lead == 0`` plays at once and ignores ``at``."""

    latency: float
    lead: float

    def preload(self, clip: Clip) -> None:
        """Get ``clip`` ready ahead of its instant (convert it), so ``play`` does no work."""
        ...

    def play(self, clip: Clip, at: float | None = None) -> Handle: ...

    def stop_all(self) -> None: ...

    def close(self) -> None: ...


def no_device(detail: str, routine: str | None) -> PlaybackError:
    name = routine or "ROUTINE"
    error = PlaybackError(
        f"no sound device found: {detail}; to listen on another device, "
        f"try 'voiceguide export {name} -o session.mp3'"
    )
    error.detail = detail  # what a named device's message says (``routed``)
    return error


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null inside the block (ALSA and PulseAudio write their
    complaints straight to it), then put it back. Affects the whole process for that time."""
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    saved = os.dup(2)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] -> little-endian int16 (clipped, rounded)."""
    return np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")


def open_backend(
    name: str | None = None,
    routine: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    outputs=None,
) -> Backend:
    """Open the backend ``name`` (``"alsa"``, ``"simpleaudio"``; default: env
    ``VOICEGUIDE_BACKEND``, else ``alsa`` where libasound loads, else ``simpleaudio``).

    ``routine`` only goes into the no-device message. ``outputs`` (``routed.Outputs``): the
    devices by name, the lead-in (None: ALSA's default device, no lead-in). Raises
    ``PlaybackError`` when there is no sound device, ``UsageError`` for an unknown name in
    ``VOICEGUIDE_BACKEND`` or a named device that cannot play, and ``ValueError`` for an
    unknown backend passed in.
    """
    if name is None:
        name = os.environ.get("VOICEGUIDE_BACKEND") or "auto"
        if name not in (*BACKENDS, "auto"):
            raise UsageError(
                f"VOICEGUIDE_BACKEND must be one of {', '.join(BACKENDS)} (or unset), got {name!r}"
            )
    if name == "auto":
        from voiceguide.live.backends.alsa import load_libasound

        name = "alsa" if sys.platform.startswith("linux") and load_libasound() else "simpleaudio"
    if outputs is not None and name in BACKENDS:
        from voiceguide.live.backends.routed import open_outputs

        return open_outputs(name, routine, outputs, clock)
    if name == "alsa":
        from voiceguide.live.backends.alsa import AlsaBackend

        return AlsaBackend(routine, clock)
    if name == "simpleaudio":
        from voiceguide.live.backends.simpleaudio import SimpleaudioBackend

        return SimpleaudioBackend(routine)
    raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {name!r}")


def play_to_end(clip: Clip, name: str | None = None, poll: float = 0.02) -> None:
    """Play ``clip`` on the backend ``name`` (as ``open_backend``) and return when it has been
    heard to its end (``voiceguide say``). No sound device is a ``PlaybackError``."""
    backend = open_backend(name)
    try:
        handle = backend.play(clip)
        while handle.is_playing():
            time.sleep(poll)
    finally:
        backend.close()

"""Audio backends for the live player: they make the noise the scheduler says is due.

A backend is a module named in ``BACKENDS`` (``voiceguide.choices``, as mido's are): it
offers ``usable()`` (may it be tried here, for the default) and ``open_backend(routine,
clock)``, which returns a ``base.Backend``. A new output is one module and one line in
``choices.BACKENDS``. Two exist:

``alsa`` (the default on Linux)
    ONE playback stream on ALSA's ``default`` device, opened before the session and fed by a
    thread for the whole session (libasound through ctypes, no compiled extension), pulling
    the session's blocks from the mixer (``live.mixer``). A clip is mixed into the stream at
    the frame that will be heard at the requested clock time, so onsets are as exact as the
    stream's own clock (measured on a PulseAudio null sink: within 0.3 ms, no drift), and
    ``stop()`` takes only what is already queued (~50 ms buffer plus the server's latency:
    ~65 ms to silence; ``close()`` drops the queue: ~20 ms).

``simpleaudio``
    ``simpleaudio.play_buffer`` per clip (the ``play`` extra). Each clip opens a new stream, so
    onsets wander with the server's start of each stream (measured on a null sink: +-10 ms,
    worst 18-25 ms) and ``stop()`` needs 170-300 ms to fall silent (its thread
    finishes a 100 ms ALSA write, then drains); no bed. For systems where libasound cannot be
    loaded.

No sound device is a ``PlaybackError`` raised when the backend is opened, before the session
starts, with the suggestion to export instead. ALSA's own error noise is kept off the screen.
Backends are context managers; leaving one stops every sound at once.

A backend's module is imported when it is opened (``voiceguide --help`` reads the names from
``choices``, which imports nothing).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol, cast

from voiceguide.choices import BACKENDS  # name -> module: the registry, read by --help too
from voiceguide.errors import PlaybackError, UsageError

if TYPE_CHECKING:
    from voiceguide.audio import Clip
    from voiceguide.live.backends.base import Backend
    from voiceguide.live.backends.routed import Outputs


class BackendModule(Protocol):
    """What a module in ``BACKENDS`` offers."""

    def usable(self) -> bool:
        """Whether it can be tried on this system (its library loads): for the default."""
        ...

    def open_backend(self, routine: str | None, clock: Callable[[], float]) -> Backend:
        """Open the device (``PlaybackError`` with ``no_device`` if there is none)."""
        ...


def module(name: str) -> BackendModule:
    """The module of the backend ``name`` (a key of ``BACKENDS``), imported."""
    return cast(BackendModule, importlib.import_module(BACKENDS[name]))


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


def open_backend(
    name: str | None = None,
    routine: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    outputs: Outputs | None = None,
) -> Backend:
    """Open the backend ``name`` (a key of ``BACKENDS``; default: env ``VOICEGUIDE_BACKEND``,
    else the first that is ``usable`` here: ``alsa`` where libasound loads, else
    ``simpleaudio``).

    ``routine`` only goes into the no-device message. ``outputs`` (``routed.Outputs``): the
    devices by name, the lead-in (None: the default device, no lead-in). Raises
    ``PlaybackError`` when there is no sound device, ``UsageError`` for an unknown name in
    ``VOICEGUIDE_BACKEND`` or a named device that cannot play, and ``ValueError`` for an
    unknown backend passed in.
    """
    choices = ", ".join(BACKENDS)
    if name is None:
        name = os.environ.get("VOICEGUIDE_BACKEND") or "auto"
        if name not in (*BACKENDS, "auto"):
            raise UsageError(
                f"VOICEGUIDE_BACKEND must be one of {choices} (or unset), got {name!r}"
            )
    if name == "auto":
        last = list(BACKENDS)[-1]
        name = next((n for n in BACKENDS if n == last or module(n).usable()), last)
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {choices}, got {name!r}")
    if outputs is not None:
        from voiceguide.live.backends.routed import open_outputs

        return open_outputs(name, routine, outputs, clock)
    return module(name).open_backend(routine, clock)


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

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
import ctypes
import ctypes.util
import os
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

from voiceguide.audio import RATE, Clip
from voiceguide.errors import PlaybackError, UsageError

BUFFER = 0.05  # seconds of audio queued in the ALSA stream: the stop delay, the underrun margin
MARGIN = 0.02  # seconds added to the measured queue to make the stream's latency
WARM_UP = 0.1  # seconds of silence played first, to measure the queue
WINDOW = 0.5  # seconds of write times the stream's clock is estimated from
SHIFT = 0.1  # seconds of write times all later than the estimate by TOLERANCE: a real shift
TOLERANCE = 0.001  # seconds


class Handle(Protocol):
    def stop(self) -> None:
        """Silence this sound now (a backend may need a moment; see its docstring)."""
        ...

    def is_playing(self) -> bool: ...


class Backend(Protocol):
    """Plays clips. ``latency``: seconds from ``play()`` to the first frame heard when the call
    comes at the last moment; a player calls ``play(clip, at=t)`` ``latency`` seconds early,
    and a backend that can schedule (``AlsaBackend``) starts the clip exactly at clock time
    ``t``. A backend with ``latency == 0`` plays at once and ignores ``at``."""

    latency: float

    def play(self, clip: Clip, at: float | None = None) -> Handle: ...

    def stop_all(self) -> None: ...

    def close(self) -> None: ...


def no_device(detail: str, routine: str | None) -> PlaybackError:
    name = routine or "ROUTINE"
    return PlaybackError(
        f"no sound device found: {detail}; to listen on another device, "
        f"try 'voiceguide export {name} -o session.mp3'"
    )


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


# --------------------------------------------------------------------------- simpleaudio


class SimpleaudioBackend:
    """One ``simpleaudio.play_buffer`` per clip; see the module docstring for its limits."""

    latency = 0.0

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

    def prepare(self, clip: Clip) -> None:
        """Convert ahead of time, so ``play`` does no work at the event's instant."""
        if clip not in self._pcm:
            self._pcm[clip] = to_pcm16(clip.samples).tobytes()

    def play(self, clip: Clip, at: float | None = None) -> Handle:
        self.prepare(clip)
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


# --------------------------------------------------------------------------- ALSA stream

_FORMAT_S16_LE = 2
_ACCESS_RW_INTERLEAVED = 3
_STREAM_PLAYBACK = 0
_ERROR_HANDLER = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)


def _ignore_alsa_message(*args: object) -> None:
    """ALSA's error handler while a stream is open: the library prints nothing itself."""


_SILENT_HANDLER = _ERROR_HANDLER(_ignore_alsa_message)


def load_libasound() -> ctypes.CDLL | None:
    """libasound with the prototypes used here, or None where it cannot be loaded."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("asound") or "libasound.so.2")
    except OSError:
        return None
    pointer, frames = ctypes.c_void_p, ctypes.c_ulong
    lib.snd_pcm_open.argtypes = [
        ctypes.POINTER(pointer),
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.snd_pcm_set_params.argtypes = [pointer, ctypes.c_int, ctypes.c_int] + [ctypes.c_uint] * 2
    lib.snd_pcm_set_params.argtypes += [ctypes.c_int, ctypes.c_uint]
    lib.snd_pcm_get_params.argtypes = [pointer, ctypes.POINTER(frames), ctypes.POINTER(frames)]
    lib.snd_pcm_writei.argtypes = [pointer, ctypes.c_void_p, frames]
    lib.snd_pcm_writei.restype = ctypes.c_long
    lib.snd_pcm_delay.argtypes = [pointer, ctypes.POINTER(ctypes.c_long)]
    lib.snd_pcm_recover.argtypes = [pointer, ctypes.c_int, ctypes.c_int]
    for name in ("snd_pcm_drop", "snd_pcm_close"):
        getattr(lib, name).argtypes = [pointer]
    lib.snd_strerror.argtypes = [ctypes.c_int]
    lib.snd_strerror.restype = ctypes.c_char_p
    lib.snd_lib_error_set_handler.argtypes = [ctypes.c_void_p]
    return lib


class _Voice:
    """A clip placed in the stream from frame ``first`` (stream frames count from the open)."""

    def __init__(self, backend: AlsaBackend, samples: np.ndarray, first: int):
        self.backend = backend
        self.samples = samples
        self.first = first
        self.end = first + len(samples)
        self.stopped = False

    def stop(self) -> None:
        self.backend._remove(self)

    def is_playing(self) -> bool:
        return not self.stopped and self.backend.heard_frame() < self.end


class AlsaBackend:
    """One ALSA stream for the session, fed by a thread that mixes the clips due.

    The thread writes ``period``-frame blocks; a blocking write (it releases the GIL) returns
    when the device has taken a period, so ``written - clock() * RATE`` at each return is the
    stream's clock offset, give or take how late the thread woke. It can only be late, so
    the offset is the largest of the last ``WINDOW`` seconds, and ``play(clip, at)`` puts the
    clip at frame ``offset + at * RATE - queue``: the frame heard at clock time ``at``.

    Why not ``snd_pcm_delay``: through PulseAudio it comes from an interpolating smoother
    that wanders by up to 5-15 ms for ~15 s after the stream starts or shifts (measured on a
    null sink), while the write times are stable to ~0.1 ms from the first second. The delay
    is read only during the warm-up, for the constant ``queue`` (frames written but not yet
    heard) that makes ``latency`` (plus ``MARGIN``).

    When the server runs dry (this process starved of CPU) it plays the rest of the stream
    later: write times are then late for good; after ``SHIFT`` seconds of them the estimate
    follows. A clip playing through such a shift is late by it (measured under full CPU load:
    10-50 ms, a few times a minute); the next clips are on time. ``late`` counts clips asked
    too late to start at their frame; ``underruns`` the ALSA-level ones (recovered).

    Opening returns as soon as the device accepted the stream (no device: ``PlaybackError``
    at once); the warm-up goes on in the background, overlapping whatever the caller does
    next, and the first use of ``latency`` or ``play`` waits for its end (a stream that does
    not play is a ``PlaybackError`` there).
    """

    def __init__(
        self,
        routine: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        device: str = "default",
        buffer: float = BUFFER,
    ):
        self.clock = clock
        self.late = 0
        self.underruns = 0
        self._lib = load_libasound()
        if self._lib is None:
            raise no_device("the ALSA library (libasound.so.2) cannot be loaded", routine)
        self._pcm = ctypes.c_void_p()
        self._open(device, buffer, routine)
        self._lock = threading.Lock()
        self._voices: list[_Voice] = []
        self._written = 0
        per_second = RATE / self.period
        self._recent: deque[float] = deque(maxlen=max(4, round(WINDOW * per_second)))
        self._shift = max(3, round(SHIFT * per_second))
        self._offset: float | None = None  # frames: the stream frame written at clock 0
        self._queue = 0  # frames written but not yet heard (measured in the warm-up)
        self._error: str | None = None
        self._closing = False
        self._routine = routine
        self._latency = self.buffer + MARGIN
        self._ready = threading.Event()  # set when warmed up, or when the stream failed
        self._warmed = False
        self._thread = threading.Thread(target=self._feed, name="voiceguide-audio", daemon=True)
        self._thread.start()

    def _open(self, device: str, buffer: float, routine: str | None) -> None:
        lib = self._lib
        with quiet_stderr():
            code = lib.snd_pcm_open(ctypes.byref(self._pcm), device.encode(), _STREAM_PLAYBACK, 0)
            if code >= 0:
                code = lib.snd_pcm_set_params(
                    self._pcm,
                    _FORMAT_S16_LE,
                    _ACCESS_RW_INTERLEAVED,
                    1,
                    RATE,
                    1,
                    int(buffer * 1e6),
                )
                if code < 0:
                    lib.snd_pcm_close(self._pcm)
        if code < 0:
            reason = lib.snd_strerror(code).decode(errors="replace")
            raise no_device(f"ALSA cannot open its {device!r} device ({reason})", routine)
        lib.snd_lib_error_set_handler(ctypes.cast(_SILENT_HANDLER, ctypes.c_void_p))
        size, period = ctypes.c_ulong(), ctypes.c_ulong()
        lib.snd_pcm_get_params(self._pcm, ctypes.byref(size), ctypes.byref(period))
        self.buffer = size.value / RATE
        self.period = max(64, min(period.value, size.value // 2 or 64))

    @property
    def latency(self) -> float:
        """Seconds from ``play()`` to the first frame heard (waits for the warm-up)."""
        self._wait_ready()
        return self._latency

    def _wait_ready(self) -> None:
        if not self._ready.wait(timeout=2.0) or not self._warmed:
            error = self._error or "the sound device does not play"
            self.close()
            raise no_device(error, self._routine)

    def __enter__(self) -> AlsaBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the feeding thread

    def _feed(self) -> None:
        lib, period = self._lib, self.period
        block = np.zeros(period, np.float32)
        queued = ctypes.c_long()
        while not self._closing:
            with self._lock:
                self._mix(block, self._written)
            pcm = to_pcm16(block)
            count = lib.snd_pcm_writei(self._pcm, pcm.ctypes.data, period)
            if count < 0:
                self.underruns += 1
                if self._closing or lib.snd_pcm_recover(self._pcm, int(count), 1) < 0:
                    self._error = lib.snd_strerror(int(count)).decode(errors="replace")
                    self._ready.set()
                    return
                with self._lock:
                    self._recent.clear()  # the stream starts again: a new clock offset
                continue  # nothing written: mix the same frames again
            now = self.clock()
            with self._lock:
                self._written += count
                self._track(self._written - now * RATE)
            if not self._ready.is_set():
                if lib.snd_pcm_delay(self._pcm, ctypes.byref(queued)) == 0:
                    self._queue = max(self._queue, queued.value)
                if self._written >= WARM_UP * RATE and (self._queue or self._written > RATE):
                    self._queue = self._queue or round(self.buffer * RATE)  # no delay known
                    self._latency = self._queue / RATE + MARGIN
                    self._warmed = True
                    self._ready.set()

    def _track(self, offset: float) -> None:
        """Take one write's clock offset (frames): the estimate is the largest recent one,
        unless the last ``SHIFT`` seconds of them were all lower (the stream moved)."""
        recent = self._recent
        recent.append(offset)
        tail = list(recent)[-self._shift :]
        if len(tail) == self._shift and self._offset is not None:
            if max(tail) < self._offset - TOLERANCE * RATE:
                recent.clear()
                recent.extend(tail)
        self._offset = max(recent)

    def _mix(self, block: np.ndarray, start: int) -> None:
        """Fill ``block`` with the voices' frames from stream frame ``start``; drop the done."""
        block[:] = 0.0
        stop = start + len(block)
        for voice in self._voices:
            low, high = max(voice.first, start), min(voice.end, stop)
            if low < high:
                block[low - start : high - start] += voice.samples[
                    low - voice.first : high - voice.first
                ]
        self._voices = [v for v in self._voices if v.end > stop]

    # -- the player's side

    def heard_frame(self, at: float | None = None) -> float:
        """The stream frame heard at clock time ``at`` (default: now)."""
        with self._lock:
            return self._frame_at(self.clock() if at is None else at)

    def _frame_at(self, at: float) -> float:
        if self._offset is None:
            return float(self._written)
        return self._offset - self._queue + at * RATE

    def play(self, clip: Clip, at: float | None = None) -> Handle:
        """Start ``clip`` at clock time ``at`` (default: as soon as possible)."""
        self._wait_ready()
        with self._lock:
            if self._error is not None:
                raise PlaybackError(f"the sound device failed: {self._error}")
            now = self.clock()
            first = round(self._frame_at(now + self._latency if at is None else at))
            if first < self._written:
                self.late += at is not None
                first = self._written
            voice = _Voice(self, clip.samples, first)
            self._voices.append(voice)
            return voice

    def _remove(self, voice: _Voice) -> None:
        with self._lock:
            voice.stopped = True
            if voice in self._voices:
                self._voices.remove(voice)

    def stop_all(self) -> None:
        with self._lock:
            for voice in self._voices:
                voice.stopped = True
            self._voices = []

    def close(self) -> None:
        """Stop the thread, drop what is queued (silence at once) and close the stream."""
        if self._pcm is None or not self._pcm.value:
            return
        self._closing = True
        self.stop_all()
        thread = getattr(self, "_thread", None)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
        self._lib.snd_pcm_drop(self._pcm)
        self._lib.snd_pcm_close(self._pcm)
        self._lib.snd_lib_error_set_handler(None)
        self._pcm = ctypes.c_void_p()


# --------------------------------------------------------------------------- choice

BACKENDS = ("alsa", "simpleaudio")


def open_backend(
    name: str | None = None,
    routine: str | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Backend:
    """Open the backend ``name`` (``"alsa"``, ``"simpleaudio"``; default: env
    ``VOICEGUIDE_BACKEND``, else ``alsa`` where libasound loads, else ``simpleaudio``).

    ``routine`` only goes into the no-device message. Raises ``PlaybackError`` when there is
    no sound device, ``UsageError`` for an unknown name in ``VOICEGUIDE_BACKEND`` and
    ``ValueError`` for one passed in.
    """
    if name is None:
        name = os.environ.get("VOICEGUIDE_BACKEND") or "auto"
        if name not in (*BACKENDS, "auto"):
            raise UsageError(
                f"VOICEGUIDE_BACKEND must be one of {', '.join(BACKENDS)} (or unset), got {name!r}"
            )
    if name == "auto":
        name = "alsa" if sys.platform.startswith("linux") and load_libasound() else "simpleaudio"
    if name == "alsa":
        return AlsaBackend(routine, clock)
    if name == "simpleaudio":
        return SimpleaudioBackend(routine)
    raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {name!r}")

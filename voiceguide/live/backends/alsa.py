"""Audio output through one ALSA stream (libasound by ctypes): the default on Linux. A thin
sink: its thread pulls the session's blocks from the mixer (``live.mixer``) and writes them;
what it adds is the stream's clock. See ``AlsaBackend`` for how a clip starts at the frame
heard at the requested clock time."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from voiceguide.audio import RATE
from voiceguide.errors import PlaybackError
from voiceguide.live.backends import no_device, quiet_stderr
from voiceguide.live.backends.base import StreamBackend, to_pcm16
from voiceguide.live.wake import LEAD_IN, Wake

BUFFER = 0.05  # seconds of audio queued in the ALSA stream: the stop delay, the underrun margin
NICE = -10  # the feeding thread's priority, where this user may raise it (root, CAP_SYS_NICE)
MARGIN = 0.02  # seconds added to the measured queue to make the stream's latency
WARM_UP = 0.1  # seconds of silence played first, to measure the queue
WINDOW = 0.5  # seconds of write times the stream's clock is estimated from
SHIFT = 0.1  # seconds of write times all later than the estimate by TOLERANCE: a real shift
TOLERANCE = 0.001  # seconds
HANDOVER = 0.3  # seconds before its frame is written that a clip is handed over (``lead``)


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
    lib.snd_pcm_set_params.argtypes = [
        pointer,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
    ]
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


def usable() -> bool:
    """ALSA is tried where libasound loads (Linux)."""
    return sys.platform.startswith("linux") and load_libasound() is not None


def open_backend(routine: str | None, clock: Callable[[], float]) -> AlsaBackend:
    return AlsaBackend(routine, clock)


def _raise_priority() -> None:
    """Give the calling thread a higher priority (``NICE``) if this user may: it wakes every
    period for a fraction of a millisecond, and when the machine is busy, waiting its turn
    behind other work is what lets the sound server run dry. Not allowed: nothing changes."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (OSError, AttributeError):
        pass


class AlsaBackend(StreamBackend):
    """One ALSA stream for the session, fed by a thread that pulls the mixer's blocks.

    The thread writes ``period``-frame blocks; a blocking write (it releases the GIL) returns
    when the device has taken a period, so ``written - clock() * RATE`` at each return is the
    stream's clock offset, give or take how late the thread woke. It can only be late, so
    the offset is the largest of the last ``WINDOW`` seconds, and ``frame_at(at)`` is frame
    ``offset + at * RATE - queue``: the frame heard at clock time ``at``, where ``play``
    places a clip.

    Why not ``snd_pcm_delay``: through PulseAudio it comes from an interpolating smoother
    that wanders by up to 5-15 ms for ~15 s after the stream starts or shifts (measured on a
    null sink), while the write times are stable to ~0.1 ms from the first second. The delay
    is read only during the warm-up, for the constant ``queue`` (frames written but not yet
    heard) that makes ``latency`` (plus ``MARGIN``).

    When the server runs dry (this process starved of CPU) it plays the rest of the stream
    later: write times are then late for good; after ``SHIFT`` seconds of them the estimate
    follows. A clip playing through such a shift is late by it (measured under full CPU load:
    10-50 ms, a few times a minute); the next clips are on time. ``late`` counts clips asked
    too late to start at their frame; ``underruns`` the ALSA-level ones (recovered);
    ``shifts`` how often the estimate had to follow such a shift (an underrun's recovery
    restarts the stream on a new offset: it counts as one too).

    Opening returns as soon as the device accepted the stream (no device: ``PlaybackError``
    at once); the warm-up goes on in the background, overlapping whatever the caller does
    next, and the first use of ``latency`` or ``play`` waits for its end (a stream that does
    not play is a ``PlaybackError`` there).

    ``wake`` (a Bluetooth output: ``live.wake``): a signal too low to hear under everything
    from the first frame, and ``latency`` at least what is left of ``LEAD_IN`` seconds from
    the open, so that the session's first sound waits until the speaker is awake.
    """

    def __init__(
        self,
        routine: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        device: str = "default",
        buffer: float = BUFFER,
        wake: bool = False,
    ):
        super().__init__(clock)
        self._wake = Wake() if wake else None
        self._awake_at = clock() + LEAD_IN if wake else -float("inf")
        self.underruns = 0
        lib = load_libasound()
        if lib is None:
            raise no_device("the ALSA library (libasound.so.2) cannot be loaded", routine)
        self._lib = lib
        self._pcm = ctypes.c_void_p()
        self._open(device, buffer, routine)
        self._lock = threading.Lock()  # the stream's clock: written frames and the offset
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
        self._ready_event = threading.Event()  # set when warmed up, or when the stream failed
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
        return max(self._latency, self._awake_at - self.clock())  # the lead-in still plays

    @property
    def lead(self) -> float:
        """How early the player hands a clip over: ``HANDOVER`` more than the latency, so a
        player held up that long (a loaded machine, a slow disk) still starts it on its
        frame."""
        return self.latency + HANDOVER

    def _wait_ready(self) -> None:
        if not self._ready_event.wait(timeout=2.0) or not self._warmed:
            error = self._error or "the sound device does not play"
            self.close()
            raise no_device(error, self._routine)

    def _ready(self) -> None:
        self._wait_ready()
        if self._error is not None:
            raise PlaybackError(f"the sound device failed: {self._error}")

    # -- the feeding thread

    def _feed(self) -> None:
        _raise_priority()
        lib, period = self._lib, self.period
        block = np.zeros(period, np.float32)
        queued = ctypes.c_long()
        while not self._closing:
            self.mixer.pull(block, self._written)
            if self._wake is not None:
                self._wake.fill(block, self._written)
            pcm = to_pcm16(block)
            count = lib.snd_pcm_writei(self._pcm, pcm.ctypes.data, period)
            if count < 0:
                self.underruns += 1
                if self._closing or lib.snd_pcm_recover(self._pcm, int(count), 1) < 0:
                    self._error = lib.snd_strerror(int(count)).decode(errors="replace")
                    self._ready_event.set()
                    return
                with self._lock:
                    self._recent.clear()  # the stream starts again: a new clock offset
                    self._shifts += self._offset is not None  # it moved, as after a shift
                continue  # nothing written: pull the same frames again
            now = self.clock()
            with self._lock:
                self._written += count
                self._track(self._written - now * RATE)
            if not self._ready_event.is_set():
                if lib.snd_pcm_delay(self._pcm, ctypes.byref(queued)) == 0:
                    self._queue = max(self._queue, queued.value)
                if self._written >= WARM_UP * RATE and (self._queue or self._written > RATE):
                    self._queue = self._queue or round(self.buffer * RATE)  # no delay known
                    self._latency = self._queue / RATE + MARGIN
                    self._warmed = True
                    self._ready_event.set()

    def _track(self, offset: float) -> None:
        """Take one write's clock offset (frames): the estimate is the largest recent one,
        unless the last ``SHIFT`` seconds of them were all lower (the stream moved)."""
        recent = self._recent
        recent.append(offset)
        tail = list(recent)[-self._shift :]
        if len(tail) == self._shift and self._offset is not None:
            if max(tail) < self._offset - TOLERANCE * RATE:
                self._shifts += 1
                recent.clear()
                recent.extend(tail)
        self._offset = max(recent)

    # -- the player's side

    def frame_at(self, at: float) -> float:
        """The stream frame heard at clock time ``at``."""
        with self._lock:
            if self._offset is None:
                return float(self._written)
            return self._offset - self._queue + at * RATE

    def close(self) -> None:
        """Stop the thread, drop what is queued (silence at once) and close the stream."""
        if not self._pcm.value:
            return
        self._closing = True
        self.stop_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._lib.snd_pcm_drop(self._pcm)
        self._lib.snd_pcm_close(self._pcm)
        self._lib.snd_lib_error_set_handler(None)
        self._pcm = ctypes.c_void_p()

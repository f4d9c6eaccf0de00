"""The microphone: 16 kHz mono 16-bit from an ALSA capture device (libasound by ctypes).

ALSA's ``default`` device is the default microphone; with PulseAudio (or PipeWire's pulse
layer) behind it, ``PULSE_SOURCE=NAME`` picks the source, and ``--mic`` names another ALSA
device (``hw:1``, ``pulse``, ``plughw:1,0``). A device that is missing, busy or refuses the
format is a ``MicError`` with one line saying which and why.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time

import numpy as np

from voiceguide.errors import PlaybackError

RATE = 16000
BLOCK = 1600  # frames per read: 0.1 s
LATENCY_US = 200_000  # the capture buffer: a reader held up this long loses nothing
_STREAM_CAPTURE = 1
_FORMAT_S16_LE = 2
_ACCESS_RW_INTERLEAVED = 3
_EPIPE = 32  # an overrun: the reader was too slow; recover and go on


class MicError(PlaybackError):
    """No microphone to listen with (missing, busy, or refusing 16 kHz mono)."""


def _libasound() -> ctypes.CDLL:
    name = ctypes.util.find_library("asound") or "libasound.so.2"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise MicError(f"no microphone: libasound cannot be loaded ({exc})") from exc
    pointer = ctypes.c_void_p
    lib.snd_pcm_open.argtypes = [
        ctypes.POINTER(pointer),
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_int,
    ]
    uint, int_ = ctypes.c_uint, ctypes.c_int
    lib.snd_pcm_set_params.argtypes = [pointer, int_, int_, uint, uint, int_, uint]
    lib.snd_pcm_readi.argtypes = [pointer, ctypes.c_void_p, ctypes.c_ulong]
    lib.snd_pcm_readi.restype = ctypes.c_long
    lib.snd_pcm_delay.argtypes = [pointer, ctypes.POINTER(ctypes.c_long)]
    lib.snd_pcm_recover.argtypes = [pointer, ctypes.c_int, ctypes.c_int]
    lib.snd_pcm_close.argtypes = [pointer]
    lib.snd_strerror.argtypes = [ctypes.c_int]
    lib.snd_strerror.restype = ctypes.c_char_p
    return lib


class Microphone:
    """An open capture stream; ``read`` blocks for the next ``BLOCK`` frames. Close it (or
    use ``with``) to free the device."""

    def __init__(self, device: str = "default"):
        self.device = device
        self._lib = _libasound()
        self._pcm: ctypes.c_void_p | None = ctypes.c_void_p()
        lib = self._lib
        code = lib.snd_pcm_open(ctypes.byref(self._pcm), device.encode(), _STREAM_CAPTURE, 0)
        if code >= 0:
            code = lib.snd_pcm_set_params(
                self._pcm, _FORMAT_S16_LE, _ACCESS_RW_INTERLEAVED, 1, RATE, 1, LATENCY_US
            )
            if code < 0:
                lib.snd_pcm_close(self._pcm)
        if code < 0:
            self._pcm = None
            reason = lib.snd_strerror(code).decode(errors="replace")
            raise MicError(f"no microphone: ALSA cannot open {device!r} for capture ({reason})")
        self._buffer = np.zeros(BLOCK, np.int16)
        self.overruns = 0

    def read(self) -> tuple[np.ndarray, float]:
        """The next 0.1 s (float32) and the ``time.monotonic()`` at which its last frame was
        captured (the time now, less what waits unread in the device's buffer)."""
        lib, got = self._lib, 0
        while got < BLOCK:
            pointer = self._buffer[got:].ctypes.data
            count = lib.snd_pcm_readi(self._pcm, ctypes.c_void_p(pointer), BLOCK - got)
            if count < 0:
                if count == -_EPIPE:
                    self.overruns += 1
                if lib.snd_pcm_recover(self._pcm, int(count), 1) < 0:
                    reason = lib.snd_strerror(int(count)).decode(errors="replace")
                    raise MicError(f"the microphone stopped ({reason})")
                continue
            got += count
        now = time.monotonic()
        delay = ctypes.c_long(0)
        if lib.snd_pcm_delay(self._pcm, ctypes.byref(delay)) < 0:
            delay.value = 0
        return self._buffer.astype(np.float32) / 32768.0, now - delay.value / RATE

    def close(self) -> None:
        if self._pcm is not None:
            self._lib.snd_pcm_close(self._pcm)
            self._pcm = None

    def __enter__(self) -> Microphone:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

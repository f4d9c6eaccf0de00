"""Hostile bed files, made on the spot (no binaries kept): headers that lie about their rate,
channels or length, and files damaged in their middle. For tests/bed/test_hostile.py and
bench/bench_hostile_beds.py, which open each as a bed and measure the memory it costs.

Large files are sparse (``truncate``): a 4 GB WAV whose header claims 400 MHz takes no room
on the disk, and its zeros are samples like any others. ``CORPUS`` names each file, how it
is made, and what opening it as a bed must give: ``"ok"`` (a bed) or the start of the one
line that refuses it (after ``bed file PATH``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

from voiceguide.testing import soundfiles


def wav_header(rate: int, channels: int, bits: int, data_bytes: int, fmt: int = 1) -> bytes:
    """A canonical 44-byte RIFF/WAVE header (``fmt`` 1: integer PCM, 3: float)."""
    align = channels * bits // 8
    fields = (b"fmt ", 16, fmt, channels, rate, (rate * align) & 0xFFFFFFFF, align, bits)
    return b"".join(
        [
            b"RIFF",
            struct.pack("<I", min(36 + data_bytes, 0xFFFFFFFF)),
            b"WAVE",
            struct.pack("<4sIHHIIHH", *fields),
            b"data",
            struct.pack("<I", data_bytes),
        ]
    )


def sparse_wav(path: Path, rate: int, channels: int, seconds: float, bits: int = 16) -> Path:
    """A WAV of ``seconds`` of zeros (sparse: no room on the disk); 8-bit zeros are -1.0 (a
    DC offset: silent to a loudness meter)."""
    frames = round(seconds * rate)
    data = min(frames * channels * bits // 8, 0xFFFFFFFF - 36)
    with open(path, "wb") as f:
        f.write(wav_header(rate, channels, bits, data))
        f.truncate(44 + data)
    return path


def chord_wav(path: Path, rate: int, seconds: float) -> Path:
    """A WAV of a soft chord (sound, so that the bed is measured and used) at ``rate``."""

    def chord(first: int, frames: int, rate: int) -> np.ndarray:
        t = (first + np.arange(frames)) / rate
        return (0.1 * (np.sin(2 * np.pi * 220 * t) + np.sin(2 * np.pi * 330 * t))).astype(
            np.float32
        )

    return soundfiles.write(path, seconds, rate=rate, make=chord)


def aiff_rate(path: Path, rate_bytes: bytes) -> Path:
    """An AIFF of 8 s of a chord at 44.1 kHz whose COMM chunk's rate (80-bit extended) is
    replaced by ``rate_bytes``."""
    import soundfile as sf

    samples = soundfiles.musiclike(0, 8 * 44_100, 44_100)
    sf.write(path, samples, 44_100, format="AIFF", subtype="PCM_16")
    raw = bytearray(path.read_bytes())
    comm = raw.index(b"COMM")
    raw[comm + 16 : comm + 26] = rate_bytes  # after id, size, channels, frames, bits
    path.write_bytes(bytes(raw))
    return path


def damaged(path: Path, make: Callable[[Path], Path], change: Callable[[bytes], bytes]) -> Path:
    """``make(path)`` a sound file, then replace its bytes by ``change(bytes)``."""
    make(path)
    path.write_bytes(change(path.read_bytes()))
    return path


def middle(replacement: Callable[[int], bytes], length: int) -> Callable[[bytes], bytes]:
    """Overwrite ``length`` bytes in the middle of a file with ``replacement(length)``."""

    def change(raw: bytes) -> bytes:
        at = len(raw) // 2
        return raw[:at] + replacement(length) + raw[at + length :]

    return change


def noise(length: int) -> bytes:
    return np.random.default_rng(7).integers(0, 256, length, dtype=np.uint8).tobytes()


def cut(raw: bytes) -> bytes:
    at = len(raw) // 2
    return raw[:at] + raw[at + 2000 :]


def music(suffix: str, seconds: float) -> Callable[[Path], Path]:
    return lambda path: soundfiles.write(path.with_suffix(suffix), seconds)


# a stereo MPEG-1 frame header (128 kbit/s, 44.1 kHz) where a mono stream goes on: libmpg123
# takes it for a change of format, and libsndfile's decoding ends there without an error
FOREIGN_FRAMES = b"\xff\xfb\x90\x00" * 500

CORPUS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "rate-400MHz.wav": (
        lambda p: sparse_wav(p, 400_000_000, 1, 10.7, bits=8),
        "has a sample rate of 400,000,000 Hz",
    ),
    "rate-4GHz.wav": (lambda p: sparse_wav(p, 0xFFFFFFFF, 1, 0.5, bits=8), "is not a sound"),
    "rate-10MHz-silent.wav": (lambda p: sparse_wav(p, 10_000_000, 1, 7.0), "is silent"),
    "rate-2MHz.wav": (lambda p: chord_wav(p, 2_000_000, 7.0), "ok"),
    "rate-1Hz.wav": (lambda p: sparse_wav(p, 1, 1, 20.0), "has a sample rate of 1 Hz"),
    "rate-0.wav": (lambda p: sparse_wav(p, 0, 1, 0.0) and _data(p, 1 << 20), "is not a sound"),
    "channels-1024.wav": (lambda p: sparse_wav(p, 48_000, 1024, 7.0), "has 1024 channels"),
    "channels-256.wav": (lambda p: sparse_wav(p, 8_000, 256, 7.0), "is silent"),
    "channels-65535.wav": (lambda p: sparse_wav(p, 8_000, 65535, 7.0, bits=8), "is not a sound"),
    "aiff-rate-1e300.aiff": (lambda p: aiff_rate(p, b"\x43\xe4" + b"\xbf" + 7 * b"\0"), "has"),
    "aiff-rate-nan.aiff": (lambda p: aiff_rate(p, b"\x7f\xff" + 8 * b"\xff"), "has"),
    "mp3-zeros-in-middle.mp3": (
        lambda p: damaged(p, music(".mp3", 12.0), middle(bytes, 2000)),  # in the end's probe
        "is damaged at ",
    ),
    "mp3-noise-in-middle.mp3": (
        lambda p: damaged(p, music(".mp3", 24.0), middle(noise, 2000)),
        "is damaged at ",
    ),
    "mp3-foreign-frames.mp3": (
        lambda p: damaged(p, music(".mp3", 24.0), middle(lambda n: FOREIGN_FRAMES[:n], 2000)),
        "is damaged at ",
    ),
    "mp3-2kB-cut-out.mp3": (lambda p: damaged(p, music(".mp3", 24.0), cut), "ok"),
    "flac-zeros-in-middle.flac": (
        lambda p: damaged(p, music(".flac", 12.0), middle(bytes, 4000)),
        "is damaged at ",
    ),
    "ogg-noise-in-middle.ogg": (
        lambda p: damaged(p, music(".ogg", 24.0), middle(noise, 4000)),
        "ok",
    ),
    "wav-truncated.wav": (
        lambda p: damaged(p, music(".wav", 60.0), lambda raw: raw[: len(raw) // 4]),
        "ok",
    ),
}


def _data(path: Path, size: int) -> Path:
    """Make ``path``'s data chunk claim ``size`` bytes and hold them (zeros, sparse)."""
    raw = bytearray(path.read_bytes()[:44])
    raw[40:44] = struct.pack("<I", size)
    path.write_bytes(bytes(raw))
    with open(path, "r+b") as f:
        f.truncate(44 + size)
    return path


def make(name: str, folder: Path) -> Path:
    """Write the corpus file ``name`` into ``folder``; returns its path."""
    return CORPUS[name][0](Path(folder) / name)

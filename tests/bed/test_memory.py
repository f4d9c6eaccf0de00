"""A file bed's memory does not grow with the file: it is never loaded whole."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from voiceguide.audio import RATE
from voiceguide.bed.looped import FileSource
from voiceguide.testing import soundfiles


def chord(first: int, frames: int, rate: int) -> np.ndarray:
    t = (first + np.arange(frames)) / rate
    return (0.2 * np.sin(2 * np.pi * 220 * t) * (1 + 0.3 * np.sin(t))).astype(np.float32)


def peak_reading(bed: FileSource, seconds: float) -> int:
    """Peak bytes allocated (numpy's arrays included) reading ``seconds`` of ``bed`` in
    half-second blocks."""
    tracemalloc.start()
    try:
        for first in range(0, round(seconds * RATE), RATE // 2):
            bed.read(first, RATE // 2)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_a_20_minute_file_takes_no_more_memory_than_a_1_minute_one(tmp_path):
    """Each read from its start through its loop's join. 20 minutes at 48 kHz would be
    230 MB of float32: the bed holds two 4 s segments, the join and a piece of the
    decoder's output (~4 MB at the peak, whatever the file's length)."""
    short = soundfiles.write(tmp_path / "short.flac", 60.0, rate=22_050, make=chord)
    long = soundfiles.write(tmp_path / "long.flac", 20 * 60.0, rate=22_050, make=chord)
    by_short = peak_reading(FileSource(short, "short.flac", None), 70.0)
    by_long = peak_reading(FileSource(long, "long.flac", None), 20 * 60.0 + 10)
    assert by_long < 8 << 20
    assert by_long < by_short + (1 << 20)

"""Seconds from starting a command to its first sound, through a PulseAudio null sink.

A marker is played from this process at a known clock time; the command's first onset in the
recording, relative to the marker's, puts its first sound on the same clock. Shared by
bench_first_sound.py (cold caches) and bench_player.py (a warm one).
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from voiceguide.audio import Clip
from voiceguide.live.backends.base import Backend
from voiceguide.testing import pulse
from voiceguide.testing.onsets import find_onsets

RATE = 48000
THRESHOLD_DB = -40.0
MARKER = Clip(np.sin(2 * np.pi * 1000 * np.arange(2400) / RATE).astype(np.float32) * 0.5)


def sounds(
    device: Backend,
    sink: pulse.NullSink,
    recording: Path,
    command: list[str],
    env: dict[str, str],
    wait: float,
    cwd: Path | None = None,
    timeout: float = 30.0,
) -> list[float]:
    """Start ``command``, let it play ``wait`` seconds, interrupt it (SIGINT, as Ctrl-C),
    and return every onset it made (after 0.1 s of silence), in seconds from its start (the
    first is its first sound); ``RuntimeError`` (with the end of its stderr) when it made
    none."""
    recorder = sink.record(recording)
    time.sleep(0.3)
    marked = time.monotonic() + device.latency + 0.05
    device.play(MARKER, at=marked)
    time.sleep(0.5)
    started = time.monotonic()
    child = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, cwd=cwd,
    )  # fmt: skip
    time.sleep(wait)
    child.send_signal(signal.SIGINT)
    errors = child.communicate(timeout=timeout)[1].decode(errors="replace")
    time.sleep(0.3)
    data, _ = sf.read(recorder.stop(), dtype="float32")
    found = find_onsets(data, RATE, THRESHOLD_DB, 0.1)
    if len(found) < 2:
        raise RuntimeError(f"no sound within {wait} s from {command}: {errors[-2000:]}")
    return [onset - found[0] - (started - marked) for onset in found[1:]]

"""The listener's real process (``voiceguide.listen.worker``: capture, echo canceller, VAD,
Whisper) for a few minutes of a session as a microphone hears it, through the private
PulseAudio server's virtual microphone in real time: its CPU share and peak memory.

    python bench/listen_set.py /tmp/listen-set       # once: the test set
    nice -n 10 python bench/bench_listen_live.py /tmp/listen-set --seconds 300

The microphone hears ``NAME`` (a session of the test set with no command, its echo at the
test set's level); the worker is told what the session plays, as ``play --listen`` tells it
(``TappedBackend``: the same samples, at the clock time they are heard). CPU: user + system
time of the worker's process (from /proc) over the time it listened; memory: its VmHWM.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import listen_set  # noqa: E402

from voiceguide import listen  # noqa: E402
from voiceguide.testing import pulse  # noqa: E402

PIECE = 10.0  # seconds of sound handed to the microphone (and told) at a time


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("set", type=Path)
    parser.add_argument("--session", default="neg-first")
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vg") as tmp, pulse.null_sink(tmp) as sink:
        with sink.microphone() as mic:
            listening = listen.start()
            if not listening.listening.wait(60):
                raise SystemExit("the listener did not load its model")
            pid = listening.process.pid
            began_cpu, began = cpu_seconds(pid), time.monotonic()
            heard_seconds = 0.0
            for samples, _, reference in listen_set.negative(args.set, args.session):
                for start in range(0, len(samples), round(PIECE * listen_set.RATE)):
                    piece = slice(start, start + round(PIECE * listen_set.RATE))
                    mic.say(samples[piece])
                    while len(mic.said) * PIECE < heard_seconds + PIECE:
                        time.sleep(0.01)
                    pcm = (np.clip(reference[piece], -1, 1) * 32767).astype("<i2")
                    listening.tell({"clip": [mic.said[-1], base64.b64encode(pcm).decode()]})
                    heard_seconds += len(samples[piece]) / listen_set.RATE
                    time.sleep(max(0.0, mic.said[-1] + PIECE - 0.5 - time.monotonic()))
                    if heard_seconds >= args.seconds:
                        break
                if heard_seconds >= args.seconds:
                    break
            time.sleep(PIECE)
            cpu, wall = cpu_seconds(pid) - began_cpu, time.monotonic() - began
            result = {
                "session": args.session,
                "seconds": heard_seconds,
                "cpu_share": cpu / wall,
                "peak_mb": peak_mb(pid),
                "false_actions": listening.heard,
                "load": Path("/proc/loadavg").read_text().split()[:3],
            }
            listening.close()
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

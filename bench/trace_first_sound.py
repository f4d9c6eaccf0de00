"""Where the time to a cold first sound goes: `voiceguide play` run with marks on its path.

    .venv/bin/python bench/trace_first_sound.py [--engine espeak] [--runs 3] [--tree DIR]

Runs `voiceguide play ROUTINE --engine E` in a fresh cache, on a private PulseAudio null
sink, as bench_first_sound.py does (the first sound measured in a recording of the sink),
with functions on the path to the first sound wrapped so that each prints, on stderr, the
seconds since the command was started (the benchmark's clock before `Popen`; CLOCK_MONOTONIC
is the machine's, so the render workers' and Piper's own processes print on it too). The
wrapping happens as each module is imported (an import hook), so it changes no import's
timing. Prints each run's marks in time order, and the first sound measured.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

from voiceguide.live.backends import alsa
from voiceguide.testing import pulse
from voiceguide.testing.onsets import find_onsets

sys.path.insert(0, str(Path(__file__).parent))
from first_sound import MARKER, RATE, THRESHOLD_DB  # noqa: E402

# (module, qualified name): each call's start and end are marked
MARKED = [
    ("voiceguide.session.staged", "begin"),
    ("voiceguide.session.prepare", "readied"),
    ("voiceguide.session.prepare", "planned"),
    ("voiceguide.session.speaker", "speaker"),
    ("voiceguide.session.speaker", "language_of"),
    ("voiceguide.session.chimes", "chime_durations"),
    ("voiceguide.speech.render", "Renderer.voices"),
    ("voiceguide.speech.render", "render_clip"),
    ("voiceguide.speech.piper", "_Process.start"),
    ("voiceguide.speech.piper", "voices"),
    ("voiceguide.live.backends", "open_backend"),
    ("voiceguide.live.player", "Player.run"),
    ("voiceguide.routine", "read"),
]
FIRST_CALL = [("voiceguide.live.backends.base", "StreamBackend.play")]  # the first only

HOOK = r"""
import functools, importlib.abc, importlib.util, os, sys, time
T0 = float(os.environ["VG_TRACE_T0"])
def mark(what):
    os.write(2, f"@@ {time.monotonic() - T0:8.3f} {os.getpid()} {what}\n".encode())
MARKED = MARKED_LIST
FIRST = FIRST_LIST
def wrap(module, qual, once):
    owner, name = module, qual
    if "." in qual:
        cls, name = qual.split(".")
        owner = getattr(module, cls, None)
    fn = getattr(owner, name, None) if owner is not None else None
    if fn is None:
        return
    done = []
    @functools.wraps(fn)
    def marked(*a, **k):
        if once:
            if not done:
                done.append(1)
                at = k.get("at", a[2] if len(a) > 2 else None)
                mark(f"first play {qual} at={at - T0 if at else None}")
            return fn(*a, **k)
        mark(f"> {module.__name__.split('.')[-1]}.{qual}")
        try:
            return fn(*a, **k)
        finally:
            mark(f"< {module.__name__.split('.')[-1]}.{qual}")
    setattr(owner, name, marked)
class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        wanted = [(q, False) for m, q in MARKED if m == name]
        wanted += [(q, True) for m, q in FIRST if m == name]
        if not wanted:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        loader = spec.loader
        orig = loader.exec_module
        def exec_module(module):
            orig(module)
            for q, once in wanted:
                wrap(module, q, once)
        loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, Finder())
mark("python started")
import sys as _s; _s.argv[0] = "voiceguide"
from voiceguide.cli import run
mark("cli imported")
run()
"""


def command_text() -> str:
    return HOOK.replace("MARKED_LIST", repr(MARKED)).replace("FIRST_LIST", repr(FIRST_CALL))


def one_run(device, sink, work: Path, run: int, args) -> None:
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(work / f"cache-{args.engine}-{run}")}
    if args.tree:
        env["PYTHONPATH"] = str(Path(args.tree).resolve())
    recording = sink.record(work / f"trace-{run}.wav")
    time.sleep(0.3)
    marked = time.monotonic() + device.latency + 0.05
    device.play(MARKER, at=marked)
    time.sleep(0.5)
    load = os.getloadavg()[0]
    started = time.monotonic()
    env["VG_TRACE_T0"] = repr(started)
    command = [sys.executable, *args.x, "-c", command_text(), "play", args.routine,
               "--engine", args.engine]  # fmt: skip
    child = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, cwd=work,
    )  # fmt: skip
    time.sleep(args.wait)
    child.send_signal(signal.SIGINT)
    errors = child.communicate(timeout=30)[1].decode(errors="replace")
    time.sleep(0.3)
    data, _ = sf.read(recording.stop(), dtype="float32")
    found = find_onsets(data, RATE, THRESHOLD_DB, 0.1)
    first = found[1] - found[0] - (started - marked) if len(found) > 1 else float("nan")
    print(f"--- run {run}: {args.engine}, load {load:.2f}, first sound {first:.3f} s")
    lines = [line for line in errors.splitlines() if line.startswith("@@ ")]
    for line in sorted(lines, key=lambda line: float(line.split()[1])):
        print("   ", line[3:])
    other = [line for line in errors.splitlines() if not line.startswith("@@ ")]
    if args.verbose:
        print("\n".join(other[-40:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="espeak")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tree")
    parser.add_argument("--wait", type=float, default=8.0)
    parser.add_argument("--routine", default="back-massage")
    parser.add_argument("-X", dest="x", action="append", default=[], type=lambda s: f"-X{s}")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vgt") as tmp:
        work = Path(tmp)
        with pulse.null_sink(work / "s") as sink, alsa.AlsaBackend() as device:
            for run in range(args.runs):
                one_run(device, sink, work, run, args)


if __name__ == "__main__":
    main()

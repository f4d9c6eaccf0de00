"""The peak memory of one Piper render: the Piper process's VmHWM (polled every 50 ms) while
it renders one long text, after loading the voice and rendering "Hello." first. Never part
of CI (needs the piper extra). One render per case, each in a fresh Piper process.

    python bench/bench_piper_memory.py [--worker PATH] [--rate 160 --rate 80]

``--worker`` runs another copy of ``speech/piper_worker.py`` (an older one from git, to
compare: ``git show REV:voiceguide/speech/piper_worker.py > /tmp/old_worker.py``). The
texts: a 597-character sentence without a full stop inside, and "1% " 200 times (599
characters that Piper's phonemizer makes 1,429 phonemes: "one percent" each). CPU seconds
are the Piper process's own (user + system), which a loaded machine changes less than wall
time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide.routine import Voice  # noqa: E402
from voiceguide.speech import piper  # noqa: E402

WORDS = "slowly glide both flat hands from the lower back up to the neck and then".split()


def sentence(characters: int) -> str:
    """A sentence of about ``characters`` characters, ending with its only full stop."""
    text, index = "", 0
    while len(text) < characters:
        text += WORDS[index % len(WORDS)] + " "
        index += 1
    return text[:characters].rsplit(" ", 1)[0] + "."


TEXTS = {"sentence-600": sentence(600), "percent-200": ("1% " * 200).strip()}


def status(pid: int, field: str) -> int | None:
    """``field`` of /proc/PID/status in MB (``VmHWM``: the peak RSS so far)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name: str, text: str, rate: int, folder: Path) -> dict:
    synth = piper.make_synth()
    voice = Voice("en_US-joe-medium", rate)
    try:
        synth.render("Hello.", voice, folder / "warm.wav")
        pid = synth._processes[voice.name].popen.pid
        base, peak, done = status(pid, "VmHWM"), [0], threading.Event()

        def poll() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], status(pid, "VmHWM") or 0)
                time.sleep(0.05)

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        cpu, started = cpu_seconds(pid), time.perf_counter()
        try:
            synth.render(text, voice, folder / "out.wav")
            result = "ok"
        except Exception as exc:  # a timeout on a loaded machine is a figure too
            result = f"{type(exc).__name__}: {exc}"[:120]
        used, wall = cpu_seconds(pid) - cpu, time.perf_counter() - started
        done.set()
        watcher.join()
    finally:
        synth.close()
    return {
        "text": name,
        "characters": len(text),
        "rate": rate,
        "base_mb": base,
        "peak_mb": peak[0],
        "cpu_s": round(used, 1),
        "wall_s": round(wall, 1),
        "result": result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", type=Path, help="another piper_worker.py to run")
    parser.add_argument("--rate", type=int, action="append", help="words a minute (160, 80)")
    parser.add_argument("--seconds", type=float, default=300.0, help="a render's time limit")
    args = parser.parse_args()
    piper.RENDER_SECONDS = args.seconds  # a loaded machine: let the old worker finish
    if args.worker:
        piper.WORKER = args.worker.resolve()
    print(json.dumps({"worker": str(piper.WORKER), "load": os.getloadavg()[0]}), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for rate in args.rate or [160, 80]:
            for name, text in TEXTS.items():
                print(json.dumps(measure(name, text, rate, Path(folder))), flush=True)


if __name__ == "__main__":
    main()

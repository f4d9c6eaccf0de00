"""Benchmark: seconds from starting `voiceguide play ROUTINE` to its first sound, cold cache.

    .venv/bin/python bench/bench_first_sound.py [--engines espeak,piper] [--runs 5]
        [--tree DIR] [--wait SECONDS] [--routine back-massage]

Each run starts the command in a fresh cache folder (nothing rendered, no chime prepared)
with a private PulseAudio null sink as the sound device, records the sink, and finds the
command's first frame above -40 dBFS. A marker played from this process at a known clock
time puts that frame on this process's clock: first sound = its onset - the marker's onset
- (start of the command - the marker's instant). ``--tree DIR`` runs the voiceguide of
another source tree (``git archive main | tar -x -C DIR``) in this virtualenv: before and
after. The machine's load (1-minute average) is read before each run; the table gives medians.
Targets (issue 21): within 1 s with espeak-ng, within 2 s with Piper, cold, on 2 cores.
When the routine's plan (``voiceguide plan --json`` in the tree run) opens with a chime, the
first *word* is given too: the first onset at least (the words' planned start - 0.1 s) after
the first sound (later when the session held there for its speech); else it is the first
sound.
Writes bench/results/first_sound.json (appending) and prints a line per engine. Never fails
for being slow: a benchmark reports.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from voiceguide.live.backends import alsa
from voiceguide.testing import pulse

sys.path.insert(0, str(Path(__file__).parent))
from first_sound import sounds  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "first_sound.json"
TARGETS = {"espeak": 1.0, "piper": 2.0}
COMMAND = "import sys; sys.argv[0] = 'voiceguide'; from voiceguide.cli import run; run()"


def environment(work: Path, args, name: str) -> dict[str, str]:
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(work / f"cache-{name}")}
    if args.tree:
        env["PYTHONPATH"] = str(Path(args.tree).resolve())
    return env


def words_after_chime(work: Path, args) -> float | None:
    """Seconds from the opening chime to the first words in the routine's plan (the tree's
    own), or None when the plan does not open with a chime."""
    command = [sys.executable, "-c", COMMAND, "plan", args.routine, "--engine", "espeak", "--json"]
    env = environment(work, args, "plan")
    made = subprocess.run(command, env=env, capture_output=True, check=True, cwd=work, timeout=120)
    events = json.loads(made.stdout)["events"]
    if events[0]["kind"] != "chime":
        return None
    return next(e["at"] for e in events if e["kind"] == "speech") - events[0]["at"]


def one_run(device, sink, work: Path, run: int, args, engine: str, words: float | None):
    """(seconds to the first sound, to the first word, load average) of one cold run."""
    env = environment(work, args, f"{engine}-{run}")
    command = [sys.executable, "-c", COMMAND, "play", args.routine, "--engine", engine]
    load = os.getloadavg()[0]
    recording = work / f"first-{engine}-{run}.wav"
    found = sounds(device, sink, recording, command, env, args.wait, cwd=work)
    if words is None:
        return found[0], found[0], load
    word = next((t for t in found if t >= found[0] + words - 0.1), float("nan"))
    return found[0], word, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="espeak,piper")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", help="the source tree to run (default: this one)")
    parser.add_argument("--wait", type=float, default=8.0, help="seconds each run plays")
    parser.add_argument("--routine", default="back-massage")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="vgf") as tmp:
        work = Path(tmp)
        words = words_after_chime(work, args)
        with pulse.null_sink(work / "s") as sink, alsa.AlsaBackend() as device:
            for engine in args.engines.split(","):
                runs = [
                    one_run(device, sink, work, n, args, engine, words) for n in range(args.runs)
                ]
                seconds, said, loads = ([r[i] for r in runs] for i in range(3))
                rows.append({
                    "engine": engine, "tree": args.tree or "this", "routine": args.routine,
                    "first_sound_median_s": round(statistics.median(seconds), 3),
                    "runs_s": [round(s, 3) for s in seconds],
                    "first_word_median_s": round(statistics.median(said), 3),
                    "word_runs_s": [round(s, 3) for s in said],
                    "load_median": round(statistics.median(loads), 2),
                    "target_s": TARGETS.get(engine), "cpus": os.cpu_count(),
                })  # fmt: skip
                row = rows[-1]
                print(
                    f"{engine:<7} {row['tree']:<16} first sound {row['first_sound_median_s']:.2f} s"
                    f" median of {args.runs} (runs {row['runs_s']}; target {row['target_s']} s;"
                    f" load {row['load_median']} on {row['cpus']} cores); first word"
                    f" {row['first_word_median_s']:.2f} s (runs {row['word_runs_s']})",
                    flush=True,
                )
    RESULTS.parent.mkdir(exist_ok=True)
    earlier = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    RESULTS.write_text(json.dumps(earlier + rows, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Benchmark: `voiceguide plan` of a 60-minute routine (cold and warm cache), and the speech
rendering rate over a routine's cues.

    .venv/bin/python bench/bench_plan.py

Targets (issue 2): plan <= 2 s cold, <= 0.3 s warm; speech >= 300x real time.
Writes bench/results/plan.json. Times are wall-clock medians of several runs of the whole
command (interpreter start included), on whatever else this machine is doing.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from routines import long_routine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VOICEGUIDE = [sys.executable, "-m", "voiceguide"]
RUNS = 5


def timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def plan_times(routine: Path, work: Path) -> dict:
    args = [*VOICEGUIDE, "plan", str(routine), "--length", "60m", "-q"]
    cold, warm = [], []
    for run in range(RUNS):
        cache = work / f"cache-{run}"
        env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)}
        cold.append(timed(args, env))
        warm.append(timed(args, env))
        shutil.rmtree(cache)
    return {
        "cold_s": statistics.median(cold),
        "warm_s": statistics.median(warm),
        "cold_runs": cold,
        "warm_runs": warm,
    }


def speech_rate(routine: Path, work: Path) -> dict:
    from voiceguide import cli, speech
    from voiceguide import routine as routines

    loaded = routines.load(routine)
    rates = []
    for run in range(3):
        start = time.perf_counter()
        with cli.make_renderer() as renderer:
            voice = speech.resolve_voice(loaded.voice, renderer)
            cache = speech.SpeechCache(renderer, voice, work / f"speech-{run}")
            seconds = sum(cache.durations(loaded.texts()).values())
        elapsed = time.perf_counter() - start
        rates.append(seconds / elapsed)
    return {
        "texts": len(loaded.texts()),
        "speech_s": seconds,
        "realtime_factor": statistics.median(rates),
        "runs": rates,
        "workers": os.cpu_count(),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        routine = long_routine(60, work / "sixty.yaml")
        results = {
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} cores, {sys.platform}, Python {sys.version.split()[0]}",
            "plan_60min": plan_times(routine, work),
            "speech_back_massage": speech_rate(ROOT / "scripts" / "back-massage.yaml", work),
            "speech_60min": speech_rate(routine, work),
        }
    out = ROOT / "bench" / "results" / "plan.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    p = results["plan_60min"]
    print(
        f"plan, 60-minute routine: cold {p['cold_s']:.2f} s (target <= 2), "
        f"warm {p['warm_s']:.3f} s (target <= 0.3)"
    )
    for key in ("speech_back_massage", "speech_60min"):
        s = results[key]
        print(
            f"speech, {key}: {s['texts']} texts, {s['speech_s']:.0f} s of speech at "
            f"{s['realtime_factor']:.0f}x real time (target >= 300) with {s['workers']} "
            "workers"
        )


if __name__ == "__main__":
    main()

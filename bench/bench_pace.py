"""Benchmark: the pace guide's cost. A paced long routine (every step gliding, ~700 beats an
hour, the interlude breathing) against the same routine with ``--pace off``.

    .venv/bin/python bench/bench_pace.py [--lengths 60,240,480] [--engine espeak|tone]

- export to WAV and FLAC, each in a fresh process with a warm speech cache: the real-time
  factor (session seconds / export wall seconds) and the process's peak RSS;
- ``voiceguide plan`` of the 8-hour paced routine, warm cache (median of 5 whole commands,
  interpreter start included).

Targets (issue 13): a 60-minute paced session exports at >= 500x real time in WAV and FLAC;
memory flat up to 8 hours (peak RSS at 8 h within 10 % of 60 min); plan of an 8-hour paced
session <= 1 s warm. Writes bench/results/pace.json. Figures are for whatever else this
machine is doing: compare the paced and unpaced rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure  # noqa: E402
from routines import long_routine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RATE_TARGET = 500
PLAN_TARGET_S = 1.0
RSS_GROWTH = 0.10
RUNS = 5

CHILD = """
import json, sys, time
from pathlib import Path
from voiceguide import cli, session
from voiceguide import exporting as export

routine, target = sys.argv[1], Path(sys.argv[4])
length, pace = float(sys.argv[2]), float(sys.argv[3])
with cli.make_renderer() as renderer:
    prepared = session.prepare(routine, session.Options(length, pace=pace), renderer)
beats = sum(1 for e in prepared.plan.events if e.kind == "pulse")
wall, cpu = time.perf_counter(), time.process_time()
result = export.export(prepared, target)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"export_wall_s": wall, "export_cpu_s": cpu, "seconds": result.seconds,
                  "beats": beats, "lufs": result.level.lufs, "bytes": target.stat().st_size}))
"""


def export_row(routine: Path, minutes: float, fmt: str, pace: float, work: Path, env) -> dict:
    target = work / f"out.{fmt}"
    command = [sys.executable, "-c", CHILD, str(routine), str(minutes * 60), str(pace),
               str(target)]  # fmt: skip
    measured = measure(command, env=env)
    if measured["exit"] != 0:
        raise SystemExit(f"export failed: {measured['stderr']}")
    row = json.loads(measured["stdout"].strip().splitlines()[-1])
    target.unlink()
    row.update(minutes=minutes, format=fmt, paced=pace > 0, peak_rss_mb=measured["peak_rss_mb"],
               realtime_factor=row["seconds"] / row["export_wall_s"])  # fmt: skip
    return row


def plan_warm(routine: Path, pace: str, env: dict) -> float:
    """Median wall seconds of the whole ``plan`` command (its table thrown away)."""
    args = [sys.executable, "-m", "voiceguide", "plan", str(routine), "-q", "--pace", pace]
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)  # warms the cache
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", default="60,240,480", help="minutes, comma-separated")
    parser.add_argument("--engine", default="espeak", choices=["espeak", "tone"])
    args = parser.parse_args()
    lengths = [float(m) for m in args.lengths.split(",")]
    rows, plans = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(work / "cache"),
               "VOICEGUIDE_ENGINE": args.engine}  # fmt: skip
        print(f"{'length':>7} {'format':<6} {'pace':<5} {'beats':>6} {'wall s':>7} "
              f"{'x real':>7} {'RSS MB':>7}")  # fmt: skip
        for minutes in lengths:
            routine = long_routine(minutes, work / f"paced-{minutes:g}.yaml", paced=True)
            for fmt in ("wav", "flac"):
                for pace in (1.0, 0.0):
                    row = export_row(routine, minutes, fmt, pace, work, env)
                    rows.append(row)
                    print(f"{minutes:>6g}m {fmt:<6} {'on' if pace else 'off':<5} "
                          f"{row['beats']:>6} {row['export_wall_s']:>7.2f} "
                          f"{row['realtime_factor']:>7.0f} {row['peak_rss_mb']:>7.0f}",
                          flush=True)  # fmt: skip
        longest = long_routine(480, work / "paced-480-plan.yaml", paced=True)
        for pace in ("100%", "off"):
            plans[pace] = plan_warm(longest, pace, env)
            print(f"plan, 8-hour routine, --pace {pace}: {plans[pace]:.3f} s warm", flush=True)
    paced = [r for r in rows if r["paced"]]
    at60 = [r for r in paced if r["minutes"] == 60]
    verdicts = {
        "export_60min_realtime": all(r["realtime_factor"] >= RATE_TARGET for r in at60),
        "memory_flat": all(
            r["peak_rss_mb"]
            <= (1 + RSS_GROWTH) * min(s["peak_rss_mb"] for s in paced if s["format"] == r["format"])
            for r in paced
        ),  # fmt: skip
        "plan_8h_warm": plans["100%"] <= PLAN_TARGET_S,
    }
    for name, ok in verdicts.items():
        print(f"{name}: {'ok' if ok else 'MISSED'}")
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores, {sys.platform}, Python {sys.version.split()[0]}",
        "engine": args.engine,
        "targets": {
            "realtime_factor_60min": RATE_TARGET,
            "plan_8h_warm_s": PLAN_TARGET_S,
            "rss_growth_to_8h": RSS_GROWTH,
        },  # fmt: skip
        "exports": rows,
        "plan_8h_warm_s": plans,
        "verdicts": verdicts,
    }
    out = ROOT / "bench" / "results" / "pace.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

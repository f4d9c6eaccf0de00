"""Benchmark: export of 10-minute, 60-minute and 8-hour sessions to each format.

    .venv/bin/python bench/bench_export.py [--lengths 10,60,480] [--formats wav,flac,mp3,ogg]
                                           [--engine espeak|tone]

Each export runs in a fresh process (the speech cache warmed first), which reports the
export's own wall and CPU time; the process's peak RSS comes from wait4(). The real-time
factor is session seconds / export wall seconds. Targets (issue 3): WAV and FLAC >= 500x,
MP3 and Vorbis >= 100x at 60 minutes; peak RSS <= 200 MB at any length up to 8 hours.
Writes bench/results/export.json. Figures are for whatever else this machine is doing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure  # noqa: E402
from routines import long_routine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"wav": 500, "flac": 500, "mp3": 100, "ogg": 100, "opus": 100}
RSS_TARGET_MB = 200

CHILD = """
import json, sys, time
from pathlib import Path
from voiceguide import cli, session
from voiceguide import exporting as export

routine, length, target = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
with cli.make_renderer() as renderer:
    prepared = session.prepare(routine, session.Options(length), renderer)
wall, cpu = time.perf_counter(), time.process_time()
result = export.export(prepared, target)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"export_wall_s": wall, "export_cpu_s": cpu, "seconds": result.seconds,
                  "lufs": result.level.lufs, "true_peak_db": result.level.true_peak,
                  "bytes": target.stat().st_size}))
"""


def warm(routine: Path, length: float) -> None:
    from voiceguide import cli, session

    with cli.make_renderer() as renderer:
        session.prepare(str(routine), session.Options(length), renderer)


def run(routine: Path, minutes: float, fmt: str, work: Path, env: dict) -> dict:
    target = work / f"out.{fmt}"
    command = [sys.executable, "-c", CHILD, str(routine), str(minutes * 60), str(target)]
    measured = measure(command, env=env)
    if measured["exit"] != 0:
        raise SystemExit(f"export failed: {measured['stderr']}")
    row = json.loads(measured["stdout"].strip().splitlines()[-1])
    target.unlink()
    row.update(
        minutes=minutes,
        format=fmt,
        process_wall_s=measured["wall_s"],
        process_cpu_s=measured["cpu_s"],
        peak_rss_mb=measured["peak_rss_mb"],
        realtime_factor=row["seconds"] / row["export_wall_s"],
    )
    return row


def verdict(row: dict) -> str:
    fast = row["minutes"] != 60 or row["realtime_factor"] >= TARGETS[row["format"]]
    small = row["peak_rss_mb"] <= RSS_TARGET_MB
    return "ok" if fast and small else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", default="10,60,480", help="minutes, comma-separated")
    parser.add_argument("--formats", default="wav,flac,mp3,ogg")
    parser.add_argument("--engine", default="espeak", choices=["espeak", "tone"])
    args = parser.parse_args()
    lengths = [float(m) for m in args.lengths.split(",")]
    formats = args.formats.split(",")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(work / "cache")}
        env["VOICEGUIDE_ENGINE"] = args.engine
        os.environ.update(env)
        for minutes in lengths:
            routine = long_routine(minutes, work / f"routine-{minutes:g}.yaml")
            warm(routine, minutes * 60)
            for fmt in formats:
                rows.append(run(routine, minutes, fmt, work, env))
                print(line(rows[-1]), flush=True)
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, {sys.platform}, Python {sys.version.split()[0]}",
        "engine": args.engine,
        "targets": {"realtime_factor_at_60min": TARGETS, "peak_rss_mb": RSS_TARGET_MB},
        "runs": rows,
    }
    out = ROOT / "bench" / "results" / "export.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")


def line(row: dict) -> str:
    if not hasattr(line, "header"):
        line.header = True
        print(
            f"{'length':>7} {'format':<6} {'wall s':>8} {'cpu s':>8} {'x real':>8} "
            f"{'RSS MB':>7} {'LUFS':>6} {'dBTP':>6} {'MB':>8}  target"
        )
    return (
        f"{row['minutes']:>6g}m {row['format']:<6} {row['export_wall_s']:>8.2f} "
        f"{row['export_cpu_s']:>8.2f} {row['realtime_factor']:>8.0f} {row['peak_rss_mb']:>7.0f} "
        f"{row['lufs']:>6.1f} {row['true_peak_db']:>6.1f} {row['bytes'] / 1e6:>8.1f}  "
        f"{verdict(row)}"
    )


if __name__ == "__main__":
    main()

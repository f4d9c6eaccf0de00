"""Benchmark: a session with a sound bed - export speed, export memory, live CPU.

    .venv/bin/python bench/bench_session_bed.py [--minutes 60] [--mp3-hours 2] [--keep DIR]
                                                [--live-seconds 90] [--engine espeak|tone]

1. Export speed: a ``--minutes`` session (bench/routines.py, speech cache warmed first) to WAV
   and FLAC with no bed and with each built-in, each export in a fresh process; the real-time
   factor is session seconds / the export's own wall seconds.
2. Export memory: a session as long as the MP3 (``--mp3-hours``) exported to WAV with no bed
   and with that MP3 as its bed (44.1 kHz stereo, music-like, made once by bench_bed.py's
   ``make_mp3``; ``--keep`` a folder to reuse it); the processes' peak RSS (wait4).
3. Live CPU: neck-stretch at ``--live-seconds`` played through a private PulseAudio null sink
   (the ALSA backend) with no bed, with ocean and with the MP3; CPU seconds of the playing
   process (all its threads: the player, the feeding thread that reads and mixes the bed)
   over the wall seconds of the session, in % of one core.

Targets (issue 14): >= 300x real time for a 60-minute WAV/FLAC export with a built-in bed;
a 2-hour MP3 bed adds <= 20 MB of peak RSS; live playback with a bed < 10 % of one core.
Writes bench/results/session_bed.json and prints a table. Never fails for being slow.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_bed import make_mp3  # noqa: E402
from measure import measure  # noqa: E402
from routines import long_routine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "session_bed.json"
BUILT_INS = ("ocean", "rain", "drone")

EXPORT = """
import json, sys, time
from pathlib import Path
from voiceguide import cli, session
from voiceguide import exporting as export

routine, length, bed, target = sys.argv[1], float(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
with cli.make_renderer() as renderer:
    prepared = session.prepare(routine, session.Options(length, bed=bed), renderer)
wall, cpu = time.perf_counter(), time.process_time()
result = export.export(prepared, target)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"export_wall_s": wall, "export_cpu_s": cpu, "seconds": result.seconds,
                  "lufs": result.level.lufs, "true_peak_db": result.level.true_peak}))
"""

LIVE = """
import io, json, resource, sys, tempfile, time
from voiceguide import cli, session
from voiceguide.live import player
from voiceguide.testing import pulse

length, bed = float(sys.argv[1]), sys.argv[2]
with cli.make_renderer() as renderer:
    prepared = session.prepare("neck-stretch", session.Options(length, bed=bed), renderer)
    for event in prepared.plan.events:
        prepared.clip(event)
with tempfile.TemporaryDirectory(prefix="vg") as tmp, pulse.null_sink(tmp):
    before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    result = player.play_live(lambda: prepared, backend_name="alsa", stdin=io.StringIO())
    after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "late": result.late, "shifts": result.shifts,
                  "misses": result.misses}))
"""


def child(code: str, args: list[str], env: dict) -> tuple[dict, dict]:
    measured = measure([sys.executable, "-c", code, *args], env=env)
    if measured["exit"] != 0:
        raise SystemExit(f"failed: {args}: {measured['stderr']}")
    return json.loads(measured["stdout"].strip().splitlines()[-1]), measured


def warm(routine: Path, length: float) -> None:
    from voiceguide import cli, session

    with cli.make_renderer() as renderer:
        session.prepare(str(routine), session.Options(length), renderer)


def export_row(routine: Path, length: float, bed: str, fmt: str, work: Path, env: dict) -> dict:
    target = work / f"out.{fmt}"
    row, measured = child(EXPORT, [str(routine), str(length), bed, str(target)], env)
    target.unlink()
    row.update(bed=Path(bed).name, format=fmt, minutes=length / 60,
               realtime_factor=row["seconds"] / row["export_wall_s"],
               peak_rss_mb=measured["peak_rss_mb"])  # fmt: skip
    print(f"  export {row['minutes']:.0f} min {fmt:4} bed {row['bed']:12} "
          f"{row['realtime_factor']:7.0f}x  peak RSS {row['peak_rss_mb']:.1f} MB  "
          f"TP {row['true_peak_db']:.2f}", flush=True)  # fmt: skip
    return row


def live_row(seconds: float, bed: str, env: dict) -> dict:
    row, _ = child(LIVE, [str(seconds), bed], env)
    row.update(bed=Path(bed).name, cpu_percent=100 * row["cpu_s"] / row["wall_s"])
    print(f"  live {seconds:.0f} s bed {row['bed']:12} CPU {row['cpu_percent']:.2f} % of a core "
          f"(late {row['late']}, shifts {row['shifts']})", flush=True)  # fmt: skip
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--mp3-hours", type=float, default=2)
    parser.add_argument("--keep", type=Path, help="a folder to keep (and reuse) the MP3 in")
    parser.add_argument("--live-seconds", type=float, default=90)
    parser.add_argument("--engine", default="espeak", choices=["espeak", "tone"])
    args = parser.parse_args()
    env = {**os.environ, "VOICEGUIDE_ENGINE": args.engine}
    os.environ["VOICEGUIDE_ENGINE"] = args.engine
    report: dict = {"engine": args.engine, "export": [], "memory": [], "live": []}
    with tempfile.TemporaryDirectory(prefix="vg-bench-bed-") as tmp:
        work = Path(tmp)
        keep = args.keep or work
        keep.mkdir(parents=True, exist_ok=True)
        mp3 = keep / f"bed-{args.mp3_hours:g}h.mp3"
        if not mp3.exists():
            print(f"making {mp3} ...", flush=True)
            make_mp3(mp3, args.mp3_hours)
        length = args.minutes * 60
        routine = long_routine(args.minutes, work / "long.yaml")
        warm(routine, length)
        print("export speed:", flush=True)
        for fmt in ("wav", "flac"):
            for bed in ("none", *BUILT_INS):
                report["export"].append(export_row(routine, length, bed, fmt, work, env))
        print("export memory:", flush=True)
        hours = args.mp3_hours * 3600
        long = long_routine(hours / 60, work / "longer.yaml")
        warm(long, hours)
        for bed in ("none", str(mp3)):
            report["memory"].append(export_row(long, hours, bed, "wav", work, env))
        print("live:", flush=True)
        for bed in ("none", "ocean", str(mp3)):
            report["live"].append(live_row(args.live_seconds, bed, env))
    memory = {row["bed"]: row["peak_rss_mb"] for row in report["memory"]}
    report["mp3_bed_rss_over_none_mb"] = memory[mp3.name] - memory["none"]
    print(f"2-hour MP3 bed: peak RSS {report['mp3_bed_rss_over_none_mb']:+.1f} MB over no bed")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""Benchmark: the sound bed's sources - read speed and memory.

    .venv/bin/python bench/bench_bed.py [--minutes 60] [--mp3-hours 2] [--keep DIR]

Each source is read in a fresh process, from frame 0, ``--minutes`` of it in 0.5 s blocks
(what an export asks of it), after ``open_bed`` (its calibration measured with a cold cache,
then timed again warm). Reported per source: the open (cold and warm), the read's speed in x
real time (CPU and wall), and the process's peak RSS. The MP3 is made once (``--keep`` a
folder to reuse it): ``--mp3-hours`` of music-like sound, 44.1 kHz stereo, written by
libsndfile in blocks; it is then read for ``--minutes``, and a second time through its end
and its loop's join, so the RSS covers a whole pass. Its RSS is compared with the same
process reading a built-in (ocean) and with a process that opens no bed but imports what
opening one imports (``none``).

Targets (issue 14): each built-in >= 1500x real time (a 60-minute export with a bed must make
>= 300x overall); a 2-hour MP3 bed adds <= 20 MB of peak RSS. Writes bench/results/bed.json
and prints a table. Never fails for being slow: a benchmark reports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker(spec: str, minutes: float, through_end: bool) -> dict:
    """In a fresh process: open ``spec`` cold, then warm, and read it; the figures."""
    from voiceguide.audio import RATE
    from voiceguide.bed import open_bed

    if spec == "none":  # the baseline: what opening any bed imports, and no bed
        import soxr  # noqa: F401

        from voiceguide.audio import loudness  # noqa: F401
        from voiceguide.speech import cache  # noqa: F401

        rss = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        return {
            "spec": "none",
            "description": "no bed",
            "open_cold_s": 0.0,
            "open_warm_s": 0.0,
            "read_minutes": 0,
            "x_realtime_wall": 0,
            "x_realtime_cpu": 0,
            "peak_rss_after_open_mb": rss,
            "peak_rss_mb": rss,
        }
    seconds = minutes * 60
    started = time.perf_counter()
    bed = open_bed(spec, length=seconds)
    cold = time.perf_counter() - started
    bed.close()
    started = time.perf_counter()
    bed = open_bed(spec, length=seconds)
    warm = time.perf_counter() - started
    rss_open = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    block = RATE // 2
    wall, cpu = time.perf_counter(), time.process_time()
    for first in range(0, round(seconds * RATE), block):
        bed.read(first, block)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if through_end:  # the rest of the file, its join and the start of the next pass
        end = bed.frames + 60 * RATE if hasattr(bed, "frames") else 0
        for first in range(round(seconds * RATE), end, block):
            bed.read(first, block)
    return {
        "spec": spec,
        "description": bed.description,
        "open_cold_s": round(cold, 3),
        "open_warm_s": round(warm, 4),
        "read_minutes": minutes,
        "x_realtime_wall": round(seconds / wall),
        "x_realtime_cpu": round(seconds / cpu),
        "peak_rss_after_open_mb": round(rss_open, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def measure(spec: str, minutes: float, cache: Path, through_end: bool = False) -> dict:
    """``worker`` in a fresh process with its own cold cache."""
    env = dict(os.environ, VOICEGUIDE_CACHE_DIR=str(cache / spec.replace("/", "_")))
    args = [sys.executable, __file__, "--worker", spec, "--minutes", str(minutes)]
    done = subprocess.run(
        args + (["--through-end"] if through_end else []),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_mp3(target: Path, hours: float) -> Path:
    """``hours`` of music-like sound as a 44.1 kHz stereo MP3, written in blocks."""
    from voiceguide.testing import soundfiles

    if not target.exists():
        started = time.perf_counter()
        partial = target.with_suffix(".partial.mp3")
        soundfiles.write(partial, hours * 3600, rate=44_100, channels=2)
        partial.rename(target)
        print(
            f"made {target} ({target.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--mp3-hours", type=float, default=2.0)
    parser.add_argument("--keep", type=Path, help="a folder to keep (and reuse) the MP3 in")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--through-end", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        print(json.dumps(worker(options.worker, options.minutes, options.through_end)))
        return 0
    from voiceguide.bed import BUILT_IN

    with tempfile.TemporaryDirectory() as scratch:
        folder = options.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        mp3 = make_mp3(folder / f"music-{options.mp3_hours:g}h.mp3", options.mp3_hours)
        cache = Path(scratch) / "caches"
        rows = [measure("none", options.minutes, cache)]
        rows += [measure(name, options.minutes, cache) for name in BUILT_IN]
        rows.append(measure(str(mp3), options.minutes, cache))
        rows.append(measure(str(mp3), options.mp3_hours * 60 - 1, cache, through_end=True))
    none, ocean = rows[0]["peak_rss_mb"], rows[1]["peak_rss_mb"]
    for row in rows:
        row["rss_over_none_mb"] = round(row["peak_rss_mb"] - none, 1)
        row["rss_over_ocean_mb"] = round(row["peak_rss_mb"] - ocean, 1)
    results = {"minutes": options.minutes, "mp3_hours": options.mp3_hours, "sources": rows}
    out = ROOT / "bench" / "results" / "bed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(
        f"{'source':40} {'open cold':>9} {'warm':>7} {'min':>5} {'x rt':>6} {'x cpu':>6} "
        f"{'RSS MB':>7} {'+none':>6} {'+ocean':>7}"
    )
    for row in rows:
        print(
            f"{Path(row['spec']).name:40} {row['open_cold_s']:9.2f} {row['open_warm_s']:7.3f} "
            f"{row['read_minutes']:5.0f} {row['x_realtime_wall']:6d} {row['x_realtime_cpu']:6d} "
            f"{row['peak_rss_mb']:7.1f} {row['rss_over_none_mb']:6.1f} "
            f"{row['rss_over_ocean_mb']:7.1f}"
        )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

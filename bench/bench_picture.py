"""Benchmark: `voiceguide plan --picture` of an 8-hour session (SVG and PNG), and where the
time goes inside one process.

    .venv/bin/python bench/bench_picture.py

Target (issue 16): the whole command under 2 s on this machine, cache warm (the speech is
rendered once before the timed runs: the picture's cost is what is measured, not espeak's).
Writes bench/results/picture.json. Times are wall-clock medians of several runs of the whole
command (interpreter start and the matplotlib import included), on whatever else this
machine is doing; the load average is recorded beside them.
"""

from __future__ import annotations

import json
import os
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
HOURS = 8


def command_times(routine: Path, work: Path, env: dict) -> dict:
    """The whole command for each format, and for the table (what the picture adds)."""
    results = {}
    for fmt in ("svg", "png", "table"):
        target = work / f"session.{fmt}"
        args = [*VOICEGUIDE, "plan", str(routine), "--length", f"{HOURS}h", "-q"]
        args += ["--picture", str(target)] if fmt != "table" else []
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)  # warm the cache
        runs = []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
            runs.append(time.perf_counter() - start)
        results[fmt] = {"median_s": statistics.median(runs), "runs": runs}
        if fmt != "table":
            results[fmt]["bytes"] = target.stat().st_size
    return results


def stages(routine: Path) -> dict:
    """Seconds of each stage in this process: import, prepare (cache warm), draw, save."""
    start = time.perf_counter()
    from voiceguide import cli, fit, picture, session

    imported = time.perf_counter() - start
    with cli.make_renderer() as renderer:
        start = time.perf_counter()
        prepared = session.prepare(str(routine), session.Options(HOURS * 3600.0), renderer)
        prepare = time.perf_counter() - start
    fits = fit.shown_range(*session.length_range(prepared))
    start = time.perf_counter()
    drawn = picture.draw(prepared.plan, fits)
    draw = time.perf_counter() - start
    saved = {}
    for fmt in ("svg", "png"):
        start = time.perf_counter()
        picture.to_bytes(drawn, fmt)
        saved[fmt] = time.perf_counter() - start
    return {
        "import_s": imported,
        "prepare_s": prepare,
        "draw_s": draw,
        "save_svg_s": saved["svg"],
        "save_png_s": saved["png"],
        "events": len(prepared.plan.events),
        "labels": len(drawn.labels),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        routine = long_routine(HOURS * 60, work / "long.yaml")
        env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(work / "cache")}
        os.environ["VOICEGUIDE_CACHE_DIR"] = env["VOICEGUIDE_CACHE_DIR"]
        commands = command_times(routine, work, env)
        inside = stages(routine)
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, {sys.platform}, Python {sys.version.split()[0]}",
        "engine": os.environ.get("VOICEGUIDE_ENGINE", "espeak"),
        "load_average": os.getloadavg(),
        "command": commands,
        "stages": inside,
    }
    out = ROOT / "bench" / "results" / "picture.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    table = commands.pop("table")
    print(f"plan (the table), {HOURS}-hour session: {table['median_s']:.2f} s")
    for fmt, timing in commands.items():
        print(
            f"plan --picture {fmt}, {HOURS}-hour session: {timing['median_s']:.2f} s "
            f"(target < 2; runs {', '.join(f'{t:.2f}' for t in timing['runs'])}), "
            f"{timing['bytes'] / 1e3:.0f} kB"
        )
    print(
        "stages: import {import_s:.2f} s, prepare {prepare_s:.2f} s, draw {draw_s:.2f} s, "
        "SVG {save_svg_s:.2f} s, PNG {save_png_s:.2f} s ({events} events, {labels} labels)".format(
            **inside
        )
    )
    print(f"load average {results['load_average'][0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

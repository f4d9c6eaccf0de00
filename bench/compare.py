"""voiceguide export against the pydub baseline, side by side, in one run.

    .venv/bin/python bench/compare.py [--lengths 10,60,480] [--formats wav,flac,mp3]
                                      [--baseline-timeout 900] [--baseline-memory-gb 12]

For each session length (minutes) and format: voiceguide with a cold and a warm speech cache,
and the baseline (bench/baseline_pydub.py) with freshly rendered and with reused speech
files. Each run is a fresh process measured with wait4(): wall time, CPU time, peak RSS.
Lengths: 10 minutes is back-massage; 60 minutes and 8 hours are generated routines
(bench/routines.py). A baseline run past --baseline-timeout is killed and reported as such;
one that needs more than --baseline-memory-gb of address space fails with MemoryError (the
machine has 24 GB and the baseline's memory grows with the session). Once the baseline has
failed at a length, its other formats at that length are not run again: they would fail in
the same overlay step, before any encoding. Writes bench/results/compare.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure  # noqa: E402
from routines import long_routine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def routine_for(minutes: int, work: Path) -> str:
    if minutes <= 40:
        return "back-massage"
    return str(long_routine(minutes, work / f"routine-{minutes}.yaml"))


def plan_json(routine: str, minutes: int, env: dict, work: Path) -> Path:
    """The plan both pipelines follow, as ``voiceguide plan --json`` prints it."""
    out = work / f"plan-{minutes}.json"
    with open(out, "w") as handle:
        subprocess.run(
            [PY, "-m", "voiceguide", "plan", routine, "--length", f"{minutes}m", "--json", "-q"],
            env=env,
            stdout=handle,
            check=True,
        )
    return out


def run_voiceguide(routine: str, minutes: int, fmt: str, env: dict, work: Path) -> dict:
    target = work / f"vg-{minutes}.{fmt}"
    result = measure(
        [
            PY,
            "-m",
            "voiceguide",
            "export",
            routine,
            "--length",
            f"{minutes}m",
            "-o",
            str(target),
            "-q",
        ],
        env=env,
    )
    target.unlink(missing_ok=True)
    return result


def run_baseline(
    plan: Path, minutes: int, fmt: str, speech: Path, work: Path, timeout: float, memory_gb: float
) -> dict:
    target = work / f"base-{minutes}.{fmt}"
    result = measure(
        [
            PY,
            str(ROOT / "bench" / "baseline_pydub.py"),
            str(plan),
            str(target),
            "--speech-dir",
            str(speech),
        ],
        timeout=timeout,
        memory_limit_mb=memory_gb * 1024,
    )
    if result["exit"] not in (0, "timeout") and "MemoryError" in result["stderr"]:
        result["exit"] = "out of memory"
    target.unlink(missing_ok=True)
    return result


def summary(result: dict) -> dict:
    return {k: result[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "exit")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="10,60,480")
    parser.add_argument("--formats", default="wav,flac,mp3")
    parser.add_argument("--baseline-timeout", type=float, default=900)
    parser.add_argument("--baseline-memory-gb", type=float, default=12)
    args = parser.parse_args()
    limits = (args.baseline_timeout, args.baseline_memory_gb)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for minutes in (int(m) for m in args.lengths.split(",")):
            routine = routine_for(minutes, work)
            failed = None  # the baseline's failed run at this length, if any
            for fmt in args.formats.split(","):
                cache = work / "cache"
                shutil.rmtree(cache, ignore_errors=True)
                env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)}
                row = {"minutes": minutes, "format": fmt}
                row["voiceguide_cold"] = summary(run_voiceguide(routine, minutes, fmt, env, work))
                row["voiceguide_warm"] = summary(run_voiceguide(routine, minutes, fmt, env, work))
                plan = plan_json(routine, minutes, env, work)
                speech = work / "baseline-speech"
                shutil.rmtree(speech, ignore_errors=True)
                if failed is None:
                    row["baseline_cold"] = summary(
                        run_baseline(plan, minutes, fmt, speech, work, *limits)
                    )
                else:
                    row["baseline_cold"] = {**failed, "not_rerun": True}
                if row["baseline_cold"]["exit"] != 0:
                    failed = failed or row["baseline_cold"]
                    row["baseline_warm"] = row["baseline_cold"]
                else:
                    row["baseline_warm"] = summary(
                        run_baseline(plan, minutes, fmt, speech, work, *limits)
                    )
                rows.append(row)
                print(format_row(row), flush=True)
    out = ROOT / "bench" / "results" / "compare.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "rows": rows}, indent=2))


def format_row(row: dict) -> str:
    parts = [f"{row['minutes']:>4} min {row['format']:<5}"]
    for cache in ("cold", "warm"):
        vg, base = row[f"voiceguide_{cache}"], row[f"baseline_{cache}"]
        speed = (
            f"baseline failed ({base['exit']}) after {base['wall_s']:.0f} s"
            if base["exit"] != 0
            else f"{base['wall_s'] / vg['wall_s']:.1f}x faster"
        )
        parts.append(
            f"{cache}: vg {vg['wall_s']:.2f}s {vg['peak_rss_mb']:.0f}MB | base "
            f"{base['wall_s']:.2f}s {base['peak_rss_mb']:.0f}MB | {speed}, "
            f"{vg['peak_rss_mb'] / base['peak_rss_mb']:.2f} of its memory"
        )
    return "  ".join(parts)


if __name__ == "__main__":
    main()

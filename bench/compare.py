"""voiceguide export against the pydub baseline, side by side, in one run.

    .venv/bin/python bench/compare.py [--lengths 10,60,480] [--formats wav,flac,mp3]
                                      [--baseline-timeout 900]

For each session length (minutes) and format: voiceguide with a cold and a warm speech cache,
and the baseline (bench/baseline_pydub.py) with freshly rendered and with reused speech
files. Each run is a fresh process measured with wait4(): wall time, CPU time, peak RSS.
Lengths: 10 minutes is back-massage; 60 minutes and 8 hours are generated routines
(bench/routines.py). A baseline run past --baseline-timeout is killed and reported as such.
Writes bench/results/compare.json.
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
    plan: Path, minutes: int, fmt: str, speech: Path, work: Path, timeout: float
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
    )
    target.unlink(missing_ok=True)
    return result


def summary(result: dict) -> dict:
    return {k: result[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "exit")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="10,60,480")
    parser.add_argument("--formats", default="wav,flac,mp3")
    parser.add_argument("--baseline-timeout", type=float, default=900)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for minutes in (int(m) for m in args.lengths.split(",")):
            routine = routine_for(minutes, work)
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
                row["baseline_cold"] = summary(
                    run_baseline(plan, minutes, fmt, speech, work, args.baseline_timeout)
                )
                if row["baseline_cold"]["exit"] == "timeout":
                    row["baseline_warm"] = row["baseline_cold"]
                else:
                    row["baseline_warm"] = summary(
                        run_baseline(plan, minutes, fmt, speech, work, args.baseline_timeout)
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
            "killed"
            if base["exit"] == "timeout"
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

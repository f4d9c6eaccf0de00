"""Benchmark: how long the command line takes to answer ``--help`` and ``--version``, against
``python -c "import click"`` (the floor: the interpreter and click, nothing of voiceguide's).

    .venv/bin/python bench/bench_startup.py [--runs 20] [--before TREE]

Target (issue 20, item 7): ``voiceguide --help`` and ``--version`` within 2.5 times click's
own import. Every command is run ``--runs`` times, the commands taking turns (so that the
machine's drift hits them alike); medians of wall time, interpreter start included, and each
one's ratio to click's. ``--before TREE`` also runs ``python -m voiceguide`` from another
source tree (``PYTHONPATH=TREE``) beside this one's, for a before/after. Writes
bench/results/startup.json. Never part of CI; tests/cli/test_startup.py checks, without
timing, that these commands load no library.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "voiceguide"  # the console script pip installed
PYTHON = [sys.executable]


def commands(before: Path | None) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each row's command line and environment additions."""
    found: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c pass": ([*PYTHON, "-c", "pass"], {}),
        "python -c 'import click'": ([*PYTHON, "-c", "import click"], {}),
        "voiceguide --help": ([str(SCRIPT), "--help"], {}),
        "voiceguide --version": ([str(SCRIPT), "--version"], {}),
        "voiceguide export --help": ([str(SCRIPT), "export", "--help"], {}),
    }
    if before is not None:
        for tree, label in ((ROOT, "this tree"), (before, "before")):
            for args in (["--help"], ["--version"]):
                module = [*PYTHON, "-P", "-m", "voiceguide", *args]  # -P: not the cwd's
                found[f"{label}: python -m voiceguide {args[0]}"] = (
                    module,
                    {"PYTHONPATH": str(tree)},
                )
    return found


def timed(command: list[str], extra: dict[str, str]) -> float:
    """Seconds of wall time of one run (it must succeed). Bytecode is written and read as on
    a user's machine (``PYTHONDONTWRITEBYTECODE``, set on this project's machines, would
    compile voiceguide's modules anew each run, while the libraries' came compiled)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    subprocess.run(command, env={**env, **extra}, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--before", type=Path)
    chosen = parser.parse_args()
    rows = commands(chosen.before)
    times: dict[str, list[float]] = {name: [] for name in rows}
    for command, extra in rows.values():  # once each, unmeasured: the disk cache
        timed(command, extra)
    for _ in range(chosen.runs):
        for name, (command, extra) in rows.items():
            times[name].append(timed(command, extra))
    click = statistics.median(times["python -c 'import click'"])
    results = {
        "runs": chosen.runs,
        "load_average": os.getloadavg(),
        "rows": {
            name: {
                "median_s": statistics.median(runs),
                "ratio_to_click": statistics.median(runs) / click,
                "runs_s": runs,
            }
            for name, runs in times.items()
        },
    }
    print(f"{chosen.runs} runs each, load average {results['load_average'][0]:.2f} at the end")
    for name, row in results["rows"].items():
        print(f"{name:<45} {row['median_s'] * 1000:7.1f} ms  {row['ratio_to_click']:5.2f} x click")
    out = ROOT / "bench" / "results" / "startup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

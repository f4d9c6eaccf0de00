"""A/B: the same voiceguide commands from two source trees, side by side, in one run.

    .venv/bin/python bench/ab.py BEFORE_DIR AFTER_DIR [--runs 5] [--minutes 60]

Each tree runs with this venv's Python and ``PYTHONPATH=TREE`` (so its own ``voiceguide``
package is imported; ``-P``, or ``python -m`` would put the working directory first, and run
from a checkout both sides would be that checkout), with a speech cache of its own, warmed
first. The commands alternate
(A, B, A, B...) so that the machine's drift hits both alike; medians of wall time and peak
RSS (``wait4``) are printed with the ratio B/A. Then both trees export the same session to
WAV with the tone engine (deterministic, unlike espeak-ng, whose output depends on what it
rendered before) and the largest sample difference between the two files is printed: 0 when
the change left the sound alone. Never part of CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure  # noqa: E402
from routines import long_routine  # noqa: E402


def commands(routine: Path, out: Path) -> dict[str, list[str]]:
    return {
        "plan (warm)": ["plan", str(routine), "-q"],
        "export wav": ["export", str(routine), "-o", str(out / "s.wav"), "-q"],
        "export flac": ["export", str(routine), "-o", str(out / "s.flac"), "-q"],
        "export mp3": ["export", str(routine), "-o", str(out / "s.mp3"), "-q"],
    }


def run(tree: Path, cache: Path, args: list[str]) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), "VOICEGUIDE_CACHE_DIR": str(cache)}
    found = measure([sys.executable, "-P", "-m", "voiceguide", *args], env=env)
    if found["exit"] != 0:
        raise SystemExit(f"{tree}: voiceguide {' '.join(args)} failed: {found['stderr']}")
    return found["wall_s"], found["peak_rss_mb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        routine = long_routine(args.minutes, tmp / "routine.yaml")
        trees = {"A": args.before.resolve(), "B": args.after.resolve()}
        caches = {name: tmp / f"cache-{name}" for name in trees}
        for name, tree in trees.items():  # warm each cache
            env = {**os.environ, "PYTHONPATH": str(tree), "VOICEGUIDE_CACHE_DIR": str(caches[name])}
            subprocess.run([sys.executable, "-P", "-m", "voiceguide", "plan", str(routine), "-q"],
                           env=env, check=True, capture_output=True)  # fmt: skip
        results: dict[str, dict[str, list[tuple[float, float]]]] = {}
        for label, command in commands(routine, tmp).items():
            results[label] = {"A": [], "B": []}
            for _ in range(args.runs):
                for name, tree in trees.items():
                    results[label][name].append(run(tree, caches[name], command))
        print(f"{'command':<14} {'A wall':>8} {'B wall':>8} {'B/A':>6} {'A MB':>7} {'B MB':>7}")
        for label, by in results.items():
            walls = {n: statistics.median(w for w, _ in by[n]) for n in by}
            rss = {n: statistics.median(r for _, r in by[n]) for n in by}
            print(
                f"{label:<14} {walls['A']:8.2f} {walls['B']:8.2f} {walls['B'] / walls['A']:6.2f} "
                f"{rss['A']:7.1f} {rss['B']:7.1f}"
            )
        print(f"same sound: {identical(trees, routine, tmp)}")


def identical(trees: dict[str, Path], routine: Path, tmp: Path) -> str:
    """Both trees' WAV exports of ``routine`` with the tone engine, compared sample by sample."""
    import numpy as np
    import soundfile

    made = {}
    for name, tree in trees.items():
        target = tmp / f"tone-{name}.wav"
        env = {**os.environ, "PYTHONPATH": str(tree), "VOICEGUIDE_ENGINE": "tone",
               "VOICEGUIDE_CACHE_DIR": str(tmp / f"tone-cache-{name}")}  # fmt: skip
        subprocess.run([sys.executable, "-P", "-m", "voiceguide", "export", str(routine), "-o",
                        str(target), "-q"], env=env, check=True, capture_output=True)  # fmt: skip
        made[name] = soundfile.read(target, dtype="int16")[0]
    if len(made["A"]) != len(made["B"]):
        return f"no: {len(made['A'])} frames against {len(made['B'])}"
    worst = int(np.abs(made["A"].astype(np.int32) - made["B"]).max())
    return f"largest sample difference {worst} (of 32767) over {len(made['A'])} frames"


if __name__ == "__main__":
    main()

"""Benchmark: what each hostile bed file (voiceguide/testing/hostile_beds.py) costs to open.

    .venv/bin/python bench/bench_hostile_beds.py [--keep DIR] [--limit-mb 1024] [NAME ...]

Each file of the corpus (or the NAMEs given) is made in a folder (``--keep`` one to reuse
the files: the 2 MHz one is 28 MB), then opened as a bed for a 60 s session and read for
60 s in half-second blocks, in a fresh process limited to ``--limit-mb`` of address space
(0: no limit; without one, a header claiming 400 MHz made 8 GB of RSS before this was
fixed). Reported per file: what opening it gave (a bed, or its one line), the process's
peak RSS and the wall time. ``none`` is a process that imports what opening a bed imports
and opens none: the floor. Never fails: a benchmark reports.
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

CHILD = """
import json, sys
from voiceguide.audio import RATE
from voiceguide.bed import open_bed
from voiceguide.errors import VoiceguideError
if sys.argv[1] == "none":
    import soxr
    from voiceguide.audio import loudness
    from voiceguide.bed import decode, looped
    print(json.dumps({"none": "no bed"}))
    sys.exit()
try:
    bed = open_bed(sys.argv[1], length=60.0)
    for first in range(0, 60 * RATE, RATE // 2):
        bed.read(first, RATE // 2)
except VoiceguideError as error:
    print(json.dumps({"refused": str(error)}))
else:
    print(json.dumps({"ok": bed.description}))
"""


def run(spec: str, cache: Path, limit: int) -> dict:
    """Open ``spec`` in a fresh limited process; what it said, its peak RSS and time."""

    def limited() -> None:
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, spec],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            preexec_fn=limited,
            env={**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)},
        )
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        err.seek(0)
        lines = [line for line in err.read().splitlines() if line.startswith(("Traceback", " "))]
    answer = json.loads(out) if out.strip() else {"failed": (lines or ["?"])[-1].strip()}
    return {
        "answer": answer,
        "exit": os.waitstatus_to_exitcode(status),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    from voiceguide.testing import hostile_beds

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", default=list(hostile_beds.CORPUS))
    parser.add_argument("--keep", type=Path, help="a folder to keep the corpus in")
    parser.add_argument("--limit-mb", type=int, default=1024)
    options = parser.parse_args()
    limit = options.limit_mb << 20
    with tempfile.TemporaryDirectory() as scratch:
        folder = options.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results = {"none": run("none", Path(scratch) / "cache", limit)}
        for name in options.names:
            path = folder / name
            if not path.exists():
                hostile_beds.make(name, folder)
            results[name] = run(str(path), Path(scratch) / "cache", limit)
    for name, result in results.items():
        said = next(iter(result["answer"].items()))
        print(
            f"{name:28s} {result['peak_rss_mb']:7.1f} MB {result['seconds']:6.2f} s  "
            f"{said[0]}: {said[1][-110:]}"
        )


if __name__ == "__main__":
    main()

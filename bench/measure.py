"""Run a command and report its wall time, CPU time and peak RSS (of that process and the
processes it waited for), measured with wait4()/getrusage, as one JSON line.

    python bench/measure.py [--timeout S] -- CMD ARGS...
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time


def measure(
    command: list[str],
    timeout: float | None = None,
    env: dict | None = None,
    memory_limit_mb: float | None = None,
) -> dict:
    """Wall seconds, CPU seconds (user + system, children included) and peak RSS in MB.

    ``memory_limit_mb`` caps the process's address space (RLIMIT_AS), so a run that would
    take the machine's memory fails with MemoryError instead of bringing the OOM killer."""

    def limit() -> None:
        if memory_limit_mb is not None:
            size = int(memory_limit_mb * 2**20)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    # output goes to temporary files, not pipes: a command that prints more than a pipe
    # holds (an 8-hour plan's table) would block on it while this waits for its exit
    out_file, err_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env,
        stdout=out_file,
        stderr=err_file,
        start_new_session=True,
        preexec_fn=limit,
    )
    deadline = None if timeout is None else start + timeout
    status = None
    while status is None:
        pid, status_code, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            status = status_code
            break
        if deadline is not None and time.perf_counter() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pid, status_code, usage = os.wait4(process.pid, 0)
            status = "timeout"
            break
        time.sleep(0.01)
    wall = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out, err = (_tail(f) for f in (out_file, err_file))
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        # ru_maxrss of wait4 is the peak of that process; RUSAGE_CHILDREN adds its own waited
        # children (ffmpeg, workers) but is a running maximum over all children so far.
        "peak_rss_mb": max(usage.ru_maxrss, 0) / 1024,
        "peak_rss_children_mb": children.ru_maxrss / 1024,
        "exit": status if status == "timeout" else os.waitstatus_to_exitcode(status),
        "stdout": out,
        "stderr": err,
    }


def _tail(file, size: int = 2000) -> str:
    """The last ``size`` characters of a temporary output file, which is then closed."""
    with file:
        file.seek(0)
        return file.read().decode(errors="replace")[-size:]


if __name__ == "__main__":
    args = sys.argv[1:]
    timeout = None
    if args[:1] == ["--timeout"]:
        timeout, args = float(args[1]), args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    print(json.dumps(measure(args, timeout)))

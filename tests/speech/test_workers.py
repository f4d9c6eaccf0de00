"""The worker pool: calls answered in any order, everything stopped at the first failure,
and workers that never outlive their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from voiceguide.speech import workers
from voiceguide.testing import procs

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def square_after(seconds: float, n: int) -> tuple[int, int]:
    time.sleep(seconds)
    return n * n, os.getpid()


def sleep_after_saying_pid(folder: Path, seconds: float) -> None:
    (folder / f"sleeper-{os.getpid()}").touch()
    time.sleep(seconds)


def fail_once_the_sleeper_runs(folder: Path) -> None:
    deadline = time.monotonic() + 30
    while not list(folder.glob("sleeper-*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    (folder / f"failer-{os.getpid()}").touch()
    raise ValueError("no such thing")


def die_by(signum: int) -> None:
    os.kill(os.getpid(), signum)


def pids_in(folder: Path) -> list[int]:
    return [int(path.name.rsplit("-", 1)[1]) for path in folder.iterdir()]


def test_calls_are_answered_with_their_index_and_workers_are_kept_for_the_next_run():
    with workers.Pool(2) as pool:
        first = dict(pool.run([(square_after, (0.2, n)) for n in range(4)], seconds=60))
        again = dict(pool.run([(square_after, (0.2, n)) for n in range(4, 6)], seconds=60))
        assert {i: sq for i, (sq, _pid) in first.items()} == {0: 0, 1: 1, 2: 4, 3: 9}
        assert {i: sq for i, (sq, _pid) in again.items()} == {0: 16, 1: 25}
        used = {pid for _sq, pid in [*first.values(), *again.values()]}
        assert len(used) == 2 and os.getpid() not in used
    assert procs.wait_gone(sorted(used), 5) == []


def test_a_single_call_leaves_its_worker_ready_for_the_next_one():
    with workers.Pool(1) as pool:
        _sq, first = pool.call(square_after, 0, 2, seconds=60)
        _sq, second = pool.call(square_after, 0, 3, seconds=60)
        assert first == second and procs.alive(first)


def test_a_run_left_unfinished_has_its_busy_workers_stopped(tmp_path):
    pool = workers.Pool(2)
    run = pool.run([(square_after, (0, 2)), (sleep_after_saying_pid, (tmp_path, 600))], 900)
    assert next(run)[0] == 0
    while not list(tmp_path.iterdir()):
        time.sleep(0.01)
    run.close()  # the caller stops iterating, one call still running
    assert [pid for pid in pids_in(tmp_path) if procs.alive(pid)] == []
    _sq, idle = pool.call(square_after, 0, 3, seconds=60)  # the idle worker was kept
    pool.close()
    assert procs.wait_gone([idle], 5) == []


def test_closing_the_pool_stops_the_workers_of_a_suspended_run(tmp_path):
    pool = workers.Pool(2)
    run = pool.run([(square_after, (0, 2)), (sleep_after_saying_pid, (tmp_path, 600))], 900)
    next(run)
    while not list(tmp_path.iterdir()):
        time.sleep(0.01)
    pool.close()
    assert [pid for pid in pids_in(tmp_path) if procs.alive(pid)] == []
    run.close()


def test_a_call_that_raises_kills_every_worker_of_the_run_before_the_error_comes_back(tmp_path):
    pool = workers.Pool(2)
    calls = [(sleep_after_saying_pid, (tmp_path, 600)), (fail_once_the_sleeper_runs, (tmp_path,))]
    started = time.monotonic()
    with pytest.raises(ValueError, match="no such thing"):
        list(pool.run(calls, seconds=900))
    assert time.monotonic() - started < 60  # not the sleeper's 600 s
    pids = pids_in(tmp_path)
    assert len(pids) == 2
    assert [pid for pid in pids if procs.alive(pid)] == []  # killed and reaped, not waited for


def test_a_call_over_its_time_limit_is_stopped(tmp_path):
    pool = workers.Pool(1)
    with pytest.raises(workers.WorkerTimeout, match="more than 1 s"):
        pool.call(sleep_after_saying_pid, tmp_path, 600, seconds=1)
    assert [pid for pid in pids_in(tmp_path) if procs.alive(pid)] == []


def test_a_worker_that_dies_is_reported_as_lost_with_its_signal():
    with workers.Pool(1) as pool, pytest.raises(workers.WorkerLost, match=r"\(signal 9\)"):
        pool.call(die_by, signal.SIGKILL, seconds=60)


def test_a_worker_stopping_is_not_disturbed_by_the_worker_pipes_of_other_pools():
    # each worker closes the parent's ends it inherited: an idle worker of one pool must not
    # keep another pool's worker from seeing its parent close the pipe
    with workers.Pool(1) as first, workers.Pool(1) as second:
        _sq, one = first.call(square_after, 0, 2, seconds=60)
        _sq, two = second.call(square_after, 0, 3, seconds=60)
        assert one != two
    assert procs.wait_gone([one, two], 5) == []


KILLED_PARENT = textwrap.dedent("""
    import sys, threading, time
    from voiceguide.speech import workers

    def pid_after(seconds):
        import os, time
        time.sleep(seconds)
        return os.getpid()

    pool = workers.Pool(2)
    started = []
    def start():  # two overlapping calls: two workers
        started.extend(pid for _i, pid in pool.run([(pid_after, (0.5,)), (pid_after, (0.5,))], 60))
    if sys.argv[1] == "thread":  # forked from a thread that then ends
        thread = threading.Thread(target=start)
        thread.start()
        thread.join()
        time.sleep(0.5)  # a death signal tied to that thread would have fired by now
    else:
        start()
    print(*started, flush=True)
    # one worker busy for an hour, the other idle
    for _index, pid in pool.run([(pid_after, (0,)), (pid_after, (3600,))], 7200):
        print("answered", pid, flush=True)
""")


@pytest.mark.parametrize("forked_from", ["main", "thread"])
@pytest.mark.slow
def test_workers_busy_or_idle_die_when_their_parent_is_killed(forked_from):
    script = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT, forked_from], stdout=subprocess.PIPE, text=True
    )
    pids: list[int] = []
    try:
        pids = [int(word) for word in script.stdout.readline().split()]
        answered = script.stdout.readline()  # the idle-then-quick call: the workers still serve
        assert len(pids) == 2 and answered.startswith("answered")
        time.sleep(0.3)  # the other call is sleeping in its worker by now
        assert script.poll() is None
        script.kill()
        script.wait(timeout=30)
        assert procs.wait_gone(pids, 5) == []
    finally:
        script.kill()
        script.wait(timeout=30)
        for pid in pids:  # never leave a stray process behind, even when the test fails
            if procs.alive(pid):
                os.kill(pid, signal.SIGKILL)

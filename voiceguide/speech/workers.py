"""A small pool of forked worker processes that stop when told and die with their parent.

Why not ``concurrent.futures.ProcessPoolExecutor``: its shutdown waits for running calls (a
worker stuck on a full disk held ``voiceguide`` forever, Ctrl-C included), and its workers
outlive a SIGKILLed parent, blocked on a queue whose write end their siblings keep open (a
pipeline such as ``voiceguide plan | wc -c`` then never ended). Here:

* each worker has its own duplex pipe and holds no other worker's end, so a parent's death
  closes the pipe an idle worker reads (EOF: it exits);
* a busy worker gets SIGKILL when its parent dies (Linux ``PR_SET_PDEATHSIG``), and a thread
  in each worker polls ``getppid`` as the fallback (other systems; workers forked from a
  thread other than the main one, since the death signal follows the *thread* that forked);
* a failed call, a lost worker, a call over its time limit, an interrupt or an abandoned
  ``run`` kill every worker at once (SIGKILL, then reaped), instead of waiting for them;
* workers ignore SIGINT: Ctrl-C reaches the whole process group, and the parent decides.

Calls are ``(function, args)`` pairs; functions, arguments, results and exceptions cross the
pipe pickled, so functions must be module-level.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing import connection
from multiprocessing.connection import Connection
from typing import Any, TypeAlias, cast

PARENT_POLL_SECONDS = 0.5  # how often a worker checks its parent is alive (the fallback)
_PR_SET_PDEATHSIG = 1

Call = tuple[Callable[..., Any], tuple[Any, ...]]


class WorkerLost(Exception):
    """A worker ended (crashed, or was killed from outside) before answering."""

    def __init__(self, exitcode: int | None):
        self.exitcode = exitcode
        how = f"signal {-exitcode}" if exitcode and exitcode < 0 else f"status {exitcode}"
        super().__init__(f"a worker process ended ({how})")


class WorkerTimeout(Exception):
    """A call took longer than its limit (``seconds``)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"a call took more than {seconds:.0f} s")


class Pool:
    """Up to ``size`` worker processes, started (forked) when calls need them and kept for
    the next ``run`` until ``close``. Use as a context manager, or call ``close``."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size!r}")
        self.size = size
        self._idle: list[_Worker] = []
        self._started: set[_Worker] = set()  # every worker alive, idle or busy

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker, busy ones too (a ``run`` still suspended is over)."""
        self._kill(self._started)

    def interrupt(self) -> None:
        """SIGKILL every worker, from another thread than the one running calls: its
        ``run`` sees them lost and reaps them itself (no pipe is closed here, so none is
        closed twice)."""
        for worker in list(self._started):
            worker.kill()

    def call(self, function: Callable[..., Any], *args: Any, seconds: float) -> Any:
        """``function(*args)`` in a worker; its result, or its exception raised here."""
        ((_index, result),) = self.run([(function, args)], seconds)
        return result

    def run(self, calls: Sequence[Call], seconds: float) -> Iterator[tuple[int, Any]]:
        """Run each call in a worker; yield ``(index in calls, result)`` as each finishes.

        A call's exception is raised here; ``WorkerLost`` when a worker ends before
        answering; ``WorkerTimeout`` when a call takes more than ``seconds``. On any of
        these, or an interrupt, every worker is killed before the exception goes on; when
        the caller stops iterating early, the workers still busy are: nothing keeps
        running."""
        todo = deque(enumerate(calls))
        busy: dict[_Worker, tuple[int, float]] = {}  # worker -> (call index, deadline)
        try:
            while todo or busy:
                while todo and len(busy) < self.size:
                    index, (function, args) = todo.popleft()
                    worker = self._idle.pop() if self._idle else self._start()
                    busy[worker] = (index, time.monotonic() + seconds)
                    worker.send(function, args)
                for worker in _ready(busy, seconds):
                    result = worker.receive()  # raises: still busy, so killed below
                    index, _deadline = busy.pop(worker)
                    self._idle.append(worker)
                    yield index, result
        except GeneratorExit:
            self._kill(busy)
            raise
        except BaseException:
            self._kill(self._started)
            raise

    def _start(self) -> _Worker:
        worker = _Worker.start()
        self._started.add(worker)
        return worker

    def _kill(self, workers: Iterable[_Worker]) -> None:
        """SIGKILL the ``workers`` first, then reap them: none waits on another's end."""
        doomed = list(workers)
        for worker in doomed:
            worker.kill()
        for worker in doomed:
            worker.reap()
            self._started.discard(worker)
            if worker in self._idle:
                self._idle.remove(worker)


_Handle: TypeAlias = "Connection[Any, Any] | int"  # a pipe, or a process's sentinel


def _ready(busy: dict[_Worker, tuple[int, float]], seconds: float) -> list[_Worker]:
    """The busy workers with an answer (or an end) to read; ``WorkerTimeout`` when the
    earliest deadline passes first."""
    deadline = min(limit for _index, limit in busy.values())
    by_handle: dict[_Handle, _Worker] = {}
    for worker in busy:
        by_handle[worker.conn] = worker
        by_handle[worker.process.sentinel] = worker
    left = max(0.0, deadline - time.monotonic())
    ready = cast("list[_Handle]", connection.wait(list(by_handle), timeout=left))  # ours back
    if not ready:
        raise WorkerTimeout(seconds)
    return list(dict.fromkeys(by_handle[handle] for handle in ready))


class _Worker:
    """One forked process and the parent's end of its pipe."""

    _parent_ends: list[Connection] = []  # every live worker's parent end, closed in children

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection):
        self.process = process
        self.conn = conn

    @classmethod
    def start(cls) -> _Worker:
        ours, theirs = multiprocessing.Pipe(duplex=True)
        cls._parent_ends.append(ours)
        deathsig = threading.current_thread() is threading.main_thread()
        context = multiprocessing.get_context("fork")  # starts in ms, no import guard
        process = context.Process(
            target=_serve,
            args=(theirs, list(cls._parent_ends), os.getpid(), deathsig),
            name="voiceguide-worker",
            daemon=True,
        )
        try:
            process.start()
        except BaseException:
            cls._forget(ours)
            theirs.close()
            raise
        theirs.close()  # only the worker holds its end: its death is EOF here
        return cls(process, ours)

    def send(self, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            self.conn.send((function, args))
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise WorkerLost(self._exitcode()) from exc

    def receive(self) -> Any:
        """The answer to the call sent: its result, or its exception raised."""
        try:
            ok, value = self.conn.recv()
        except (EOFError, ConnectionResetError) as exc:
            raise WorkerLost(self._exitcode()) from exc
        if not ok:
            raise value
        return value

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()

    def reap(self) -> None:
        self.process.join(timeout=5.0)  # after SIGKILL: at once, unless stuck in the kernel
        self._forget(self.conn)
        self.conn.close()

    def _exitcode(self) -> int | None:
        self.process.join(timeout=1.0)
        return self.process.exitcode

    @classmethod
    def _forget(cls, conn: Connection) -> None:
        with contextlib.suppress(ValueError):
            cls._parent_ends.remove(conn)


# -- in the worker ----------------------------------------------------------------------------


def _serve(conn: Connection, parent_ends: list[Connection], parent: int, deathsig: bool) -> None:
    """A worker's life: answer calls until the parent's end of the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for end in parent_ends:  # inherited from the fork: holding them would hide EOFs
        end.close()
    if deathsig:
        _die_with_parent()
    if os.getppid() != parent:  # the parent died before the death signal was set
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    while True:
        try:
            function, args = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            answer = (True, function(*args))
        except Exception as exc:  # sent to the parent, which raises it
            answer = (False, _portable(exc))
        try:
            conn.send(answer)
        except OSError:
            os._exit(0)


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling (a custom ``__init__`` often does not), else a
    ``RuntimeError`` with its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _die_with_parent() -> None:
    """Ask Linux for SIGKILL when the parent's forking thread ends (no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the watching thread is the only guard


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)

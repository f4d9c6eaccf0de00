"""Processes as tests see them (Linux ``/proc``): a process's children, and whether a process
is still there. A zombie counts as gone: it runs nothing and holds no file open."""

from __future__ import annotations

import time
from pathlib import Path

_GONE = ("", "Z", "X")  # no such process, a zombie, dead


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            state, parent = _stat(int(entry.name))
            if parent == pid and state not in _GONE:
                found.append(int(entry.name))
    return sorted(found)


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    return _stat(pid)[0] not in _GONE


def wait_gone(pids: list[int], seconds: float) -> list[int]:
    """Wait up to ``seconds`` for every one of ``pids`` to be gone; return those left."""
    deadline = time.monotonic() + seconds
    while True:
        left = [pid for pid in pids if alive(pid)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def wait_children(pid: int, count: int, seconds: float) -> list[int]:
    """Wait up to ``seconds`` until ``pid`` has ``count`` children; return them (maybe fewer)."""
    deadline = time.monotonic() + seconds
    while True:
        found = children(pid)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _stat(pid: int) -> tuple[str, int]:
    """(state, parent pid) from /proc/PID/stat, or ("", 0) if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "", 0
    fields = text[text.rindex(")") + 2 :].split()  # the command may hold spaces and ')'
    return fields[0], int(fields[1])


def environments(name: str) -> dict[int, str]:
    """``{pid: value}`` of the environment variable ``name`` in every live process that has it
    (of those this user may read): how a test finds every process a command started, however
    they were parented since."""
    wanted = f"{name}=".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for variable in environment:
            if variable.startswith(wanted) and alive(int(entry.name)):
                found[int(entry.name)] = variable[len(wanted) :].decode(errors="replace")
    return found

"""What the command writes on a real terminal (a pseudo-terminal here)."""

from __future__ import annotations

import os
import pty

import pytest

from voiceguide.testing import launch


def run_on_terminal(args: list[str], env: dict) -> bytes:
    master, slave = pty.openpty()
    try:
        proc = launch.start(*args, env=env, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=120) == 0, seen
        return seen
    finally:
        os.close(master)


@pytest.mark.parametrize("term, escapes", [("dumb", False), ("xterm", True)])
@pytest.mark.slow
def test_a_dumb_terminal_gets_no_escape_codes(tmp_path, term, escapes):
    shown = run_on_terminal(
        ["export", "back-massage", "-l", "20m", "-o", str(tmp_path / "n.flac")], {"TERM": term}
    )
    assert b"wrote " in shown
    assert (b"\x1b" in shown) is escapes, shown

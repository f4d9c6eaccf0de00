"""Whatever signal ends the process, the terminal and the disk are restored; a failing standard
output is one line, never a traceback. Real processes, real interrupts."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import termios
import time
from pathlib import Path

import pytest

from voiceguide import interrupts
from voiceguide.testing import launch, pulse

spawn = launch.start  # the tone engine


def wait_for(condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_interrupted_remembers_its_signal_and_exit_status():
    assert interrupts.exit_status(interrupts.Interrupted(signal.SIGHUP)) == 129
    assert interrupts.exit_status(KeyboardInterrupt()) == 130


def test_a_signal_inside_as_interrupts_raises_and_the_old_handler_comes_back():
    before = signal.getsignal(signal.SIGHUP)
    with pytest.raises(interrupts.Interrupted) as caught, interrupts.as_interrupts():
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(1)  # the handler runs at the next bytecode; this is never reached whole
    assert caught.value.signum == signal.SIGHUP
    assert signal.getsignal(signal.SIGHUP) is before


def test_a_signal_lost_in_a_c_callback_is_raised_again_by_check():
    """cffi prints an exception raised in a callback (libsndfile reading) and drops it: an
    export then ran to its end and exited 0 after SIGTERM (1 run in 8)."""
    with interrupts.as_interrupts():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)
        except interrupts.Interrupted:
            pass  # what cffi does with it
        with pytest.raises(interrupts.Interrupted) as raised:
            interrupts.check()
        assert raised.value.signum == signal.SIGTERM
        interrupts.check()  # once: the cleanup that follows is not cut again
    interrupts.check()


def test_the_mix_stops_at_a_lost_signal():
    from voiceguide.exporting import mix
    from voiceguide.plan import Plan

    plan = Plan("Quiet", 60.0, (), ())
    with interrupts.as_interrupts():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)
        except interrupts.Interrupted:
            pass
        with pytest.raises(interrupts.Interrupted):
            list(mix.blocks(plan, lambda event: None))


def test_a_repeated_signal_does_not_cut_the_cleanup_short():
    cleaned = []
    with pytest.raises(interrupts.Interrupted), interrupts.as_interrupts():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # a second one, while cleaning up
            time.sleep(0.01)
            cleaned.append(True)
    assert cleaned == [True]


@pytest.fixture
def long_routine(tmp_path) -> Path:
    path = tmp_path / "long.yaml"
    path.write_text("title: Long rest\nsteps:\n  - {name: Rest, say: Rest now., duration: 2h}\n")
    return path


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGQUIT, signal.SIGTERM, signal.SIGINT])
@pytest.mark.slow
def test_a_signal_during_export_leaves_no_partial_file(tmp_path, long_routine, signum):
    out = tmp_path / "out"
    out.mkdir()
    proc = spawn(
        "export", str(long_routine), "-o", str(out / "rest.wav"), stderr=subprocess.PIPE, text=True
    )
    wait_for(lambda: any(out.iterdir()) or proc.poll() is not None, what="the partial file")
    assert proc.poll() is None, "the export ended before it could be interrupted"
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum
    assert "Traceback" not in stderr
    assert "interrupted: nothing was written" in stderr
    assert list(out.iterdir()) == []


def test_a_full_standard_output_is_one_line_and_exit_1():
    with open("/dev/full", "w") as full:
        result = launch.run("plan", "back-massage", stdout=full, stderr=subprocess.PIPE)
    assert (result.returncode, result.stderr) == (
        1,
        "cannot write to standard output: No space left on device\n",
    )


def test_version_and_help_to_a_full_standard_output_are_one_line_too():
    for args in (["--version"], ["plan", "--help"]):
        with open("/dev/full", "w") as full:
            result = launch.run(*args, stdout=full, stderr=subprocess.PIPE, timeout=60)
        assert (result.returncode, result.stderr) == (
            1,
            "cannot write to standard output: No space left on device\n",
        ), args


def test_a_reader_that_went_away_ends_the_command_quietly():
    proc = spawn(
        "plan", "back-massage", "-l", "45m", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()  # like `| head -c0`: the first write meets a closed pipe
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert (proc.returncode, stderr) == (128 + signal.SIGPIPE, "")


# -- the terminal ---------------------------------------------------------------------------


def read_until(fd: int, wanted: bytes, timeout: float = 60.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {wanted!r} in {seen[-500:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


@pytest.mark.audio_device
@pytest.mark.skipif(not pulse.available(), reason="needs pulseaudio and pulseaudio-utils")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_play_gives_the_terminal_its_echo_back(tmp_path, signum):
    with pulse.null_sink(tmp_path / "p"):
        master, slave = pty.openpty()
        try:
            proc = spawn(
                "play", "neck-stretch", "-l", "5m", stdin=slave, stdout=slave, stderr=slave
            )
            read_until(master, b"left")  # the status line: keys are being read
            assert not termios.tcgetattr(slave)[3] & termios.ECHO  # cbreak, no echo
            proc.send_signal(signum)
            proc.wait(timeout=30)
            assert proc.returncode == 128 + signum
            assert termios.tcgetattr(slave)[3] & termios.ECHO
            assert termios.tcgetattr(slave)[3] & termios.ICANON
        finally:
            os.close(master)
            os.close(slave)

"""Fault injection: a missing engine, a broken cache, a full disk, an unwritable directory.

Each fault must give one clear line with what to do, the right exit status, and leave
nothing partial behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from voiceguide.testing import launch, procs

ROOT = Path(__file__).resolve().parent.parent

NO_ESPEAK = textwrap.dedent("""
    # Loaded at interpreter start (sitecustomize): espeak-ng's library cannot be found.
    import ctypes

    _load = ctypes.cdll.LoadLibrary

    def _refuse(name, *args, **kwargs):
        if "espeak" in str(name):
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return _load(name, *args, **kwargs)

    ctypes.cdll.LoadLibrary = _refuse
""")


def run_cli(
    *args: str, env: dict | None = None, timeout: float = 120, **kwargs
) -> subprocess.CompletedProcess:
    return launch.run(*args, env=env, engine=None, timeout=timeout, **kwargs)


@pytest.fixture
def without_espeak(tmp_path) -> dict:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_ESPEAK)
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_without_espeak_ng_plan_says_how_to_install_it_in_one_line(without_espeak, tmp_path):
    result = run_cli(
        "plan", "back-massage", env={**without_espeak, "VOICEGUIDE_CACHE_DIR": str(tmp_path / "c")}
    )
    assert result.returncode == 1
    assert result.stderr == (
        "espeak-ng is not installed; install it with 'sudo apt-get install "
        "espeak-ng' (or run ./setup.sh)\n"
    )
    assert result.stdout == ""


@pytest.mark.slow
def test_without_espeak_ng_a_warm_cache_still_plans(without_espeak, tmp_path):
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp_path / "c")}
    assert run_cli("plan", "first-back-massage", "-q", env=env).returncode == 0
    result = run_cli("plan", "first-back-massage", "-q", env={**without_espeak, **env})
    assert (result.returncode, result.stderr) == (0, "")
    assert "First back massage" in result.stdout


def test_check_times_the_speech_so_without_espeak_ng_it_says_how_to_install_it(
    without_espeak, write_routine
):
    """check prepares the session as plan does (issue 11): it needs the engine, or a warm
    cache, to know how long the instructions take."""
    plain = write_routine("title: T\nsteps:\n  - {name: a, duration: 1m}\n", "plain.yaml")
    result = run_cli(
        "check", str(plain), env={**without_espeak, "VOICEGUIDE_CACHE_DIR": str(plain.parent)}
    )
    assert result.returncode == 1
    assert result.stderr == (
        "espeak-ng is not installed; install it with 'sudo apt-get install "
        "espeak-ng' (or run ./setup.sh)\n"
    )


@pytest.mark.slow
def test_a_file_size_limit_mid_export_fails_cleanly_and_keeps_the_previous_file(tmp_path):
    """`ulimit -f` stands in for a full disk: the write fails part-way (EFBIG)."""
    import resource

    target = tmp_path / "session.wav"
    target.write_bytes(b"the previous export")
    env = {"VOICEGUIDE_ENGINE": "tone", "VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}

    def limit() -> None:  # 2 MB: the clip cache fits, a 10-minute WAV (57 MB) does not
        resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))

    assert run_cli("plan", "back-massage", "-q", env=env).returncode == 0  # warm the cache
    result = run_cli(
        "export", "back-massage", "-l", "10m", "-o", str(target), env=env, preexec_fn=limit
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"could not write {target}: ")
    assert result.stderr.endswith(": nothing was written\n")
    assert target.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "session.wav"]


def test_a_file_size_limit_under_the_speech_cache_is_named_and_leaves_no_entry(tmp_path):
    """It said "the disk is full" (libsndfile reports EFBIG only as a failed write); a
    full disk itself is ``small_disk``'s, below."""
    import resource

    cache = tmp_path / "cache"
    env = {"VOICEGUIDE_ENGINE": "tone", "VOICEGUIDE_CACHE_DIR": str(cache)}

    def limit() -> None:  # 100 kB: the first speech clip does not fit
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    result = run_cli("plan", "back-massage", env=env, preexec_fn=limit)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr == (
        f"cannot store speech in the cache {cache}: the file-size limit was reached "
        "(ulimit -f: 97 kB per file); raise it (ulimit -f unlimited)\n"
    )
    assert not [p for p in cache.iterdir() if p.suffix == ".wav"]


# -- a full disk, an unwritable cache, foreign entries, killed and stuck workers ---------------

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
FREE_SPACE = "free some space or point VOICEGUIDE_CACHE_DIR elsewhere\n"


@pytest.fixture
def small_disk(tmp_path):
    """``mount(size, *options)``: a tmpfs of ``size`` bytes at a new directory (unmounted
    afterwards); the test is skipped where mounting is not permitted (not root)."""
    points = []

    def mount(size: int, *options: str) -> Path:
        point = tmp_path / f"disk{len(points)}"
        point.mkdir()
        try:
            done = subprocess.run(
                [
                    "mount",
                    "-t",
                    "tmpfs",
                    "-o",
                    ",".join([f"size={size}", *options]),
                    "tmpfs",
                    str(point),
                ],
                capture_output=True,
                text=True,
            )
        except FileNotFoundError:
            pytest.skip("no mount command here")
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
        points.append(point)
        return point

    yield mount
    for point in points:
        subprocess.run(["umount", "-l", str(point)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill ``disk`` until ``leave`` bytes are free (0: until writing fails)."""
    with open(disk / "filler", "wb") as filler:
        try:
            while shutil.disk_usage(disk).free > leave:
                filler.write(bytes(min(64 << 10, shutil.disk_usage(disk).free - leave or 4096)))
                filler.flush()
        except OSError:
            pass  # full


def hidden(directory: Path) -> list[str]:
    """What a run left in ``directory`` under a temporary name."""
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def running_with(cache: Path) -> list[int]:
    """The processes still running with ``cache`` as theirs, 5 s after the command ended."""
    found = procs.environments("VOICEGUIDE_CACHE_DIR")
    return procs.wait_gone([pid for pid, value in found.items() if value == str(cache)], 5)


@pytest.fixture(autouse=True)
def no_stray_process(tmp_path):
    """Kill what a failed test left running with a cache under ``tmp_path``."""
    yield
    for pid, value in procs.environments("VOICEGUIDE_CACHE_DIR").items():
        if value.startswith(str(tmp_path)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@needs_espeak
@pytest.mark.engine
@pytest.mark.parametrize("room", ["none", "some, then none"])
def test_a_full_disk_fails_plan_at_once_in_one_line_and_leaves_nothing(small_disk, room):
    disk = small_disk(4 << 20)
    cache = disk / "cache"
    fill(disk, 0 if room == "none" else 2500 << 10)  # enough to start, not for every clip
    result = run_cli("plan", "back-massage", env={"VOICEGUIDE_CACHE_DIR": str(cache)}, timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"cannot store speech in the cache {cache} (")
    assert result.stderr.endswith(FREE_SPACE)
    assert hidden(cache) == [] and running_with(cache) == []


def test_an_unwritable_cache_says_so_and_does_not_suggest_freeing_space(tmp_path, small_disk):
    if os.geteuid() == 0:  # permissions do not stop root: a read-only file system does
        cache = small_disk(1 << 20, "ro")
        reason = "Read-only file system"
    else:
        cache = tmp_path / "cache"
        cache.mkdir(mode=0o555)
        reason = "Permission denied"
    env = {"VOICEGUIDE_ENGINE": "tone", "VOICEGUIDE_CACHE_DIR": str(cache)}
    result = run_cli("plan", "back-massage", env=env)
    assert (result.returncode, result.stderr) == (
        1,
        f"the speech cache {cache} is not writable ({reason}); make it writable for this "
        "user or point VOICEGUIDE_CACHE_DIR at a writable directory\n",
    )


def test_a_fifo_in_the_cache_fails_the_export_in_one_line_and_is_left_alone(tmp_path):
    cache = tmp_path / "cache"
    env = {"VOICEGUIDE_ENGINE": "tone", "VOICEGUIDE_CACHE_DIR": str(cache)}
    assert run_cli("plan", "back-massage", "-q", env=env).returncode == 0
    entry = sorted(cache.glob("the-basic-rub-*.wav"))[0]
    entry.unlink()
    os.mkfifo(entry)
    target = tmp_path / "session.wav"
    result = run_cli("export", "back-massage", "-o", str(target), env=env, timeout=60)
    assert (result.returncode, result.stderr) == (
        1,
        f"the speech cache entry {entry} is a FIFO, not a clip voiceguide wrote; "
        "remove it or point VOICEGUIDE_CACHE_DIR elsewhere\n",
    )
    assert stat.S_ISFIFO(entry.lstat().st_mode) and not target.exists()


LONG_ROUTINE = "title: Many cues\nsteps:\n" + "".join(
    f"  - name: Step {n}\n    say: Step {n}. Glide both flat hands slowly from the lower back "
    f"up to the neck, then across the shoulders and down again, {n} times.\n"
    "    duration: 1m\n"
    for n in range(40)
)


@needs_espeak
@pytest.mark.engine
def test_render_workers_die_with_a_killed_cli_and_its_output_pipe_ends(tmp_path):
    routine = tmp_path / "many.yaml"
    routine.write_text(LONG_ROUTINE)
    cache = tmp_path / "cache"
    cli = launch.start(
        "plan",
        routine,
        "-q",
        env={"VOICEGUIDE_CACHE_DIR": str(cache)},
        engine=None,
        stdout=subprocess.PIPE,
    )
    try:
        workers = procs.wait_children(cli.pid, min(2, os.cpu_count() or 1), 60)
        assert workers and cli.poll() is None  # rendering: 40 cues take seconds
        cli.kill()
        cli.wait(timeout=30)
        assert procs.wait_gone(workers, 5) == []
        reader = threading.Thread(target=cli.stdout.read, daemon=True)  # `| wc -c`
        reader.start()
        reader.join(timeout=10)
        assert not reader.is_alive()  # nobody holds the pipe open any more
        assert running_with(cache) == []
    finally:
        cli.kill()
        cli.wait(timeout=30)


SAVE_ON_A_FULL_DISK = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    from voiceguide.speech import espeak as engine
    from voiceguide.routine import Voice

    synth = engine.make_synth()
    synth.voices()  # the engine starts before the limit (its sound server maps memory)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # a sentence takes 200 kB
    text = "Glide both flat hands slowly from the lower back up to the neck."
    for n in range(2):
        try:
            synth.render(text, Voice("gmw/en-us", 160), Path(sys.argv[1]) / f"{n}.wav")
        except Exception as exc:
            print(type(exc).__name__, getattr(exc, "errno", None), flush=True)
""")


@needs_espeak
@pytest.mark.engine
def test_the_engine_reports_a_failed_save_at_once_and_then_refuses_rather_than_hangs(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SAVE_ON_A_FULL_DISK, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout == f"OSError {errno.EFBIG}\nSpeechError None\n"
    assert "Exception ignored" not in done.stderr


NO_PIPER = textwrap.dedent("""
    # Loaded at interpreter start (sitecustomize): piper-tts is not installed.
    from importlib import metadata

    _version = metadata.version

    def _absent(name):
        if name == "piper-tts":
            raise metadata.PackageNotFoundError(name)
        return _version(name)

    metadata.version = _absent
""")


def test_without_piper_a_routine_or_option_asking_for_it_says_how_to_install_it(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_PIPER)
    env = {"PYTHONPATH": str(site), "VOICEGUIDE_CACHE_DIR": str(tmp_path / "c")}
    routine = tmp_path / "natural.yaml"
    routine.write_text(
        "title: T\nvoice: {engine: piper, name: joe}\nsteps: [{name: Rub, duration: 1m}]\n"
    )
    for args in (["plan", "back-massage", "--engine", "piper"], ["say", "Hi.", "-r", str(routine)]):
        result = run_cli(*args, env=env)
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == (  # the pip of voiceguide's own Python, not any "pip"
            "the Piper engine is not installed; install it with: "
            f"{shlex.quote(sys.executable)} -m pip install 'voiceguide[piper]'\n"
        )


@pytest.mark.skipif(
    subprocess.run([sys.executable, "-c", "import piper"], capture_output=True).returncode,
    reason="piper-tts is not installed",
)
def test_a_piper_voice_that_is_not_installed_says_how_to_install_one(tmp_path):
    result = run_cli(
        "say",
        "Hi.",
        "--engine",
        "piper",
        "--voice",
        "amy",
        "-o",
        str(tmp_path / "a.wav"),
        env={"VOICEGUIDE_CACHE_DIR": str(tmp_path / "c")},
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("the Piper voice 'amy' is not installed (installed: joe); ")
    assert result.stderr.count("\n") == 1 and not (tmp_path / "a.wav").exists()

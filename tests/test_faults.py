"""Fault injection: a missing engine, a broken cache, a full disk, an unwritable directory.

Each fault must give one clear line with what to do, the right exit status, and leave
nothing partial behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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


def run_cli(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voiceguide", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120, **kwargs)


@pytest.fixture
def without_espeak(tmp_path) -> dict:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_ESPEAK)
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_without_espeak_ng_plan_says_how_to_install_it_in_one_line(without_espeak, tmp_path):
    result = run_cli("plan", "back-massage", env={**without_espeak,
                                                  "VOICEGUIDE_CACHE_DIR": str(tmp_path / "c")})
    assert result.returncode == 1
    assert result.stderr == ("espeak-ng is not installed; install it with 'sudo apt-get install "
                             "espeak-ng' (or run ./setup.sh)\n")
    assert result.stdout == ""


def test_without_espeak_ng_a_warm_cache_still_plans(without_espeak, tmp_path):
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp_path / "c")}
    assert run_cli("plan", "first-back-massage", "-q", env=env).returncode == 0
    result = run_cli("plan", "first-back-massage", "-q", env={**without_espeak, **env})
    assert (result.returncode, result.stderr) == (0, "")
    assert "First back massage" in result.stdout


def test_check_needs_no_engine_unless_a_voice_is_named(without_espeak, write_routine):
    plain = write_routine("title: T\nsteps:\n  - {name: a, duration: 1m}\n", "plain.yaml")
    assert run_cli("check", str(plain), env=without_espeak).returncode == 0
    voiced = write_routine("title: T\nvoice: en-us\nsteps:\n  - {name: a, duration: 1m}\n",
                           "voiced.yaml")
    result = run_cli("check", str(voiced), env={**without_espeak,
                                                "VOICEGUIDE_CACHE_DIR": str(voiced.parent)})
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "espeak-ng is not installed" in result.stderr

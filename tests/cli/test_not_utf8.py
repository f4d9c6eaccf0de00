"""Bytes that are not UTF-8 where a user can put them: in ``say``'s text, in a bed's or an
output's file name, in the cache folder, in a routine's folder. File names are bytes and
must work; text must be UTF-8 and says so; messages show such bytes escaped (``\\xe9``) and
never fail on a terminal that takes only UTF-8 (``PYTHONIOENCODING=utf-8:strict``, as a
UTF-8 desktop locale is). Run as a program: only the real command line hands Python such
bytes (as lone surrogates)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voiceguide.routine import BED_LEVEL
from voiceguide.testing import launch

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str | bytes, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {"PYTHONIOENCODING": "utf-8:strict", **(env or {})}
    return launch.run(*args, env=environment, cwd=ROOT, text=False)


def test_say_refuses_text_that_is_not_utf8_in_one_line(tmp_path):
    result = run_cli("say", b"caf\xe9 time", "-o", str(tmp_path / "a.wav"))
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr == (
        b"TEXT is not UTF-8 text (byte 0xe9 after 'caf'): the terminal sends another encoding;"
        b" set a UTF-8 locale (LANG=C.UTF-8) or write the text in a routine\n"
    )


def test_say_writes_to_a_file_whose_name_is_not_utf8(tmp_path):
    target = os.fsencode(tmp_path) + b"/s\xe9.wav"
    result = run_cli("say", "Hello there.", "-o", target)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"wrote " + os.fsencode(tmp_path) + b"/s\\xe9.wav (")
    assert sf.info(target).duration > 0.5


def test_a_cache_folder_whose_name_is_not_utf8_is_used(tmp_path):
    cache = os.fsencode(tmp_path) + b"/c\xe9che"
    env = {"VOICEGUIDE_CACHE_DIR": os.fsdecode(cache)}
    result = run_cli("say", "Hello there.", "-o", str(tmp_path / "a.wav"), env=env)
    assert result.returncode == 0, result.stderr
    (clip,) = [name for name in os.listdir(cache) if name.startswith(b"hello-there-")]
    assert sf.info(cache + b"/" + clip).samplerate == 48000


@pytest.mark.slow
def test_a_bed_whose_name_is_not_utf8_plays_as_the_same_file_would(tmp_path):
    rate = 48000
    noise = np.random.default_rng(5).normal(0, 0.1, 20 * rate).astype(np.float32)
    sf.write(tmp_path / "cafe.wav", noise, rate)
    latin1 = os.fsencode(tmp_path) + b"/caf\xe9.wav"  # from an old music folder
    shutil.copyfile(tmp_path / "cafe.wav", latin1)
    outputs = []
    for name, bed in (("a.wav", latin1), ("b.wav", os.fsencode(tmp_path / "cafe.wav"))):
        cache = {"VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
        result = run_cli(
            "export",
            "neck-stretch",
            "-l",
            "2m",
            "--bed",
            bed,
            "-o",
            str(tmp_path / name),
            env=cache,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(sf.read(tmp_path / name, dtype="float32")[0])
    np.testing.assert_array_equal(outputs[0], outputs[1])  # the bed under the speech, as is
    assert np.sqrt(np.mean(outputs[0][: 2 * rate] ** 2)) > 1e-3  # it sounds before the intro
    shown = run_cli("plan", "neck-stretch", "--bed", latin1)
    assert shown.returncode == 0, shown.stderr
    assert (
        b"bed: " + os.fsencode(tmp_path) + b"/caf\\xe9.wav, %d LU under" % BED_LEVEL in shown.stdout
    )


def test_a_routine_in_a_folder_whose_name_is_not_utf8_is_named_escaped(tmp_path):
    folder = os.fsencode(tmp_path) + b"/r\xe9"
    os.mkdir(folder)
    with open(folder + b"/bad.yaml", "w") as handle:
        handle.write("title: T\nstep: x\n")
    result = run_cli("check", folder + b"/bad.yaml")
    assert result.returncode == 2
    assert result.stderr.startswith(os.fsencode(tmp_path) + b"/r\\xe9/bad.yaml:2: the routine: ")
    assert result.stderr.count(b"\n") == 1


@pytest.mark.engine
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_renders_into_a_cache_folder_whose_name_is_not_utf8(tmp_path):
    cache = os.fsencode(tmp_path) + b"/c\xe9che"
    env = {"VOICEGUIDE_CACHE_DIR": os.fsdecode(cache), "VOICEGUIDE_ENGINE": ""}
    result = run_cli("say", "Hello there.", "-o", str(tmp_path / "a.wav"), env=env)
    assert result.returncode == 0, result.stderr
    assert sf.info(tmp_path / "a.wav").duration > 0.5

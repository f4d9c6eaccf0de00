"""--bed, --bed-level, --duck and a routine's bed: on the command line: what the plan says,
and every mistake as one line with exit status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from voiceguide.live import backends, player


def routine(tmp_path, bed: str) -> str:
    path = tmp_path / "bedded.yaml"
    path.write_text(
        f"title: Bedded\n{bed}\nsteps:\n  - {{name: A, say: Hello there., duration: 30s}}\n"
    )
    return str(path)


@pytest.mark.slow
def test_the_plan_names_the_bed_its_level_and_duck(run):
    result = run("plan", "neck-stretch", "--bed", "rain", "--bed-level", "20", "--duck", "15")
    assert result.exit_code == 0
    assert (
        result.output.splitlines()[1] == "bed: rain, 20 LU under the speech, 15 dB more under words"
    )
    data = json.loads(run("plan", "neck-stretch", "--bed", "rain", "--json").output)
    assert (data["bed"]["sound"], data["bed"]["level"], data["bed"]["duck"]) == ("rain", 22, 12)
    speech = [e for e in data["events"] if e["kind"] == "speech"]
    assert data["bed"]["ducked"][0][0] == speech[0]["at"]  # fully down at the first word


@pytest.mark.slow
def test_no_bed_unless_asked_and_none_turns_off_a_routines_bed(run, tmp_path):
    assert "bed" not in run("plan", "neck-stretch").output.splitlines()[1]
    assert json.loads(run("plan", "neck-stretch", "--json").output)["bed"] is None
    path = routine(tmp_path, "bed: {sound: drone, level: 24, duck: 14}")
    assert run("plan", path).output.splitlines()[1] == (
        "bed: drone, 24 LU under the speech, 14 dB more under words"
    )
    assert json.loads(run("plan", path, "--bed", "none", "--json").output)["bed"] is None
    off = routine(tmp_path, "bed: off")  # YAML reads it as false: no bed, as pace: off
    assert json.loads(run("plan", off, "--json").output)["bed"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bed", "ocen"], "--bed: unknown bed 'ocen': did you mean 'ocean'?"),
        (["--bed", "nowhere.mp3"], "--bed: bed file "),
        (["--bed-level", "99"], "Invalid value for '--bed-level'"),
        (["--duck", "-3"], "Invalid value for '--duck'"),
        (["--bed-level", "nan"], "'nan' is not a number; give one from 6 to 40"),
        (["--duck", "nan"], "'nan' is not a number; give one from 0 to 40"),
        (["--bed", "~nobody-such-user/x.wav"], "does not exist (no such user's home)"),
    ],
)
@pytest.mark.slow
def test_a_bad_bed_option_is_one_clear_error_with_status_2(run, args, message):
    """(nan passed click's range check and made a file of full-scale noise; ~user raised.)"""
    result = run("plan", "neck-stretch", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("bed", "message"),
    [
        ("bed: missing.mp3", ":2: bed: bed file "),
        ("bed: {sound: rain, level: 50}", ":2: bed: level (LU under the speech) must be"),
        ("bed: {sound: rain, loud: 3}", ":2: "),
    ],
)
def test_a_bad_bed_in_a_routine_names_the_file_and_line(run, tmp_path, bed, message):
    path = routine(tmp_path, bed)
    result = run("plan", path)
    assert result.exit_code == 2
    assert result.output.startswith(path + message), result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_bed_file_is_relative_to_the_routine_and_looped(run, tmp_path):
    rng = np.random.default_rng(1)
    soundfile.write(tmp_path / "hum.flac", rng.normal(0, 0.05, 8 * 44100), 44100)
    path = routine(tmp_path, "bed: {sound: hum.flac, level: 20}")
    out = tmp_path / "s.wav"
    result = run("export", path, "-o", str(out))
    assert result.exit_code == 0, result.output
    samples, rate = soundfile.read(out)
    assert rate == 48000 and len(samples) > 30 * rate
    gap = samples[20 * rate : 25 * rate]  # after the only words: the bed, looped past 8 s
    assert 10 * np.log10(np.mean(gap**2)) > -50


@pytest.mark.slow
def test_without_a_sound_device_the_export_hint_keeps_the_bed(run, monkeypatch):
    def no_device(name=None, routine=None, clock=None, outputs=None):
        raise backends.no_device("no card", routine)

    monkeypatch.setattr(player, "open_backend", no_device)
    result = run("play", "neck-stretch", "--bed", "ocean", "--duck", "15")
    assert result.exit_code == 1
    assert result.output.endswith(
        "try 'voiceguide export neck-stretch --bed ocean --duck 15 -o session.mp3'\n"
    )

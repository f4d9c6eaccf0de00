"""Where Piper voices come from: only regular files are read (a FIFO never blocks), and a
file that is not a usable voice is skipped and named, never a crash of every Piper
command. Piper itself is not needed: its voices are only files here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from voiceguide.cli import main
from voiceguide.speech import piper, piper_voices

SETTINGS = {
    "audio": {"sample_rate": 22050},
    "espeak": {"voice": "en-us"},
    "language": {"code": "en_US"},
    "dataset": "fake",
    "num_symbols": 256,
    "num_speakers": 1,
    "phoneme_id_map": {"_": [0], "^": [1], "$": [2]},
}


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A voices folder named by ``$VOICEGUIDE_VOICES``, with one good voice in it; no other
    voice is found (neither the user's folder nor installed packages)."""
    voices = tmp_path / "voices"
    voices.mkdir()
    write_voice(voices, "en_US-good-low", SETTINGS)
    monkeypatch.setenv("VOICEGUIDE_VOICES", str(voices))
    monkeypatch.setattr(piper_voices, "voices_dir", lambda: tmp_path / "absent")
    monkeypatch.setattr(piper_voices, "_voice_packages", lambda: [])
    return voices


def write_voice(folder: Path, name: str, settings: object) -> None:
    (folder / f"{name}.onnx").write_bytes(b"not really a model")
    (folder / f"{name}.onnx.json").write_text(json.dumps(settings))


def skipped(folder: Path) -> dict[str, str]:
    found, left = piper_voices.scan()
    assert [voice.id for voice in found] == ["en_US-good-low"]  # the good one still is
    return {entry.path.name: entry.reason for entry in left}


def test_a_fifo_or_a_folder_named_like_a_model_or_settings_is_skipped_and_named(folder):
    os.mkfifo(folder / "fifo-model.onnx")
    write_voice(folder, "fifo-settings", SETTINGS)
    (folder / "fifo-settings.onnx.json").unlink()
    os.mkfifo(folder / "fifo-settings.onnx.json")
    (folder / "dir.onnx").mkdir()
    (folder / "dir.onnx.json").write_text(json.dumps(SETTINGS))
    (folder / "lonely.onnx").write_bytes(b"model")
    assert skipped(folder) == {
        "fifo-model.onnx": "the model is a FIFO, not a file",
        "fifo-settings.onnx": "fifo-settings.onnx.json is a FIFO, not a file",
        "dir.onnx": "the model is a folder, not a file",
        "lonely.onnx": "no lonely.onnx.json beside it (a Piper voice is both files)",
    }


def broken(**changes) -> dict:
    return {**SETTINGS, **changes}


def test_settings_piper_could_not_load_are_skipped_and_named(folder):
    write_voice(folder, "espeak-null", broken(espeak=None))
    write_voice(folder, "a-list", [1, 2])
    write_voice(folder, "no-rate", broken(audio={}))
    write_voice(folder, "language-number", broken(language=7))
    write_voice(folder, "dataset-list", broken(dataset=["x"]))
    (folder / "not-json.onnx").write_bytes(b"model")
    (folder / "not-json.onnx.json").write_bytes(b"\xff{")
    (folder / "deep.onnx").write_bytes(b"model")
    (folder / "deep.onnx.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "huge.onnx").write_bytes(b"model")
    with open(folder / "huge.onnx.json", "wb") as handle:
        handle.truncate(400 << 20)  # sparse: 400 MB that would be read whole
    found = skipped(folder)
    assert found.pop("not-json.onnx").startswith("its settings are not JSON (")
    assert found.pop("deep.onnx").startswith("its settings are not JSON (")
    assert found == {
        "espeak-null.onnx": "its settings' espeak.voice must be text, got null",
        "a-list.onnx": "its settings are [1, 2], not a JSON object",
        "no-rate.onnx": "its settings' audio.sample_rate must be a number, got null",
        "language-number.onnx": 'its settings\' language must be a mapping such as {"code": '
        '"en_US"}, got 7',
        "dataset-list.onnx": 'its settings\' dataset must be text, got ["x"]',
        "huge.onnx": "huge.onnx.json is 419,430,400 bytes; at most 1,048,576 bytes are read",
    }


def test_a_language_written_as_text_is_taken_as_its_code(folder):
    write_voice(folder, "en_GB-text-low", broken(language="en_GB"))
    found = {voice.id: voice for voice in piper_voices.find()}
    assert found["en_GB-text-low"].languages == ("en-gb", "en")


def test_a_broken_voice_does_not_hide_a_good_one_of_the_same_name(folder, tmp_path, monkeypatch):
    later = tmp_path / "later"
    later.mkdir()
    write_voice(later, "en_US-joe-low", SETTINGS)
    write_voice(folder, "en_US-joe-low", broken(espeak=None))
    monkeypatch.setenv("VOICEGUIDE_VOICES", f"{folder}:{later}")
    found = {voice.id: voice for voice in piper_voices.find()}
    assert found["en_US-joe-low"].config == later / "en_US-joe-low.onnx.json"


LIST_VOICES = textwrap.dedent("""
    from voiceguide.speech import piper, piper_voices
    piper.version = lambda: "1.8.0"  # as if installed: only the voices' files are read
    piper_voices._voice_packages = lambda: []
    print([voice.id for voice in piper.voices()])
""")


def test_listing_voices_never_waits_on_a_fifo(folder, tmp_path):
    os.mkfifo(folder / "en_US-fifo-low.onnx")
    (folder / "en_US-fifo-low.onnx.json").write_text(json.dumps(SETTINGS))
    os.mkfifo(folder / "MODEL_CARD")  # beside every voice of the folder: read for its licence
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    listed = subprocess.run(
        [sys.executable, "-c", LIST_VOICES], capture_output=True, text=True, env=env, timeout=60
    )
    assert listed.stdout == "['en_US-good-low']\n", listed.stderr


def test_voices_names_each_skipped_file_in_one_line(folder, monkeypatch):
    os.mkfifo(folder / "en_US-fifo-low.onnx")
    (folder / "en_US-fifo-low.onnx.json").write_text(json.dumps(SETTINGS))
    write_voice(folder, "en_US-null-low", broken(espeak=None))
    monkeypatch.setattr(piper, "version", lambda: "1.8.0")
    monkeypatch.setattr("voiceguide.choices.ENGINES", ("piper",))  # not espeak-ng
    result = CliRunner().invoke(main, ["voices"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.splitlines()[-3:] == [
        "      licence: not stated in its files",
        f"  skipped {folder / 'en_US-fifo-low.onnx'}: the model is a FIFO, not a file",
        f"  skipped {folder / 'en_US-null-low.onnx'}: its settings' espeak.voice must be text, "
        "got null",
    ]
    assert result.output.splitlines()[1].split() == ["en_US-good-low", "fake", "en-us,", "en"]


def test_a_voice_replaced_by_a_fifo_after_it_was_found_is_not_read(folder):
    (voice,) = piper_voices.find()
    (folder / "en_US-good-low.onnx").unlink()
    os.mkfifo(folder / "en_US-good-low.onnx")
    with pytest.raises(OSError, match="not a regular file"):
        piper_voices.fingerprint(voice)


def test_voices_shows_a_voice_whose_file_name_is_not_utf8_escaped(folder, monkeypatch):
    latin1 = os.fsencode(folder) + b"/en_US-j\xe9-low"
    with open(latin1 + b".onnx", "wb") as handle:
        handle.write(b"model")
    with open(latin1 + b".onnx.json", "w") as handle:
        handle.write(json.dumps({**SETTINGS, "dataset": "j\udce9"}))  # JSON may say \udce9
    monkeypatch.setattr(piper, "version", lambda: "1.8.0")
    monkeypatch.setattr("voiceguide.choices.ENGINES", ("piper",))
    result = CliRunner().invoke(main, ["voices"], catch_exceptions=False)
    assert result.exit_code == 0
    (line,) = [line for line in result.output.splitlines() if "en_US-j" in line]
    assert line.split() == ["en_US-j\\xe9-low", "j\\xe9", "en-us,", "en"]
    assert f"      from {folder}" in result.output.splitlines()

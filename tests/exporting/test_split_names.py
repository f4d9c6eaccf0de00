"""``--split``: every track's name fits the file system (which counts bytes, not characters),
and a folder it cannot use is refused before any work (``.``, ``..``, ``-``, the working
directory, a path too long for the tracks' names). Tone engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import soundfile as sf
from click.testing import CliRunner

from voiceguide import atomic, manifest
from voiceguide import exporting as export
from voiceguide.cli import main
from voiceguide.exporting import targets


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")
    return tmp_path


def routine(folder: Path, *names: str) -> Path:
    steps = "".join(
        f"  - name: {name}\n    say: Breathe in.\n    duration: 20s\n" for name in names
    )
    path = folder / "r.yaml"
    path.write_text(f"title: Names\nsteps:\n{steps}")
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("按" * 100, "mp3"), ("😀" * 100, "opus"), ("é" * 100, "flac"), ("a" * 100, "wav")],
    ids=["cjk", "emoji", "accented", "ascii"],
)
@pytest.mark.slow
def test_a_long_step_name_in_any_script_makes_a_track_and_its_subtitles(name, fmt, folder):
    routine(folder, name)
    result = run("export", "r.yaml", "--split", "tracks", "--format", fmt, "--vtt")
    assert result.exit_code == 0, result.output
    tracks = sorted(p for p in (folder / "tracks").iterdir() if p.suffix == f".{fmt}")
    first = tracks[0].name
    assert len(os.fsencode(first)) <= targets.NAME_MAX - atomic.TEMP_ROOM
    title = first.removeprefix("01 - ").removesuffix(f".{fmt}")
    assert title and name.startswith(title)  # cut between whole characters
    assert len(title) == min(
        100, len(name.encode()[: export.write.TITLE_BYTES].decode("utf-8", "ignore"))
    )
    assert sf.info(str(tracks[0])).duration > 19
    assert (folder / "tracks" / f"01 - {title}.vtt").is_file()
    assert manifest.foreign(folder / "tracks") is None


def test_a_name_is_cut_to_the_bytes_the_folders_file_system_takes():
    plan = type("P", (), {"steps": [type("S", (), {"title": "按" * 100})()]})()
    (name,) = export.track_names(plan, export.FORMATS["mp3"], most=143)  # eCryptfs
    assert len(os.fsencode(name)) <= 143 - atomic.TEMP_ROOM
    assert name.startswith("01 - 按按") and name.endswith("按.mp3")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            ".",
            "--split . names no folder of its own: a split replaces its folder as a whole, "
            "so give a new folder's name, such as tracks",
        ),
        (
            "..",
            "--split .. names no folder of its own: a split replaces its folder as a whole, "
            "so give a new folder's name, such as tracks",
        ),
        (
            "../here",
            "--split ../here is the working directory: a split replaces its folder as a whole, "
            "so give a new folder's name, such as tracks",
        ),
        (
            "-",
            "--split -: tracks go into a folder, not to standard output (-o - streams one "
            "file); give a folder's name, such as tracks",
        ),
    ],
)
def test_a_folder_the_split_cannot_replace_is_refused_before_any_work(
    given, message, tmp_path, monkeypatch, cache_dir
):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")
    result = run("export", "neck-stretch", "--split", given)
    assert (result.exit_code, result.output) == (2, message + "\n")
    assert os.listdir(cache_dir) == [] and os.listdir(tmp_path) == ["here"]
    assert os.listdir(here) == []


def test_a_folder_too_deep_for_its_tracks_names_is_refused_before_any_work(folder, cache_dir):
    """Today's tracks (a 100-character step name) would pass ``PATH_MAX`` in the temporary
    folder, after all the work."""
    routine(folder, "a" * 100)
    deep = folder
    while len(os.fsencode(deep)) < targets.PATH_MAX - 120:
        deep = deep / ("d" * 50)
        os.mkdir(deep)
    result = run("export", "r.yaml", "--split", str(deep / "tracks"), "--format", "wav")
    assert result.exit_code == 2
    assert result.output.startswith(f"--split {deep / 'tracks'}: the folder's path is too long")
    assert result.output.endswith(": give a shorter path\n")
    assert os.listdir(cache_dir) == [] and os.listdir(deep) == []


def test_names_are_cut_by_characters_then_bytes():
    assert export.safe_name("a" * 150) == "a" * 100
    assert export.safe_name("按" * 100) == "按" * 66  # 198 bytes of 200
    assert export.safe_name("ab 按按", most=5) == "ab"  # no half character, no trailing space


@pytest.mark.slow
def test_a_routine_of_cjk_steps_plays_in_order_from_its_playlist(folder):
    routine(folder, *(f"{n}" + "步骤" * 55 for n in range(3)))
    assert run("export", "r.yaml", "--split", "tracks", "-q").exit_code == 0
    listed = (folder / "tracks" / export.PLAYLIST).read_text().splitlines()[2::2]
    assert listed == sorted(p.name for p in (folder / "tracks").glob("*.mp3"))

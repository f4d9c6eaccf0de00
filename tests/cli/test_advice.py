"""The advice in a refusal is something the command refusing can do: ``plan --picture``
cannot write ``-``, ``play --else-export`` has no ``--format``. Before any work: the clip
cache (``cache_dir``) stays empty."""

from __future__ import annotations

import os

import pytest


def test_plan_picture_into_a_folder_suggests_a_picture_file(run, tmp_path, cache_dir):
    pytest.importorskip("matplotlib")
    (tmp_path / "d.svg").mkdir()
    result = run("plan", "neck-stretch", "--picture", str(tmp_path / "d.svg"))
    assert (result.exit_code, result.output) == (
        2,
        f"{tmp_path / 'd.svg'} is a directory: give a file name, such as "
        f"{tmp_path / 'd.svg' / 'plan.svg'}\n",
    )
    assert os.listdir(cache_dir) == []


def test_plan_picture_onto_a_fifo_does_not_suggest_standard_output(run, tmp_path, cache_dir):
    pytest.importorskip("matplotlib")
    os.mkfifo(tmp_path / "p.svg")
    result = run("plan", "neck-stretch", "--picture", str(tmp_path / "p.svg"))
    assert (result.exit_code, result.output) == (
        2,
        f"{tmp_path / 'p.svg'} is a FIFO (named pipe), not a regular file: voiceguide writes "
        "only regular files; give a file name\n",
    )
    assert os.listdir(cache_dir) == []


def test_play_else_export_of_an_unknown_type_does_not_suggest_format(run, tmp_path, cache_dir):
    result = run("play", "neck-stretch", "--else-export", str(tmp_path / "s.xyz"))
    assert (result.exit_code, result.output) == (
        2,
        f"cannot tell the format of '{tmp_path / 's.xyz'}' from its extension: name it "
        ".wav, .flac, .ogg, .opus or .mp3\n",
    )
    assert os.listdir(cache_dir) == []


def test_play_else_export_into_a_folder_suggests_a_file_it_writes(run, tmp_path, cache_dir):
    (tmp_path / "d").mkdir()
    result = run("play", "neck-stretch", "--else-export", str(tmp_path / "d"))
    assert (result.exit_code, result.output) == (
        2,
        f"{tmp_path / 'd'} is a directory: give a file name, such as "
        f"{tmp_path / 'd' / 'session.mp3'}\n",
    )
    assert os.listdir(cache_dir) == []

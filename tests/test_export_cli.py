"""``voiceguide export`` refusing before any work, and naming what it wrote (CliRunner and a
child process, tone engine). ``cache_dir`` (conftest) is empty until speech is rendered, so
an empty cache shows that nothing was done."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from voiceguide import export
from voiceguide.cli import main
from voiceguide.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")

    def invoke(*args: str):
        return CliRunner().invoke(main, ["export", *args], catch_exceptions=False)

    return invoke


@pytest.mark.parametrize(
    ("lengths", "message"),
    [
        (
            ["-l", "2m", "-l", "2m0.4s"],
            "lengths 2m and 2:00.400 would both be written to {tmp}/w-2m.flac (file names "
            "give whole seconds): give lengths at least a second apart",
        ),
        (
            ["-l", "2m", "-l", "2m"],
            "length 2m is given twice, and both would be written to {tmp}/w-2m.flac: give "
            "each length once",
        ),
    ],
)
def test_two_lengths_that_name_one_file_are_refused_before_any_work(
    run, tmp_path, cache_dir, lengths, message
):
    result = run("neck-stretch", *lengths, "-o", str(tmp_path / "w.flac"))
    assert (result.exit_code, result.output) == (2, message.format(tmp=tmp_path) + "\n")
    assert os.listdir(tmp_path) == [] and os.listdir(cache_dir) == []


def test_several_lengths_linked_to_one_file_are_refused_too(renderer, tmp_path, cache_dir):
    (tmp_path / "a-2m.wav").symlink_to("same.wav")
    (tmp_path / "a-3m.wav").symlink_to("same.wav")
    jobs = [(120.0, tmp_path / "a-2m.wav"), (180.0, tmp_path / "a-3m.wav")]
    with pytest.raises(UsageError) as caught:
        export.export_lengths("neck-stretch", jobs, renderer)
    assert str(caught.value) == (
        f"lengths 2m and 3m would both be written to {tmp_path}/same.wav, through "
        f"{tmp_path}/a-2m.wav and {tmp_path}/a-3m.wav: give each length its own file"
    )
    assert not (tmp_path / "same.wav").exists() and os.listdir(cache_dir) == []

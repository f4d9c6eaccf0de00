"""--chime-level on the command line: every mistake one line with exit status 2, and kept in
the export hint."""

from __future__ import annotations

import pytest

from voiceguide.live import backends, player


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chime-level", "41"], "Invalid value for '--chime-level'"),
        (["--chime-level", "-7"], "Invalid value for '--chime-level'"),
        (["--chime-level", "nan"], "'nan' is not a number; give one from -6 to 40"),
        (["--chime-level", "loud"], "Invalid value for '--chime-level'"),
    ],
)
def test_a_bad_chime_level_is_one_clear_error_with_status_2(run, args, message):
    result = run("plan", "neck-stretch", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_chime_level_in_a_routine_out_of_range_names_the_file_and_line(run, tmp_path):
    path = tmp_path / "loud.yaml"
    path.write_text("title: Loud\nchime_level: -10\nsteps: [{name: A, duration: 1m}]\n")
    result = run("plan", str(path))
    assert result.exit_code == 2
    assert result.output == (
        f"{path}:2: chime_level (LU under the speech) must be a number from -6 to 40, got '-10'\n"
    )


def test_without_a_sound_device_the_export_hint_keeps_the_chime_level(run, monkeypatch):
    def no_device(name=None, routine=None, clock=None, outputs=None):
        raise backends.no_device("no card", routine)

    monkeypatch.setattr(player, "open_backend", no_device)
    result = run("play", "neck-stretch", "--chime-level", "-3")
    assert result.exit_code == 1
    assert result.output.endswith(
        "try 'voiceguide export neck-stretch --chime-level -3 -o session.mp3'\n"
    )

"""check reports every problem of a routine in one run, in line order; list lists the built-in
routines, never a file of the working directory; text that is no text is refused by every
command alike (issue 19, items 7, 11 and 14)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from voiceguide import resources
from voiceguide.cli import main

BED_LINE_3 = """title: Slips
lenght: 20m
bed: nosuch.wav
chime: bel
steps:
  - name: Rub
    durration: 1m
"""


def test_check_reports_every_problem_in_one_run_in_line_order(run, tmp_path):
    path = tmp_path / "slips.yaml"
    path.write_text(BED_LINE_3)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{path}:{n}" for n in (2, 3, 4, 7)]
    assert "unknown key 'lenght'; did you mean 'length'?" in lines[0]
    assert lines[1] == f"{path}:3: bed: bed file {tmp_path / 'nosuch.wav'} does not exist"
    assert "chime: no sound 'bel'; did you mean 'bell'?" in lines[2]
    assert "unknown key 'durration'; did you mean 'duration'?" in lines[3]
    planned = CliRunner().invoke(main, ["plan", str(path)])  # the same lines, for every command
    assert (planned.exit_code, planned.stderr) == (2, result.stderr)


def test_a_length_that_cannot_be_met_is_printed_with_the_read_as_seconds_warning(run, tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text("title: T\nlength: 30\nsteps:\n  - {name: Rub, duration: 5m}\n")
    for command in ("check", "plan"):
        result = CliRunner().invoke(main, [command, str(path)])
        assert result.exit_code == 2
        error, warning = result.stderr.splitlines()
        assert error.startswith(f"{path}:2: length: cannot fit 30s; this routine takes from")
        assert warning == (
            f"warning: {path}:2: length 30 is read as 30 seconds; write 30s to say so, "
            "or 30m for minutes"
        )


@pytest.mark.parametrize(
    ("character", "named"),
    [
        ("\\uFFFE", "a noncharacter (U+FFFE)"),
        ("\\uFFFF", "a noncharacter (U+FFFF)"),
        ("\\x1B", "a control character (U+001B)"),
    ],
)
def test_a_character_that_is_no_text_is_refused_by_every_command_at_its_line(
    run, tmp_path, character, named
):
    """The picture (XML) could not hold U+FFFE: ``plan --picture`` failed with a ParseError
    traceback while the other commands accepted it. Now none does, at the routine's line."""
    pytest.importorskip("matplotlib")
    path = tmp_path / "odd.yaml"
    path.write_text(f'title: T\nsteps:\n  - name: "Rub {character}"\n    duration: 1m\n')
    picture, exported = tmp_path / "plan.svg", tmp_path / "s.ogg"
    commands = [
        ["check", str(path)],
        ["plan", str(path), "--picture", str(picture)],
        ["plan", str(path), "--json"],
        ["export", str(path), "-o", str(exported), "--vtt"],
    ]
    for command in commands:
        result = CliRunner().invoke(main, command, catch_exceptions=False)
        assert (result.exit_code, result.output) == (
            2,
            f"{path}:3: step 1 name contains {named}; only printable text is allowed\n",
        ), command
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.yaml"]


# -- list ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["title: Mine\nsteps:\n  - {name: Rub, duration: 1m}\n", "title: [broken\n"]
)
@pytest.mark.slow
def test_list_shows_the_built_ins_whatever_files_the_working_directory_holds(
    run, tmp_path, monkeypatch, text
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "back-massage").write_text(text)
    (tmp_path / "neck-stretch.yaml").write_text(text)
    result = run("list", "--json")
    assert result.exit_code == 0
    titles = {r["name"]: r["title"] for r in json.loads(result.output)["routines"]}
    assert titles["back-massage"] == "Back massage"
    assert titles["neck-stretch"] == "Neck and shoulder stretch"
    table = run("list")
    assert table.exit_code == 0 and "Mine" not in table.output


@pytest.mark.slow
def test_a_built_in_that_cannot_be_prepared_is_one_line_and_the_rest_are_listed(
    run, tmp_path, monkeypatch
):
    for name in ("back-massage", "neck-stretch"):
        shutil.copy(resources.scripts_dir() / f"{name}.yaml", tmp_path)
    (tmp_path / "broken.yaml").write_text("title: B\nsteps:\n  - {name: R}\n  - {name: S}\n")
    monkeypatch.setattr(resources, "scripts_dir", lambda: tmp_path)
    monkeypatch.setenv("COLUMNS", "300")  # each description beside its routine
    for as_json in (True, False):
        args = ["list", "--measure"] + ["--json"] * as_json
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 1
        assert result.stderr == (
            f"not listed: the built-in routine 'broken': {tmp_path / 'broken.yaml'}:3: step 1 "
            "'R': 'duration' is required (and 1 more: voiceguide check broken)\n"
        )
        if as_json:
            names = [r["name"] for r in json.loads(result.stdout)["routines"]]
        else:
            names = [line.split()[0] for line in result.stdout.splitlines()[1:]]
        assert names == ["back-massage", "neck-stretch"]


def test_plan_names_the_built_in_it_chose_over_a_file_of_that_name(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "neck-stretch").write_text("title: Mine\nsteps:\n  - {name: Rub, duration: 1m}\n")
    builtin = CliRunner().invoke(main, ["plan", "neck-stretch"])
    assert builtin.exit_code == 0 and builtin.stdout.startswith("Neck and shoulder stretch - ")
    assert builtin.stderr.endswith("write ./neck-stretch for the file\n")
    mine = CliRunner().invoke(main, ["plan", "./neck-stretch"])
    assert mine.exit_code == 0 and mine.stdout.startswith("Mine - ")

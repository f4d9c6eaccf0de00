"""The command line: exact output and exit status (CliRunner, tone engine)."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ElementTree

import click
import numpy as np
import pytest
import soundfile
from click.testing import CliRunner
from mutagen.flac import FLAC

from voiceguide import __version__, durations, fit
from voiceguide.cli import main
from voiceguide.live import backends, player


def all_commands():
    return sorted(main.commands)


def test_version(run):
    result = run("--version")
    assert (result.exit_code, result.output) == (0, f"voiceguide, version {__version__}\n")


@pytest.mark.parametrize("command", all_commands())
def test_every_command_has_help_text_and_short_help_flag(run, command):
    assert main.commands[command].help, f"{command} has no help text"
    result = run(command, "-h")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")


def fits_in_plan_footer(run, name: str) -> str:
    """``"6m52s to 47m21s"`` from the last line of ``plan NAME``'s table."""
    footer = run("plan", name).output.splitlines()[-1]
    return re.fullmatch(r"fits lengths from (.+?)(?:; [a-z ,]+)? \(--length\)", footer)[1]


@pytest.mark.slow
def test_list_shows_each_routine_with_its_length_the_range_plan_states_and_its_description(
    run, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "300")
    result = run("list", "--measure")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["name", "title", "length", "fits", "description"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert sorted(rows) == ["back-massage", "first-back-massage", "neck-stretch"]
    fits = fits_in_plan_footer(run, "back-massage")
    assert re.fullmatch(
        rf"back-massage +Back massage +20m +{fits} +A full back massage for a partner lying face "
        r"down on a firm but soft surface\. Four techniques, with the basic rub in between to "
        r"re-relax, and a soft tick to stroke by that slows as the massage goes on\.",
        rows["back-massage"],
    )
    assert re.search(
        rf" 3m +{fits_in_plan_footer(run, 'neck-stretch')} +Five", rows["neck-stretch"]
    )


@pytest.mark.parametrize("columns", [130, 90])
@pytest.mark.slow
def test_list_keeps_to_the_terminal_width_shortening_descriptions(run, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    lines = run("list").stdout.splitlines()
    assert len(lines) in (4, 7)  # descriptions beside the rest, or under the titles
    assert all(len(line) <= columns for line in lines)
    assert sum(line.endswith("\u2026") for line in lines) == 3


@pytest.mark.slow
def test_list_json_gives_each_routines_lengths_in_seconds(run):
    result = run("list", "--json", "--measure")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["version"] == 1
    (entry,) = [r for r in data["routines"] if r["name"] == "back-massage"]
    assert set(entry) == {
        *("name", "title", "description", "length", "shortest", "longest"),
        *("measured", "rounds", "optional"),
    }
    assert entry["measured"] is True and entry["rounds"] is True and entry["optional"] is False
    assert entry["title"] == "Back massage" and entry["description"].startswith("A full back")
    assert entry["length"] == json.loads(run("plan", "back-massage", "--json").output)["length"]
    low, high = (
        durations.humanize(v) for v in fit.shown_range(entry["shortest"], entry["longest"])
    )
    assert f"{low} to {high}" == fits_in_plan_footer(run, "back-massage")
    assert run("plan", "back-massage", "--length", str(math.ceil(entry["shortest"]))).exit_code == 0


def test_list_answers_at_once_estimating_what_is_not_rendered_and_says_so(run, cache_dir):
    """Issue 24: ``list`` rendered every built-in's speech first (26-28 s cold with Piper).
    It renders nothing now: a routine whose speech the cache lacks is estimated, marked;
    one whose speech a plan rendered is measured, as ``list --measure`` measures it."""
    listed = json.loads(run("list", "--json").output)["routines"]
    assert [r["measured"] for r in listed] == [False] * len(listed)
    made = [p.name for p in cache_dir.iterdir()]  # chimes, pace sounds, the voices: no speech
    assert made and all(name.startswith(("chime-", "pace-", "voices-")) for name in made)
    table = run("list")
    assert table.exit_code == 0 and "~" in table.stdout
    assert table.stderr.startswith("~ estimated from the words")
    assert run("plan", "neck-stretch", "-q").exit_code == 0  # its speech into the cache
    again = {r["name"]: r for r in json.loads(run("list", "--json").output)["routines"]}
    assert again["neck-stretch"]["measured"] is True
    assert again["back-massage"]["measured"] is False
    measured = {
        r["name"]: r for r in json.loads(run("list", "--json", "--measure").output)["routines"]
    }
    assert again["neck-stretch"] == measured["neck-stretch"]
    assert [r["measured"] for r in measured.values()] == [True] * len(measured)
    assert not run("list").stderr  # everything measured: no mark, no note
    for name, entry in again.items():  # the estimate is near what the clips say
        for key in ("length", "shortest", "longest"):
            assert entry[key] == pytest.approx(measured[name][key], rel=0.25), (name, key)


@pytest.mark.slow
def test_check_accepts_the_shipped_routines(run):
    result = run("check", "back-massage", "first-back-massage")
    assert result.exit_code == 0
    assert (
        "back-massage.yaml: ok - 'Back massage', 5 steps, 16m of steps as written" in result.output
    )


def test_check_reports_one_line_per_invalid_file_and_exits_2(run, write_routine):
    bad = write_routine("title: T\nsteps:\n  - name: A\n    duration: -3s\n", "bad.yaml")
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 2
    assert result.output == f"{bad}:4: step 1 'A': duration must be > 0, got '-3s'\n"


def test_an_unknown_routine_name_is_a_usage_error(run):
    result = CliRunner().invoke(main, ["plan", "no-such-routine"])
    assert result.exit_code == 2
    assert result.output.startswith(
        "no routine 'no-such-routine': give a path to a .yaml file "
        "or a built-in name (back-massage, first-back-massage"
    )


@pytest.mark.slow
def test_plan_json_has_the_documented_keys_and_exact_length(run):
    result = run("plan", "back-massage", "--length", "10m", "--json", "-q")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["length"] == 600
    assert {"name", "start", "end", "kind"} <= set(data["steps"][0])
    assert data["steps"][-1]["end"] == 600
    assert data["version"] == 2
    kinds = {e["kind"] for e in data["events"]}
    assert kinds == {"chime", "speech", "pulse"}
    for event in data["events"]:
        assert {"at", "kind", "duration", "step"} <= set(event)
        assert ("text" in event) == (event["kind"] == "speech")
        assert ("sound" in event) == (event["kind"] in ("chime", "pulse"))
        assert ("gain_db" in event) == (event["kind"] == "pulse")
    beats = {data["steps"][e["step"]]["kind"]: e["sound"] for e in data["events"] if "gain_db" in e}
    assert beats == {"step": "pulse.wav", "between": "pulse.wav", "outro": "breath.wav"}
    for step in data["steps"]:
        pace = step["pace"]
        assert pace is None or set(pace) == {"from", "to", "sound", "level"}
    assert data["steps"][0]["pace"] is None  # the get-ready: quiet after the words
    assert data["steps"][1]["pace"] == {"from": 9, "to": 6.5, "sound": "pulse", "level": 14}
    assert data["steps"][-1]["pace"] == {"from": 6, "to": 5, "sound": "breath", "level": 14}
    assert data["events"][-1]["sound"] == "end.wav"


@pytest.mark.slow
def test_plan_table_reads_like_a_schedule(run):
    result = run("plan", "first-back-massage", "--length", "10m")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == (
        "First back massage - 10:00 (21 sounds in 8 parts, 61 beats of the pace guide)"
    )
    assert lines[2].split() == ["time", "step", "side", "pace", "heard"]
    assert lines[3].split() == ["0:00.000", "Get", "ready", "[soft", "chime]"]  # it opens
    assert lines[4].split()[:3] == ["0:01.000", "Get", "ready"]  # the words after the chime
    assert "6→5/min breath" in result.output  # Settle in and the rest breathe, the others tick
    assert "10:00.000  end of session" in result.output
    assert "fits lengths from" in lines[-1]


@pytest.mark.slow
def test_plan_picture_writes_the_svg_instead_of_the_table_and_says_so(run, tmp_path):
    target = tmp_path / "plan.svg"
    result = run("plan", "back-massage", "--length", "10m", "--picture", str(target))
    assert (result.exit_code, result.output) == (0, f"wrote {target} (10:00 session)\n")
    root = ElementTree.parse(target).getroot()
    assert root.findtext("{http://www.w3.org/2000/svg}title") == (
        "Back massage: the plan of a 10:00 session"
    )
    assert not [p for p in tmp_path.iterdir() if p.name != "plan.svg"]  # no temporary left


def test_plan_picture_png_is_a_png_and_json_still_goes_to_stdout(run, tmp_path):
    target = tmp_path / "PLAN.PNG"
    result = run("plan", "neck-stretch", "--picture", str(target), "--json", "-q")
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "Neck and shoulder stretch"
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("plan.pdf", "--picture: the file name must end in .svg or .png, got 'plan.pdf'\n"),
        ("missing/plan.svg", "output directory {tmp}/missing does not exist: create it first"),
    ],
)
def test_plan_picture_refuses_a_bad_target_before_rendering_any_speech(
    run, tmp_path, cache_dir, name, message
):
    result = run("plan", "back-massage", "--picture", str(tmp_path / name))
    assert result.exit_code == 2
    assert result.output.startswith(message.format(tmp=tmp_path))
    assert list(cache_dir.iterdir()) == []


def test_an_impossible_length_exits_2_naming_the_range(run):
    result = CliRunner().invoke(main, ["plan", "back-massage", "--length", "2m"])
    assert result.exit_code == 2
    assert result.output.startswith("back-massage.yaml: cannot fit 2m; this routine takes from ")


def test_a_bad_length_option_is_refused_by_click(run):
    result = CliRunner().invoke(main, ["plan", "back-massage", "--length", "soon"])
    assert result.exit_code == 2 and "expected a duration like 90s" in result.output


def test_an_unknown_voice_option_names_the_option(run):
    result = CliRunner().invoke(main, ["plan", "back-massage", "--voice", "klingon"])
    assert result.exit_code == 2
    assert result.output.startswith("--voice: unknown voice 'klingon'")


def test_help_lists_every_command(run):
    result = run("-h")
    for command in all_commands():
        assert f"  {command} " in result.output


def test_commands_are_plain_click_commands():
    assert all(isinstance(c, click.Command) for c in main.commands.values())


@pytest.mark.slow
def test_export_writes_the_file_and_says_what_it_wrote(run, tmp_path):
    import re

    import soundfile

    target = tmp_path / "session.flac"
    result = run("export", "back-massage", "--length", "10m", "-o", str(target))
    assert result.exit_code == 0
    pattern = (
        rf"wrote {re.escape(str(target))} \(10:00\.000, flac, -1\d\.\d LUFS, "
        r"speech at -16\.0 LUFS, true peak -\d\.\d dBTP\)\n"
    )
    assert re.fullmatch(pattern, result.output)
    assert soundfile.info(str(target)).frames == 600 * 48000


@pytest.mark.slow
def test_export_of_several_lengths_names_each_file_after_its_length(run, tmp_path):
    result = run(
        "export",
        "first-back-massage",
        "-l",
        "10m",
        "-l",
        "20m",
        "-q",
        "-o",
        str(tmp_path / "s.wav"),
    )
    assert (result.exit_code, result.output) == (0, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s-10m.wav", "s-20m.wav"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing-dir/x.mp3", "output directory {tmp}/missing-dir does not exist: create it first"),
        ("x.aiff", "cannot tell the format of '{tmp}/x.aiff' from its extension"),
    ],
)
def test_export_refuses_a_bad_target_before_any_work(run, tmp_path, target, message):
    result = CliRunner().invoke(main, ["export", "back-massage", "-o", str(tmp_path / target)])
    assert result.exit_code == 2
    assert result.output.startswith(message.format(tmp=tmp_path))
    assert result.output.count("\n") == 1


def test_export_needs_exactly_one_destination(run, tmp_path):
    result = CliRunner().invoke(main, ["export", "back-massage"])
    assert result.exit_code == 2 and "give exactly one of -o FILE or --split DIR" in result.output


def test_the_cli_format_list_matches_the_encoders():
    from voiceguide.cli.options import EXPORT_FORMATS
    from voiceguide.exporting import FORMATS

    assert sorted(EXPORT_FORMATS) == sorted(FORMATS)


def no_device(name=None, routine=None, clock=None, outputs=None):
    raise backends.no_device("no card", routine)


@pytest.mark.slow
def test_play_without_a_sound_device_says_so_and_suggests_export(run, monkeypatch):
    monkeypatch.setattr(player, "open_backend", no_device)
    result = CliRunner().invoke(main, ["play", "back-massage", "-l", "10m", "--pace", "80%"])
    assert result.exit_code == 1
    assert result.output == (  # the same session: the options the user gave come along
        "no sound device found: no card; to listen on another device, try "
        "'voiceguide export back-massage --length 10m --pace 80% -o session.mp3'\n"
    )


@pytest.mark.slow
def test_play_can_export_instead_when_there_is_no_device(run, monkeypatch, tmp_path):
    monkeypatch.setattr(player, "open_backend", no_device)
    target = tmp_path / "fallback.mp3"
    result = CliRunner().invoke(
        main, ["play", "back-massage", "-l", "10m", "-q", "--else-export", str(target)]
    )
    assert result.exit_code == 0
    assert result.output == (
        f"no sound device here, so the session was exported instead: {target} (10:00)\n"
    )
    assert target.stat().st_size > 100_000


def test_play_reports_a_bad_start_step_before_a_missing_device(run, monkeypatch):
    monkeypatch.setattr(player, "open_backend", no_device)
    result = CliRunner().invoke(main, ["play", "neck-stretch", "--start-at", "nosuch"])
    assert result.exit_code == 2
    assert result.output.startswith("--start-at: no step 'nosuch'; choose one of 'Get ready', 1 ")


@pytest.mark.slow
def test_play_else_export_starts_the_file_at_the_start_step(run, monkeypatch, tmp_path):
    monkeypatch.setattr(player, "open_backend", no_device)
    whole = tmp_path / "whole.flac"
    part = tmp_path / "part.flac"
    for target, extra in ((whole, []), (part, ["--start-at", "chin"])):
        result = CliRunner().invoke(
            main, ["play", "neck-stretch", "-l", "3m", "-q", "--else-export", str(target), *extra]
        )
        assert result.exit_code == 0, result.output
    full, rate = soundfile.read(str(whole))
    cut, _ = soundfile.read(str(part))
    plan = json.loads(run("plan", "neck-stretch", "-l", "3m", "--json", "-q").output)
    chin = next(s for s in plan["steps"] if s["name"].lower().startswith("chin"))
    assert len(full) == 180 * rate
    assert len(cut) == round((180 - chin["start"]) * rate)
    assert np.allclose(cut, full[len(full) - len(cut) :], atol=1e-6)  # the same mix, cut
    assert FLAC(str(part))["CHAPTER001NAME"] == [chin["name"]]
    assert FLAC(str(part))["CHAPTER001"] == ["00:00:00.000"]


def test_an_unknown_backend_in_the_environment_is_a_usage_error(run, monkeypatch):
    monkeypatch.setenv("VOICEGUIDE_BACKEND", "bogus")
    result = CliRunner().invoke(main, ["play", "neck-stretch", "-l", "3m"])
    assert result.exit_code == 2
    assert result.output == (
        "VOICEGUIDE_BACKEND must be one of alsa, simpleaudio (or unset), got 'bogus'\n"
    )


def test_check_counts_one_step_in_the_singular(run, write_routine):
    path = write_routine("title: T\nsteps:\n  - {name: Rub, duration: 1m}\n")
    result = run("check", str(path))
    assert (result.exit_code, result.output) == (
        0,
        f"{path}: ok - 'T', 1 step, 1m of steps as written\n",
    )


BARE = "title: T\nlength: 20\nsteps:\n  - {name: Rub, duration: 1m, min: 1s}\n"
BARE_WARNING = (
    "warning: {path}:2: length 20 is read as 20 seconds; write 20s to say so, or 20m for minutes\n"
)


def test_check_and_plan_warn_about_a_bare_number_of_seconds_on_stderr_and_exit_0(
    run, write_routine
):
    path = write_routine(BARE)
    checked = run("check", str(path))
    assert checked.exit_code == 0
    assert checked.stderr == BARE_WARNING.format(path=path)
    planned = run("plan", str(path))
    assert planned.exit_code == 0
    assert planned.stderr == BARE_WARNING.format(path=path)
    assert run("plan", str(path), "-q").stderr == ""


def test_check_prints_the_plans_warnings_after_the_file_name(run, write_routine):
    path = write_routine("""
        title: T
        steps:
          - name: Rub
            duration: 10s
            cues:
              - {at: 9s, say: This cue is far too long to fit before the end of the step.}
        """)
    result = run("check", str(path))
    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: {path}: 0:00 'Rub': cue at line 6 ('This cue is far too long to fit "
        "before the end of the step.') skipped 1 time: no room before the step ends\n"
    )


def test_plan_of_an_all_fixed_routine_fits_only_its_own_length(run, write_routine):
    path = write_routine("title: T\nsteps:\n  - {name: Rub, duration: 4m, fixed: true}\n")
    result = run("plan", str(path))
    assert result.exit_code == 0
    assert result.stdout.endswith("\nfits only 4m06s (--length)\n")


@pytest.mark.slow
def test_length_accepts_units_written_out(run):
    result = run("plan", "back-massage", "--length", "10 minutes", "--json", "-q")
    assert result.exit_code == 0 and json.loads(result.output)["length"] == 600


def test_a_missing_routine_file_is_said_not_to_exist(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "x.yaml"])
    assert (result.exit_code, result.output) == (
        2,
        f"no file 'x.yaml': it does not exist in {tmp_path}; "
        "check the path (built-in routines: voiceguide list)\n",
    )

"""``voiceguide export`` refusing before any work, and naming what it wrote (CliRunner and a
child process, tone engine). ``cache_dir`` (conftest) is empty until speech is rendered, so
an empty cache shows that nothing was done."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import soundfile as sf
from click.testing import CliRunner

from voiceguide import exporting as export
from voiceguide import manifest, session
from voiceguide.cli import main
from voiceguide.errors import ExportError, UsageError
from voiceguide.exporting import chapters
from voiceguide.exporting import write as writing
from voiceguide.testing import launch

ROOT = Path(__file__).resolve().parents[2]


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
    targets = [tmp_path / "a-2m.wav", tmp_path / "a-3m.wav"]
    with pytest.raises(UsageError) as caught:
        export.check_targets(targets, [120.0, 180.0], None, False)
    assert str(caught.value) == (
        f"lengths 2m and 3m would both be written to {tmp_path}/same.wav, through "
        f"{tmp_path}/a-2m.wav and {tmp_path}/a-3m.wav: give each length its own file"
    )
    assert not (tmp_path / "same.wav").exists() and os.listdir(cache_dir) == []


# -- subtitles (--vtt) for every audio file written -------------------------------------------


def cues(path: Path) -> list[tuple[str, str, str]]:
    """The (start, end, text) of each cue of a WebVTT file."""
    blocks = path.read_text().split("\n\n")[1:]
    found = []
    for block in filter(None, blocks):
        _, span, text = block.split("\n", 2)
        start, end = span.split(" --> ")
        found.append((start, end, text.strip()))
    return found


@pytest.mark.slow
def test_several_lengths_each_get_their_subtitles_named_in_the_wrote_lines(run, tmp_path):
    result = run("neck-stretch", "-l", "2m", "-l", "3m", "--vtt", "-o", str(tmp_path / "a.flac"))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for line, minutes in zip(lines, (2, 3), strict=True):
        assert line.startswith(f"wrote {tmp_path}/a-{minutes}m.flac ({minutes}:00.000, flac")
        assert line.endswith(f" dBTP) and {tmp_path}/a-{minutes}m.vtt")
        last = cues(tmp_path / f"a-{minutes}m.vtt")[-1]
        assert last[2] == "[end chime]" and last[0].startswith(f"00:0{minutes - 1}:5")


@pytest.mark.slow
def test_a_split_gets_subtitles_per_track_timed_from_the_track_and_in_its_manifest(
    run, tmp_path, renderer
):
    target = tmp_path / "sp"
    result = run("neck-stretch", "-l", "2m", "--split", str(target), "--vtt", "--format", "flac")
    assert (result.exit_code, result.output) == (
        0,
        f"wrote 8 tracks, their subtitles (.vtt) and {target}/playlist.m3u8\n",
    )
    plan = session.prepare("neck-stretch", session.Options(120.0), renderer).plan
    vtts = sorted(target.glob("*.vtt"))
    assert [p.stem for p in vtts] == [p.stem for p in sorted(target.glob("*.flac"))]
    assert set(manifest.listed(target)) >= {p.name for p in vtts}
    for index, (step, path) in enumerate(zip(plan.steps, vtts, strict=True)):
        heard = [e for e in plan.events if e.kind in ("speech", "chime")]  # not the beats
        events = [e for e in heard if e.end > step.start and e.at < step.end]
        assert [c[0] for c in cues(path)] == [
            chapters.timestamp(max(e.at, step.start) - step.start) for e in events
        ], index
        seconds = sf.info(str(path.with_suffix(".flac"))).duration
        assert all(c[1] <= chapters.timestamp(seconds) for c in cues(path))


VTT_ADVICE = "the subtitles (--vtt) go there: move it away, or give the audio another name"


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("the audio itself", None),
        ("a folder", "is a directory:"),
        (
            "a FIFO",
            "is a FIFO (named pipe), not a regular file: voiceguide writes only regular files;",
        ),
    ],
)
def test_a_subtitles_path_that_cannot_be_written_is_refused_before_any_work(
    run, tmp_path, cache_dir, kind, problem
):
    if kind == "the audio itself":
        args = ["-o", str(tmp_path / "d.vtt"), "--format", "wav"]
        message = (
            f"the subtitles would be written over the audio: both are {tmp_path}/d.vtt; "
            f"name the audio file after its format (such as {tmp_path}/d.wav)"
        )
    else:
        args = ["-o", str(tmp_path / "d.flac")]
        if kind == "a folder":
            (tmp_path / "d.vtt").mkdir()
        else:
            os.mkfifo(tmp_path / "d.vtt")
        message = f"{tmp_path}/d.vtt {problem} {VTT_ADVICE}"
    before = sorted(os.listdir(tmp_path))
    result = run("neck-stretch", "-l", "2m", "--vtt", *args)
    assert (result.exit_code, result.output) == (2, message + "\n")
    assert sorted(os.listdir(tmp_path)) == before and os.listdir(cache_dir) == []


def test_subtitles_cannot_go_to_standard_output(run, cache_dir):
    result = run("neck-stretch", "-o", "-", "--vtt")
    assert (result.exit_code, result.output) == (
        2,
        "standard output ('-') carries the audio only: give a file name to write subtitles "
        "(vtt) beside it\n",
    )
    assert os.listdir(cache_dir) == []


def test_subtitles_that_fail_leave_the_previous_audio_as_it_was(tmp_path, renderer, monkeypatch):
    prepared = session.prepare("neck-stretch", session.Options(120.0), renderer)
    target = tmp_path / "s.flac"
    target.write_bytes(b"previous")

    def fail(plan, path, span=None):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(writing, "write_vtt", fail)
    with pytest.raises(ExportError, match="Input/output error: nothing was written"):
        export.export(prepared, target, vtt=True)
    assert sorted(os.listdir(tmp_path)) == ["s.flac"] and target.read_bytes() == b"previous"


# -- names the file system refuses, or that are not UTF-8 -------------------------------------


@pytest.mark.parametrize(
    ("args", "size"),
    [
        (["-o", "{tmp}/" + "a" * 300 + ".wav"], 304),
        (["-l", "2m", "-l", "3m", "-o", "{tmp}/" + "a" * 250 + ".wav"], 257),
        (["--split", "{tmp}/" + "b" * 300], 300),
    ],
    ids=["one file", "several lengths", "split"],
)
def test_a_name_too_long_is_one_line_and_exit_2(run, tmp_path, cache_dir, args, size):
    result = run("neck-stretch", *[a.format(tmp=tmp_path) for a in args])
    letter = "b" if "--split" in args else "a"
    assert (result.exit_code, result.output) == (
        2,
        f"file name too long ({size} bytes, at most 255): {letter * 40}...; give a shorter name\n",
    )
    assert os.listdir(tmp_path) == [] and os.listdir(cache_dir) == []


def run_cli(*args: str | bytes, tmp: Path) -> subprocess.CompletedProcess:
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp / "cache")}
    env["LC_ALL"] = "C.UTF-8"  # a UTF-8 terminal, on which printing a raw \xff would fail
    return launch.run(*args, env=env, cwd=ROOT, text=False)


@pytest.mark.slow
def test_a_name_that_is_not_utf8_is_written_and_shown_with_its_bytes_escaped(tmp_path):
    folder = os.fsencode(tmp_path)
    result = run_cli(
        "export", "neck-stretch", "-l", "2m", "-o", folder + b"/\xff.wav", tmp=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"wrote " + folder + b"/\\xff.wav (2:00.000, wav, -16.")
    assert sf.info(folder + b"/\xff.wav").frames == 120 * 48000
    split = run_cli(
        "export", "neck-stretch", "-l", "2m", "--split", folder + b"/\xfe", tmp=tmp_path
    )
    again = run_cli(
        "export", "neck-stretch", "-l", "2m", "--split", folder + b"/\xfe", tmp=tmp_path
    )
    for done in (split, again):
        assert (done.returncode, done.stdout) == (
            0,
            b"wrote 8 tracks and " + folder + b"/\\xfe/playlist.m3u8\n",
        ), done.stderr
    refused = run_cli("export", "neck-stretch", "-o", folder + b"/\xff.aiff", tmp=tmp_path)
    assert (refused.returncode, refused.stderr) == (
        2,
        b"cannot tell the format of '" + folder + b"/\\xff.aiff' from its extension: name it "
        b".wav, .flac, .ogg, .opus or .mp3, or give the format (wav, flac, mp3, ogg, opus)\n",
    )


@pytest.mark.slow
def test_dev_stdout_into_a_pipe_is_written_as_dash_is(tmp_path):
    dashed = run_cli("export", "neck-stretch", "-l", "1m", "-o", "-", tmp=tmp_path)
    named = run_cli("export", "neck-stretch", "-l", "1m", "-o", "/dev/stdout", tmp=tmp_path)
    assert named.returncode == 0, named.stderr
    assert named.stdout == dashed.stdout and len(named.stdout) > 60 * 48000 * 2
    assert named.stderr == dashed.stderr
    assert named.stderr.splitlines()[-1].startswith(b"wrote standard output (1:00.000, wav, ")


@pytest.mark.slow
def test_a_file_size_limit_is_named_and_the_earlier_file_is_kept(tmp_path):
    import resource

    target = tmp_path / "s.wav"
    target.write_bytes(b"previous")
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp_path / "c")}
    assert launch.run("plan", "neck-stretch", "-q", env=env, cwd=ROOT).returncode == 0
    result = launch.run(
        *("export", "neck-stretch", "-l", "2m", "-o", target),
        env=env,
        cwd=ROOT,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (2**20, 2**20)),
    )
    assert (result.returncode, result.stderr) == (
        1,
        f"could not write {target}: the file-size limit was reached (ulimit -f: 1024 kB per "
        "file); raise it (ulimit -f unlimited) or write a shorter or smaller file: nothing "
        "was written\n",
    )
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "s.wav"]

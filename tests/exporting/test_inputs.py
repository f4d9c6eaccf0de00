"""No command writes over a file its session reads: the routine, its bed, its chimes, the pace
sounds, the lexicon, nor into the speech cache; whatever the path, link or hard link that
names it. Refused with exit status 2 before any work: the clip cache (``cache_dir``, empty
until speech is rendered) stays empty, and every input keeps its bytes. Tone engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from voiceguide import exporting, manifest, resources, session
from voiceguide.cli import main
from voiceguide.errors import UsageError
from voiceguide.live import player
from voiceguide.testing import launch

ROOT = Path(__file__).resolve().parents[2]
ROUTINE = """\
    title: Tiny
    chime: ding.wav
    steps:
      - name: One
        say: Breathe in.
        duration: 20s
        pace: 10
        cues:
          - at: 50%
            chime: cue.flac
      - name: Two
        say: Breathe out.
        duration: 20s
    """


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """The working directory: ``r.yaml`` (chimes ``ding.wav`` and ``cue.flac``, a pace
    guide), ``music.wav`` (a bed) and ``lexicon.yaml`` (the user's lexicon)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")
    (tmp_path / "r.yaml").write_text(textwrap.dedent(ROUTINE))
    rng = np.random.default_rng(7)
    sf.write(tmp_path / "music.wav", 0.1 * rng.standard_normal(48000 * 8), 48000)
    tone = 0.3 * np.sin(np.arange(24000) * 2 * np.pi * 660 / 48000)
    sf.write(tmp_path / "ding.wav", tone, 48000)
    sf.write(tmp_path / "cue.flac", tone, 48000)
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("shiatsu: she at sue\n")
    monkeypatch.setenv("VOICEGUIDE_LEXICON", str(lexicon))
    return tmp_path


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def refused(result, message: str, cache_dir: Path) -> None:
    """Exit status 2, ``message`` as the one line, and no work done (the cache empty)."""
    assert (result.exit_code, result.output) == (2, message + "\n")
    assert os.listdir(cache_dir) == []


# -- the examples ---------------------------------------------------------------------


def test_an_export_over_its_own_bed_is_refused_before_any_work(folder, cache_dir):
    before = contents(folder)
    result = run("export", "r.yaml", "--bed", "music.wav", "-o", "music.wav")
    refused(
        result,
        "-o music.wav: that is the session's bed (music.wav); choose another file",
        cache_dir,
    )
    assert contents(folder) == before


def test_an_export_over_its_own_routine_is_refused(folder, cache_dir):
    before = contents(folder)
    result = run("export", "r.yaml", "--format", "wav", "-o", "r.yaml")
    refused(
        result, "-o r.yaml: that is the session's routine (r.yaml); choose another file", cache_dir
    )
    assert contents(folder) == before


# -- whatever names the file: compared as files, not names ------------------------------------


@pytest.mark.parametrize(
    "naming", ["itself", "dot-slash", "absolute", "symlink", "hard link", "linked folder"]
)
def test_the_bed_is_refused_whatever_path_or_link_names_it(naming, folder, cache_dir):
    target = {
        "itself": "music.wav",
        "dot-slash": "./music.wav",
        "absolute": str(folder / "music.wav"),
        "symlink": "link.wav",
        "hard link": "hard.wav",
        "linked folder": "here/music.wav",
    }[naming]
    (folder / "link.wav").symlink_to("music.wav")
    os.link(folder / "music.wav", folder / "hard.wav")
    (folder / "here").symlink_to(folder)
    before = contents(folder)
    result = run("export", "r.yaml", "--bed", "./music.wav", "-o", target)
    refused(
        result,
        f"-o {Path(target)}: that is the session's bed (music.wav); choose another file",
        cache_dir,
    )
    assert contents(folder) == before


def test_the_routines_own_bed_and_chimes_are_refused(folder, cache_dir):
    (folder / "r.yaml").write_text(textwrap.dedent(ROUTINE) + "bed: music.wav\n")
    before = contents(folder)
    for target, role in [
        ("music.wav", "the session's bed"),
        ("ding.wav", "one of the session's chimes"),
        ("cue.flac", "one of the session's chimes"),
    ]:
        result = run("export", "r.yaml", "-o", target)
        refused(result, f"-o {target}: that is {role} ({target}); choose another file", cache_dir)
    assert contents(folder) == before


def test_the_pace_sounds_of_the_get_ready_and_the_rest_are_refused(folder, cache_dir, monkeypatch):
    """A pace guide in the intro and the outro as parts only, from a copy of sounds/ (before:
    neither counted among the session's inputs, and export wrote over its sound)."""
    sounds = folder / "sounds"
    shutil.copytree(resources.sounds_dir(), sounds)
    monkeypatch.setattr(resources, "sounds_dir", lambda: sounds)
    routine = textwrap.dedent(ROUTINE).replace("        pace: 10\n", "")
    routine += "intro: {say: Ready., duration: 20s, pace: {from: 6, sound: breath}}\n"
    routine += "outro: {say: Rest., duration: 20s, pace: {from: 5, sound: pulse}}\n"
    (folder / "r.yaml").write_text(routine)
    before = contents(sounds)
    for name in ("breath.wav", "pulse.wav"):
        target = sounds / name
        result = run("export", "r.yaml", "-o", str(target))
        role = "one of the session's pace sounds"
        refused(result, f"-o {target}: that is {role} ({target}); choose another file", cache_dir)
    assert contents(sounds) == before


def test_the_users_lexicon_is_refused(folder, cache_dir):
    before = contents(folder)
    result = run("export", "r.yaml", "--format", "flac", "-o", "lexicon.yaml")
    refused(
        result,
        f"-o lexicon.yaml: that is the lexicon the session reads ({folder / 'lexicon.yaml'}); "
        "choose another file",
        cache_dir,
    )
    assert contents(folder) == before


def test_a_built_in_chime_and_pace_sound_are_refused(folder, cache_dir, monkeypatch):
    """The end chime and the pace guide's pulse, from a copy of sounds/ (on today's code the
    test would write over them)."""
    sounds = folder / "sounds"
    shutil.copytree(resources.sounds_dir(), sounds)
    monkeypatch.setattr(resources, "sounds_dir", lambda: sounds)
    before = contents(sounds)
    for name, role in [("end.wav", "chimes"), ("pulse.wav", "pace sounds")]:
        target = sounds / name
        result = run("export", "r.yaml", "-o", str(target))
        message = (
            f"-o {target}: that is one of the session's {role} ({target}); choose another file"
        )
        refused(result, message, cache_dir)
    assert contents(sounds) == before


# -- every command, every target ----------------------------------------------------------------


def test_subtitles_over_the_routine_are_refused(folder, cache_dir):
    (folder / "r.yaml").rename(folder / "r.vtt")
    before = contents(folder)
    result = run("export", "r.vtt", "-o", "r.wav", "--vtt")
    refused(
        result, "--vtt r.vtt: that is the session's routine (r.vtt); choose another file", cache_dir
    )
    assert contents(folder) == before


def test_one_of_several_lengths_over_the_bed_stops_them_all(folder, cache_dir):
    (folder / "music.wav").rename(folder / "s-1m.wav")
    before = contents(folder)
    result = run("export", "r.yaml", "--bed", "s-1m.wav", "-l", "50s", "-l", "1m", "-o", "s.wav")
    refused(
        result, "-o s-1m.wav: that is the session's bed (s-1m.wav); choose another file", cache_dir
    )
    assert contents(folder) == before  # not even s-50s.wav


def test_a_split_holding_its_bed_is_refused(folder, cache_dir):
    """An earlier split's track used as the bed would be removed with the split it replaces."""
    first = run("export", "r.yaml", "--split", "tracks", "--format", "wav", "-q")
    assert first.exit_code == 0, first.output
    shutil.rmtree(cache_dir)
    cache_dir.mkdir()
    before = contents(folder / "tracks")
    result = run(
        "export", "r.yaml", "--split", "tracks", "--format", "wav", "--bed", "tracks/01 - One.wav"
    )
    refused(
        result,
        "--split tracks: it holds the session's bed (tracks/01 - One.wav), which the split "
        "would replace; choose another folder",
        cache_dir,
    )
    assert contents(folder / "tracks") == before


def test_a_split_into_the_routines_own_folder_listed_in_its_manifest_is_refused(folder, cache_dir):
    """The routine named like a track, in a folder whose manifest lists it (a planted or
    hand-made manifest): replacing the split would remove the routine it reads."""
    tracks = folder / "tracks"
    tracks.mkdir()
    (tracks / "01 - One.mp3").write_text(
        "title: Tiny\nsteps:\n  - {name: One, say: Breathe in., duration: 20s}\n"
    )
    manifest.write(tracks)
    before = contents(tracks)
    result = run("export", "tracks/01 - One.mp3", "--split", "tracks")
    refused(
        result,
        "--split tracks: it holds the session's routine (tracks/01 - One.mp3), which the "
        "split would replace; choose another folder",
        cache_dir,
    )
    assert contents(tracks) == before


def test_say_refuses_to_write_over_its_lexicon_or_routine(folder, cache_dir, monkeypatch):
    (folder / "lexicon.yaml").rename(folder / "lexicon.wav")
    monkeypatch.setenv("VOICEGUIDE_LEXICON", str(folder / "lexicon.wav"))
    (folder / "r.yaml").rename(folder / "r.flac")
    before = contents(folder)
    result = run("say", "Hello.", "-o", "lexicon.wav")
    refused(
        result,
        f"-o lexicon.wav: that is the lexicon the session reads ({folder / 'lexicon.wav'}); "
        "choose another file",
        cache_dir,
    )
    result = run("say", "Hello.", "-r", "r.flac", "-o", "r.flac")
    refused(
        result, "-o r.flac: that is the session's routine (r.flac); choose another file", cache_dir
    )
    assert contents(folder) == before


def test_plan_picture_refuses_to_draw_over_the_routine(folder, cache_dir):
    pytest.importorskip("matplotlib")
    (folder / "r.yaml").rename(folder / "r.svg")
    before = contents(folder)
    result = run("plan", "r.svg", "--picture", "r.svg")
    refused(
        result,
        "--picture r.svg: that is the session's routine (r.svg); choose another file",
        cache_dir,
    )
    assert contents(folder) == before


def test_play_else_export_refuses_the_bed(folder, cache_dir, monkeypatch):
    def no_device(name=None, routine=None, clock=None, outputs=None):
        raise AssertionError("the target is checked before any work")

    monkeypatch.setattr(player, "open_backend", no_device)
    before = contents(folder)
    result = run("play", "r.yaml", "--bed", "music.wav", "-q", "--else-export", "music.wav")
    refused(
        result,
        "--else-export music.wav: that is the session's bed (music.wav); choose another file",
        cache_dir,
    )
    assert contents(folder) == before


@pytest.mark.slow
def test_standard_output_opened_on_the_bed_is_refused(folder, cache_dir):
    """``export ... -o - >> music.wav``: the shell opened the bed as standard output."""
    before = contents(folder)
    env = {"VOICEGUIDE_CACHE_DIR": str(cache_dir)}
    with open(folder / "music.wav", "ab") as bed:
        args = ["export", "r.yaml", "--bed", "music.wav", "-o", "-"]
        result = launch.run(*args, env=env, stdout=bed, stderr=subprocess.PIPE)
    assert (result.returncode, result.stderr) == (
        2,
        "-o -: standard output is the session's bed (music.wav); send it elsewhere\n",
    )
    assert contents(folder) == before and os.listdir(cache_dir) == []


# -- the speech cache ---------------------------------------------------------------------------


def test_nothing_is_written_into_the_speech_cache(folder, cache_dir):
    assert run("export", "r.yaml", "-o", "first.wav", "-q").exit_code == 0
    entry = next(p for p in sorted(cache_dir.iterdir()) if p.suffix == ".wav")
    os.link(entry, folder / "linked.wav")
    (folder / "cache").symlink_to(cache_dir)
    before = contents(cache_dir)
    where = f"the speech cache ({cache_dir})"
    cases = [
        ("-o", str(entry), f"that is in {where}, whose files voiceguide manages"),
        ("-o", str(cache_dir / "new.wav"), f"that is in {where}, whose files voiceguide manages"),
        ("-o", "cache/new.wav", f"that is in {where}, whose files voiceguide manages"),
        ("-o", "linked.wav", f"that is an entry of {where}, through a hard link"),
        (
            "--split",
            str(cache_dir / "tracks"),
            f"that is in {where}, whose files voiceguide manages",
        ),
        ("--split", "cache", f"that is {where}"),
    ]
    for option, target, what in cases:
        result = run("export", "r.yaml", option, target)
        advice = "choose another file" if "hard link" in what else "choose another folder"
        assert (result.exit_code, result.output) == (2, f"{option} {target}: {what}; {advice}\n")
    assert contents(cache_dir) == before and not (cache_dir / "tracks").exists()


# -- the library: a prepared session knows what it reads ------------------------------------------


def test_a_prepared_session_lists_what_it_reads_and_export_refuses_them(folder, renderer):
    prepared = session.prepare("r.yaml", session.Options(bed="music.wav"), renderer)
    assert [role for role, _ in prepared.reads.files] == [
        "the session's routine",
        "the lexicon the session reads",
        "the session's bed",
        "one of the session's chimes",
        "one of the session's chimes",
        "one of the session's chimes",
        "one of the session's pace sounds",
    ]
    before = contents(folder)
    for target in ("ding.wav", "music.wav"):
        with pytest.raises(UsageError, match=f"^-o {folder / target}: that is "):
            exporting.export(prepared, folder / target)
    assert contents(folder) == before
    exporting.export_split(prepared, Path("tracks"), "wav")
    track = "tracks/01 - One.wav"
    before = contents(folder / "tracks")
    again = session.prepare("r.yaml", session.Options(bed=track), renderer)
    with pytest.raises(
        UsageError, match=f"^--split tracks: it holds the session's bed \\({track}\\)"
    ):
        exporting.export_split(again, Path("tracks"), "wav")
    assert contents(folder / "tracks") == before

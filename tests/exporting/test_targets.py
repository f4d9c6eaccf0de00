"""Never lose a user's file: what an export may replace, and what it refuses before any work.

Split directories carry a manifest and are replaced only when they hold nothing else; file
targets that are links are followed, devices and FIFOs refused; names that are too long or
not UTF-8 give one line. The tone engine stands in for speech.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import soundfile as sf

from voiceguide import atomic, manifest, session
from voiceguide import exporting as export
from voiceguide.errors import ExportError, UsageError
from voiceguide.exporting import mix

ROOT = Path(__file__).resolve().parents[2]


def tree(directory: Path) -> dict[str, bytes | None]:
    """Every entry under ``directory`` (relative names; folders as ``None``)."""
    found = {}
    for path in sorted(directory.rglob("*")):
        found[str(path.relative_to(directory))] = None if path.is_dir() else path.read_bytes()
    return found


def temp_entries(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if ".partial-" in p.name or ".old-" in p.name]


# -- split directories: a manifest, and nothing but our own files replaced ---------------------


def test_a_split_into_a_folder_of_the_users_files_is_refused_and_nothing_is_touched(neck, tmp_path):
    music = tmp_path / "Music"
    (music / "album").mkdir(parents=True)
    (music / "album" / "track.mp3").write_bytes(b"a song in a folder")
    (music / export.PLAYLIST).write_text("#EXTM3U\n")
    (music / "song.mp3").write_bytes(b"a song")
    before = tree(music)
    message = (
        f"{music} is not empty and holds no split written by voiceguide (no valid "
        f"{manifest.NAME}; first entry 'album'): give a new or empty directory, or empty "
        "this one yourself"
    )
    with pytest.raises(UsageError) as caught:
        export.check_split_target(music, "mp3")
    assert str(caught.value) == message
    with pytest.raises(UsageError) as caught:
        export.export_split(neck, music, "wav")
    assert str(caught.value) == message
    assert tree(music) == before and temp_entries(tmp_path) == []


def test_a_split_writes_a_manifest_of_every_file_with_its_size_and_sha256(neck, tmp_path):
    tracks = export.export_split(neck, tmp_path / "out", "flac")
    listed = manifest.listed(tmp_path / "out")
    names = sorted([t.path.name for t in tracks] + [export.PLAYLIST])
    assert sorted(listed) == sorted(os.listdir(tmp_path / "out"))[1:] == names
    data = json.loads((tmp_path / "out" / manifest.NAME).read_text())
    first = data["files"][0]
    path = tmp_path / "out" / first["name"]
    assert first["size"] == path.stat().st_size
    assert first["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_split_replaces_its_own_earlier_split(neck, shared, tmp_path):
    target = tmp_path / "out"
    export.export_split(neck, target, "wav")
    longer = shared.prepare("neck-stretch", 180.0)
    tracks = export.export_split(longer, target, "wav")
    frames = sum(sf.info(str(t.path)).frames for t in tracks)
    assert frames == 180 * 48000
    assert sorted(os.listdir(target)) == sorted(
        [manifest.NAME, export.PLAYLIST] + [t.path.name for t in tracks]
    )
    assert temp_entries(tmp_path) == []


@pytest.mark.parametrize("change", ["a user's file", "a changed track", "a folder", "a link"])
@pytest.mark.slow
def test_an_earlier_split_holding_anything_else_is_refused_naming_it(change, neck, tmp_path):
    target = tmp_path / "out"
    tracks = export.export_split(neck, target, "wav")
    if change == "a user's file":
        name = "notes.txt"
        (target / name).write_text("mine")
    elif change == "a changed track":
        name = tracks[2].path.name
        with open(tracks[2].path, "r+b") as f:  # same size, other bytes
            f.seek(100)
            f.write(b"\x01\x02\x03")
    elif change == "a folder":
        name = "00 extras"
        (target / name).mkdir()
    else:
        name = tracks[0].path.name
        tracks[0].path.rename(tmp_path / "elsewhere.wav")
        (target / name).symlink_to(tmp_path / "elsewhere.wav")
    before = tree(target)
    with pytest.raises(UsageError) as caught:
        export.export_split(neck, target, "wav")
    assert str(caught.value) == (
        f"{target} holds {name!r}, which voiceguide did not write there or which changed "
        "since: move it out of the directory, or give a new or empty one"
    )
    assert tree(target) == before and temp_entries(tmp_path) == []


def test_an_older_split_with_a_playlist_but_no_manifest_is_not_replaced(neck, tmp_path):
    target = tmp_path / "out"
    export.export_split(neck, target, "wav")
    (target / manifest.NAME).unlink()
    before = tree(target)
    with pytest.raises(UsageError, match="holds no split written by voiceguide"):
        export.export_split(neck, target, "wav")
    assert tree(target) == before


@pytest.mark.slow
def test_a_file_put_into_the_split_during_the_export_stops_the_swap(neck, tmp_path):
    target = tmp_path / "out"
    export.export_split(neck, target, "wav")
    before = tree(target)

    def drop(done, total):
        if not (target / "late.txt").exists():
            (target / "late.txt").write_text("written while voiceguide worked")

    with pytest.raises(ExportError, match=r"'late\.txt' is not voiceguide's, so it was not"):
        export.export_split(neck, target, "wav", progress=drop)
    assert tree(target) == {**before, "late.txt": b"written while voiceguide worked"}
    assert temp_entries(tmp_path) == []


def test_removing_an_old_split_removes_only_its_verified_files(neck, tmp_path):
    target = tmp_path / "out"
    tracks = export.export_split(neck, target, "wav")
    (target / "mine.txt").write_text("mine")
    (target / "sub").mkdir()
    (target / "sub" / "deep.txt").write_text("deep")
    tracks[1].path.write_bytes(b"changed by the user")
    left = manifest.remove(target)
    assert left == sorted([manifest.NAME, tracks[1].path.name, "mine.txt", "sub"])
    assert tracks[1].path.read_bytes() == b"changed by the user"
    assert (target / "sub" / "deep.txt").read_text() == "deep"


@pytest.mark.slow
def test_a_split_swapped_out_by_two_renames_is_removed_by_its_manifest(neck, tmp_path, monkeypatch):
    target = tmp_path / "out"
    export.export_split(neck, target, "wav")
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    removed = []
    real_remove = manifest.remove
    monkeypatch.setattr(manifest, "remove", lambda d: removed.append(d) or real_remove(d))
    export.export_split(neck, target, "flac")
    assert [p.name.split("-")[0] for p in removed] == [".out.old"]
    assert sorted(p.suffix for p in target.iterdir()) == [".flac"] * 8 + [".json", ".m3u8"]
    assert temp_entries(tmp_path) == []


def test_cleanup_stale_keeps_what_is_not_voiceguides_in_a_left_over_directory(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    parked = tmp_path / f".out.partial-{dead}-0a1b2c3d"  # an old split, swapped out, not removed
    parked.mkdir()
    (parked / "01 - A.wav").write_bytes(b"ours")
    manifest.write(parked)
    (parked / "mine.txt").write_text("the user's")
    partial = tmp_path / f".more.partial-{dead}-0a1b2c3d"  # killed while writing tracks
    (partial / "folder").mkdir(parents=True)
    (partial / "01 - A.wav").write_bytes(b"half")
    unrelated = tmp_path / f".notes.partial-{dead}-xyz"  # not a name voiceguide makes
    unrelated.write_text("keep")
    assert atomic.cleanup_stale(tmp_path) == []
    assert sorted(os.listdir(parked)) == [manifest.NAME, "mine.txt"]
    assert os.listdir(partial) == ["folder"] and unrelated.read_text() == "keep"


# -- file targets: links followed, special files refused, modes kept ---------------------------


def make_special(kind: str, path: Path) -> None:
    if kind == "FIFO (named pipe)":
        os.mkfifo(path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    else:
        if os.geteuid() != 0:
            pytest.skip("only root can make a device node")
        os.mknod(path, 0o644 | stat.S_IFCHR, os.makedev(1, 3))  # the numbers of /dev/null


@pytest.mark.parametrize("kind", ["character device", "FIFO (named pipe)", "socket"])
def test_a_device_fifo_or_socket_target_is_refused_and_left_as_it_is(kind, neck, tmp_path):
    special = tmp_path / "special"
    make_special(kind, special)
    before = special.lstat()
    message = (
        f"{special} is a {kind}, not a regular file: voiceguide writes only regular files; "
        "give a file name ('-' writes to standard output)"
    )
    for call in (
        lambda: export.check_target(special, "wav"),
        lambda: export.export(neck, special, "wav"),
    ):
        with pytest.raises(UsageError) as caught:
            call()
        assert str(caught.value) == message
    after = special.lstat()
    assert (after.st_mode, after.st_ino, after.st_rdev) == (
        before.st_mode,
        before.st_ino,
        before.st_rdev,
    )
    assert sorted(os.listdir(tmp_path)) == ["special"]


def test_a_link_to_a_fifo_is_refused_naming_both(neck, tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "out.wav").symlink_to("fifo")
    with pytest.raises(UsageError, match=r"out\.wav \(a link to .*/fifo\) is a FIFO"):
        export.export(neck, tmp_path / "out.wav")
    assert stat.S_ISFIFO((tmp_path / "fifo").lstat().st_mode)


def test_atomic_file_never_replaces_what_is_not_a_regular_file(tmp_path):
    """The last guard, for a target that changed after the checks (or a library caller)."""
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError, match="not a regular file, so it was not replaced"):
        with atomic.file(tmp_path / "fifo") as temp:
            temp.write_bytes(b"audio")
    assert stat.S_ISFIFO((tmp_path / "fifo").lstat().st_mode)
    assert os.listdir(tmp_path) == ["fifo"]


def test_a_link_target_replaces_the_file_it_points_to_and_stays_a_link(neck, tmp_path):
    (tmp_path / "music").mkdir()
    real = tmp_path / "music" / "real.flac"
    real.write_bytes(b"previous")
    link = tmp_path / "link.flac"
    link.symlink_to("music/real.flac")
    result = export.export(neck, link)
    assert link.is_symlink() and os.readlink(link) == "music/real.flac"
    assert result.path == link
    assert sf.info(str(real)).frames == 120 * 48000
    assert temp_entries(tmp_path) == [] and temp_entries(real.parent) == []


def test_a_dangling_link_creates_the_file_it_points_to(neck, tmp_path):
    (tmp_path / "music").mkdir()
    link = tmp_path / "new.wav"
    link.symlink_to("music/new.wav")
    export.export(neck, link)
    assert link.is_symlink() and sf.info(str(tmp_path / "music" / "new.wav")).frames == 120 * 48000


def test_a_replaced_file_keeps_its_permission_bits(neck, tmp_path):
    target = tmp_path / "private.wav"
    target.write_bytes(b"previous")
    target.chmod(0o640)
    export.export(neck, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sf.info(str(target)).frames == 120 * 48000


NOBODY = 65534


def check_as_nobody(target: Path) -> str:
    """``export.check_target(target)`` in a forked child that dropped root for nobody: its
    error message, or ``"accepted"``."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            try:
                export.check_target(target)
                said = "accepted"
            except UsageError as exc:
                said = str(exc)
            os.write(write, said.encode())
        finally:
            os._exit(0)
    os.close(write)
    with open(read, "rb") as f:
        said = f.read().decode()
    os.waitpid(pid, 0)
    return said


def test_a_read_only_target_is_refused_as_the_shell_would_refuse_it(neck, tmp_path):
    """Only root may replace a read-only file (as with the shell's >), keeping its mode;
    anyone else is refused before any work. As root, the refusal is checked in a child
    that runs as nobody."""
    if os.geteuid() == 0:
        shared_dir = Path(tempfile.mkdtemp(prefix="voiceguide-test-"))
        try:
            shared_dir.chmod(0o777)
            locked = shared_dir / "locked.wav"
            locked.write_bytes(b"previous")
            os.chown(locked, NOBODY, NOBODY)
            locked.chmod(0o444)
            assert check_as_nobody(locked) == (
                f"{locked} is read-only: make it writable (chmod u+w) or give another name"
            )
            locked.chmod(0o644)
            assert check_as_nobody(locked) == "accepted"
            assert locked.read_bytes() == b"previous"
        finally:
            for entry in shared_dir.iterdir():
                entry.unlink()
            shared_dir.rmdir()
    target = tmp_path / "locked.wav"
    target.write_bytes(b"previous")
    target.chmod(0o444)
    if os.geteuid() != 0:
        with pytest.raises(UsageError, match=r"locked\.wav is read-only: make it writable"):
            export.export(neck, target)
        assert target.read_bytes() == b"previous"
        return
    export.export(neck, target)  # root, as with the shell's >
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert sf.info(str(target)).frames == 120 * 48000


# -- size limits: checked once the plan is known, before any audio is mixed ----------------------

ONE_LONG_STEP = """\
title: Long
intro: Here we go.
steps:
  - name: Part 1
    say: Part one.
    duration: 10m
    min: 1m
    max: 24h
    cues:
      - every: 90s
        say: Keep going.
"""


@pytest.fixture
def never_mixed(monkeypatch):
    """Any mixing fails the test: the refusal must come first."""

    def mixed(*args, **kwargs):
        raise AssertionError("audio was mixed before the size was checked")

    monkeypatch.setattr(mix, "level", mixed)


def test_a_split_track_too_long_for_wav_is_refused_before_any_mixing(
    write_routine, prepare, tmp_path, never_mixed
):
    prepared = prepare(write_routine(ONE_LONG_STEP), 23 * 3600.0)
    with pytest.raises(UsageError) as caught:
        export.export_split(prepared, tmp_path / "long", "wav")
    assert str(caught.value).startswith(
        "a .wav file holds at most 12h25m39s of 48 kHz 16-bit audio; track '02 - Part 1.wav' "
        "would last 22h59m"
    )
    assert str(caught.value).endswith(": split it as flac instead")
    assert sorted(os.listdir(tmp_path)) == ["routine.yaml"]


def test_one_length_too_long_for_wav_stops_every_length_before_any_file(
    write_routine, renderer, tmp_path
):
    routine = write_routine(ONE_LONG_STEP)
    targets = [tmp_path / "a-10m.wav", tmp_path / "a-23h.wav"]
    lengths = [600.0, 23 * 3600.0]
    with pytest.raises(UsageError, match=r"holds at most 12h25m39s .*; export 23h00m to \.flac"):
        export.export_many(prepare_at(str(routine), renderer), lengths, targets)
    assert sorted(os.listdir(tmp_path)) == ["routine.yaml"]


def test_a_split_removes_what_killed_splits_left_beside_it(neck, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f".out.partial-{dead}-0a1b2c3d"
    stale.mkdir()
    (stale / "01 - Introduction.wav").write_bytes(b"half a track")
    live = tmp_path / f".out.partial-{os.getpid()}-0a1b2c3d"  # an export running now
    live.mkdir()
    export.export_split(neck, tmp_path / "out", "wav")
    assert sorted(os.listdir(tmp_path)) == sorted(["out", live.name])


def prepare_at(routine: str, renderer):
    """``export_many``'s ``prepare``: the routine fitted to a length."""
    return lambda length: session.prepare(routine, session.Options(length), renderer)

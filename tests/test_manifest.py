"""A split's manifest is read only when voiceguide could have written it: bounded before it is
read, never parsed recursively, and a forged one (in a split's folder or in a stale temporary
folder of another process) neither raises nor lets anything else be replaced."""

from __future__ import annotations

import hashlib
import json
import os
import tracemalloc
from pathlib import Path

import pytest

from voiceguide import atomic, manifest
from voiceguide.errors import RoutineError
from voiceguide.routine import loader

DIGEST = "0" * 64


def manifest_text(entries: list[dict]) -> str:
    """A manifest as ``manifest.write`` lays it out."""
    return json.dumps({"kind": "voiceguide split", "version": 1, "files": entries}, indent=1)


def peak_bytes(call) -> int:
    """The most memory Python held while ``call()`` ran (tracemalloc)."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_written_manifest_is_read_back_and_a_name_may_hold_any_character(tmp_path):
    names = ["01 - Basic rub.wav", '02 - "Ünïcode" \\ {x} [y].wav', "03 - 肩.wav", "\x7f\U0001f600"]
    for name in names:
        (tmp_path / name).write_bytes(name.encode())
    manifest.write(tmp_path)
    assert manifest.listed(tmp_path) == {
        name: (len(name.encode()), hashlib.sha256(name.encode()).hexdigest()) for name in names
    }
    assert manifest.foreign(tmp_path) is None


def test_an_empty_manifest_is_read_back(tmp_path):
    manifest.write(tmp_path)
    assert manifest.listed(tmp_path) == {}


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # RecursionError in json.loads
        '{"kind": "voiceguide split", "version": 1, "files": '
        + "[" * 100_000
        + "]" * 100_000
        + "}",
        '{"version": 1, "kind": "voiceguide split", "files": []}',  # laid out otherwise
        '{"kind": "voiceguide split", "version": 2, "files": []}',
        manifest_text([{"name": "a", "size": 1.0, "sha256": DIGEST}]),
        manifest_text([{"name": "a", "size": -1, "sha256": DIGEST}]),
        manifest_text([{"name": "a", "size": 1, "sha256": "A" * 64}]),
        manifest_text([{"name": "a/b", "size": 1, "sha256": DIGEST}]),
        manifest_text([{"name": "..", "size": 1, "sha256": DIGEST}]),
        manifest_text([{"name": manifest.NAME, "size": 1, "sha256": DIGEST}]),
        manifest_text([{"name": "a", "size": 1, "sha256": DIGEST, "extra": 1}]),
        manifest_text([{"name": "a", "size": 1, "sha256": DIGEST}]) + "x",
        manifest_text([{"name": "a", "size": 1, "sha256": DIGEST}])[:-3],
        '{"kind": "voiceguide split", "version": 1, "files": [{"name": "\\x", "size": 1, '
        f'"sha256": "{DIGEST}"}}]}}',
        "",
    ],
    ids=lambda text: text[:40],
)
def test_a_malformed_manifest_counts_as_none_and_its_folder_as_foreign(text, tmp_path):
    (tmp_path / "a").write_bytes(b"")
    (tmp_path / manifest.NAME).write_text(text)
    assert manifest.listed(tmp_path) is None
    assert manifest.foreign(tmp_path) == manifest.NAME
    assert manifest.remove(tmp_path) == sorted(["a", manifest.NAME])


def test_a_manifest_larger_than_a_split_can_need_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / manifest.NAME
    with open(path, "wb") as f:  # sparse: 400 MB that take no room on the disk
        f.write(b'{"kind": "voiceguide split", "version": 1, "files": ["')
        f.seek(400_000_000)
        f.write(b'"]}')
    assert peak_bytes(lambda: manifest.listed(tmp_path)) < 100_000
    assert manifest.listed(tmp_path) is None


def test_a_manifest_of_many_small_values_is_refused_without_building_them(tmp_path):
    head = '{"kind": "voiceguide split", "version": 1, "files": ['
    body = ",".join(["{}"] * ((manifest.MAX_BYTES - len(head) - 2) // 3))
    (tmp_path / manifest.NAME).write_text(head + body + "]}")
    assert (tmp_path / manifest.NAME).stat().st_size <= manifest.MAX_BYTES
    # json.loads made a dict per 3 bytes: 340 MB; reading it is MAX_BYTES (13 MB)
    assert peak_bytes(lambda: manifest.listed(tmp_path)) < manifest.MAX_BYTES + 1_000_000
    assert manifest.listed(tmp_path) is None


def test_the_bound_holds_the_largest_split_and_no_more(tmp_path):
    # the longest name a file system takes (255 bytes), of the characters JSON escapes longest
    name = "\x01" * 255
    entries = [{"name": f"{name}{n}", "size": 2**63 - 1, "sha256": DIGEST} for n in range(8)]
    assert max(len(json.dumps(e, indent=1)) + 10 for e in entries) < manifest.ENTRY_BYTES
    many = [
        {"name": f"{n:05d}{name[5:]}", "size": 2**63 - 1, "sha256": DIGEST}
        for n in range(manifest.MAX_FILES)
    ]
    text = manifest_text(many)
    assert len(text) <= manifest.MAX_BYTES
    (tmp_path / manifest.NAME).write_text(text)
    assert len(manifest.listed(tmp_path)) == manifest.MAX_FILES
    one_more = many + [{"name": "x", "size": 0, "sha256": DIGEST}]
    (tmp_path / manifest.NAME).write_text(manifest_text(one_more))
    assert manifest.listed(tmp_path) is None


def test_the_most_tracks_a_split_can_have_are_what_the_loader_allows(write_routine):
    # intro + every step at the most sides + an interlude (at the most sides) between + closing
    assert manifest.MAX_TRACKS >= 1 + loader.MAX_STEPS * 8 + (loader.MAX_STEPS - 1) * 8 + 1
    nine = write_routine(
        """
        title: t
        steps:
          - {name: s, duration: 9m, sides: [a, b, c, d, e, f, g, h, i]}
        """
    )
    with pytest.raises(RoutineError, match="1 to 8 names"):
        loader.load(nine)


def test_a_manifest_that_is_a_fifo_or_a_link_counts_as_none(tmp_path):
    os.mkfifo(tmp_path / manifest.NAME)
    assert manifest.listed(tmp_path) is None  # and did not wait for a writer
    os.unlink(tmp_path / manifest.NAME)
    manifest.write(tmp_path)
    real = tmp_path / "real.json"
    os.rename(tmp_path / manifest.NAME, real)
    os.symlink(real, tmp_path / manifest.NAME)
    assert manifest.listed(tmp_path) is None


# -- what other processes left: never breaks a later export ------------------------------------


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"kind": "voiceguide split", "files": "x"}'],
    ids=["nested", "malformed"],
)
def test_a_forged_manifest_in_a_stale_temporary_folder_breaks_no_later_export(text, tmp_path):
    stale = tmp_path / ".tracks.partial-999999999-0a1b2c3d"  # no such process
    stale.mkdir()
    (stale / manifest.NAME).write_text(text)
    (stale / "song.mp3").write_bytes(b"not voiceguide's")
    atomic.cleanup_stale(tmp_path)
    with atomic.file(tmp_path / "s.wav") as temp:
        temp.write_bytes(b"audio")
    assert (tmp_path / "s.wav").read_bytes() == b"audio"
    # no manifest voiceguide could have written: the folder is a temporary one a killed split
    # was filling (its manifest comes last), so its files go, as before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.wav"]


def test_a_stale_entry_with_an_impossible_pid_is_removed_without_raising(tmp_path):
    stale = tmp_path / ".s.wav.partial-99999999999999999999-0a1b2c3d"  # more than pid_t holds
    stale.write_bytes(b"")
    assert atomic.cleanup_stale(tmp_path) == [stale]


def test_a_stale_entry_that_cannot_be_removed_or_put_back_is_left_and_the_rest_goes_on(
    tmp_path, monkeypatch
):
    parked = tmp_path / ".tracks.old-999999999-0a1b2c3d"
    parked.mkdir()
    gone = tmp_path / ".s.wav.partial-999999999-0a1b2c3d"
    gone.write_bytes(b"")

    def refused(self, target):
        raise PermissionError(1, "Operation not permitted", str(self))

    monkeypatch.setattr(Path, "rename", refused)  # another user's, in a sticky folder
    assert atomic.cleanup_stale(tmp_path) == [gone]
    assert parked.is_dir()

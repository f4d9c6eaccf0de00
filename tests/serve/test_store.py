"""The render store: one render per key, its own files only, bounded in size."""

from __future__ import annotations

import os
import threading
import time

import pytest

from voiceguide.errors import UsageError
from voiceguide.serve.store import OWN, Served, Store, key_of


def test_a_render_that_fails_ends_with_its_one_line_for_every_waiter(tmp_path):
    store = Store(tmp_path / "s")

    def prepare():
        time.sleep(0.2)
        raise UsageError("no routine 'x': give one of this server's routines")

    first, how = store.get("a" * 32, "mp3", prepare)
    second, joined = store.get("a" * 32, "mp3", prepare)
    assert (how, joined) == ("made", "joined") and first is second
    assert first.done.wait(5)
    assert first.error == "no routine 'x': give one of this server's routines"
    assert store.made == 1
    assert not list((tmp_path / "s").iterdir())  # nothing left behind


def test_concurrent_asks_for_one_key_make_one_render(tmp_path, prepare):
    store = Store(tmp_path / "s")
    session = prepare("neck-stretch", 60.0)
    key = key_of(session, "wav")
    calls = []

    def make():
        calls.append(1)
        return session

    got = []
    threads = [
        threading.Thread(target=lambda: got.append(store.get(key, "wav", make))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    renders = {id(render) for render, _ in got}
    assert len(renders) == 1 and sorted(how for _, how in got).count("made") == 1
    render = got[0][0]
    assert render.done.wait(30) and render.error is None
    assert calls == [1] and store.made == 1
    assert render.path.stat().st_size == render.size > 60 * 48000 * 2
    assert store.get(key, "wav", make)[1] == "found" and calls == [1]


def test_keys_differ_with_what_changes_the_sound(prepare):
    base = prepare("neck-stretch", 60.0)
    assert key_of(base, "wav") == key_of(prepare("neck-stretch", 60.0), "wav")
    assert key_of(base, "wav") != key_of(base, "mp3")
    assert key_of(base, "wav") != key_of(prepare("neck-stretch", 61.0), "wav")
    assert key_of(base, "wav") != key_of(prepare("neck-stretch", 60.0, pace=0.8), "wav")
    assert key_of(base, "wav") != key_of(prepare("neck-stretch", 60.0, rate=200), "wav")


def test_what_is_served_is_a_closed_set_spelled_as_before(prepare, tmp_path):
    """``Served`` members are the extensions the store always used: a key (and so every
    file a server already rendered) is the same for a member as for its old string."""
    assert [str(fmt) for fmt in Served] == ["wav", "mp3", "opus", "zip"]
    base = prepare("neck-stretch", 60.0)
    assert key_of(base, Served.WAV) == key_of(base, "wav")
    assert key_of(base, Served.ZIP) == key_of(base, "zip")
    assert [bool(OWN.match(f"{'a' * 32}.{ext}")) for ext in ("mp3", "zip", "flac", "ogg")] == [
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(ValueError, match="format must be one of wav, mp3, opus, zip, got 'flac'"):
        Store(tmp_path / "s").get("a" * 32, "flac", lambda: base)


def test_trim_removes_its_own_least_recently_used_files_and_nothing_else(tmp_path):
    store = Store(tmp_path / "s", limit=2500)
    folder = tmp_path / "s"
    own = []
    for index in range(4):
        path = folder / f"{index:032x}.mp3"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1000 + index, 1000 + index))
        own.append(path)
    foreign = [folder / "notes.txt", folder / ("f" * 32 + ".txt"), folder / "ABC.mp3"]
    for path in foreign:
        path.write_bytes(b"y" * 5000)
    link = folder / ("e" * 32 + ".wav")
    link.symlink_to(foreign[0])
    removed = store.trim()
    assert removed == own[:2]  # the oldest two: 2000 bytes left, under the limit
    assert [p.exists() for p in own] == [False, False, True, True]
    assert all(p.exists() for p in foreign) and link.is_symlink()

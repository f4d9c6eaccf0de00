"""Atomic files and directories leave nothing behind, wherever an interrupt strikes: even
between creating the temporary entry and starting to use it (where a test that signals the
moment the entry appears lands, on a loaded machine)."""

from __future__ import annotations

import pytest

from voiceguide import atomic


@pytest.fixture
def interrupted_after_creating(monkeypatch):
    """``temp_beside`` creates its entry, then an interrupt arrives before it returns."""
    made = atomic.temp_beside

    def create_then_interrupt(target):
        made(target)
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "temp_beside", create_then_interrupt)


def test_an_interrupt_right_after_the_temporary_file_is_made_leaves_nothing(
    tmp_path, interrupted_after_creating
):
    with pytest.raises(KeyboardInterrupt), atomic.file(tmp_path / "out.wav"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_right_after_the_temporary_directory_is_made_leaves_nothing(
    tmp_path, interrupted_after_creating
):
    with pytest.raises(KeyboardInterrupt), atomic.directory(tmp_path / "tracks"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_scratch_and_probe_leave_nothing_whether_or_not_they_are_interrupted(tmp_path, monkeypatch):
    with atomic.scratch(tmp_path / "raw") as folder:
        (folder / "raw.wav").write_bytes(b"data")
    atomic.probe(tmp_path)
    assert list(tmp_path.iterdir()) == []
    made = atomic.temp_beside

    def create_then_interrupt(target):
        made(target)
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "temp_beside", create_then_interrupt)
    for attempt in (
        lambda: atomic.probe(tmp_path),
        lambda: atomic.scratch(tmp_path / "raw").__enter__(),
    ):
        with pytest.raises(KeyboardInterrupt):
            attempt()
        assert list(tmp_path.iterdir()) == []


def test_another_process_s_temporary_entries_are_not_touched_on_failure(tmp_path):
    other = tmp_path / ".out.wav.partial-1-0a1b2c3d"  # pid 1: not this process
    other.write_bytes(b"someone else's")
    with pytest.raises(RuntimeError), atomic.file(tmp_path / "out.wav"):
        raise RuntimeError("failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name]

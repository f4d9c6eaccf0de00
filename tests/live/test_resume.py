"""Where a stopped session stopped (``live.resume``): kept while it plays, on quitting and on
an interrupt, forgotten at its end, and where a resumed session goes on. A fake clock and a
fake backend; the files in a temporary state folder."""

from __future__ import annotations

import json
import os

import pytest

from voiceguide.errors import UsageError
from voiceguide.live import player, resume
from voiceguide.live.resume import Keeper
from voiceguide.testing.fakes import FakeBackend, FakeClock, FakeKeys, FakeSession

from .test_player import PARTS, make_plan


def keeper(tmp_path, options=None) -> Keeper:
    return Keeper("/r/routine.yaml", options or {"length": None}, "voiceguide play r --resume",
                  tmp_path / "state")  # fmt: skip


class Keys(FakeKeys):
    """``FakeKeys`` where the action ``interrupt`` is Ctrl-C (or SIGTERM) at that time."""

    def read(self, timeout):
        pressed = super().read(timeout)
        if "interrupt" in pressed:
            raise KeyboardInterrupt
        return pressed


def play(plan, kept: Keeper, script=(), start=0.0):
    """Play ``plan`` as ``play_live`` does with a keeper; returns the player."""
    clock = FakeClock()
    keys = Keys(clock, [(clock.now + t, a) for t, a in script]) if script else None
    made = player.Player(
        FakeSession(plan), FakeBackend(clock), clock, clock.sleep, keys, None, 0.0, False
    )
    kept.run(made, start)
    return made


def test_quit_inside_a_sentence_keeps_the_sentences_start(tmp_path):
    plan = make_plan(PARTS)
    kept = keeper(tmp_path)
    play(plan, kept, [(72.0, "quit")])  # B's instruction plays from 71.25 to 74.25
    saved = json.loads(kept.path.read_text())
    assert saved["position"] == pytest.approx(71.25)
    assert (saved["step"], saved["step_name"]) == (1, "B")
    assert saved["into"] == pytest.approx(1.25)
    assert kept.last.where == "1:11 of 3:20"


def test_quit_between_sounds_keeps_the_moment(tmp_path):
    kept = keeper(tmp_path)
    play(make_plan(PARTS), kept, [(80.0, "quit")])
    assert kept.last.position == pytest.approx(80.0)
    again = keeper(tmp_path)
    assert again.start(make_plan(PARTS)) == pytest.approx(80.0)


def test_while_it_plays_the_place_is_written_every_few_seconds_not_more(tmp_path, monkeypatch):
    written = []
    kept = keeper(tmp_path)
    real = kept.save

    def save():
        written.append(kept._player.position())
        return real()

    monkeypatch.setattr(kept, "save", save)
    play(make_plan(PARTS), kept, [(60.0, "quit")])
    steps = [b - a for a, b in zip(written, written[1:-1], strict=False)]
    assert written[0] == pytest.approx(0.0)
    assert min(steps) >= resume.SAVE_EVERY - 1e-6
    assert max(steps) <= resume.SAVE_EVERY + 1.0  # a status comes every second
    assert len(written) <= 60 / resume.SAVE_EVERY + 2


def test_an_interrupt_keeps_the_place_too(tmp_path):
    kept = keeper(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        play(make_plan(PARTS), kept, [(100.0, "interrupt")])
    assert kept.last is not None and kept.last.position == pytest.approx(100.0, abs=1.0)


def test_a_session_played_to_its_end_is_forgotten(tmp_path):
    kept = keeper(tmp_path)
    play(make_plan(PARTS), kept, [(30.0, "quit")])
    assert kept.path.exists()
    again = keeper(tmp_path)
    play(make_plan(PARTS), again, start=again.start(make_plan(PARTS)))
    assert not again.path.exists() and again.last is None


def test_resuming_goes_on_in_the_same_part_at_the_same_point_after_longer(tmp_path):
    """``+`` in part A moved B by 30 s; stopped 10 s into B, the session goes on 10 s into
    B as planned (parts are back at their planned lengths)."""
    kept = keeper(tmp_path)
    play(make_plan(PARTS), kept, [(10.0, "longer"), (110.0, "quit")])
    assert (kept.last.step, kept.last.into) == (1, pytest.approx(10.0))
    assert keeper(tmp_path).start(make_plan(PARTS)) == pytest.approx(80.0)


def test_a_routine_changed_since_is_refused_in_one_line(tmp_path):
    kept = keeper(tmp_path)
    play(make_plan(PARTS), kept, [(80.0, "quit")])
    changed = make_plan([("A", 70.0), ("X", 60.0), ("C", 60.0), ("Closing", 10.0)])
    with pytest.raises(UsageError, match=r"^--resume: the routine changed since .*'B'"):
        keeper(tmp_path).start(changed)


def test_other_options_are_another_session_and_the_message_names_the_one_kept(tmp_path):
    kept = keeper(tmp_path, {"length": 600.0})
    play(make_plan(PARTS), kept, [(80.0, "quit")])
    other = keeper(tmp_path, {"length": 900.0})
    assert other.stopped is None
    assert str(other.missing("r")) == (
        "--resume: no stopped session of r with these options; one stopped at 1:20 of "
        "3:20: voiceguide play r --resume"
    )
    assert str(keeper(tmp_path / "empty").missing("r")).startswith(
        "--resume: no stopped session of r to resume"
    )


def test_damaged_and_foreign_files_are_not_read_and_never_removed(tmp_path, monkeypatch):
    kept = keeper(tmp_path)
    kept.directory.mkdir(parents=True)
    kept.path.write_text('{"position": "soon"')
    foreign = kept.directory / "notes.txt"
    foreign.write_text("mine")
    assert keeper(tmp_path).stopped is None
    kept.path.write_text(json.dumps({"position": float("nan")}))
    assert keeper(tmp_path).stopped is None
    monkeypatch.setattr(resume, "KEEP", 3)
    for length in range(5):
        play(make_plan(PARTS), keeper(tmp_path, {"length": float(length)}), [(20.0, "quit")])
    names = sorted(os.listdir(kept.directory))
    assert "notes.txt" in names and foreign.read_text() == "mine"
    assert len([n for n in names if n.endswith(".json")]) == 3


def test_a_state_folder_that_cannot_be_written_never_stops_the_session(tmp_path):
    blocker = tmp_path / "state"
    blocker.write_text("a file where the folder should be")
    kept = keeper(tmp_path)
    made = play(make_plan(PARTS), kept, [(30.0, "quit")])
    assert made.result.quit and kept.last is None
    assert kept.error.startswith("cannot keep where the session is")
    assert blocker.read_text() == "a file where the folder should be"


def test_a_fifo_or_a_link_at_the_state_files_name_is_neither_read_written_nor_removed(tmp_path):
    """A FIFO blocked a plain open() for ever (``play --resume`` hung); a link was written
    through (the file it named replaced by the state)."""
    kept = keeper(tmp_path)
    kept.directory.mkdir(parents=True)
    os.mkfifo(kept.path)
    assert keeper(tmp_path).stopped is None  # returns at once
    made = play(make_plan(PARTS), keeper(tmp_path), [(30.0, "quit")])
    assert made.result.quit
    assert os.path.exists(kept.path) and not kept.path.is_file()  # the FIFO stays
    os.unlink(kept.path)
    mine = tmp_path / "notes.txt"
    mine.write_text("mine")
    kept.path.symlink_to(mine)
    linked = keeper(tmp_path)
    play(make_plan(PARTS), linked, [(30.0, "quit")])
    assert mine.read_text() == "mine" and kept.path.is_symlink()
    assert linked.error is not None and "not a file voiceguide wrote" in linked.error
    play(make_plan(PARTS), keeper(tmp_path))  # played to its end: the state is forgotten...
    assert mine.read_text() == "mine" and kept.path.is_symlink()  # ...but not the link

"""Every routine shipped in scripts/ is checked, fitted to several lengths and planned."""

from __future__ import annotations

import pytest

from voiceguide import resources, routine

SHIPPED = resources.routine_names()


def test_the_issue_routines_are_shipped():
    assert {"back-massage", "first-back-massage"} <= set(SHIPPED)


ISSUE_ROUTINES = ["back-massage", "first-back-massage"]


def fitting_lengths(name: str) -> list[float]:
    """10, 20 and 45 minutes for the massage routines; three lengths across any other's range."""
    if name in ISSUE_ROUTINES:
        return [600.0, 1200.0, 2700.0]
    loaded = routine.load(resources.find_routine(name))
    low = sum(s.min for s in loaded.steps) + 60
    high = sum(s.max for s in loaded.steps)
    return [low, (low + high) / 2, high - 60] if high - 60 > low else [low]


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.slow
def test_each_shipped_routine_plans_exactly_at_several_lengths(prepare, name, which):
    lengths = fitting_lengths(name)
    seconds = lengths[min(which, len(lengths) - 1)]
    minutes = seconds / 60
    built = prepare(name, length=seconds).plan
    assert built.length == pytest.approx(minutes * 60, abs=0.1)
    assert built.steps[-1].end == pytest.approx(minutes * 60, abs=0.1)
    cues = [e for e in built.events if e.kind != "pulse"]
    for before, after in zip(cues, cues[1:], strict=False):
        assert before.end <= after.at + 1e-9
    chimes = [e for e in cues if e.kind == "chime"]
    speech = [e for e in cues if e.kind == "speech"]
    for beat in (e for e in built.events if e.kind == "pulse"):
        # The pace guide never sounds with a chime and goes quiet under a voice.
        assert not [c for c in chimes if abs(c.at - beat.at) < 0.3 - 1e-9]
        if any(s.at - 0.1 < beat.end and beat.at < s.end + 0.1 for s in speech):
            assert beat.gain_db <= -(6 + 12)
    assert cues[-1].sound.name == "end"
    assert not [w for w in built.warnings if "instruction lasts past" in w]


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_routine_plans_at_its_own_length(prepare, name):
    loaded = routine.load(resources.find_routine(name))
    built = prepare(name).plan
    assert built.length == pytest.approx(loaded.length, abs=0.1)


def test_back_massage_follows_its_source():
    loaded = routine.load(resources.find_routine("back-massage"))
    names = [s.name for s in loaded.steps]
    assert names == [
        "Basic rub",
        "Heel-of-hand circles",
        "Fingertip pushes",
        "Work out the spine",
        "Closing rub",
    ]
    assert loaded.interlude.name == "Re-relax"
    assert loaded.steps[2].sides == loaded.steps[3].sides == ("left", "right")
    spine = [loaded.steps[3].say, *(cue.say for cue in loaded.steps[3].cues)]
    assert any("five times" in text for text in spine)
    # "Do this in a slow manner": every technique slows through its time, and the
    # re-relaxing and closing rubs are the slowest of all.
    paces = [s.pace for s in loaded.steps]
    assert all(p is not None and p.end < p.start for p in paces)
    slowest = max(p.start for p in (loaded.interlude.pace, paces[-1]))
    assert slowest < min(p.end for p in paces[:-1])

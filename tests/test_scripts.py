"""Every routine shipped in scripts/ is checked, fitted to several lengths and planned."""

from __future__ import annotations

import pytest

from voiceguide import resources, routine

SHIPPED = resources.routine_names()


def test_the_issue_routines_are_shipped():
    assert {"back-massage", "first-back-massage"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("minutes", [10, 20, 45])
def test_each_shipped_routine_plans_exactly_at_10_20_and_45_minutes(prepare, name, minutes):
    built = prepare(name, length=minutes * 60.0).plan
    assert built.length == pytest.approx(minutes * 60, abs=0.1)
    assert built.steps[-1].end == pytest.approx(minutes * 60, abs=0.1)
    for before, after in zip(built.events, built.events[1:], strict=False):
        assert before.end <= after.at + 1e-9
    assert built.events[-1].sound.name == "end"
    assert not [w for w in built.warnings if "instruction lasts past" in w]


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_routine_plans_at_its_own_length(prepare, name):
    loaded = routine.load(resources.find_routine(name))
    built = prepare(name).plan
    assert built.length == pytest.approx(loaded.length, abs=0.1)


def test_back_massage_follows_its_source():
    loaded = routine.load(resources.find_routine("back-massage"))
    names = [s.name for s in loaded.steps]
    assert names == ["Basic rub", "Heel-of-hand circles", "Fingertip pushes", "Work out the spine"]
    assert loaded.between.name == "Re-relax"
    assert loaded.steps[2].sides == loaded.steps[3].sides == ("left", "right")
    assert "five times" in loaded.steps[3].say

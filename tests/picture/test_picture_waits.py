"""The picture shows where a live session waits for the giver (issue 22, 1) and names a
step's round: a dashed line at each waiting part's end, with its hover title."""

from __future__ import annotations

import pytest

from voiceguide import durations, picture

from .test_picture import layer, points, svg_of, to_svg

ROUTINE = """
    title: Waits
    steps:
      - {name: Back, duration: 2m, min: 30s, max: 4m, repeat: true, sides: [left, right]}
      - {name: Turn over, duration: 45s, wait: true}
      - {name: Front, duration: 2m}
    """


def test_a_waiting_parts_end_is_a_dashed_line_at_its_time_with_its_title(prepare, write_routine):
    plan = prepare(write_routine(ROUTINE), length=20 * 60).plan
    (end,) = [s.end for s in plan.steps if s.wait]
    drawn = picture.draw(plan)
    (line,) = layer(svg_of(drawn), "waits")
    xs = points(line)[:, 0]
    assert xs.min() == pytest.approx(to_svg(drawn, "main", end, 0)[0], abs=1.0)
    assert xs.max() - xs.min() < 1.0  # upright
    assert drawn.titles["waits"] == [f"{durations.format(end)} waits here until next "
                                     "(live); an export goes on"]  # fmt: skip
    svg = picture.to_bytes(drawn, "svg").decode()
    assert "waits here until next" in svg


def test_a_plan_without_waits_draws_no_such_line(prepare, write_routine):
    plan = prepare(write_routine(ROUTINE.replace(", wait: true", ""))).plan
    drawn = picture.draw(plan)
    assert "waits" not in drawn.titles
    assert not [g for g in svg_of(drawn).iter() if g.get("id") == "waits"]


def test_the_sides_of_a_step_in_rounds_are_named_once_per_round(prepare, write_routine):
    from voiceguide.picture.labels import step_groups

    plan = prepare(write_routine(ROUTINE), length=20 * 60).plan
    groups = [[plan.steps[i] for i in group] for group in step_groups(plan)]
    backs = [g for g in groups if g[0].name == "Back"]
    assert len(backs) == max(s.round or 0 for s in plan.steps) >= 2
    assert all([s.side for s in g] == ["left", "right"] for g in backs)

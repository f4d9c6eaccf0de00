"""The plan's picture: the SVG parses, names every step, puts every element at its time
(within a pixel), never overlaps two labels, and draws the pace and bed layers from the data
the pace guide and the sound bed will put in the plan. Sessions from 1 minute to 8 hours."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import yaml

from voiceguide import fit, picture, resources, session
from voiceguide.plan import Event, Plan, PlanStep
from voiceguide.routine import Pace, Sound
from voiceguide.testing.fakes import tone_renderer

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
PT = 72  # an SVG's units per inch: matplotlib writes it at 72 dpi


def long_routine(path: Path, hours: float) -> Path:
    """A routine of ``hours`` with dense cues: 12 steps an hour, every fourth with sides,
    an interlude, a cue every 40 s (with a chime) and two more per step."""
    count = round(hours * 12)
    steps = [
        {
            "name": f"Part {n + 1}",
            "say": f"Part {n + 1}, {{side}} side." if n % 4 == 3 else f"Part {n + 1}.",
            "duration": "4m",
            "cues": [
                {"every": "40s", "say": "Breathe out.", "chime": "soft"},
                {"at": "50%", "say": f"Halfway through part {n + 1}."},
                {"at": "-20s", "say": "Bring it to a close."},
            ],
            **({"sides": ["left", "right"]} if n % 4 == 3 else {}),
        }
        for n in range(count)
    ]
    routine = {
        "title": f"Long session ({hours:g} hours)",
        "intro": "A long session.",
        "outro": "The end.",
        "between": {"name": "Rest", "duration": "30s", "min": "10s", "max": "2m"},
        "steps": steps,
    }
    path.write_text(yaml.safe_dump(routine, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """``sessions(name) -> (plan, fits)``, prepared once per module with the tone engine."""
    cache = tmp_path_factory.mktemp("picture-cache")
    eight_hours = long_routine(tmp_path_factory.mktemp("routines") / "long.yaml", 8)
    cases = {
        "1m": ("neck-stretch", 60),
        "5m": ("neck-stretch", 300),
        "10m": ("back-massage", 600),
        "20m": ("back-massage", 1200),
        "45m": ("back-massage", 2700),
        "8h": (str(eight_hours), 8 * 3600),
        "10m, --pace off": ("back-massage", 600),
        "10m, --bed ocean": ("back-massage", 600),
    }
    made: dict[str, tuple[Plan, tuple[int, int]]] = {}

    def get(name: str) -> tuple[Plan, tuple[int, int]]:
        if name not in made:
            routine, length = cases[name]
            with tone_renderer() as renderer:
                options = session.Options(length, pace=0.0 if "pace off" in name else 1.0,
                                          bed="ocean" if "--bed" in name else None)  # fmt: skip
                prepared = session.prepare(routine, options, renderer, cache)
            made[name] = (prepared.plan, fit.shown_range(*session.length_range(prepared)))
        return made[name]

    return get


def svg_of(drawn: picture.Picture) -> ElementTree.Element:
    return ElementTree.fromstring(picture.to_bytes(drawn, "svg"))


def layer(root: ElementTree.Element, gid: str) -> list[ElementTree.Element]:
    """The ``<path>`` elements of the layer drawn with ``gid``, in drawing order."""
    (group,) = [g for g in root.iter(f"{SVG}g") if g.get("id") == gid]
    return group.findall(f"{SVG}path")


def points(path: ElementTree.Element) -> np.ndarray:
    """The (x, y) vertices of an SVG path written by matplotlib (M/L/z commands)."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", path.get("d"))]
    return np.array(numbers).reshape(-1, 2)


def to_svg(drawn: picture.Picture, lane: str, x: float, y: float) -> tuple[float, float]:
    """Where the data point (``x`` seconds, ``y``) of ``lane`` lands in the SVG: the axes'
    position in the figure and its limits, at 72 units per inch, y downwards."""
    axes, figure = drawn.lanes[lane], drawn.figure
    box, (x0, x1), (y0, y1) = axes.get_position(), axes.get_xlim(), axes.get_ylim()
    width, height = figure.get_figwidth() * PT, figure.get_figheight() * PT
    across = (box.x0 + (x - x0) / (x1 - x0) * box.width) * width
    up = (box.y0 + (y - y0) / (y1 - y0) * box.height) * height
    return across, height - up


def per_second(drawn: picture.Picture) -> float:
    """SVG units (pixels of the axis scale) per second on the time axis."""
    return to_svg(drawn, "main", 1.0, 0)[0] - to_svg(drawn, "main", 0.0, 0)[0]


# the 8-hour session: a long one, left out by --quick (its picture alone took 4.7 s to check)
EIGHT_HOURS = pytest.param("8h", marks=pytest.mark.slow)
ALL = ["1m", "10m", "20m", "45m", EIGHT_HOURS]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.slow
def test_the_svg_parses_and_every_step_name_is_in_it(sessions, name):
    plan, fits = sessions(name)
    root = svg_of(picture.draw(plan, fits))
    assert root.tag == f"{SVG}svg"
    hover = [p.find(f"{SVG}title").text for p in layer(root, "steps")]
    assert len(hover) == len(plan.steps)
    for step, text in zip(plan.steps, hover, strict=True):
        assert text.startswith(f"{step.title}: ")


@pytest.mark.parametrize("name", ["10m", "20m", "45m"])
def test_every_step_name_is_written_out_whole_on_its_band(sessions, name):
    """(The introduction's and closing's bands, seconds long, carry their names on hover.)"""
    plan, fits = sessions(name)
    drawn = picture.draw(plan, fits)
    text = picture.to_bytes(drawn, "svg").decode()
    names = {label.get_text() for label in drawn.labels}
    for step in (s for s in plan.steps if s.kind in ("step", "between")):
        assert step.name in names
        assert f"<!-- {step.name} -->" in text  # the glyphs of the label, drawn as paths


@pytest.mark.parametrize("name", ALL)
@pytest.mark.slow
def test_bands_chimes_speech_and_the_end_sit_at_the_plans_times_within_a_pixel(sessions, name):
    plan, fits = sessions(name)
    drawn = picture.draw(plan, fits)
    root, tick = svg_of(drawn), picture.TICK * PT / picture.PNG_DPI
    x = lambda seconds: to_svg(drawn, "main", seconds, 0)[0]  # noqa: E731
    bands = [points(p)[:, 0] for p in layer(root, "steps")]
    for step, xs in zip(plan.steps, bands, strict=True):
        assert abs(xs.min() - x(step.start)) <= 1 and abs(xs.max() - x(step.end)) <= 1
    spoken = [e for e in plan.events if e.kind == "speech"]
    for event, path in zip(spoken, layer(root, "speech"), strict=True):
        xs = points(path)[:, 0]
        assert abs(xs.min() - x(event.at)) <= 1
        if event.duration * per_second(drawn) > tick:  # else a tick (see the 8-hour test)
            assert abs(xs.max() - x(event.end)) <= 1
    chimes = [e for e in plan.events if e.kind == "chime"]
    for event, path in zip(chimes, layer(root, "chimes"), strict=True):
        tip = points(path)[:, 0][2]  # the triangle points down at the chime's start
        assert abs(tip - x(event.at)) <= 1
    (end,) = layer(root, "end")
    assert np.all(np.abs(points(end)[:, 0] - x(plan.length)) <= 1)


@pytest.mark.parametrize("name", ["10m", EIGHT_HOURS])
def test_each_cue_carries_its_time_and_words_on_hover_and_its_leader_stands_at_its_time(
    sessions, name
):
    plan, fits = sessions(name)
    drawn = picture.draw(plan, fits)
    root = svg_of(drawn)
    spoken = [e for e in plan.events if e.kind == "speech"]
    hover = [p.find(f"{SVG}title").text for p in layer(root, "speech")]
    assert hover == [f"{picture.durations.format(e.at)} \u201c{e.text}\u201d" for e in spoken]
    labelled = [
        plan.events[int(t.get_gid().split("-")[1])]
        for t in drawn.labels
        if (t.get_gid() or "").startswith("cue-")
    ]
    leaders = sorted(points(p)[0, 0] for p in layer(root, "leaders"))
    expected = sorted(to_svg(drawn, "main", e.at, 0)[0] for e in labelled)
    assert labelled and np.allclose(leaders, expected, atol=1)


def test_a_hover_title_never_lands_on_the_wrong_item(sessions):
    plan, fits = sessions("10m")
    drawn = picture.draw(plan, fits)
    drawn.titles["speech"].append("one title more than there are cues")
    with pytest.raises(ValueError, match="speech"):
        picture.to_bytes(drawn, "svg")


def boxes(drawn: picture.Picture) -> list:
    renderer = drawn.figure.canvas.get_renderer()
    return [label.get_window_extent(renderer) for label in drawn.labels] + [
        legend.get_window_extent(renderer) for legend in drawn.figure.legends
    ]


@pytest.mark.parametrize("name", ["1m", "5m", "10m", "20m", "45m", EIGHT_HOURS])
@pytest.mark.slow
def test_no_two_labels_overlap_and_no_leader_crosses_a_label(sessions, name):
    plan, fits = sessions(name)
    drawn = picture.draw(plan, fits)
    found = boxes(drawn)
    assert len(found) > 8  # the title, the subtitle, the legend, step names, cues...
    for i, one in enumerate(found):
        for other in found[i + 1 :]:
            assert not one.overlaps(other), (one, other)
    main, renderer = drawn.main, drawn.figure.canvas.get_renderer()
    leaders = next(c for c in main.collections if c.get_gid() == "leaders").get_segments()
    cues = [t for t in drawn.labels if (t.get_gid() or "").startswith("cue-")]
    for segment, own in zip(leaders, cues, strict=True):  # in the order they were placed
        (x, y0), (_, y1) = main.transData.transform(segment)
        assert y1 <= own.get_window_extent(renderer).y0  # it reaches up to its label
        for label in (t for t in drawn.labels if t is not own):
            box = label.get_window_extent(renderer)
            assert not (box.x0 <= x <= box.x1 and box.y0 <= y1 and y0 <= box.y1)
    figure = drawn.figure.bbox
    assert all(figure.x0 <= b.x0 and b.x1 <= figure.x1 and b.y0 >= figure.y0 for b in found)


@pytest.mark.slow
def test_at_8_hours_dense_cues_become_ticks_and_long_titles_still_fit(sessions):
    plan, fits = sessions("8h")
    drawn = picture.draw(plan, fits)
    root = svg_of(drawn)
    widths = [np.ptp(points(p)[:, 0]) for p in layer(root, "speech")]
    tick = picture.TICK * PT / picture.PNG_DPI
    assert min(widths) >= tick * 0.99  # never thinner than a tick
    assert np.median(widths) < 2  # most cues are ticks at this scale
    chime_widths = [np.ptp(points(p)[:, 0]) for p in layer(root, "chimes")]
    assert max(chime_widths) < 7  # crowded chimes are slender


def test_a_title_too_long_for_the_header_is_shortened_before_the_legend(sessions):
    plan, fits = sessions("10m")
    long = dataclasses.replace(plan, title="A very long title " * 12)
    drawn = picture.draw(long, fits)
    title = drawn.labels[0].get_text()
    assert title.endswith("\u2026") and long.title.startswith(title[:-1])
    found = boxes(drawn)
    assert not any(found[0].overlaps(other) for other in found[1:])


def test_the_same_plan_gives_the_same_svg_bytes(sessions):
    plan, fits = sessions("20m")
    assert picture.render(plan, "svg", fits) == picture.render(plan, "svg", fits)


def test_a_png_is_a_png_of_the_figures_size(sessions):
    plan, fits = sessions("10m")
    drawn = picture.draw(plan, fits)
    data = picture.to_bytes(drawn, "png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = np.frombuffer(data[16:24], dtype=">u4")
    assert width == round(picture.WIDTH * picture.PNG_DPI)
    assert height == round(drawn.figure.get_figheight() * picture.PNG_DPI)


# -- the layers of the pace guide and the sound bed, from synthetic plans ------------------


def pace(start: float, end: float) -> Pace:
    return Pace(start, end, Sound("pulse", resources.find_sound("pulse", ROOT)), 14.0)


@dataclasses.dataclass(frozen=True)
class BedPlan(Plan):
    """A plan with the ``bed`` level the sound bed will give it."""

    bed: object = None


def simple_plan(paces=(None, None), extra=(), length=120.0) -> Plan:
    steps = (
        PlanStep("Slow strokes", "step", 0.0, 60.0, number=1, pace=paces[0]),
        PlanStep("Slower strokes", "step", 60.0, length, number=2, pace=paces[1]),
    )
    events = (Event(1.0, "speech", 2.0, 0, text="Slow strokes."),) + tuple(extra)
    return Plan("Paced", length, steps, tuple(sorted(events, key=lambda e: e.at)))


def test_a_plan_without_pace_or_bed_draws_neither_lane(sessions):
    plan, fits = sessions("10m, --pace off")
    assert not any(step.pace for step in plan.steps)
    assert set(picture.draw(plan, fits).lanes) == {"main"}


def test_the_pace_line_runs_from_each_steps_pace_to_its_end_pace():
    plan = simple_plan((pace(60, 40), pace(40, 30)))
    drawn = picture.draw(plan)
    root = svg_of(drawn)
    lines = layer(root, "pace")
    assert len(lines) == 2
    for step, path, (start, end) in zip(plan.steps, lines, [(60, 40), (40, 30)], strict=True):
        expected = [to_svg(drawn, "pace", step.start, start), to_svg(drawn, "pace", step.end, end)]
        assert np.allclose(points(path), expected, atol=1)


def test_a_steady_pace_and_a_step_without_one_are_drawn_as_such():
    plan = simple_plan((pace(50, 50), None))
    drawn = picture.draw(plan)
    (line,) = layer(svg_of(drawn), "pace")
    assert np.allclose(points(line), [to_svg(drawn, "pace", t, 50) for t in (0, 60)], atol=1)


def test_without_step_paces_the_line_follows_the_pulses_which_show_as_ticks():
    beats = [Event(float(t), "pulse", 0.05, 0) for t in range(0, 60)]  # 60 per minute
    beats += [Event(float(t), "pulse", 0.05, 1) for t in range(60, 120, 2)]  # then 30
    plan = simple_plan(extra=beats)
    drawn = picture.draw(plan)
    root = svg_of(drawn)
    (line,) = layer(root, "pace")
    expected = [to_svg(drawn, "pace", b.at, 60 if b.at < 60 else 30) for b in beats[:-1]]
    assert np.allclose(points(line), expected, atol=1)
    ticks = layer(root, "pulses")
    assert len(ticks) == len(beats)
    for beat, tick in zip(beats, ticks, strict=True):
        assert np.allclose(points(tick)[:, 0], to_svg(drawn, "pace", beat.at, 0)[0], atol=1)


def test_pulses_too_close_to_tell_apart_are_left_to_the_line():
    beats = [Event(t, "pulse", 0.05, 0) for t in np.arange(0.0, 3600.0, 0.5)]  # 120 per min
    plan = simple_plan(extra=beats, length=3600.0)
    drawn = picture.draw(plan)
    root = svg_of(drawn)
    (line,) = [points(p) for p in layer(root, "pace")]
    assert not [g for g in root.iter(f"{SVG}g") if g.get("id") == "pulses"]
    assert np.allclose(line[:, 1], to_svg(drawn, "pace", 0, 120)[1], atol=1)
    assert np.allclose(
        line[[0, -1], 0], [to_svg(drawn, "pace", t, 0)[0] for t in (0, 3599)], atol=1
    )


def test_the_bed_envelope_passes_through_its_points_and_dips_where_it_ducks():
    level = [(0.0, -60.0), (2.0, -20.0), (30.0, -20.0), (31.0, -32.0), (40.0, -32.0)]
    level += [(41.0, -20.0), (118.0, -20.0), (120.0, -60.0)]
    plan = simple_plan()
    bed_plan = BedPlan(plan.title, plan.length, plan.steps, plan.events, bed=level)
    drawn = picture.draw(bed_plan)
    (fill,) = layer(svg_of(drawn), "bed")
    vertices = points(fill)
    for t, db in level:
        assert np.min(np.hypot(*(vertices - to_svg(drawn, "bed", t, db)).T)) <= 1


@pytest.mark.slow
def test_a_sessions_bed_is_drawn_from_its_plan_ducking_under_every_word(sessions):
    plan, fits = sessions("10m, --bed ocean")
    drawn = picture.draw(plan, fits)
    assert "bed" in drawn.lanes
    vertices = points(layer(svg_of(drawn), "bed")[0])
    corners = plan.bed.points()
    assert len(corners) > 4 * len(plan.bed.downs)  # every duck: down, held, up
    for t, db in corners:
        assert np.min(np.hypot(*(vertices - to_svg(drawn, "bed", t, db)).T)) <= 1, (t, db)


def test_a_bed_given_as_a_function_is_sampled_over_the_whole_session():
    plan = simple_plan()

    def ducking(times):
        return np.where((times > 30) & (times < 40), -32.0, -20.0)

    drawn = picture.draw(plan, bed=ducking)
    vertices = points(layer(svg_of(drawn), "bed")[0])
    top = vertices[vertices[:, 1] < to_svg(drawn, "bed", 0, -40)[1] - 1]  # not the floor
    span = [to_svg(drawn, "bed", t, 0)[0] for t in (0, plan.length)]
    assert top[:, 0].min() <= span[0] + 1 and top[:, 0].max() >= span[1] - 1
    ducked = to_svg(drawn, "bed", 35, -32)
    assert np.min(np.hypot(*(top - ducked).T)) <= 1


def test_at_8_hours_short_ducks_still_show_as_each_columns_quietest_level():
    length = 8 * 3600.0
    level = [(0.0, -20.0)]
    for start in np.arange(30.0, length - 30, 60.0):  # a 3-second duck every minute
        level += [(start, -20.0), (start + 0.3, -32.0), (start + 3, -32.0), (start + 3.3, -20.0)]
    level.append((length, -20.0))
    plan = simple_plan(length=length)
    drawn = picture.draw(plan, bed=level)
    root = svg_of(drawn)
    loud, quiet = points(layer(root, "bed")[0]), points(layer(root, "bed-ducked")[0])
    assert np.min(loud[:, 1]) == pytest.approx(to_svg(drawn, "bed", 0, -20)[1], abs=1)
    inner = quiet[(quiet[:, 0] > to_svg(drawn, "bed", 120, 0)[0])]
    inner = inner[inner[:, 1] < to_svg(drawn, "bed", 0, -40)[1] - 1]  # not the floor
    assert np.max(inner[:, 1]) == pytest.approx(to_svg(drawn, "bed", 0, -32)[1], abs=1)


# -- without matplotlib ------------------------------------------------------------------------


def test_without_matplotlib_plan_picture_says_in_one_line_how_to_install_it(tmp_path):
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.argv = ['voiceguide', 'plan', "
        f"'back-massage', '--picture', {str(tmp_path / 'p.svg')!r}]; "
        "from voiceguide.cli import run; run()"
    )
    env = {"VOICEGUIDE_ENGINE": "tone", "VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "drawing a picture needs matplotlib, which is not installed: "
        f"{shlex.quote(sys.executable)} -m pip install 'voiceguide[picture]' "
        "(in a source checkout: ./setup.sh --dev)\n"
    )
    assert not (tmp_path / "p.svg").exists() and not (tmp_path / "cache").exists()


# -- the README's picture -----------------------------------------------------------------


def locked_matplotlib() -> str:
    pins = (ROOT / "constraints.txt").read_text()
    return re.search(r"^matplotlib==(\S+)$", pins, re.MULTILINE)[1]


def test_the_readme_picture_is_what_the_tool_makes_now():
    if matplotlib.__version__ != locked_matplotlib():
        pytest.skip(
            f"docs/back-massage.svg is made with matplotlib {locked_matplotlib()} "
            f"(constraints.txt); this is {matplotlib.__version__}"
        )
    spec = importlib.util.spec_from_file_location("tool", ROOT / "tools/make_readme_picture.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.make() == tool.TARGET.read_bytes(), (
        "docs/back-massage.svg is stale: run .venv/bin/python tools/make_readme_picture.py "
        "and commit it"
    )

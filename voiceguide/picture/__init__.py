"""A timeline picture of a session's plan, as SVG or PNG: matplotlib, Agg, never a GUI.

Time runs left to right (x in seconds from the session start; ticks in the duration syntax).
From the top: the title, the length and the range of lengths the routine fits; labels of the
spoken cues; the voice lane (speech as bars, chimes as triangles); the steps as bands (each
side of a step is a band of its own under the step's name; an interlude is hatched); then,
when the plan has them, the pace in beats per minute and the sound bed's level in dB. A line
marks the end. In an SVG every band, spoken cue and chime carries a hover ``<title>``.

Legible from a minute to 8 hours: a sound narrower than a pixel is drawn a pixel wide (dense
cues become ticks), and labels are placed greedily where they meet no other label
(``Placer``), shortened when the whole text does not fit, or left out (the hover titles still
hold every text).

Layers of later issues are read from the plan, so they need no change here:

* pace: ``PlanStep.pace`` (rates already scaled), drawn as a line of beats per minute from
  the step's start to its end; without any, the rate between successive events of kind
  ``"pulse"``. Pulses are drawn as ticks where they are at least ``PULSE_SPACING`` pixels
  apart.
* bed: the ``bed`` argument, else ``plan.bed`` (a ``BedEnvelope``: its ``points()``):
  ``(seconds, dB)`` points, or a function from an array of seconds to an array of dB
  (sampled ``BED_SAMPLES`` times per pixel: a duck shorter than that can fall between
  samples; points have no such trap).

Geometry: sizes in inches, text in points; the main axes' y runs in inches from its bottom,
so lanes and label rows are laid out by adding heights. Labels are measured with the Agg
renderer at ``PNG_DPI`` (an SVG is the same figure at 72 dpi: everything scales together).
The SVG of a plan is the same bytes on every run (fixed font, hash salt, no date).

matplotlib is the optional extra ``picture``; ``require`` says how to install it.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import assert_never

import numpy as np

from voiceguide import atomic, durations
from voiceguide.errors import ExportError, UsageError
from voiceguide.exporting.targets import PICTURE, check_file
from voiceguide.plan import BedEnvelope, EventKind, Plan, PlanStep, StepKind
from voiceguide.session import Inputs

try:  # the optional extra 'picture'
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure
except ImportError:  # require() says how to install it
    matplotlib = None  # type: ignore[assignment]  # the extra's absence, checked by require()


from voiceguide.picture.labels import Measure, Placer, header, place_labels, step_groups
from voiceguide.picture.lanes import BedCurve, draw_bed, draw_pace, has_pace
from voiceguide.picture.style import (
    AXIS,
    BED,
    CHIME,
    END,
    FORMATS,
    GAP,
    GRID,
    HATCH,
    HEADER,
    INTERLUDE,
    LANE_GAP,
    LEFT,
    MAX_TICKS,
    MUTED,
    NEUTRAL,
    NICE_STEPS,
    PACE,
    PNG_DPI,
    RIGHT,
    ROW,
    ROWS,
    SPEECH,
    STEP_COLOURS,
    STEPS,
    STYLE,
    TICK,
    VOICE,
    WIDTH,
    Picture,
    box,
    format_of,
    lane_name,
    pixel_width,
    require,
)


def render(
    plan: Plan,
    fmt: str,
    fits: tuple[float, float] | None = None,
    bed: BedEnvelope | BedCurve | None = None,
) -> bytes:
    """The picture of ``plan`` as ``fmt`` (``"svg"`` or ``"png"``) bytes. ``fits`` is the
    shortest and longest length (seconds) the routine fits, shown under the title."""
    return to_bytes(draw(plan, fits, bed), fmt)


def to_bytes(picture: Picture, fmt: str) -> bytes:
    """A drawn picture as ``fmt`` bytes: a PNG at ``PNG_DPI``, or an SVG with its titles."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    out = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        if fmt == "png":
            picture.figure.savefig(out, format="png", dpi=PNG_DPI, metadata={"Software": None})
            return out.getvalue()
        picture.figure.savefig(out, format="svg", metadata={"Date": None})
    return _with_titles(out.getvalue(), picture.title, picture.titles)


def draw(
    plan: Plan, fits: tuple[float, float] | None = None, bed: BedEnvelope | BedCurve | None = None
) -> Picture:
    """Lay out and draw ``plan``; ``bed`` defaults to ``plan.bed`` (see the module's notes)."""
    require()
    if bed is None:
        bed = plan.bed
    if isinstance(bed, BedEnvelope):  # the plan's: its corners, straight lines between
        bed = bed.points()
    with matplotlib.rc_context(STYLE):
        picture = _figure(plan, has_pace=has_pace(plan), has_bed=bed is not None)
        picture.title = f"{plan.title}: the plan of a {durations.format(plan.length)} session"
        main = picture.main
        _time_axis(picture, plan.length)
        _draw_steps(picture, plan)
        _draw_waits(picture, plan)
        _draw_voice(picture, plan)
        main.vlines([plan.length], 0, STEPS + GAP + VOICE, color=END, lw=1.6, gid="end")
        if "pace" in picture.lanes:
            draw_pace(picture.lanes["pace"], plan)
        if "bed" in picture.lanes and bed is not None:  # one is there when the other is
            draw_bed(picture.lanes["bed"], bed, plan.length)
        measure = Measure(picture.figure)
        header(picture, plan, fits, measure)
        place_labels(picture, plan, Placer(measure))
    return picture


def _figure(plan: Plan, has_pace: bool, has_bed: bool) -> Picture:
    """The figure, its height the sum of its lanes', and the axes of each lane sharing the
    time axis; the main axes' y in inches."""
    main_height = ROWS * ROW + VOICE + GAP + STEPS
    extra = [(name, h) for name, h, on in (("pace", PACE, has_pace), ("bed", BED, has_bed)) if on]
    height = HEADER + main_height + sum(LANE_GAP + h for _, h in extra) + AXIS
    height = round(height * PNG_DPI) / PNG_DPI  # whole pixels: the PNG is exactly this tall
    figure = Figure(figsize=(WIDTH, height), dpi=PNG_DPI)
    FigureCanvasAgg(figure)
    inner = (WIDTH - LEFT - RIGHT) / WIDTH
    top = height - HEADER - main_height
    main = figure.add_axes((LEFT / WIDTH, top / height, inner, main_height / height))
    main.set_ylim(0, main_height)
    lanes = {"main": main}
    for name, lane_height in extra:
        top -= LANE_GAP + lane_height
        lanes[name] = figure.add_axes(
            (LEFT / WIDTH, top / height, inner, lane_height / height), sharex=main
        )
    pad = plan.length * 0.006
    main.set_xlim(-pad, plan.length + pad)
    for axes in lanes.values():
        axes.spines[["top", "right", "left", "bottom"]].set_visible(False)
        axes.xaxis.set_visible(False)  # but on the lowest lane (_time_axis): ticks are costly
    main.set_yticks([])
    return Picture(figure, lanes)


def _time_axis(picture: Picture, length: float) -> None:
    """Ticks at a round step (at most ``MAX_TICKS``) in the duration syntax, on the lowest
    lane; faint lines at the ticks through the voice and steps lanes."""
    step = next((s for s in NICE_STEPS if length / s <= MAX_TICKS), NICE_STEPS[-1])
    ticks = np.arange(0.0, length + 1e-9, step)
    lowest = list(picture.lanes.values())[-1]
    lowest.xaxis.set_visible(True)
    lowest.set_xticks(ticks, [_tick_label(t) for t in ticks])
    lowest.tick_params(labelbottom=True, length=3, labelsize=8, colors=MUTED)
    lowest.spines["bottom"].set_visible(True)
    lowest.spines["bottom"].set_color(MUTED)
    picture.main.vlines(ticks, 0, STEPS + GAP + VOICE, color=GRID, lw=0.6, zorder=0)


def _tick_label(seconds: float) -> str:
    """``0``, ``30s``, ``5m``, ``1h``, ``1h30m``: the duration syntax, without zero parts."""
    text = durations.humanize(seconds)
    return "0" if seconds == 0 else text.replace("h00m", "h").replace("m00s", "m")


def _band_colour(step: PlanStep) -> str:
    match step.kind:
        case StepKind.STEP:
            return STEP_COLOURS[((step.number or 1) - 1) % len(STEP_COLOURS)]
        case StepKind.BETWEEN:
            return INTERLUDE
        case StepKind.INTRO | StepKind.OUTRO:
            return NEUTRAL
        case _:
            assert_never(step.kind)


def _draw_steps(picture: Picture, plan: Plan) -> None:
    """One band per plan step (gid ``steps``); interludes hatched over (gid ``interludes``)."""
    main = picture.main
    bands = [box(s.start, s.end, 0, STEPS) for s in plan.steps]
    colours = [_band_colour(s) for s in plan.steps]
    main.add_collection(PolyCollection(bands, facecolors=colours, linewidths=0, gid="steps"))
    picture.titles["steps"] = [
        f"{s.title}: {durations.format(s.start)} to {durations.format(s.end)} "
        f"({durations.humanize(s.end - s.start)})"
        for s in plan.steps
    ]
    kinds = [s.kind for s in plan.steps]
    between = [band for band, kind in zip(bands, kinds, strict=True) if kind == StepKind.BETWEEN]
    if between:
        hatched = PolyCollection(
            between, facecolors="none", edgecolors=HATCH, linewidths=0, hatch="////"
        )
        hatched.set_gid("interludes")
        main.add_collection(hatched)
    # white seams: full height between steps, only under the side names between sides
    seams = [
        [(s.start, 0), (s.start, STEPS * (0.35 if s.side and s.start > first.start else 1))]
        for group in step_groups(plan)
        for first in [plan.steps[group[0]]]
        for s in (plan.steps[i] for i in group)
    ]
    main.add_collection(LineCollection(seams, colors="white", linewidths=1.0))
    lane_name(main, STEPS / 2, "steps")


def _draw_waits(picture: Picture, plan: Plan) -> None:
    """Where a live session holds until next (a waiting part's end): a dashed line across
    the step lane (gid ``waits``); an export goes on there."""
    ends = [s.end for s in plan.steps if s.wait]
    if not ends:
        return
    picture.main.vlines(ends, 0, STEPS, colors=END, linestyles=(0, (2, 1.5)), lw=1.4, gid="waits")
    picture.titles["waits"] = [
        f"{durations.format(end)} waits here until next (live); an export goes on" for end in ends
    ]


def _draw_voice(picture: Picture, plan: Plan) -> None:
    """Speech as bars at least ``TICK`` pixels wide (gid ``speech``), chimes as triangles
    pointing down at their start (gid ``chimes``), in the voice lane above the steps."""
    main, px = picture.main, pixel_width(picture.main)
    bottom = STEPS + GAP
    spoken = [e for e in plan.events if e.kind == EventKind.SPEECH]
    bars = [box(e.at, max(e.end, e.at + TICK * px), bottom + 0.04, bottom + 0.15) for e in spoken]
    main.add_collection(PolyCollection(bars, facecolors=SPEECH, linewidths=0, gid="speech"))
    picture.titles["speech"] = [f"{durations.format(e.at)} \u201c{e.text}\u201d" for e in spoken]
    chimes = [e for e in plan.events if e.kind == EventKind.CHIME]
    tip, top = bottom + 0.17, bottom + VOICE - 0.02
    marks = [
        [(e.at - half, top), (e.at + half, top), (e.at, tip)]
        for e, half in zip(chimes, _half_widths([e.at for e in chimes], px), strict=True)
    ]
    main.add_collection(
        PolyCollection(marks, facecolors=CHIME, edgecolors="white", linewidths=0.4, gid="chimes")
    )
    picture.titles["chimes"] = [f"{durations.format(e.at)} {e.sounded.name} chime" for e in chimes]
    lane_name(main, bottom + VOICE / 2, "voice")


def _half_widths(times: list[float], px: float) -> list[float]:
    """Half the width (seconds) of each chime's triangle: 3.5 pixels, narrower where chimes
    crowd (under half the way to the nearest), so dense chimes become slender ticks."""
    if not times:
        return []
    at = np.asarray(times)
    gaps = np.diff(at, prepend=-np.inf, append=np.inf)
    nearest = np.minimum(gaps[:-1], gaps[1:])
    halves: list[float] = np.clip(0.4 * nearest, 0.7 * px, 3.5 * px).tolist()
    return halves


SVG_NS = "http://www.w3.org/2000/svg"


NAMESPACES = {
    "": SVG_NS,
    "xlink": "http://www.w3.org/1999/xlink",
    "cc": "http://creativecommons.org/ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}


def _with_titles(svg: bytes, title: str, titles: dict[str, list[str]]) -> bytes:
    """The SVG with ``title`` as its own and, on each path of the layers in ``titles``, its
    hover ``<title>`` (the layers are collections: one ``<path>`` per item, in drawing
    order; a count that differs is a ``ValueError``, never a title on the wrong item)."""
    for prefix, uri in NAMESPACES.items():
        ElementTree.register_namespace(prefix, uri)
    parser = ElementTree.XMLParser(target=ElementTree.TreeBuilder(insert_comments=True))
    root = ElementTree.fromstring(svg, parser=parser)
    heading = ElementTree.Element(f"{{{SVG_NS}}}title")
    heading.text = title
    root.insert(0, heading)
    groups = {g.get("id"): g for g in root.iter(f"{{{SVG_NS}}}g") if g.get("id") in titles}
    for gid, texts in titles.items():
        group = groups.get(gid)
        paths = [] if group is None else group.findall(f"{{{SVG_NS}}}path")
        if len(paths) != len(texts):
            raise ValueError(f"layer {gid!r}: {len(paths)} paths for {len(texts)} titles")
        for path, text in zip(paths, texts, strict=True):
            ElementTree.SubElement(path, f"{{{SVG_NS}}}title").text = text
    body = ElementTree.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + body + "\n").encode()


def check_target(target: Path, reads: Inputs | None = None) -> str:
    """The picture's format from ``target``'s name (``UsageError`` unless .svg or .png),
    once the target can be written, is none of the files the session reads (``reads``) and
    matplotlib is there: before any work."""
    check_file(target, writer=PICTURE, reads=reads)
    fmt = format_of(target.name)
    if fmt is None:
        raise UsageError(f"--picture: the file name must end in .svg or .png, got {target.name!r}")
    require()
    return fmt


def write(plan: Plan, target: Path, fmt: str, fits: tuple[float, float] | None = None) -> None:
    """Draw ``plan`` into ``target`` as ``fmt``, atomically (``ExportError`` if it cannot be
    written). ``fits``: the shortest and longest length the routine fits, for the header."""
    data = render(plan, fmt, fits)
    try:
        with atomic.file(target) as temp:
            temp.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"cannot write {atomic.shown(target)}: {exc.strerror or exc}") from exc

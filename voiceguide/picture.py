"""A timeline picture of a session's plan, as SVG or PNG: matplotlib, Agg, never a GUI.

Time runs left to right (x in seconds from the session start; ticks in the duration syntax).
From the top: the title, the length and the range of lengths the routine fits; labels of the
spoken cues; the voice lane (speech as bars, chimes as triangles); the steps as bands (each
side of a step is a band of its own under the step's name; an interlude is hatched); then,
when the plan has them, the pace in beats per minute and the sound bed's level in dB. A line
marks the end. In an SVG every band, spoken cue and chime carries a hover ``<title>``.

Legible from a minute to 8 hours: a sound narrower than a pixel is drawn a pixel wide (dense
cues become ticks), and labels are placed greedily where they meet no other label
(``_Placer``), shortened when the whole text does not fit, or left out (the hover titles still
hold every text).

Layers of later issues are read from the plan, so they need no change here:

* pace: ``PlanStep.pace`` (read with ``getattr``; ``None`` where a step has none): a steady
  rate, a ``(from, to)`` pair, a ``{"from": , "to": }`` mapping or an object with ``from_`` and
  ``to`` attributes, in beats per minute, drawn as a line from the step's start to its end;
  without any, the rate between successive events of kind ``"pulse"``. Pulses are drawn as
  ticks where they are at least ``PULSE_SPACING`` pixels apart. ``_pace_span`` is the one
  place to teach another form.
* bed: the ``bed`` argument, else ``plan.bed`` (``getattr``): ``(seconds, dB)`` points, or a
  function from an array of seconds to an array of dB (sampled ``BED_SAMPLES`` times per
  pixel: a duck shorter than that can fall between samples; points have no such trap).

Geometry: sizes in inches, text in points; the main axes' y runs in inches from its bottom,
so lanes and label rows are laid out by adding heights. Labels are measured with the Agg
renderer at ``PNG_DPI`` (an SVG is the same figure at 72 dpi: everything scales together).
The SVG of a plan is the same bytes on every run (fixed font, hash salt, no date).

matplotlib is the optional extra ``picture``; ``require`` says how to install it.
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from voiceguide import durations
from voiceguide.errors import ExportError
from voiceguide.plan import Plan, PlanStep

try:  # the optional extra 'picture'
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory
except ImportError:  # require() says how to install it
    matplotlib = None

FORMATS = ("svg", "png")
INSTALL = "pip install 'voiceguide[picture]'"
WIDTH = 11.0  # inches: 792 pt, about a README's width on a code host
PNG_DPI = 150
FONT = "DejaVu Sans"  # ships with matplotlib: the same glyphs everywhere
STYLE = {
    "font.family": FONT,
    "svg.fonttype": "path",  # glyphs as paths: labels measured here keep their size anywhere
    "svg.hashsalt": "voiceguide",  # fixed ids: the same plan gives the same bytes
    "hatch.linewidth": 0.7,
    "axes.linewidth": 0.6,
}
# inches
LEFT, RIGHT, HEADER, AXIS = 0.72, 0.25, 0.62, 0.42
ROW, ROWS, VOICE, STEPS, GAP = 0.165, 3, 0.30, 0.56, 0.08
PACE, BED, LANE_GAP = 0.85, 0.7, 0.14
# pixels at PNG_DPI
PAD = 3.0  # between two labels, and inside a band
BUCKET = 64.0  # the placer's grid
SHORTEST = 3  # characters before the ellipsis of a shortened name ("C…" says nothing)
PULSE_SPACING = 3.0
TICK = 1.5  # the least width of a sound: visible in an SVG drawn at its own size, too
BED_SAMPLES = 2
# colours: muted, distinct, dark text on all of them
STEP_COLOURS = ("#9cc3e4", "#f4c08e", "#a7d8ad", "#eaa9bd", "#c7b6e6", "#e9d88f", "#95d3cf")
NEUTRAL, INTERLUDE, HATCH = "#dedede", "#f1f1f1", "#b3b3b3"
SPEECH, CHIME, END, INK, MUTED = "#34495e", "#d4910a", "#222222", "#1d1d1d", "#666666"
GRID, LEADER = "#e4e4e4", "#9a9a9a"
PACE_COLOUR, BED_COLOUR, DUCK_COLOUR = "#b5473a", "#b9d7c4", "#6fa585"
FRAME = ("intro", "outro")  # plan step kinds around the routine's steps
NICE_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)
MAX_TICKS = 10


def require() -> None:
    """Raise ``ExportError`` (one line, saying how to install it) when matplotlib is missing."""
    if matplotlib is None:
        raise ExportError(f"drawing a picture needs matplotlib, which is not installed: {INSTALL}")


def format_of(name: str) -> str | None:
    """``"svg"`` or ``"png"`` from a file name's extension, else ``None``."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return suffix if suffix in FORMATS else None


@dataclass
class Picture:
    """A drawn plan: the figure, its axes by lane (``"main"``, and ``"pace"``/``"bed"`` when
    drawn), the placed labels, and the hover titles of each layer (by its gid, one per path
    in drawing order)."""

    figure: Figure
    lanes: dict
    title: str = ""
    labels: list = field(default_factory=list)
    titles: dict[str, list[str]] = field(default_factory=dict)

    @property
    def main(self):
        return self.lanes["main"]


def render(plan: Plan, fmt: str, fits: tuple[float, float] | None = None, bed=None) -> bytes:
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


def draw(plan: Plan, fits: tuple[float, float] | None = None, bed=None) -> Picture:
    """Lay out and draw ``plan``; ``bed`` defaults to ``plan.bed`` (see the module's notes)."""
    require()
    if bed is None:
        bed = getattr(plan, "bed", None)
    with matplotlib.rc_context(STYLE):
        picture = _figure(plan, has_pace=_has_pace(plan), has_bed=bed is not None)
        picture.title = f"{plan.title}: the plan of a {durations.format(plan.length)} session"
        main = picture.main
        _time_axis(picture, plan.length)
        _draw_steps(picture, plan)
        _draw_voice(picture, plan)
        main.vlines([plan.length], 0, STEPS + GAP + VOICE, color=END, lw=1.6, gid="end")
        if "pace" in picture.lanes:
            draw_pace(picture.lanes["pace"], plan)
        if "bed" in picture.lanes:
            draw_bed(picture.lanes["bed"], bed, plan.length)
        measure = _Measure(picture.figure)
        _header(picture, plan, fits, measure)
        _place_labels(picture, plan, _Placer(measure))
    return picture


# -- the figure and its lanes ----------------------------------------------------------------


def _figure(plan: Plan, has_pace: bool, has_bed: bool) -> Picture:
    """The figure, its height the sum of its lanes', and the axes of each lane sharing the
    time axis; the main axes' y in inches."""
    main_height = ROWS * ROW + VOICE + GAP + STEPS
    extra = [(name, h) for name, h, on in (("pace", PACE, has_pace), ("bed", BED, has_bed)) if on]
    height = HEADER + main_height + sum(LANE_GAP + h for _, h in extra) + AXIS
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


def _lane_name(axes, y: float, text: str) -> None:
    where = blended_transform_factory(axes.transAxes, axes.transData)
    axes.text(-0.012, y, text, transform=where, ha="right", va="center", fontsize=8, color=MUTED)


def _px(axes) -> float:
    """Seconds per pixel (at ``PNG_DPI``) on ``axes``' x axis."""
    left, right = axes.transData.transform([(0.0, 0.0), (1.0, 0.0)])[:, 0]
    return 1.0 / (right - left)


# -- steps and voice -------------------------------------------------------------------------


def _band_colour(step: PlanStep) -> str:
    if step.kind == "step":
        return STEP_COLOURS[((step.number or 1) - 1) % len(STEP_COLOURS)]
    return INTERLUDE if step.kind == "between" else NEUTRAL


def _box(x0: float, x1: float, y0: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _draw_steps(picture: Picture, plan: Plan) -> None:
    """One band per plan step (gid ``steps``); interludes hatched over (gid ``interludes``)."""
    main = picture.main
    bands = [_box(s.start, s.end, 0, STEPS) for s in plan.steps]
    colours = [_band_colour(s) for s in plan.steps]
    main.add_collection(PolyCollection(bands, facecolors=colours, linewidths=0, gid="steps"))
    picture.titles["steps"] = [
        f"{s.title}: {durations.format(s.start)} to {durations.format(s.end)} "
        f"({durations.humanize(s.end - s.start)})"
        for s in plan.steps
    ]
    between = [band for band, s in zip(bands, plan.steps, strict=True) if s.kind == "between"]
    if between:
        hatched = PolyCollection(
            between, facecolors="none", edgecolors=HATCH, linewidths=0, hatch="////"
        )
        hatched.set_gid("interludes")
        main.add_collection(hatched)
    # white seams: full height between steps, only under the side names between sides
    seams = [
        [(s.start, 0), (s.start, STEPS * (0.35 if s.side and s.start > first.start else 1))]
        for group in _step_groups(plan)
        for first in [plan.steps[group[0]]]
        for s in (plan.steps[i] for i in group)
    ]
    main.add_collection(LineCollection(seams, colors="white", linewidths=1.0))
    _lane_name(main, STEPS / 2, "steps")


def _draw_voice(picture: Picture, plan: Plan) -> None:
    """Speech as bars at least ``TICK`` pixels wide (gid ``speech``), chimes as triangles
    pointing down at their start (gid ``chimes``), in the voice lane above the steps."""
    main, px = picture.main, _px(picture.main)
    bottom = STEPS + GAP
    spoken = [e for e in plan.events if e.kind == "speech"]
    bars = [_box(e.at, max(e.end, e.at + TICK * px), bottom + 0.04, bottom + 0.15) for e in spoken]
    main.add_collection(PolyCollection(bars, facecolors=SPEECH, linewidths=0, gid="speech"))
    picture.titles["speech"] = [f"{durations.format(e.at)} \u201c{e.text}\u201d" for e in spoken]
    chimes = [e for e in plan.events if e.kind == "chime"]
    tip, top = bottom + 0.17, bottom + VOICE - 0.02
    marks = [
        [(e.at - half, top), (e.at + half, top), (e.at, tip)]
        for e, half in zip(chimes, _half_widths([e.at for e in chimes], px), strict=True)
    ]
    main.add_collection(
        PolyCollection(marks, facecolors=CHIME, edgecolors="white", linewidths=0.4, gid="chimes")
    )
    picture.titles["chimes"] = [f"{durations.format(e.at)} {e.sound.name} chime" for e in chimes]
    _lane_name(main, bottom + VOICE / 2, "voice")


def _half_widths(times: list[float], px: float) -> list[float]:
    """Half the width (seconds) of each chime's triangle: 3.5 pixels, narrower where chimes
    crowd (under half the way to the nearest), so dense chimes become slender ticks."""
    if not times:
        return []
    at = np.asarray(times)
    gaps = np.diff(at, prepend=-np.inf, append=np.inf)
    nearest = np.minimum(gaps[:-1], gaps[1:])
    return np.clip(0.4 * nearest, 0.7 * px, 3.5 * px).tolist()


# -- pace and bed: layers for the pace guide and the sound bed --------------------------------


def _pace_span(pace) -> tuple[float, float] | None:
    """A step's pace as ``(from, to)`` beats per minute (see the module's notes)."""
    if pace is None:
        return None
    if isinstance(pace, int | float):
        return float(pace), float(pace)
    if isinstance(pace, dict):
        return float(pace["from"]), float(pace["to"])
    if isinstance(pace, Sequence) and len(pace) == 2:
        return float(pace[0]), float(pace[1])
    return float(pace.from_), float(pace.to)


def _has_pace(plan: Plan) -> bool:
    return any(getattr(s, "pace", None) is not None for s in plan.steps) or any(
        e.kind == "pulse" for e in plan.events
    )


def pace_segments(plan: Plan) -> list[list[tuple[float, float]]]:
    """The pace line as (seconds, beats per minute) segments: each step's pace from its start
    to its end or, when no step has one, the rate between successive pulses."""
    steps = [(s, _pace_span(getattr(s, "pace", None))) for s in plan.steps]
    segments = [[(s.start, span[0]), (s.end, span[1])] for s, span in steps if span is not None]
    if segments:
        return segments
    beats = np.array([e.at for e in plan.events if e.kind == "pulse"])
    if len(beats) < 2:
        return []
    rate = 60.0 / np.maximum(np.diff(beats), 1e-6)
    return [list(zip(beats[:-1].tolist(), rate.tolist(), strict=True))]


def draw_pace(axes, plan: Plan) -> None:
    """The pace lane: the line of beats per minute (gid ``pace``) and, where they are far
    enough apart to tell, the pulses as ticks at its foot (gid ``pulses``)."""
    segments = pace_segments(plan)
    values = [v for segment in segments for _, v in segment] or [60.0]
    low, high = min(values), max(values)
    margin = max(5.0, (high - low) * 0.15)
    axes.set_ylim(max(0.0, low - margin), high + margin)
    # (matplotlib's path simplification drops points closer than a pixel: no thinning here)
    axes.add_collection(LineCollection(segments, colors=PACE_COLOUR, lw=1.6, gid="pace"))
    beats = np.array([e.at for e in plan.events if e.kind == "pulse"])
    foot, ceiling = axes.get_ylim()
    if len(beats) > 1 and np.median(np.diff(beats)) >= PULSE_SPACING * _px(axes):
        tick = foot + (ceiling - foot) * 0.1
        ticks = [[(t, foot), (t, tick)] for t in beats]
        axes.add_collection(LineCollection(ticks, colors=PACE_COLOUR, linewidths=0.6, gid="pulses"))
    _lane_frame(axes, "pace\n(bpm)", plan.length)


def _lane_frame(axes, name: str, length: float) -> None:
    """A lower lane's name, its y ticks, and the end line through it."""
    axes.vlines([length], *axes.get_ylim(), color=END, lw=1.6)
    axes.set_ylabel(name, fontsize=8, color=MUTED)
    axes.tick_params(axis="y", length=2, labelsize=7, colors=MUTED)


def bed_points(bed, length: float, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """``bed`` as arrays of seconds and dB: points as given (sorted by time), a function
    sampled ``BED_SAMPLES`` times per pixel column over the session."""
    if callable(bed):
        times = np.linspace(0.0, length, BED_SAMPLES * columns + 1)
        return times, np.asarray(bed(times), dtype=float)
    points = np.asarray(bed, dtype=float).reshape(-1, 2)
    points = points[np.argsort(points[:, 0], kind="stable")]
    return points[:, 0], points[:, 1]


def _columns(times: np.ndarray, levels: np.ndarray, edges: np.ndarray):
    """Per pixel column (between ``edges``): its centre, and the least and most level in it."""
    index = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, len(edges) - 2)
    used = np.unique(index)
    low = np.full(len(edges) - 1, np.inf)
    high = np.full(len(edges) - 1, -np.inf)
    np.minimum.at(low, index, levels)
    np.maximum.at(high, index, levels)
    centres = (edges[:-1] + edges[1:]) / 2
    return centres[used], low[used], high[used]


def draw_bed(axes, bed, length: float) -> None:
    """The bed lane: its level as a filled envelope (gid ``bed``). Where there are more points
    than pixels, each pixel column shows its loudest level, and its quietest (ducked) level
    as a darker fill (gid ``bed-ducked``), so short ducks stay visible at 8 hours."""
    columns = max(1, int(round(length / _px(axes))))
    times, levels = bed_points(bed, length, columns)
    floor = min(-40.0, 10 * math.floor((levels.min() - 2) / 10)) if len(levels) else -40.0
    top = max(0.0, 10 * math.ceil(levels.max() / 10)) if len(levels) else 0.0
    axes.set_ylim(floor, top)
    layers = [("bed", times, levels, BED_COLOUR)]
    if len(times) > columns:
        times, ducked, loud = _columns(times, levels, np.linspace(0.0, length, columns + 1))
        layers = [("bed", times, loud, BED_COLOUR), ("bed-ducked", times, ducked, DUCK_COLOUR)]
    for gid, at, level, colour in layers if len(times) else ():
        outline = [(at[0], floor), *zip(at, level, strict=True), (at[-1], floor)]
        axes.add_collection(PolyCollection([outline], facecolors=colour, linewidths=0, gid=gid))
    _lane_frame(axes, "bed\n(dB)", length)


# -- header and labels -----------------------------------------------------------------------


def _subtitle(plan: Plan, fits: tuple[float, float] | None) -> str:
    def count(n: int, what: str) -> str:
        return f"{n} {what}{'s' * (n != 1)}"

    parts = [durations.format(plan.length)]
    if fits is not None:
        low, high = (durations.humanize(v) for v in fits)
        parts.append(f"fits {low} to {high}" if low != high else f"fits only {low}")
    kinds = [e.kind for e in plan.events]
    steps = len({s.number for s in plan.steps if s.kind == "step"})
    parts.append(
        f"{count(steps, 'step')}, {count(kinds.count('speech'), 'spoken cue')}, "
        f"{count(kinds.count('chime'), 'chime')}"
    )
    return "  \u00b7  ".join(parts)


def _header(picture: Picture, plan: Plan, fits, measure: _Measure) -> None:
    """Title and subtitle at the top left, the legend at the top right; the title is
    shortened so that it never runs into the legend."""
    figure, height = picture.figure, picture.figure.get_figheight()
    handles = [
        Patch(facecolor=STEP_COLOURS[0], label="step"),
        Patch(facecolor=INTERLUDE, edgecolor=HATCH, hatch="////", lw=0, label="interlude"),
        Patch(facecolor=SPEECH, label="spoken"),
        Line2D([], [], color=CHIME, marker="v", ls="", markersize=6, label="chime"),
        Line2D([], [], color=END, lw=1.6, label="end"),
    ]
    legend = figure.legend(
        handles=handles,
        loc="upper right",
        bbox_to_anchor=(1 - RIGHT / WIDTH, 1 - 0.06 / height),
        ncol=len(handles),
        frameon=False,
        fontsize=8,
        handlelength=1.4,
        columnspacing=1.2,
    )
    room = legend.get_window_extent(measure.renderer).x0 - LEFT * PNG_DPI - 4 * PAD
    title = measure.shortened(plan.title, _font(13, "bold"), room)
    top = 1 - 0.1 / height
    for text, size, weight, colour, y in (
        (title, 13, "bold", INK, top),
        (_subtitle(plan, fits), 8.5, "normal", MUTED, top - 0.27 / height),
    ):
        label = figure.text(LEFT / WIDTH, y, text, size=size, weight=weight, color=colour, va="top")
        picture.labels.append(label)


def _font(size: float, weight: str = "normal") -> FontProperties:
    return FontProperties(family=FONT, size=size, weight=weight)


class _Measure:
    """Text sizes in pixels at ``PNG_DPI``: a width estimated from per-character widths
    (fast; the renderer takes ~25 us per character of a string), and the renderer's exact
    box for a text about to be placed. Both cached."""

    def __init__(self, figure):
        self.renderer = figure.canvas.get_renderer()
        self._chars: dict[tuple, float] = {}
        self._widths: dict[tuple, float] = {}
        self._exact: dict[tuple, tuple[float, float, float]] = {}

    def _metrics(self, text: str, font: FontProperties) -> tuple[float, float, float]:
        return self.renderer.get_text_width_height_descent(text, font, ismath=False)

    def chars(self, text: str, font: FontProperties) -> list[float]:
        key = (font.get_size_in_points(), font.get_weight())
        for char in text:
            if (char, *key) not in self._chars:
                self._chars[(char, *key)] = self._metrics(char, font)[0]
        return [self._chars[(char, *key)] for char in text]

    def estimate(self, text: str, font: FontProperties) -> float:
        key = (text, font.get_size_in_points(), font.get_weight())
        if key not in self._widths:
            self._widths[key] = sum(self.chars(text, font))
        return self._widths[key]

    def exact(self, text: str, font: FontProperties) -> tuple[float, float, float]:
        """Width, ascent and descent (pixels) of ``text`` as ``Text`` lays out one line (at
        least as tall as "lp")."""
        key = (text, font.get_size_in_points(), font.get_weight())
        if key not in self._exact:
            width, height, descent = self._metrics(text, font)
            if text == "lp":
                self._exact[key] = (width, height - descent, descent)
            else:
                _, line_ascent, line_descent = self.exact("lp", font)
                ascent = max(height - descent, line_ascent)
                self._exact[key] = (width, ascent, max(descent, line_descent))
        return self._exact[key]

    def shortened(self, text: str, font: FontProperties, room: float) -> str:
        """``text``, or its longest start (at least ``SHORTEST`` characters, with an
        ellipsis) that fits ``room`` pixels, or ``""``."""
        if self.estimate(text, font) <= room and self.exact(text, font)[0] <= room:
            return text
        fitting = room - self.estimate("\u2026", font)
        most = int(np.searchsorted(np.cumsum(self.chars(text, font)), fitting, side="right"))
        for end in range(min(most, len(text) - 1), SHORTEST - 1, -1):
            cut = text[:end].rstrip(" ,.;:-")
            if len(cut) >= SHORTEST and self.exact(cut + "\u2026", font)[0] <= room:
                return cut + "\u2026"
        return ""


@dataclass(frozen=True)
class _Spot:
    """A candidate place of a label: its text, its anchor (pixels; the baseline) and
    alignment, and the foot of its leader (a line down from the anchor to this y), if any."""

    text: str
    x: float
    y: float
    ha: str = "left"
    foot: float | None = None


class _Placer:
    """Greedy label placement in display pixels: a label takes the first of its candidate
    spots whose box (and leader) lies inside its region and meets no box taken before
    (``PAD`` apart). Boxes are kept in ``BUCKET``-pixel columns, so a check looks at
    neighbours only; a spot is checked with the estimated width, then the renderer's."""

    def __init__(self, measure: _Measure):
        self.measure = measure
        self.columns: dict[int, list[tuple[float, float, float, float]]] = defaultdict(list)

    def place(self, spots: Iterable[_Spot], font, region) -> _Spot | None:
        _, line_ascent, line_descent = self.measure.exact("lp", font)
        for spot in spots:
            if not spot.text:
                continue
            width = self.measure.estimate(spot.text, font)
            if not self._free(_boxes(spot, width, line_ascent, line_descent), region):
                continue
            boxes = _boxes(spot, *self.measure.exact(spot.text, font))
            if self._free(boxes, region):
                for box in boxes:
                    for column in range(int(box[0] // BUCKET), int(box[2] // BUCKET) + 1):
                        self.columns[column].append(box)
                return spot
        return None

    def _free(self, boxes, region: tuple[float, float]) -> bool:
        return all(
            region[0] <= x0
            and x1 <= region[1]
            and not any(
                x0 < other[2] + PAD and other[0] < x1 + PAD and y0 < other[3] + PAD
                for other in self._near(x0, x1)
                if other[1] < y1 + PAD
            )
            for x0, y0, x1, y1 in boxes
        )

    def _near(self, x0: float, x1: float) -> Iterable[tuple[float, float, float, float]]:
        for column in range(int(x0 // BUCKET) - 1, int(x1 // BUCKET) + 2):
            yield from self.columns.get(column, ())


def _boxes(spot: _Spot, width: float, ascent: float, descent: float) -> list[tuple]:
    """The label's box (pixels) and, with a leader, the leader's (a pixel wide)."""
    x0 = {"left": spot.x, "center": spot.x - width / 2, "right": spot.x - width}[spot.ha]
    boxes = [(x0, spot.y - descent, x0 + width, spot.y + ascent)]
    if spot.foot is not None:
        boxes.append((spot.x - 0.5, spot.foot, spot.x + 0.5, spot.y - descent - PAD - 0.5))
    return boxes


def _place_labels(picture: Picture, plan: Plan, placer: _Placer) -> None:
    """Step names first (inside their bands), then side names, then what is spoken."""
    to_px = picture.main.transData.transform
    for group in _step_groups(plan):
        _place_step_name(picture, placer, [plan.steps[i] for i in group], group[0], to_px)
    for index, step in enumerate(plan.steps):
        if step.side:
            (x0, y), (x1, _) = to_px([(step.start, STEPS * 0.12), (step.end, 0)])
            spots = [_Spot(text, (x0 + x1) / 2, y, "center") for text in (step.side, step.side[0])]
            region = (x0 + PAD, x1 - PAD)
            _label(picture, placer, spots, _font(7.5), region, f"side-{index}", MUTED)
    _place_cue_labels(picture, plan, placer)


def _step_groups(plan: Plan) -> list[list[int]]:
    """Plan step indices, the sides of one step together."""
    groups: list[list[int]] = []
    for index, step in enumerate(plan.steps):
        before = plan.steps[index - 1] if index else None
        if before and step.side and before.side and before.number == step.number:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def _place_step_name(picture: Picture, placer: _Placer, steps, index: int, to_px) -> None:
    """The name of a step (over all its sides) inside its band: whole, shortened, or its
    number."""
    first, last = steps[0], steps[-1]
    (x0, y), (x1, _) = to_px([(first.start, STEPS * (0.56 if first.side else 0.42)), (last.end, 0)])
    font = _font(9, "bold" if first.kind == "step" else "normal")
    texts = [placer.measure.shortened(first.name, font, x1 - x0 - 2 * PAD)]
    texts += [str(first.number)] if first.number is not None else []
    spots = [_Spot(text, (x0 + x1) / 2, y, "center") for text in texts]
    _label(picture, placer, spots, font, (x0 + PAD, x1 - PAD), f"name-{index}")


def _cue_texts(text: str) -> list[str]:
    """``text`` if short, else its first words (about 30, then 16 characters) with an
    ellipsis."""
    texts = [text] if len(text) <= 32 else []
    for limit in (30, 16):
        cut = ""
        for word in text.split():
            if cut and len(cut) + len(word) + 1 > limit:
                break
            cut = f"{cut} {word}".strip()
        cut = cut.rstrip(" ,.;:-") + ("\u2026" if cut != text else "")
        if cut not in texts:
            texts.append(cut)
    return texts


def _place_cue_labels(picture: Picture, plan: Plan, placer: _Placer) -> None:
    """Labels of what is spoken, in the rows above the voice lane, each on a leader down to
    its time (a step's own instruction is named by its band). Cues come first, each text's
    first time before its repeats, then the intro and the outro; within each, from the end
    backwards: a label then only has to keep clear of labels to its right, so it takes the
    lowest row where some form of its text fits, and leaves the rows above free for the
    leaders of the labels to its left."""
    main, font = picture.main, _font(8)
    left, right = main.transAxes.transform([(0, 0), (1, 0)])[:, 0]
    instructions = _instruction_events(plan)
    spoken = [
        p for p in enumerate(plan.events) if p[1].kind == "speech" and p[0] not in instructions
    ]
    first_of: dict[str | None, int] = {}
    for index, event in spoken:
        first_of.setdefault(event.text, index)
    firsts = set(first_of.values())
    spoken.sort(key=lambda p: (plan.steps[p[1].step].kind in FRAME, p[0] not in firsts, -p[0]))
    base = STEPS + GAP + VOICE
    foot = main.transData.transform([(0, base)])[0, 1]
    rows = [main.transData.transform([(0, base + (r + 0.3) * ROW)])[0, 1] for r in range(ROWS)]
    leaders = []
    for index, event in spoken:
        x, texts = main.transData.transform([(event.at, 0)])[0, 0], _cue_texts(event.text or "")
        # right-aligned (ending at its time) only where the end of the session leaves no room
        near_end = x + placer.measure.estimate(texts[-1], font) > right
        aligns = ("left", "right") if near_end else ("left",)
        spots = [_Spot(t, x, y, ha, foot) for ha in aligns for y in rows for t in texts]
        spot = _label(picture, placer, spots, font, (left, right), f"cue-{index}")
        if spot is not None:
            bottom = spot.y - placer.measure.exact(spot.text, font)[2]
            leaders.append([(event.at, base), (event.at, _y(main, bottom - 1))])
    main.add_collection(LineCollection(leaders, colors=LEADER, linewidths=0.6, gid="leaders"))


def _y(axes, pixels: float) -> float:
    return axes.transData.inverted().transform([(0, pixels)])[0, 1]


def _instruction_events(plan: Plan) -> set[int]:
    """Indices of each step's (and interlude's) first speech: its instruction."""
    seen, found = set(), set()
    for index, event in enumerate(plan.events):
        step = plan.steps[event.step]
        if event.kind == "speech" and step.kind in ("step", "between") and event.step not in seen:
            seen.add(event.step)
            found.add(index)
    return found


def _label(picture, placer: _Placer, spots, font, region, gid: str, colour=INK) -> _Spot | None:
    """Place a label at the first free spot (else nowhere); returns the spot taken."""
    spot = placer.place(spots, font, region)
    if spot is not None:
        main = picture.main
        x, y = main.transData.inverted().transform([(spot.x, spot.y)])[0]
        text = main.text(x, y, spot.text, fontproperties=font, ha=spot.ha, va="baseline", gid=gid)
        text.set_color(colour)
        text.set_clip_on(False)
        picture.labels.append(text)
    return spot


# -- SVG hover titles ------------------------------------------------------------------------

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

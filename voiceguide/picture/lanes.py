"""The lanes of the pace guide (beats per minute) and of the sound bed (its level in dB)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from voiceguide.plan import EventKind, Plan
from voiceguide.routine import Pace

if TYPE_CHECKING:
    from matplotlib.axes import Axes

try:  # the optional extra 'picture'
    from matplotlib.collections import LineCollection, PolyCollection
except ImportError:  # require() says how to install it
    matplotlib = None


from voiceguide.picture.style import (
    BED_COLOUR,
    BED_SAMPLES,
    DUCK_COLOUR,
    PACE_COLOUR,
    PULSE_SPACING,
    lane_frame,
    pixel_width,
)

# A bed's level to draw (dB): (seconds, dB) points, straight lines between, or a function of
# the seconds (sampled); ``draw`` turns the plan's ``BedEnvelope`` into its points.
BedCurve: TypeAlias = (
    np.ndarray | Sequence[tuple[float, float]] | Callable[[np.ndarray], np.ndarray]
)


def _pace_span(pace: Pace | None) -> tuple[float, float] | None:
    """A step's pace as ``(from, to)`` beats per minute."""
    return None if pace is None else (pace.start, pace.end)


def has_pace(plan: Plan) -> bool:
    return any(s.pace is not None for s in plan.steps) or any(
        e.kind == EventKind.PULSE for e in plan.events
    )


def pace_segments(plan: Plan) -> list[list[tuple[float, float]]]:
    """The pace line as (seconds, beats per minute) segments: each step's pace from its start
    to its end or, when no step has one, the rate between successive pulses."""
    steps = [(s, _pace_span(s.pace)) for s in plan.steps]
    segments = [[(s.start, span[0]), (s.end, span[1])] for s, span in steps if span is not None]
    if segments:
        return segments
    beats = np.array([e.at for e in plan.events if e.kind == EventKind.PULSE])
    if len(beats) < 2:
        return []
    rate = 60.0 / np.maximum(np.diff(beats), 1e-6)
    return [list(zip(beats[:-1].tolist(), rate.tolist(), strict=True))]


def draw_pace(axes: Axes, plan: Plan) -> None:
    """The pace lane: the line of beats per minute (gid ``pace``) and, where they are far
    enough apart to tell, the pulses as ticks at its foot (gid ``pulses``)."""
    segments = pace_segments(plan)
    values = [v for segment in segments for _, v in segment] or [60.0]
    low, high = min(values), max(values)
    margin = max(5.0, (high - low) * 0.15)
    axes.set_ylim(max(0.0, low - margin), high + margin)
    # (matplotlib's path simplification drops points closer than a pixel: no thinning here)
    axes.add_collection(LineCollection(segments, colors=PACE_COLOUR, lw=1.6, gid="pace"))
    beats = np.array([e.at for e in plan.events if e.kind == EventKind.PULSE])
    foot, ceiling = axes.get_ylim()
    if len(beats) > 1 and np.median(np.diff(beats)) >= PULSE_SPACING * pixel_width(axes):
        tick = foot + (ceiling - foot) * 0.1
        ticks = [[(t, foot), (t, tick)] for t in beats]
        axes.add_collection(LineCollection(ticks, colors=PACE_COLOUR, linewidths=0.6, gid="pulses"))
    lane_frame(axes, "pace\n(bpm)", plan.length)


def bed_points(bed: BedCurve, length: float, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """``bed`` as arrays of seconds and dB: points as given (sorted by time), a function
    sampled ``BED_SAMPLES`` times per pixel column over the session."""
    if callable(bed):
        times = np.linspace(0.0, length, BED_SAMPLES * columns + 1)
        return times, np.asarray(bed(times), dtype=float)
    points = np.asarray(bed, dtype=float).reshape(-1, 2)
    points = points[np.argsort(points[:, 0], kind="stable")]
    return points[:, 0], points[:, 1]


def _columns(
    times: np.ndarray, levels: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pixel column (between ``edges``): its centre, and the least and most level in it."""
    index = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, len(edges) - 2)
    used = np.unique(index)
    low = np.full(len(edges) - 1, np.inf)
    high = np.full(len(edges) - 1, -np.inf)
    np.minimum.at(low, index, levels)
    np.maximum.at(high, index, levels)
    centres = (edges[:-1] + edges[1:]) / 2
    return centres[used], low[used], high[used]


def draw_bed(axes: Axes, bed: BedCurve, length: float) -> None:
    """The bed lane: its level as a filled envelope (gid ``bed``). Where there are more points
    than pixels, each pixel column shows its loudest level, and its quietest (ducked) level
    as a darker fill (gid ``bed-ducked``), so short ducks stay visible at 8 hours."""
    columns = max(1, int(round(length / pixel_width(axes))))
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
    lane_frame(axes, "bed\n(dB)", length)

"""The picture's look and what its modules share: sizes, colours, fonts, ``Picture``."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voiceguide.errors import ExportError
from voiceguide.plan import StepKind

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Text
    from matplotlib.typing import RcKeyType

try:  # the optional extra 'picture'
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.transforms import blended_transform_factory
except ImportError:  # require() says how to install it
    matplotlib = None  # type: ignore[assignment]  # the extra's absence, checked by require()


FORMATS = ("svg", "png")


# the pip of the Python running voiceguide (a bare "pip" may be another one's)
INSTALL = f"{shlex.quote(sys.executable)} -m pip install 'voiceguide[picture]'"


WIDTH = 11.0  # inches: 792 pt, about a README's width on a code host


PNG_DPI = 150


FONT = "DejaVu Sans"  # ships with matplotlib: the same glyphs everywhere


STYLE: dict[RcKeyType, object] = {
    "font.family": FONT,
    "svg.fonttype": "path",  # glyphs as paths: labels measured here keep their size anywhere
    "svg.hashsalt": "voiceguide",  # fixed ids: the same plan gives the same bytes
    "hatch.linewidth": 0.7,
    "axes.linewidth": 0.6,
}


LEFT, RIGHT, HEADER, AXIS = 0.72, 0.25, 0.62, 0.42


ROW, ROWS, VOICE, STEPS, GAP = 0.165, 3, 0.30, 0.56, 0.08


PACE, BED, LANE_GAP = 0.85, 0.7, 0.14


PAD = 3.0  # between two labels, and inside a band


BUCKET = 64.0  # the placer's grid


SHORTEST = 3  # characters before the ellipsis of a shortened name ("C…" says nothing)


PULSE_SPACING = 3.0


TICK = 1.5  # the least width of a sound: visible in an SVG drawn at its own size, too


BED_SAMPLES = 2


STEP_COLOURS = ("#9cc3e4", "#f4c08e", "#a7d8ad", "#eaa9bd", "#c7b6e6", "#e9d88f", "#95d3cf")


NEUTRAL, INTERLUDE, HATCH = "#dedede", "#f1f1f1", "#b3b3b3"


SPEECH, CHIME, END, INK, MUTED = "#34495e", "#d4910a", "#222222", "#1d1d1d", "#666666"


GRID, LEADER = "#e4e4e4", "#9a9a9a"


PACE_COLOUR, BED_COLOUR, DUCK_COLOUR = "#b5473a", "#b9d7c4", "#6fa585"


FRAME = (StepKind.INTRO, StepKind.OUTRO)  # plan step kinds around the routine's steps


NICE_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)


MAX_TICKS = 10


def require() -> None:
    """Raise ``ExportError`` (one line, saying how to install it) when matplotlib is missing."""
    if matplotlib is None:
        raise ExportError(
            f"drawing a picture needs matplotlib, which is not installed: {INSTALL} "
            "(in a source checkout: ./setup.sh --dev)"
        )


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
    lanes: dict[str, Axes]
    title: str = ""
    labels: list[Text] = field(default_factory=list)
    titles: dict[str, list[str]] = field(default_factory=dict)

    @property
    def main(self) -> Axes:
        return self.lanes["main"]


def lane_name(axes: Axes, y: float, text: str) -> None:
    where = blended_transform_factory(axes.transAxes, axes.transData)
    axes.text(-0.012, y, text, transform=where, ha="right", va="center", fontsize=8, color=MUTED)


def pixel_width(axes: Axes) -> float:
    """Seconds per pixel (at ``PNG_DPI``) on ``axes``' x axis."""
    left, right = axes.transData.transform([(0.0, 0.0), (1.0, 0.0)])[:, 0]
    return float(1.0 / (right - left))


def box(x0: float, x1: float, y0: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def lane_frame(axes: Axes, name: str, length: float) -> None:
    """A lower lane's name, its y ticks, and the end line through it."""
    axes.vlines([length], *axes.get_ylim(), color=END, lw=1.6)
    axes.set_ylabel(name, fontsize=8, color=MUTED)
    axes.tick_params(axis="y", length=2, labelsize=7, colors=MUTED)


def font_of(size: float, weight: str = "normal") -> FontProperties:
    return FontProperties(family=FONT, size=size, weight=weight)


def y_of(axes: Axes, pixels: float) -> float:
    return float(axes.transData.inverted().transform([(0, pixels)])[0, 1])

"""The header, and the labels: placed greedily where they meet no other (``Placer``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voiceguide import durations, fit
from voiceguide.plan import EventKind, Plan, PlanStep, StepKind

if TYPE_CHECKING:
    from matplotlib.figure import Figure

try:  # the optional extra 'picture'
    from matplotlib.collections import LineCollection
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
except ImportError:  # require() says how to install it
    matplotlib = None


from voiceguide.picture.style import (
    BUCKET,
    CHIME,
    END,
    FRAME,
    GAP,
    HATCH,
    INK,
    INTERLUDE,
    LEADER,
    LEFT,
    MUTED,
    PAD,
    PNG_DPI,
    RIGHT,
    ROW,
    ROWS,
    SHORTEST,
    SPEECH,
    STEP_COLOURS,
    STEPS,
    VOICE,
    WIDTH,
    Picture,
    font_of,
    y_of,
)

Box = tuple[float, float, float, float]  # pixels: left, bottom, right, top


def _subtitle(plan: Plan, fits: tuple[float, float] | None) -> str:
    def count(n: int, what: str) -> str:
        return f"{n} {what}{'s' * (n != 1)}"

    parts = [durations.format(plan.length)]
    if fits is not None:
        parts.append(f"fits {fit.span(*fits, start='')}")
    kinds = [e.kind for e in plan.events]
    steps = len({s.number for s in plan.steps if s.kind == StepKind.STEP})
    parts.append(
        f"{count(steps, 'step')}, {count(kinds.count(EventKind.SPEECH), 'spoken cue')}, "
        f"{count(kinds.count(EventKind.CHIME), 'chime')}"
    )
    return "  \u00b7  ".join(parts)


def header(
    picture: Picture, plan: Plan, fits: tuple[float, float] | None, measure: Measure
) -> None:
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
    title = measure.shortened(plan.title, font_of(13, "bold"), room)
    top = 1 - 0.1 / height
    for text, size, weight, colour, y in (
        (title, 13, "bold", INK, top),
        (_subtitle(plan, fits), 8.5, "normal", MUTED, top - 0.27 / height),
    ):
        label = figure.text(LEFT / WIDTH, y, text, size=size, weight=weight, color=colour, va="top")
        picture.labels.append(label)


class Measure:
    """Text sizes in pixels at ``PNG_DPI``: a width estimated from per-character widths
    (fast; the renderer takes ~25 us per character of a string), and the renderer's exact
    box for a text about to be placed. Both cached."""

    def __init__(self, figure: Figure):
        # the Agg canvas picture._figure gave it (matplotlib types the base class)
        self.renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
        self._chars: dict[tuple[object, ...], float] = {}
        self._widths: dict[tuple[object, ...], float] = {}
        self._exact: dict[tuple[object, ...], tuple[float, float, float]] = {}

    def _metrics(self, text: str, font: FontProperties) -> tuple[float, float, float]:
        width, height, descent = self.renderer.get_text_width_height_descent(
            text, font, ismath=False
        )
        return float(width), float(height), float(descent)

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


class Placer:
    """Greedy label placement in display pixels: a label takes the first of its candidate
    spots whose box (and leader) lies inside its region and meets no box taken before
    (``PAD`` apart). Boxes are kept in ``BUCKET``-pixel columns, so a check looks at
    neighbours only; a spot is checked with the estimated width, then the renderer's."""

    def __init__(self, measure: Measure):
        self.measure = measure
        self.columns: dict[int, list[tuple[float, float, float, float]]] = defaultdict(list)

    def place(
        self, spots: Iterable[_Spot], font: FontProperties, region: tuple[float, float]
    ) -> _Spot | None:
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

    def _free(self, boxes: list[Box], region: tuple[float, float]) -> bool:
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


def _boxes(spot: _Spot, width: float, ascent: float, descent: float) -> list[Box]:
    """The label's box (pixels) and, with a leader, the leader's (a pixel wide)."""
    x0 = {"left": spot.x, "center": spot.x - width / 2, "right": spot.x - width}[spot.ha]
    boxes = [(x0, spot.y - descent, x0 + width, spot.y + ascent)]
    if spot.foot is not None:
        boxes.append((spot.x - 0.5, spot.foot, spot.x + 0.5, spot.y - descent - PAD - 0.5))
    return boxes


def place_labels(picture: Picture, plan: Plan, placer: Placer) -> None:
    """Step names first (inside their bands), then side names, then what is spoken."""
    to_px = picture.main.transData.transform
    for group in step_groups(plan):
        _place_step_name(picture, placer, [plan.steps[i] for i in group], group[0], to_px)
    for index, step in enumerate(plan.steps):
        if step.side:
            (x0, y), (x1, _) = to_px([(step.start, STEPS * 0.12), (step.end, 0)])
            spots = [_Spot(text, (x0 + x1) / 2, y, "center") for text in (step.side, step.side[0])]
            region = (x0 + PAD, x1 - PAD)
            _label(picture, placer, spots, font_of(7.5), region, f"side-{index}", MUTED)
    _place_cue_labels(picture, plan, placer)


def step_groups(plan: Plan) -> list[list[int]]:
    """Plan step indices, the sides of one step together."""
    groups: list[list[int]] = []
    for index, step in enumerate(plan.steps):
        before = plan.steps[index - 1] if index else None
        same = before is not None and (before.number, before.round) == (step.number, step.round)
        if same and before is not None and step.side and before.side:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


NAME_SIZES = (9, 8, 7.5)  # points: a step's name in its band, smaller before it is shortened


def _place_step_name(
    picture: Picture,
    placer: Placer,
    steps: list[PlanStep],
    index: int,
    to_px: Callable[[list[tuple[float, float]]], np.ndarray],
) -> None:
    """The name of a step (over all its sides) inside its band: whole (in a smaller type if
    that is what it takes), shortened, or its number."""
    first, last = steps[0], steps[-1]
    (x0, y), (x1, _) = to_px([(first.start, STEPS * (0.56 if first.side else 0.42)), (last.end, 0)])
    weight = "bold" if first.kind == StepKind.STEP else "normal"
    room = x1 - x0 - 2 * PAD
    fonts = [font_of(size, weight) for size in NAME_SIZES]
    whole = [f for f in fonts if placer.measure.exact(first.name, f)[0] <= room]
    font = whole[0] if whole else fonts[0]
    texts = [placer.measure.shortened(first.name, font, room)]
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


def _place_cue_labels(picture: Picture, plan: Plan, placer: Placer) -> None:
    """Labels of what is spoken, in the rows above the voice lane, each on a leader down to
    its time (a step's own instruction is named by its band). Cues come first, each text's
    first time before its repeats, then the intro and the outro; within each, from the end
    backwards: a label then only has to keep clear of labels to its right, so it takes the
    lowest row where some form of its text fits, and leaves the rows above free for the
    leaders of the labels to its left."""
    main, font = picture.main, font_of(8)
    left, right = main.transAxes.transform([(0, 0), (1, 0)])[:, 0]
    instructions = _instruction_events(plan)
    spoken = [
        (i, e)
        for i, e in enumerate(plan.events)
        if e.kind == EventKind.SPEECH and i not in instructions
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
            leaders.append([(event.at, base), (event.at, y_of(main, bottom - 1))])
    main.add_collection(LineCollection(leaders, colors=LEADER, linewidths=0.6, gid="leaders"))


def _instruction_events(plan: Plan) -> set[int]:
    """Indices of each step's (and interlude's) first speech: its instruction."""
    seen, found = set(), set()
    for index, event in enumerate(plan.events):
        step = plan.steps[event.step]
        instruction = step.kind in (StepKind.STEP, StepKind.BETWEEN)
        if event.kind == EventKind.SPEECH and instruction and event.step not in seen:
            seen.add(event.step)
            found.add(index)
    return found


def _label(
    picture: Picture,
    placer: Placer,
    spots: Iterable[_Spot],
    font: FontProperties,
    region: tuple[float, float],
    gid: str,
    colour: str = INK,
) -> _Spot | None:
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

"""The built-in routines at a glance (``voiceguide list``): name, title, description, the
default length and the range of lengths each fits, as a table and as JSON.

The range depends on how long the speech takes, so each routine is prepared as ``plan``
prepares it (speech rendered into the cache the first time, read from it after). The JSON
keys are a published interface (docs/list-json.md). A built-in that cannot be prepared is
left out (``Unlisted``), the rest listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from voiceguide import durations, fit, resources, session, speech
from voiceguide.errors import RoutineError, UsageError, VoiceguideError

JSON_VERSION = 1
MIN_DESCRIPTION = 40  # characters a description needs beside the rest, else it goes under


@dataclass(frozen=True)
class Entry:
    """A built-in routine. ``length`` is the session's length without ``--length`` (its
    ``length:``, or its steps as written); ``shortest``/``longest`` bound what ``--length``
    may ask. All in seconds."""

    name: str
    title: str
    description: str | None
    length: float
    shortest: float
    longest: float

    @property
    def fits(self) -> str:
        """``"6m53s to 47m22s"`` (or ``"only 4m05s"``): as the plan's footer says it."""
        return fit.span(self.shortest, self.longest, start="")


def entries(
    renderer: speech.Engines | speech.Renderer,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Entry | Unlisted]:
    """Each built-in routine (the files of ``resources.scripts_dir``, never one of the
    working directory), by name, prepared with ``renderer``. One that cannot be prepared
    (a broken installation: its file has a problem, or a chime it names) is an
    ``Unlisted`` in its place, so that the others are still listed; an error of the
    machine (no speech engine, an unwritable cache) ends the list: ``session.prepare``'s
    ``SpeechError`` or ``ExportError`` passes through."""
    for name in resources.routine_names():
        path = resources.scripts_dir() / f"{name}.yaml"
        try:
            yield entry(name, str(path), renderer, progress)
        except (RoutineError, UsageError) as exc:
            yield Unlisted(name, exc)


def entry(
    name: str,
    routine: str,
    renderer: speech.Engines | speech.Renderer,
    progress: Callable[[int, int], None] | None = None,
) -> Entry:
    """The ``Entry`` of ``routine`` (a built-in name or a file's path), listed as ``name``."""
    prepared = session.prepare(routine, session.Options(), renderer, progress=progress)
    low, high = session.length_range(prepared)
    loaded = prepared.written
    return Entry(name, loaded.title, loaded.description, prepared.plan.length, low, high)


@dataclass(frozen=True)
class Unlisted:
    """A built-in routine that cannot be prepared, and why."""

    name: str
    error: VoiceguideError

    @property
    def line(self) -> str:
        """One line for stderr: the first problem, and how many more ``check`` shows."""
        problems = str(self.error).splitlines() or [type(self.error).__name__]
        more = len(problems) - 1
        also = f" (and {more} more: voiceguide check {self.name})" if more else ""
        return f"not listed: the built-in routine {self.name!r}: {problems[0]}{also}"


def to_json(found: list[Entry]) -> dict[str, object]:
    """The list as one JSON-ready dict; lengths in seconds."""
    return {
        "version": JSON_VERSION,
        "routines": [
            {
                "name": e.name,
                "title": e.title,
                "description": e.description,
                "length": round(e.length, 6),
                "shortest": round(e.shortest, 6),
                "longest": round(e.longest, 6),
            }
            for e in found
        ],
    }


def table(found: list[Entry], width: int) -> str:
    """Name, title, default length, the lengths it fits and the description, each line at
    most ``width`` characters: the description is shortened to fit or, with less than
    ``MIN_DESCRIPTION`` characters left beside the rest, goes under the title."""
    rows = [("name", "title", "length", "fits", "description")]
    rows += [
        (e.name, e.title, durations.humanize(e.length), e.fits, e.description or "") for e in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    indent = sum(widths) + 2 * len(widths)
    beside = width - indent >= MIN_DESCRIPTION
    lines = []
    for row in rows:
        line = "  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True))
        if beside:
            lines.append(f"{line}  {shortened(row[4], width - indent)}".rstrip())
            continue
        lines.append(line.rstrip())
        under = " " * (widths[0] + 2)
        if row is not rows[0] and row[4]:
            lines.append(under + shortened(row[4], max(MIN_DESCRIPTION, width - len(under))))
    return "\n".join(lines)


def shortened(text: str, width: int) -> str:
    """``text`` on one line, cut at a word with an ellipsis to at most ``width`` characters."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-") + "\u2026"

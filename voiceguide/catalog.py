"""The built-in routines at a glance (``voiceguide list``): name, title, description, the
default length and the range of lengths each fits, as a table and as JSON.

The range depends on how long the speech takes. Rendering it takes seconds a routine with
espeak-ng and tens of seconds with Piper, so a list answers at once: a routine whose every
clip is in the cache is planned from those clips (``measured``); one whose speech is not
rendered yet is planned from an estimate of each missing text's length (its words at the
voice's rate, as espeak-ng and Piper are calibrated to speak: ``estimated_seconds``), and
says so. ``measure=True`` renders what is missing first, as ``plan`` does. The JSON keys are
a published interface (docs/list-json.md). A built-in that cannot be prepared is left out
(``Unlisted``), the rest listed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from voiceguide import durations, fit, resources, session, speech
from voiceguide.errors import RoutineError, UsageError, VoiceguideError
from voiceguide.speech.synth import DEFAULT_RATE

JSON_VERSION = 1
MIN_DESCRIPTION = 40  # characters a description needs beside the rest, else it goes under
# espeak-ng at rate r speaks 1.15 r words a minute, pauses included, and Piper is made to
# speak as many (speech.piper's calibration, bench/bench_rate.py)
WORDS_PER_RATE = 1.15
ESTIMATED = "~"  # marks a length planned from estimated speech in the table
ESTIMATE_NOTE = (
    f"{ESTIMATED} estimated from the words, the speech not rendered yet "
    "(voiceguide list --measure renders it)"
)


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
    measured: bool = True  # False: planned from estimated speech (``estimated_seconds``)
    rounds: bool = False  # it has steps that repeat: longer than ``longest`` in rounds
    optional: bool = False  # it has optional steps: shorter than ``shortest`` without them
    fixed_length: bool = False  # the routine's own ``length:`` sets ``length``

    @property
    def fits(self) -> str:
        """``"6m53s to 47m22s"`` (or ``"only 4m05s"``): as the plan's footer says it;
        ``"~6m53s to 47m22s"`` when estimated."""
        said = fit.span(self.shortest, self.longest, start="")
        return said if self.measured else ESTIMATED + said

    @property
    def shown_length(self) -> str:
        """The default length as the table shows it: ``~`` before it when it was planned
        from estimated speech and the routine does not fix it (``length:``)."""
        said = durations.humanize(self.length)
        return said if self.measured or self.fixed_length else ESTIMATED + said


def entries(
    renderer: speech.Engines | speech.Renderer,
    progress: Callable[[int, int], None] | None = None,
    measure: bool = False,
) -> Iterator[Entry | Unlisted]:
    """Each built-in routine (the files of ``resources.scripts_dir``, never one of the
    working directory), by name, with ``renderer``'s voices: measured where the cache has
    its speech (``measure``: rendered first where it has not), else estimated (``entry``).
    One that cannot be prepared
    (a broken installation: its file has a problem, or a chime it names) is an
    ``Unlisted`` in its place, so that the others are still listed; an error of the
    machine (no speech engine, an unwritable cache) ends the list: ``session.prepare``'s
    ``SpeechError`` or ``ExportError`` passes through."""
    for name in resources.routine_names():
        path = resources.scripts_dir() / f"{name}.yaml"
        try:
            yield entry(name, str(path), renderer, progress, measure)
        except (RoutineError, UsageError) as exc:
            yield Unlisted(name, exc)


def entry(
    name: str,
    routine: str,
    renderer: speech.Engines | speech.Renderer,
    progress: Callable[[int, int], None] | None = None,
    measure: bool = False,
) -> Entry:
    """The ``Entry`` of ``routine`` (a built-in name or a file's path), listed as ``name``:
    ``entry_of`` its ``session.readied``."""
    ready = session.readied(routine, session.Options(), renderer)
    return entry_of(name, ready, progress, measure)


def entry_of(
    name: str,
    ready: session.Ready,
    progress: Callable[[int, int], None] | None = None,
    measure: bool = False,
    engine: AbstractContextManager[object] | None = None,
) -> Entry:
    """The ``Entry`` of a routine made ready (``session.readied``): planned from its clips
    when the cache has them all, else from ``known_durations`` (estimated where missing), or
    with ``measure`` from its speech rendered now (``progress(done, total)`` meanwhile,
    ``engine`` held while it renders: a server's lock of its renderer). A routine that
    cannot be planned from estimates (its own ``length:`` or a step's room too tight for
    them) is measured: its refusal must be the real one."""
    texts = ready.loaded.texts()
    spoken, measured = known_durations(ready.cache, texts)
    if not measured and not measure:
        try:
            return _planned(name, ready, spoken, measured=False)
        except (RoutineError, UsageError):
            pass  # measured below: only the real clips can say whether it fits
    if not measured:
        with engine or contextlib.nullcontext():
            spoken = ready.cache.durations(texts, progress)
    return _planned(name, ready, spoken, measured=True)


def _planned(name: str, ready: session.Ready, spoken: dict[str, float], measured: bool) -> Entry:
    prepared = session.planned(ready, spoken)
    low, high = session.length_range(prepared)
    written = prepared.written
    return Entry(
        name,
        written.title,
        written.description,
        prepared.plan.length,
        low,
        high,
        measured,
        any(step.repeat for step in written.steps),
        any(step.optional for step in written.steps),
        written.length is not None,
    )


def known_durations(cache: speech.SpeechCache, texts: list[str]) -> tuple[dict[str, float], bool]:
    """Seconds of each text's clip as the cache has it (its header read, no engine asked),
    ``estimated_seconds`` for the ones it lacks; and whether none was estimated."""
    spoken, measured = {}, True
    for text in texts:
        seconds = cache.seconds(text)
        if seconds is None:
            seconds, measured = estimated_seconds(cache.spoken(text), cache.voice.rate), False
        spoken[text] = seconds
    return spoken, measured


def estimated_seconds(text: str, rate: int | None) -> float:
    """Seconds ``text`` takes to say at ``rate`` words per minute (the engine's default rate
    when None), as espeak-ng and Piper are calibrated to speak: its words over
    ``WORDS_PER_RATE * rate`` a minute. An estimate, never a clip's length: over the
    built-ins' texts the median text is within 10 % of its clip (espeak-ng and Piper), a
    short one up to 50 % off (a pause weighs more in it); a text of digits or abbreviations
    says more words than it writes."""
    words = max(1, len(text.split()))
    return 60.0 * words / (WORDS_PER_RATE * (rate or DEFAULT_RATE))


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
                "measured": e.measured,
                "rounds": e.rounds,
                "optional": e.optional,
            }
            for e in found
        ],
    }


def table(found: list[Entry], width: int) -> str:
    """Name, title, default length, the lengths it fits and the description, each line at
    most ``width`` characters: the description is shortened to fit or, with less than
    ``MIN_DESCRIPTION`` characters left beside the rest, goes under the title."""
    rows = [("name", "title", "length", "fits", "description")]
    rows += [(e.name, e.title, e.shown_length, e.fits, e.description or "") for e in found]
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

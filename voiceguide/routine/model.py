"""The routine model: frozen dataclasses, every duration a float number of seconds.

A ``Routine`` is what the loader (``routine.loader``) made of a file, checked; transformations
(``fit``) return new values with ``dataclasses.replace``. How a side's texts are spoken
(``{side}`` filled in, or the side announced) is decided here, so that the speech to render
is known from the routine alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import overload

from voiceguide.choices import Engine
from voiceguide.routine import language as languages


@dataclass(frozen=True)
class Sound:
    """A chime: ``name`` as written in the routine (or the built-in name), ``path`` resolved.
    ``line`` is where the routine names it (``None`` for a default); it is left out of
    comparisons: the same file named twice is the same sound."""

    name: str
    path: Path
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Voice:
    """Speech settings; ``None`` means the engine's default. ``rate`` in words per minute,
    ``volume`` in ``VOLUME_RANGE``. ``line`` is where the voice was written (for messages).
    ``engine``: ``None`` for the default (``speech.engines.default``)."""

    name: str | None = None
    rate: int | None = None
    volume: float | None = None
    line: int | None = None
    engine: Engine | None = None


class CueKind(StrEnum):
    """How a ``Cue``'s ``value`` places it in its segment (a step, or each of its sides)."""

    FRACTION = "fraction"  # a share in [0, 1) of the segment (``at: 50%``)
    FROM_START = "from_start"  # seconds from the segment's start (``at: 1m``)
    BEFORE_END = "before_end"  # seconds before the segment's end (``at: -15s``)
    EVERY = "every"  # a repeat period in seconds, first at ``value`` (``every: 40s``)


@dataclass(frozen=True)
class Cue:
    """Something said and/or chimed inside a step (inside each side when it has sides),
    placed by ``when`` (a ``CueKind``) and ``value``."""

    when: CueKind
    value: float
    say: str | None
    chime: Sound | None
    line: int


@dataclass(frozen=True)
class Pace:
    """A rhythm for strokes or breaths: ``start`` beats per minute at a step's start (or
    each side's), gliding linearly in time to ``end`` at its end. ``sound`` is the built-in
    ``pulse`` (a soft tick per stroke) or ``breath`` (an in-breath and an out-breath per
    beat); ``level`` is how far under the speech it sits, in LU."""

    start: float
    end: float
    sound: Sound
    level: float

    def scaled(self, factor: float) -> Pace:
        """This pace with both rates times ``factor`` (``--pace 80%``)."""
        return Pace(self.start * factor, self.end * factor, self.sound, self.level)


@dataclass(frozen=True)
class BedSpec:
    """The routine's sound bed: ``sound`` a built-in bed's name or a file's path as written
    (relative to the routine's folder), or None for ``none``; ``level`` LU under the speech
    between words, ``duck`` dB further down under speech; ``line`` where it is written."""

    sound: str | None
    level: float
    duck: float
    line: int


@dataclass(frozen=True)
class Step:
    """One step (or the interlude). Durations in seconds; ``max`` may be ``math.inf``."""

    name: str
    say: str | None
    duration: float
    min: float
    max: float
    fixed: bool
    sides: tuple[str, ...]
    interlude_after: bool  # the routine's interlude follows this step (unless it is the last)
    cues: tuple[Cue, ...]
    chime: Sound | None  # rung at the step's start
    side_chime: Sound | None  # rung at the start of each side after the first
    line: int
    pace: Pace | None = None  # the rhythm under the step (each of its sides), if any
    # -- steps that wait, rounds (docs/routines.md "Waiting, rounds and optional steps")
    wait: bool = False  # live, holds at its end until the giver moves on; else as written
    repeat: bool = False  # repeated in rounds when asked for more than the routine's longest
    optional: bool = False  # left out when asked for less than the routine's shortest
    number: int | None = None  # its number as written, once rounds or omissions renumber
    round: int | None = None  # which round of a repeated step (from 1), when played in rounds


@dataclass(frozen=True)
class Routine:
    """A checked routine. ``length`` is the default session length in seconds, if any.

    ``intro`` and ``outro`` are the words spoken first and last. Written as a mapping, each
    is also a part of its own that the fitter scales like a step: ``get_ready`` (seconds
    from the session start to the first step, the intro spoken in it) and ``rest`` (from
    the last step to the end, the outro, a quiet and the end chime); their ``say`` is the
    intro's or outro's text, their ``pace`` the routine's only if they name one. Written as
    text, they take the fixed time they always took (``None`` here).

    ``language`` is the code the routine states (``language:``), or the one the session
    found from its voice; ``None``: not known (English wording, the engine's default
    voice). ``side_announcement`` is how a side is announced, as written (``None``: the
    built-in wording of the language, ``announcement``).

    ``warnings`` are ``FILE:LINE: message`` texts about values that are valid but look like
    slips (a bare number of seconds where minutes were probably meant).
    """

    path: Path
    title: str
    description: str | None
    length: float | None
    voice: Voice
    chime: Sound | None
    intro: str | None
    outro: str | None
    interlude: Step | None  # the routine's ``between``: played after steps that allow it
    steps: tuple[Step, ...]
    length_line: int | None = None
    warnings: tuple[str, ...] = ()
    lexicon: tuple[tuple[str, str, Path, int], ...] = ()  # (word, respelling, file, line)
    bed: BedSpec | None = None  # the sound bed under the session, if the routine names one
    chime_level: float | None = None  # LU under the speech of every chime; None: the default
    get_ready: Step | None = None  # ``intro:`` as a mapping: the part before the first step
    rest: Step | None = None  # ``outro:`` as a mapping: the part after the last step
    language: str | None = None
    side_announcement: str | None = None

    @property
    def announcement(self) -> str:
        """How a side is announced: the routine's wording, else its language's."""
        return self.side_announcement or languages.announcement(self.language)

    def parts(self) -> list[Step]:
        """The steps, then the interlude if there is one: everything with a duration."""
        return list(self.steps) + ([self.interlude] if self.interlude else [])

    def paces(self) -> list[Pace]:
        """The pace guide of every part that has one: the get-ready, the steps, the
        interlude, the rest."""
        parts = [self.get_ready, *self.parts(), self.rest]
        return [part.pace for part in parts if part is not None and part.pace is not None]

    def texts(self) -> list[str]:
        """Every distinct text this routine can speak (its speech clips), in order of first
        use: the intro, each step's (and side's) instruction and cues, the outro."""
        texts: list[str] = [self.intro] if self.intro else []
        for step in self.parts():
            for side in step.sides or (None,):
                texts.append(instruction(step, side, self.announcement))
                texts += [side_text(c.say, side, False) for c in step.cues if c.say]
        texts += [self.outro] if self.outro else []
        return list(dict.fromkeys(texts))


@overload
def side_text(text: str, side: str | None, announce: bool, wording: str = ...) -> str: ...
@overload
def side_text(text: None, side: str | None, announce: bool, wording: str = ...) -> str | None: ...
def side_text(
    text: str | None, side: str | None, announce: bool, wording: str = languages.ENGLISH
) -> str | None:
    """What is spoken for ``text`` on ``side``: ``{side}`` filled in, or (``announce``) the
    side announced first, in ``wording`` (``Routine.announcement``: ``"{Side} side."``)."""
    if side is None:
        return text
    if text is not None and "{side}" in text:
        return text.replace("{side}", side)
    if not announce:
        return text
    said = languages.announced(wording, side)
    return f"{said} {text}" if text else said


def instruction(step: Step, side: str | None, wording: str = languages.ENGLISH) -> str:
    """The text spoken at the start of ``step`` (or of one of its sides), a side announced
    in ``wording`` (``Routine.announcement``)."""
    return side_text(step.say or step.name, side, True, wording) or step.name

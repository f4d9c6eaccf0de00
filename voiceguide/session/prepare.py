"""From a routine name to a plan with its clips: load -> render speech -> fit -> build.

Speech is rendered before fitting because the intro, the closing and each step's spoken
instruction take fixed time that the fitter must know; the texts do not depend on the fit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, ParamSpec, TypeVar

from voiceguide import audio, fit, plan, resources, rounds, routine, speech, store
from voiceguide import bed as beds
from voiceguide.atomic import shown
from voiceguide.audio import clips
from voiceguide.bed import BedSource
from voiceguide.choices import CHIME_LEVEL
from voiceguide.errors import RoutineError, UsageError, combined
from voiceguide.plan import Event, Plan, Timing
from voiceguide.routine import Routine, Voice
from voiceguide.session.chimes import (
    SoundKind,
    chime_durations,
    end_chime,
    prepared,
    sound_durations,
)
from voiceguide.session.inputs import Inputs, bed_spec, find, inputs_of
from voiceguide.session.options import Options
from voiceguide.session.speaker import Speaker, language_of, speaker
from voiceguide.speech.lexicon import Entry

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Session:
    """A fitted routine, its plan, and where each event's audio comes from: what
    ``prepare`` makes and ``export`` and ``play`` take.

    Attributes:
        written: The routine as loaded (its warnings included).
        routine: The routine fitted to the length asked.
        plan: Every event at absolute seconds from the session's start, with the bed's
            envelope (``plan.bed``) when a bed plays.
        timing: The sounds' durations the plan was built with (the chimes' and pace
            sounds' in ``timing.sounds``).
        speech: The clips of the routine's voice (``clip`` reads them).
        bed: The sound bed's samples (a ``bed.BedSource``), or ``None``.
        reads: The files the session reads, which no export may write over.
        chime_gain_db: Every chime's gain over how it is made (``chime_level``), in dB.
    """

    written: Routine
    routine: Routine
    plan: Plan
    timing: Timing
    speech: speech.SpeechCache
    bed: BedSource | None = None
    reads: Inputs | None = None
    chime_gain_db: float = 0.0
    _sounds: dict[tuple[SoundKind, Path], audio.Clip] = dataclasses.field(default_factory=dict)

    def clip(self, event: Event) -> audio.Clip:
        """The audio of ``event``: speech from the cache, chimes prepared (and cached), a
        pace guide's beat (``audio.clips.beat``: made anew each time, callers keep what
        they need)."""
        if event.kind == plan.EventKind.SPEECH:
            return self.speech.clip(event.spoken)
        if event.kind != plan.EventKind.PULSE:
            return self._sound("chime", event.sounded.path)
        return clips.beat(self._sound("pace", event.sounded.path), event.duration, event.gain_db)

    def _sound(self, kind: SoundKind, path: Path) -> audio.Clip:
        if (kind, path) not in self._sounds:
            made = prepared(path, kind, self.speech.directory)
            if kind == "chime":
                made = clips.chime_at(made, self.chime_gain_db)
            self._sounds[kind, path] = made
        return self._sounds[kind, path]


def speech_for(
    written: Voice,
    path: Path | None,
    lexicon: tuple[tuple[str, str, Path, int], ...],
    options: Options,
    engines: speech.Engines | speech.Renderer,
    cache_dir: Path | None = None,
    language: str | None = None,
) -> speech.SpeechCache:
    """The clips of a routine's voice (``written``, in the routine at ``path``) and lexicon
    with the command-line overrides: the engine ``--engine`` or the routine names (another
    when that one has no voice in the routine's ``language``: ``speaker``), the user's
    lexicon with the routine's. One ``Renderer`` given instead of ``Engines`` speaks every
    routine (the tone engine of the tests)."""
    return clips_of(speaker(written, language, path, options, engines), lexicon, cache_dir)


def clips_of(
    who: Speaker, lexicon: tuple[tuple[str, str, Path, int], ...], cache_dir: Path | None
) -> speech.SpeechCache:
    """The clips ``who`` speaks, the user's lexicon with the routine's applied."""
    words = speech.load_user_lexicon() + speech.Lexicon(tuple(Entry(*e) for e in lexicon))
    return speech.SpeechCache(who.renderer, who.voice, cache_dir, words)


def check_spoken(loaded: Routine, lexicon: speech.Lexicon) -> None:
    """Refuse a text of ``loaded`` that ``lexicon`` makes too long to speak: a
    ``RoutineError`` at its line naming the entry (``Lexicon.too_long``)."""
    if not lexicon.entries:
        return
    problems = [
        RoutineError(loaded.path, line, f"{what}: {why}")
        for text, what, line in _texts_and_places(loaded)
        if (why := lexicon.too_long(text)) is not None
    ]
    if problems:  # every text at once, as every other problem
        raise combined(problems)


def _texts_and_places(loaded: Routine) -> Iterator[tuple[str, str, int | None]]:
    """Every text ``loaded`` speaks (as ``Routine.texts``), with what it is and its line
    (the intro's and the outro's lines are not kept: ``None``)."""
    if loaded.intro:
        yield loaded.intro, "intro", None
    for number, step in enumerate(loaded.parts(), start=1):
        what = f"step {number} {step.name!r}" if step is not loaded.interlude else "between"
        for side in step.sides or (None,):
            said = routine.instruction(step, side, loaded.announcement)
            yield said, f"{what}: say", step.line
            for index, cue in enumerate(step.cues, start=1):
                if cue.say:
                    said = routine.side_text(cue.say, side, False)
                    yield said, f"{what} cue {index}: say", cue.line
    if loaded.outro:
        yield loaded.outro, "outro", None


# long: its docstring is the library API's reference (Args, Returns, Raises: 26 lines)
def prepare(
    name_or_path: str,
    options: Options,
    renderer: speech.Engines | speech.Renderer,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Session:
    """Load, read the chimes, render what the cache lacks, fit to the length and build the
    plan: what check, plan, play and export all do, so that they agree.

    Args:
        name_or_path: A built-in routine's name (``back-massage``) or a routine file's path.
        options: What the user overrides (the length in seconds among them).
        renderer: The speech engines (``voiceguide.renderer()``), or one engine's renderer.
        cache_dir: Where clips are cached; default ``$VOICEGUIDE_CACHE_DIR`` or
            ``~/.cache/voiceguide/clips``.
        progress: Called as ``progress(done, total)`` while speech renders (texts).

    Returns:
        The session, ready to play or export.

    Raises:
        RoutineError: Anything in the routine that would keep the session from playing, at
            its line (a bad chime, a length its own ``length:`` cannot meet, a step without
            room for its chime and instruction): every one found, with the loader's, in one
            error (the files a routine names are checked even when the loader found
            problems elsewhere; what needs the whole routine, the length and the room,
            only when it loads).
        UsageError: A bad option (a length the routine cannot fit among them), or no
            routine of that name.
        SpeechError: A missing engine or voice, or an unwritable cache.
    """
    ready = readied(name_or_path, options, renderer, cache_dir)
    return planned(ready, ready.cache.durations(ready.loaded.texts(), progress))


@dataclass
class Ready:
    """A routine loaded, its voice and chimes checked: all but its speech (``readied``)."""

    reading: routine.Reading
    loaded: Routine
    options: Options
    cache: speech.SpeechCache
    chimes: dict[Path, float]
    warnings: tuple[str, ...]


def readied(
    name_or_path: str,
    options: Options,
    renderer: speech.Engines | speech.Renderer,
    cache_dir: Path | None = None,
) -> Ready:
    """``prepare`` up to the speech: the routine loaded, its voice resolved, its lexicon and
    chimes checked; the same errors as ``prepare`` for what is found so far."""
    reading = routine.read(find(name_or_path))
    warnings = reading.warnings + _shadowing(name_or_path)
    directory = cache_dir or store.cache_dir()
    problems = list(reading.problems)
    if reading.routine is None:
        _attempt(problems, sound_durations, reading.path, reading.sounds, directory)
        _refuse(problems, warnings, reading, options)
    loaded = dataclasses.replace(reading.routine, warnings=warnings)
    language = language_of(loaded.voice, loaded.language, renderer)
    who = _attempt(problems, speaker, loaded.voice, language, loaded.path, options, renderer)
    cache = None
    if who is not None:
        warnings += (who.note,) if who.note else ()
        loaded = dataclasses.replace(loaded, language=who.language, warnings=warnings)
        cache = clips_of(who, loaded.lexicon, cache_dir)
    if cache is not None:
        _attempt(problems, check_spoken, loaded, cache.lexicon)
    chimes = _attempt(problems, chime_durations, loaded, directory)  # before any rendering
    if problems or cache is None or chimes is None:
        _refuse(problems, warnings, reading, options)
    return Ready(reading, loaded, options, cache, chimes, warnings)


def planned(ready: Ready, spoken: dict[str, float], source: BedSource | None = None) -> Session:
    """The session of ``ready`` with its speech ``spoken`` for so many seconds (each text's):
    fitted, planned with its bed's envelope, its bed opened (or ``source``, a bed opened
    before for it)."""
    loaded, options = ready.loaded, ready.options
    problems: list[RoutineError] = []
    timing = Timing(spoken, ready.chimes, end_chime())
    fitted = _attempt(problems, fitted_to, loaded, options.length, timing)
    levels = bed_levels(loaded, options)
    built = None
    if fitted is not None:
        built = _attempt(problems, plan.build, fitted, timing, options.pace, levels)
    if fitted is None or built is None:
        _refuse(problems, ready.warnings, ready.reading, options)
    if source is None:
        source = _attempt(problems, bed_source, loaded, options, built.length)
    if problems:
        raise combined(problems, ready.warnings)
    reads = inputs_of(loaded, options, ready.cache.directory)
    gain = chime_gain_db(loaded, options)
    return Session(loaded, fitted, built, timing, ready.cache, source, reads, gain)


def _attempt(
    problems: list[RoutineError], call: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T | None:
    """``call(*args)``, or None with its ``RoutineError`` added to ``problems``."""
    try:
        return call(*args, **kwargs)
    except RoutineError as exc:
        problems.append(exc)
        return None


def _refuse(
    problems: list[RoutineError],
    warnings: tuple[str, ...],
    reading: routine.Reading,
    options: Options,
) -> NoReturn:
    """Raise every problem found, with the routine's bed's own when the routine names it
    (an option's waits for a routine that loads)."""
    if options.bed is None:
        _attempt(problems, _check_bed, reading)
    raise combined(problems, warnings)


def _shadowing(name: str) -> tuple[str, ...]:
    """The warning for a built-in's name that a file of the working directory also has."""
    shadowed = resources.shadowed_file(name)
    if shadowed is None:
        return ()
    return (
        f"{name!r} is the built-in routine (voiceguide list), not the file of that name in "
        f"{shown(shadowed.resolve().parent)}; write ./{name} for the file",
    )


def _check_bed(reading: routine.Reading) -> None:
    """Open the bed a routine that cannot be played names, only to report it if it does not
    play (a built-in name needs no check)."""
    written = reading.bed
    if written is None or written.sound is None:
        return
    if written.sound.strip().lower() in beds.BUILT_IN:
        return
    try:
        beds.open_bed(written.sound, reading.path.parent).close()
    except UsageError as exc:
        raise RoutineError(reading.path, written.line, f"bed: {exc}") from exc


def chime_gain_db(loaded: Routine, options: Options) -> float:
    """The gain (dB) that puts a chime, made at ``clips.CHIME_LUFS``, at the level
    ``options`` or else the routine asks for (LU under the speech; ``choices.CHIME_LEVEL``,
    0 dB, when neither does)."""
    level = options.chime_level if options.chime_level is not None else loaded.chime_level
    level = CHIME_LEVEL if level is None else level
    return clips.SPEECH_LUFS - level - clips.CHIME_LUFS


def bed_levels(loaded: Routine, options: Options) -> plan.BedLevels | None:
    """The bed ``options`` or else the routine asks for, by the name its source will have,
    with its level and duck (the options', else the routine's, else the defaults); None for
    no bed. Opens nothing (``bed_source`` does)."""
    spec, _ = bed_spec(loaded, options)
    if spec is None:
        return None
    written = loaded.bed
    level = options.bed_level
    duck = options.duck
    level = level if level is not None else (written.level if written else routine.BED_LEVEL)
    duck = duck if duck is not None else (written.duck if written else routine.BED_DUCK)
    return plan.BedLevels(beds.bed_name(spec), level, duck)


def bed_source(loaded: Routine, options: Options, length: float) -> BedSource | None:
    """The sound bed ``options`` or else the routine asks for, opened for a session of
    ``length`` seconds (a file that is missing or does not play is a ``UsageError`` for
    ``--bed``, a ``RoutineError`` at the ``bed:`` line); None for none."""
    spec, base = bed_spec(loaded, options)
    if spec is None:
        return None
    try:
        return beds.open_bed(spec, base, length)
    except UsageError as exc:
        if options.bed is not None or loaded.bed is None:
            raise UsageError(f"--bed: {exc}") from exc
        raise RoutineError(loaded.path, loaded.bed.line, f"bed: {exc}") from exc


def fitted_to(loaded: Routine, length: float | None, timing: plan.Timing) -> Routine:
    """``loaded`` fitted to ``length`` (from --length) or else to its own ``length:``; a
    length it cannot take is a ``UsageError`` for the option, a ``RoutineError`` at the
    ``length:`` line for the routine's own."""
    if length is None and loaded.length is None:
        return loaded
    overhead = timing.overhead(loaded)
    if length is not None:  # in rounds, or without optional steps, when it takes them
        return rounds.fit_length(loaded, length, overhead, timing.floors)
    assert loaded.length is not None  # without --length, returned above unless it has one
    try:
        return rounds.fit_length(loaded, loaded.length, overhead, timing.floors)
    except fit.Unfittable as exc:
        raise RoutineError(loaded.path, loaded.length_line, f"length: {exc.reason}") from exc


def length_range(session: Session) -> tuple[float, float]:
    """Shortest and longest length (seconds) the session's routine can be fitted to."""
    written, timing = session.written, session.timing
    return fit.length_range(written, timing.overhead(written), timing.floors(written))

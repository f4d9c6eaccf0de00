"""From a routine name to a plan with its clips: load -> render speech -> fit -> build.

Speech is rendered before fitting because the intro, the closing and each step's spoken
instruction take fixed time that the fitter must know; the texts do not depend on the fit.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from voiceguide import audio, durations, fit, plan, resources, routine, speech
from voiceguide.atomic import shown
from voiceguide.audio import clips
from voiceguide.errors import RoutineError, UsageError, combined
from voiceguide.routine import Routine, Sound, Voice, fields
from voiceguide.speech import cache as clipcache
from voiceguide.speech import lexicon as lexicons

END_CHIME = "end"
MAX_SAY = fields.MAX_TEXT  # characters: as a routine's texts
MAX_CHIME = 30.0  # seconds: a chime marks a moment (the built-in ones last 0.75 to 4.2 s)


@dataclass(frozen=True)
class Options:
    """What the user may override on the command line; ``None`` keeps the routine's.

    Attributes:
        length: The session's length in seconds (``--length``); ``None``: the routine's.
        voice: A voice id, name or language code (``--voice``).
        rate: Words per minute (``--rate``), within ``choices.RATE_RANGE``.
        pace: Every pace of the pace guide times this (``--pace 80%`` is 0.8); 0: none.
        engine: ``espeak`` or ``piper`` (``--engine``), overriding the routine's.
        bed: A built-in bed, a sound file (from the working directory) or ``"none"``.
        bed_level: LU under the speech between words (``--bed-level``).
        duck: dB further down under speech (``--duck``).
    """

    length: float | None = None
    voice: str | None = None
    rate: int | None = None
    pace: float = 1.0
    engine: str | None = None
    bed: str | None = None
    bed_level: float | None = None
    duck: float | None = None


@dataclass
class Session:
    """A fitted routine, its plan, and where each event's audio comes from: what
    ``prepare`` makes and ``export`` and ``play`` take.

    Attributes:
        written: The routine as loaded (its warnings included).
        routine: The routine fitted to the length asked.
        plan: Every event at absolute seconds from the session's start.
        timing: The sounds' durations the plan was built with.
        speech: The clips of the routine's voice (``clip`` reads them).
        chimes: Chime and pace sound files, each with its duration in seconds.
        bed: The sound bed's source (``voiceguide.bed.Source``), or ``None``.
        reads: The files the session reads, which no export may write over.
    """

    written: Routine
    routine: Routine
    plan: plan.Plan
    timing: plan.Timing
    speech: speech.SpeechCache
    chimes: dict[Path, float]
    bed: Any = None
    reads: Inputs | None = None
    _sounds: dict[tuple[str, Path], audio.Clip] = dataclasses.field(default_factory=dict)

    def clip(self, event: plan.Event) -> audio.Clip:
        """The audio of ``event``: speech from the cache, chimes prepared (and cached), a
        pace guide's beat at its gain (a breath stretched to its period; made anew each
        time: callers keep what they need)."""
        if event.kind == "speech":
            return self.speech.clip(event.text)
        if event.kind != plan.PULSE:
            return self._sound("chime", event.sound.path)
        base = self._sound("pace", event.sound.path).samples
        samples = clips.stretched(base, max(1, round(event.duration * audio.RATE)))
        samples *= np.float32(audio.gain(event.gain_db))
        return audio.Clip(samples)

    def _sound(self, kind: str, path: Path) -> audio.Clip:
        if (kind, path) not in self._sounds:
            self._sounds[kind, path] = clipcache.sound(path, kind, self.speech.directory)
        return self._sounds[kind, path]


@dataclass(frozen=True)
class Inputs:
    """The files a session reads, each with what it is to the session (``files``: ``(role,
    path)`` pairs, the role as a message says it: ``"the session's bed"``), and the speech
    cache's folder (``cache``), whose entries voiceguide manages: what no command may write
    over (``exporting.inputs.check_inputs`` compares files, not names)."""

    files: tuple[tuple[str, Path], ...] = ()
    cache: Path | None = None


def inputs(
    name_or_path: str | None,
    options: Options,
    cache_dir: Path | None = None,
    sounds: bool = True,
) -> Inputs:
    """What a session of the routine ``name_or_path`` with ``options`` reads, known before
    any work: the routine is loaded (a bad one is its ``RoutineError``), nothing rendered or
    opened. ``sounds=False``: the routine and the lexicons only (``say``). Without a routine,
    the user's lexicon and the cache (``say`` without ``--routine``)."""
    loaded = routine.load(find(name_or_path)) if name_or_path is not None else None
    return inputs_of(loaded, options, cache_dir, sounds)


def inputs_of(
    loaded: Routine | None,
    options: Options,
    cache_dir: Path | None = None,
    sounds: bool = True,
) -> Inputs:
    """``inputs`` of a routine already loaded: its file, the user's lexicon (the routine's
    own is in its file), and with ``sounds`` its bed's file, its chimes (the end chime
    too) and its pace sounds."""
    files = [] if loaded is None else [("the session's routine", loaded.path)]
    files.append(("the lexicon the session reads", lexicons.user_file()))
    if loaded is not None and sounds:
        spec, base = bed_spec(loaded, options)
        from voiceguide import bed as beds  # nothing heavy: the path as open_bed finds it

        # a --bed file as the user named it (from the working directory), for the message
        found = beds.bed_file(spec, base or Path()) if spec is not None else None
        files += [("the session's bed", found)] if found is not None else []
        files += [("one of the session's chimes", path) for path in _chime_files(loaded)]
        paces = {part.pace.sound.path for part in loaded.parts() if part.pace is not None}
        files += [("one of the session's pace sounds", path) for path in sorted(paces)]
    return Inputs(tuple(files), cache_dir if cache_dir is not None else clipcache.cache_dir())


def _chime_files(loaded: Routine) -> list[Path]:
    """Every chime file the routine can ring, the end chime's too, each once."""
    sounds = [end_chime(), loaded.chime] + [s.chime for s in loaded.parts()]
    sounds += [c.chime for s in loaded.parts() for c in s.cues]
    sounds += [s.side_chime for s in loaded.parts()]
    return list(dict.fromkeys(sound.path for sound in sounds if sound is not None))


def find(name_or_path: str) -> Path:
    """The routine file for a built-in name or a path (a built-in's name is the built-in,
    even with a file of that name in the working directory: ``./NAME`` is the file);
    ``UsageError`` if there is none, saying whether a file is missing and which built-in
    names come close."""
    path = resources.find_routine(name_or_path)
    if path is not None:
        return path
    given = Path(name_or_path)
    if given.is_dir():
        raise UsageError(f"{name_or_path!r} is a folder; give a routine's .yaml file")
    names = resources.routine_names()
    near = difflib.get_close_matches(given.stem.replace("_", "-").lower(), names, n=3)
    if "/" in name_or_path or given.suffix.lower() in (".yaml", ".yml"):
        if near:
            hint = f"; did you mean the built-in {' or '.join(near)}?"
        else:
            where = (Path.cwd() / given).parent
            hint = f" in {shown(where)}; check the path (built-in routines: voiceguide list)"
        raise UsageError(f"no file {name_or_path!r}: it does not exist{hint}")
    hint = f"did you mean {' or '.join(near)}? " if near else ""
    raise UsageError(
        f"no routine {name_or_path!r}: {hint}give a path to a .yaml file or a built-in name "
        f"({', '.join(names) or 'none'})"
    )


def speech_for(
    written: Voice,
    path: Path | None,
    lexicon: tuple[tuple[str, str], ...],
    options: Options,
    engines: speech.Engines | speech.Renderer,
    cache_dir: Path | None = None,
) -> speech.SpeechCache:
    """The clips of a routine's voice (``written``, in the routine at ``path``) and lexicon
    with the command-line overrides: the engine ``--engine`` or the routine names, the
    user's lexicon with the routine's. One ``Renderer`` given instead of ``Engines`` speaks
    every routine (the tone engine of the tests)."""
    if isinstance(engines, speech.Renderer):
        engine = engines
    else:
        engine = engines.renderer(options.engine or written.engine)
    words = speech.load_user_lexicon() + speech.Lexicon(lexicon)
    return speech.SpeechCache(engine, voice_for(written, path, options, engine), cache_dir, words)


def voice_for(
    written: Voice, path: Path | None, options: Options, renderer: speech.Renderer
) -> Voice:
    """The routine's voice with the command-line overrides, resolved against the engine.
    Another engine than the routine's (``--engine``) speaks with its own default voice
    unless ``--voice`` names one: the routine's voice belongs to its engine."""
    voice = written
    other_engine = options.engine not in (None, written.engine or speech.DEFAULT_ENGINE)
    if options.voice is not None or other_engine:
        voice = dataclasses.replace(voice, name=options.voice, line=None)
    if options.rate is not None:
        voice = dataclasses.replace(voice, rate=options.rate)
    try:
        return speech.resolve_voice(voice, renderer, path, renderer.missing_voice)
    except RoutineError as exc:
        if options.voice is None:
            raise
        raise UsageError(f"--voice: {exc.message}") from exc


def chime_durations(loaded: Routine, directory: Path | None = None) -> dict[Path, float]:
    """Seconds of every chime the routine can ring, each prepared into the clip cache at
    ``directory`` (as playing needs it) and so checked: readable, at most ``MAX_CHIME``
    seconds, finite and not silent. Each bad one is a ``RoutineError`` at the line naming
    it, all raised together."""
    sounds = [end_chime()] + [s.chime for s in loaded.parts() if s.chime]
    sounds += [c.chime for s in loaded.parts() for c in s.cues if c.chime]
    sounds += [s.side_chime for s in loaded.parts() if s.side_chime]
    found = sound_durations(loaded.path, sounds, directory)
    for part in loaded.parts():  # the pace guide's sounds (built in: checked by the tests)
        if part.pace is not None and part.pace.sound.path not in found:
            path = part.pace.sound.path
            found[path] = clipcache.sound(path, "pace", directory).duration
    return found


def sound_durations(
    path: Path, sounds: Iterable[Sound], directory: Path | None = None
) -> dict[Path, float]:
    """Seconds of each chime of ``sounds`` (named by the routine at ``path``), checked as
    ``chime_durations`` says; every file that fails is reported (once, at the first line
    naming it), all together."""
    found: dict[Path, float] = {}
    problems: dict[Path, RoutineError] = {}
    for sound in sounds:
        if sound.path in found or sound.path in problems:
            continue
        try:
            found[sound.path] = _chime_seconds(path, sound, directory)
        except RoutineError as exc:
            problems[sound.path] = exc
    if problems:
        raise combined(list(problems.values()))
    return found


def _chime_seconds(routine_path: Path, sound: Sound, directory: Path | None) -> float:
    # a file is named as written (the line shows where); a built-in name by its file too
    named = repr(sound.name) if sound.name != sound.path.stem else f"{sound.name!r} ({sound.path})"

    def refused(problem: str) -> RoutineError:
        return RoutineError(routine_path, sound.line, f"chime {named} {problem}")

    try:
        info = soundfile.info(str(sound.path))
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise refused("is not a readable .wav, .flac or .ogg file") from exc
    if info.frames == 0:
        raise refused("is empty")
    if info.frames / info.samplerate > MAX_CHIME:  # before decoding all of a long file
        raise refused(
            f"lasts {durations.humanize(info.frames / info.samplerate)}; "
            f"a chime may last at most {durations.humanize(MAX_CHIME)}"
        )
    try:
        return clipcache.sound(sound.path, "chime", directory).duration
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise refused("is not a readable .wav, .flac or .ogg file") from exc
    except ValueError as exc:  # audio.clips.chime_clip's refusals: not finite, or silent
        raise refused(str(exc)) from exc


def end_chime() -> Sound:
    return Sound(END_CHIME, resources.find_sound(END_CHIME, resources.sounds_dir()))


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
    reading = routine.read(find(name_or_path))
    warnings = reading.warnings + _shadowing(name_or_path)
    directory = cache_dir or clipcache.cache_dir()
    if reading.routine is None:
        problems = list(reading.problems)
        _attempt(problems, sound_durations, reading.path, reading.sounds, directory)
        if options.bed is None:  # the routine's; an option's waits for a routine that loads
            _attempt(problems, _check_bed, reading)
        raise combined(problems, warnings)
    loaded = dataclasses.replace(reading.routine, warnings=warnings)
    problems: list[RoutineError] = []
    cache = _attempt(
        problems,
        speech_for,
        loaded.voice,
        loaded.path,
        loaded.lexicon,
        options,
        renderer,
        cache_dir,
    )
    chimes = _attempt(problems, chime_durations, loaded, directory)  # before any rendering
    built = None
    if not problems:
        timing = plan.Timing(cache.durations(loaded.texts(), progress), chimes, end_chime())
        fitted = _attempt(problems, fitted_to, loaded, options.length, timing)
        built = fitted and _attempt(problems, plan.build, fitted, timing, options.pace)
    if built is None:
        if options.bed is None:
            _attempt(problems, _check_bed, reading)
        raise combined(problems, warnings)
    source, bedded = _attempt(problems, bed_for, loaded, options, built) or (None, None)
    if problems:
        raise combined(problems, warnings)
    reads = inputs_of(loaded, options, cache.directory)
    return Session(loaded, fitted, bedded, timing, cache, chimes, bed=source, reads=reads)


def _attempt(problems: list[RoutineError], call: Callable, *args):
    """``call(*args)``, or None with its ``RoutineError`` added to ``problems``."""
    try:
        return call(*args)
    except RoutineError as exc:
        problems.append(exc)
        return None


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
    from voiceguide import bed as beds

    if written.sound.strip().lower() in beds.BUILT_IN:
        return
    try:
        beds.open_bed(written.sound, reading.path.parent).close()
    except UsageError as exc:
        raise RoutineError(reading.path, written.line, f"bed: {exc}") from exc


def bed_for(loaded: Routine, options: Options, built: plan.Plan) -> tuple[Any, plan.Plan]:
    """The sound bed ``options`` or else the routine asks for, opened (a file that is
    missing or does not play is a ``UsageError`` for ``--bed``, a ``RoutineError`` at the
    ``bed:`` line), and ``built`` with its envelope; ``(None, built)`` for none."""
    written = loaded.bed
    spec, base = bed_spec(loaded, options)
    if spec is None:
        return None, built
    from voiceguide import bed as beds  # the bed's sources: numpy and soxr work, when asked

    level = options.bed_level
    duck = options.duck
    level = level if level is not None else (written.level if written else routine.BED_LEVEL)
    duck = duck if duck is not None else (written.duck if written else routine.BED_DUCK)
    try:
        source = beds.open_bed(spec, base, built.length)
    except UsageError as exc:
        if options.bed is not None:
            raise UsageError(f"--bed: {exc}") from exc
        raise RoutineError(loaded.path, written.line, f"bed: {exc}") from exc
    ending = plan.end_chime_at(built.events, built.length, END_CHIME)
    envelope = plan.bed_plan(source.name, level, duck, built.events, ending)
    return source, dataclasses.replace(built, bed=envelope)


def bed_spec(loaded: Routine, options: Options) -> tuple[str | None, Path | None]:
    """The bed ``--bed`` or else the routine names, and the folder a file's path is relative
    to (``None``: the working directory, for ``--bed``); ``(None, None)`` for no bed."""
    written = loaded.bed
    if options.bed is not None:
        spec, base = options.bed, None
    else:
        spec, base = (written.sound if written else None), loaded.path.parent
    if spec is None or spec.strip().lower() in ("none", "off"):
        return None, None
    return spec, base


def fitted_to(loaded: Routine, length: float | None, timing: plan.Timing) -> Routine:
    """``loaded`` fitted to ``length`` (from --length) or else to its own ``length:``; a
    length it cannot take is a ``UsageError`` for the option, a ``RoutineError`` at the
    ``length:`` line for the routine's own."""
    if length is None and loaded.length is None:
        return loaded
    overhead, floors = timing.overhead(loaded), timing.floors(loaded)
    if length is not None:
        return fit.fit(loaded, length, overhead, floors)
    try:
        return fit.fit(loaded, loaded.length, overhead, floors)
    except fit.Unfittable as exc:
        raise RoutineError(loaded.path, loaded.length_line, f"length: {exc.reason}") from exc


def length_range(session: Session) -> tuple[float, float]:
    """Shortest and longest length (seconds) the session's routine can be fitted to."""
    written, timing = session.written, session.timing
    return fit.length_range(written, timing.overhead(written), timing.floors(written))


def quoted(text: str, most: int = 60) -> str:
    """``text`` quoted for a one-line message: whole when short, else its start and its
    length (a 10,000-character text is not a line)."""
    if len(text) <= most:
        return repr(text)
    return f"{text[:most]!r}... ({len(text):,} characters)"


def say(
    text: str,
    options: Options,
    engines: speech.Engines | speech.Renderer,
    routine_name: str | None = None,
    cache_dir: Path | None = None,
) -> audio.Clip:
    """``text`` spoken as a cue of the routine ``routine_name`` would be (its voice and
    lexicon; without one, the defaults), with the overrides of ``options``; through the
    cache. A text with nothing to say is a ``UsageError``."""
    text = " ".join(text.split())
    if not any(ch.isalnum() for ch in text) or len(text) > MAX_SAY:
        raise UsageError(f"TEXT must hold words, at most {MAX_SAY} characters, got {quoted(text)}")
    loaded = routine.load(find(routine_name)) if routine_name is not None else None
    written = loaded.voice if loaded else Voice()
    path, lexicon = (loaded.path, loaded.lexicon) if loaded else (None, ())
    return speech_for(written, path, lexicon, options, engines, cache_dir).clip(text)

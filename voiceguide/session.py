"""From a routine name to a plan with its clips: load -> render speech -> fit -> build.

Speech is rendered before fitting because the intro, the closing and each step's spoken
instruction take fixed time that the fitter must know; the texts do not depend on the fit.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from voiceguide import audio, durations, fit, plan, resources, routine, speech
from voiceguide.atomic import shown
from voiceguide.audio import clips
from voiceguide.errors import RoutineError, UsageError
from voiceguide.routine import Routine, Sound, Voice, fields
from voiceguide.speech import cache as clipcache

END_CHIME = "end"
MAX_SAY = fields.MAX_TEXT  # characters: as a routine's texts
MAX_CHIME = 30.0  # seconds: a chime marks a moment (the built-in ones last 0.75 to 4.2 s)


@dataclass(frozen=True)
class Options:
    """What the user may override on the command line. ``length`` in seconds."""

    length: float | None = None
    voice: str | None = None
    rate: int | None = None
    pace: float = 1.0  # every pace of the pace guide times this (``--pace 80%``); 0: none
    engine: str | None = None  # espeak or piper: overrides the routine's
    bed: str | None = None  # a built-in bed, a file (from the working directory) or "none"
    bed_level: float | None = None  # LU under the speech between words (default: routine's)
    duck: float | None = None  # dB further down under speech (default: the routine's)
    chime_level: float | None = None  # LU under the speech of the chimes (default: routine's)


@dataclass
class Session:
    """A fitted routine, its plan, and where each event's audio comes from."""

    written: Routine  # as loaded
    routine: Routine  # fitted
    plan: plan.Plan
    timing: plan.Timing
    speech: speech.SpeechCache
    chimes: dict[Path, float]  # chime and pace sound files -> seconds
    bed: Any = None  # the sound bed's source (``voiceguide.bed.Source``), if one plays
    chime_gain_db: float = 0.0  # every chime's gain over how it is made (``chime_level``)
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
            made = clipcache.sound(path, kind, self.speech.directory)
            if kind == "chime":
                made = clips.chime_at(made, self.chime_gain_db)
            self._sounds[kind, path] = made
        return self._sounds[kind, path]


def find(name_or_path: str) -> Path:
    """The routine file for a built-in name or a path; ``UsageError`` if there is none,
    saying whether a file is missing and which built-in names come close."""
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
    seconds, finite and not silent. A bad one is a ``RoutineError`` at the line naming it."""
    sounds = [end_chime()] + [s.chime for s in loaded.parts() if s.chime]
    sounds += [c.chime for s in loaded.parts() for c in s.cues if c.chime]
    sounds += [s.side_chime for s in loaded.parts() if s.side_chime]
    found: dict[Path, float] = {}
    for sound in sounds:
        if sound is not None and sound.path not in found:
            found[sound.path] = _chime_seconds(loaded, sound, directory)
    for part in loaded.parts():  # the pace guide's sounds (built in: checked by the tests)
        if part.pace is not None and part.pace.sound.path not in found:
            path = part.pace.sound.path
            found[path] = clipcache.sound(path, "pace", directory).duration
    return found


def _chime_seconds(loaded: Routine, sound: Sound, directory: Path | None) -> float:
    # a file is named as written (the line shows where); a built-in name by its file too
    named = repr(sound.name) if sound.name != sound.path.stem else f"{sound.name!r} ({sound.path})"

    def refused(problem: str) -> RoutineError:
        return RoutineError(loaded.path, sound.line, f"chime {named} {problem}")

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


def prepare(
    name_or_path: str,
    options: Options,
    renderer: speech.Engines | speech.Renderer,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Session:
    """Load, read the chimes, render what the cache lacks, fit to the length and build the
    plan: what check, plan, play and export all do, so that they agree.

    Anything in the routine that would keep the session from playing is a ``RoutineError``
    at its line (a bad chime, a length its own ``length:`` cannot meet, a step without room
    for its chime and instruction); a bad option is a ``UsageError``; a missing engine or an
    unwritable cache a ``SpeechError``.
    """
    loaded = routine.load(find(name_or_path))
    cache = speech_for(loaded.voice, loaded.path, loaded.lexicon, options, renderer, cache_dir)
    chimes = chime_durations(loaded, cache.directory)  # a bad chime: before any rendering
    spoken = cache.durations(loaded.texts(), progress)
    timing = plan.Timing(spoken, chimes, end_chime())
    fitted = fitted_to(loaded, options.length, timing)
    built = plan.build(fitted, timing, options.pace)
    source, bedded = bed_for(loaded, options, built)
    return Session(loaded, fitted, bedded, timing, cache, chimes, bed=source,
                   chime_gain_db=chime_gain_db(loaded, options))  # fmt: skip


def chime_gain_db(loaded: Routine, options: Options) -> float:
    """The gain (dB) that puts a chime, made at ``clips.CHIME_LUFS``, at the level
    ``options`` or else the routine asks for (LU under the speech; ``fields.CHIME_LEVEL``,
    0 dB, when neither does)."""
    level = options.chime_level if options.chime_level is not None else loaded.chime_level
    level = fields.CHIME_LEVEL if level is None else level
    return clips.SPEECH_LUFS - level - clips.CHIME_LUFS


def bed_for(loaded: Routine, options: Options, built: plan.Plan) -> tuple[Any, plan.Plan]:
    """The sound bed ``options`` or else the routine asks for, opened (a file that is
    missing or does not play is a ``UsageError`` for ``--bed``, a ``RoutineError`` at the
    ``bed:`` line), and ``built`` with its envelope; ``(None, built)`` for none."""
    written = loaded.bed
    spec = options.bed if options.bed is not None else (written.sound if written else None)
    if spec is None or spec.strip().lower() in ("none", "off"):
        return None, built
    from voiceguide import bed as beds  # the bed's sources: numpy and soxr work, when asked

    level = options.bed_level
    duck = options.duck
    level = level if level is not None else (written.level if written else routine.BED_LEVEL)
    duck = duck if duck is not None else (written.duck if written else routine.BED_DUCK)
    try:
        if options.bed is not None:
            source = beds.open_bed(spec, None, built.length)
        else:
            source = beds.open_bed(spec, loaded.path.parent, built.length)
    except UsageError as exc:
        if options.bed is not None:
            raise UsageError(f"--bed: {exc}") from exc
        raise RoutineError(loaded.path, written.line, f"bed: {exc}") from exc
    ending = plan.end_chime_at(built.events, built.length, END_CHIME)
    envelope = plan.bed_plan(source.name, level, duck, built.events, ending)
    return source, dataclasses.replace(built, bed=envelope)


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
        raise UsageError(f"TEXT must hold words, at most {MAX_SAY} characters, got {text!r}")
    loaded = routine.load(find(routine_name)) if routine_name is not None else None
    written = loaded.voice if loaded else Voice()
    path, lexicon = (loaded.path, loaded.lexicon) if loaded else (None, ())
    return speech_for(written, path, lexicon, options, engines, cache_dir).clip(text)

"""From a routine name to a plan with its clips: load -> render speech -> fit -> build.

Speech is rendered before fitting because the intro, the closing and each step's spoken
instruction take fixed time that the fitter must know; the texts do not depend on the fit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import soundfile

from voiceguide import audio, clipcache, fit, plan, resources, routine, speech
from voiceguide.errors import RoutineError, UsageError
from voiceguide.routine import Routine, Sound, Voice

END_CHIME = "end"


@dataclass(frozen=True)
class Options:
    """What the user may override on the command line. ``length`` in seconds."""

    length: float | None = None
    voice: str | None = None
    rate: int | None = None


@dataclass
class Session:
    """A fitted routine, its plan, and where each event's audio comes from."""

    written: Routine  # as loaded
    routine: Routine  # fitted
    plan: plan.Plan
    timing: plan.Timing
    speech: speech.SpeechCache
    chimes: dict[Path, float]  # chime file -> seconds
    _chime_clips: dict[Path, audio.Clip] = dataclasses.field(default_factory=dict)

    def clip(self, event: plan.Event) -> audio.Clip:
        """The audio of ``event``: speech from the cache, chimes prepared (and cached)."""
        if event.kind == "speech":
            return self.speech.clip(event.text)
        path = event.sound.path
        if path not in self._chime_clips:
            self._chime_clips[path] = clipcache.chime(path, self.speech.directory)
        return self._chime_clips[path]


def find(name_or_path: str) -> Path:
    """The routine file for a built-in name or a path; ``UsageError`` if there is none."""
    path = resources.find_routine(name_or_path)
    if path is None:
        names = ", ".join(resources.routine_names()) or "none"
        raise UsageError(
            f"no routine {name_or_path!r}: give a path to a .yaml file or a built-in name ({names})"
        )
    return path


def voice_for(loaded: Routine, options: Options, renderer: speech.Renderer) -> Voice:
    """The routine's voice with the command-line overrides, resolved against the engine."""
    voice = loaded.voice
    if options.voice is not None:
        voice = Voice(options.voice, voice.rate, voice.volume, None)
    if options.rate is not None:
        voice = dataclasses.replace(voice, rate=options.rate)
    try:
        return speech.resolve_voice(voice, renderer, loaded.path)
    except RoutineError as exc:
        if options.voice is None:
            raise
        raise UsageError(f"--voice: {exc.message}") from exc


def chime_durations(loaded: Routine) -> dict[Path, float]:
    """Seconds of every chime the routine can ring (read from the files' headers)."""
    sounds = [end_chime()] + [s.chime for s in _all_steps(loaded) if s.chime]
    sounds += [c.chime for s in _all_steps(loaded) for c in s.cues if c.chime]
    sounds += [plan._side_chime(s) for s in _all_steps(loaded) if s.sides and s.chime]
    found = {}
    for sound in sounds:
        if sound is not None and sound.path not in found:
            try:
                info = soundfile.info(str(sound.path))
            except (RuntimeError, soundfile.LibsndfileError) as exc:
                raise RoutineError(
                    loaded.path,
                    None,
                    f"sound {sound.name!r} ({sound.path}) "
                    "is not a readable .wav, .flac or .ogg file",
                ) from exc
            if info.frames == 0:
                raise RoutineError(loaded.path, None, f"sound {sound.name!r} is empty")
            found[sound.path] = info.frames / info.samplerate
    return found


def end_chime() -> Sound:
    return Sound(END_CHIME, resources.find_sound(END_CHIME, resources.sounds_dir()))


def _all_steps(loaded: Routine) -> list[routine.Step]:
    return list(loaded.steps) + ([loaded.between] if loaded.between else [])


def prepare(
    name_or_path: str,
    options: Options,
    renderer: speech.Renderer,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Session:
    """Load, render what the cache lacks, fit to the length and build the plan."""
    loaded = routine.load(find(name_or_path))
    cache = speech.SpeechCache(renderer, voice_for(loaded, options, renderer), cache_dir)
    spoken = cache.durations(loaded.texts(), progress)
    chimes = chime_durations(loaded)
    timing = plan.Timing(spoken, chimes, end_chime())
    length = options.length if options.length is not None else loaded.length
    fitted = loaded
    if length is not None:
        fitted = fit.fit(loaded, length, timing.overhead(loaded), timing.floors(loaded))
    return Session(loaded, fitted, plan.build(fitted, timing), timing, cache, chimes)


def length_range(session: Session) -> tuple[float, float]:
    """Shortest and longest length (seconds) the session's routine can be fitted to."""
    written, timing = session.written, session.timing
    return fit.length_range(written, timing.overhead(written), timing.floors(written))

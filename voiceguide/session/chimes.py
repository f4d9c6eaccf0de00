"""The chimes a session rings (and the pace guide's sounds), each read, checked and prepared
into the clip cache before any speech is rendered: a bad one is a ``RoutineError`` at its line.
The built-in ones (checked by the tests) are only measured then, and prepared when first
played: the session's first sound does not wait for them."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

import soundfile

from voiceguide import audio, durations, resources, store
from voiceguide.audio import clips
from voiceguide.errors import RoutineError, combined
from voiceguide.plan import END_CHIME
from voiceguide.routine import Routine, Sound
from voiceguide.speech import cache as clipcache

MAX_CHIME = 30.0  # seconds: a chime marks a moment (the built-in ones last 0.75 to 4.2 s)
SoundKind = Literal["chime", "pace"]  # how a sound file is made into a clip (``audio.clips``)
_RECIPES: dict[SoundKind, Callable[[Path], audio.Clip]] = {
    "chime": clips.chime_clip,
    "pace": clips.pace_clip,
}


def prepared(path: Path, kind: SoundKind = "chime", directory: Path | None = None) -> audio.Clip:
    """The sound file ``path`` prepared as a ``kind`` of clip (see ``audio.clips``), kept in
    the store at ``directory`` (default: ``store.cache_dir()``) by the file's content."""
    content = hashlib.sha256(path.read_bytes()).hexdigest()
    inputs = (kind, content)
    entry = (directory or store.cache_dir()) / clipcache.entry_name(f"{kind}-{path.stem}", *inputs)
    key = clipcache.key_for(*inputs)
    samples = store.read(entry, key)
    if samples is None:
        samples = _RECIPES[kind](path).samples
        store.write(samples, entry, key)
    return audio.Clip(samples)


def end_chime() -> Sound:
    """The chime that closes every session (the built-in ``plan.END_CHIME``)."""
    return Sound(END_CHIME, resources.builtin_sound(END_CHIME))


def chime_durations(loaded: Routine, directory: Path | None = None) -> dict[Path, float]:
    """Seconds of every chime the routine can ring, each prepared into the clip cache at
    ``directory`` (as playing needs it) and so checked: readable, at most ``MAX_CHIME``
    seconds, finite and not silent. Each bad one is a ``RoutineError`` at the line naming
    it, all raised together."""
    sounds = [end_chime()] + [s.chime for s in loaded.parts() if s.chime]
    if loaded.get_ready is not None and loaded.get_ready.chime is not None:
        sounds.append(loaded.get_ready.chime)  # the opening chime, at 0:00
    sounds += [c.chime for s in loaded.parts() for c in s.cues if c.chime]
    sounds += [s.side_chime for s in loaded.parts() if s.side_chime]
    found = sound_durations(loaded.path, sounds, directory)
    for pace in loaded.paces():  # the pace guide's sounds (built in: checked by the tests)
        if pace.sound.path not in found:
            path = pace.sound.path
            found[path] = _built_in_seconds(path) or prepared(path, "pace", directory).duration
    return found


def _built_in_seconds(path: Path) -> float | None:
    """Seconds of a built-in sound at ``audio.RATE`` from its header alone (a clip made of
    it keeps its frames; tests/test_sounds.py checks them), else None: preparing one takes
    ~0.1 s cold that the first sound need not wait (it is prepared when first played).
    Another file is prepared at once, so that a bad one is refused before anything plays."""
    if path.parent != resources.sounds_dir():
        return None
    info = soundfile.info(os.fsencode(path))
    return info.frames / audio.RATE if info.samplerate == audio.RATE else None


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
        info = soundfile.info(os.fsencode(sound.path))  # bytes: the name need not be UTF-8
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise refused("is not a readable .wav, .flac or .ogg file") from exc
    if info.frames == 0:
        raise refused("is empty")
    if info.frames / info.samplerate > MAX_CHIME:  # before decoding all of a long file
        raise refused(
            f"lasts {durations.humanize(info.frames / info.samplerate)}; "
            f"a chime may last at most {durations.humanize(MAX_CHIME)}"
        )
    built_in = _built_in_seconds(sound.path)
    if built_in is not None:
        return built_in
    try:
        return prepared(sound.path, "chime", directory).duration
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise refused("is not a readable .wav, .flac or .ogg file") from exc
    except ValueError as exc:  # audio.clips.chime_clip's refusals: not finite, or silent
        raise refused(str(exc)) from exc

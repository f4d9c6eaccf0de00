"""Finding the voice a routine or ``--voice`` names among an engine's voices."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from voiceguide.errors import RoutineError
from voiceguide.routine import Voice
from voiceguide.routine import language as languages
from voiceguide.speech.synth import VoiceInfo


class Voiced(Protocol):
    """What ``resolve_voice`` asks of an engine: its voices (a ``Synthesizer`` has them, and
    so has a ``speech.Renderer``)."""

    def voices(self) -> list[VoiceInfo]: ...


def resolve_voice(
    voice: Voice,
    synth: Voiced,
    routine_path: Path | None = None,
    missing: Callable[[str, list[str]], Exception] | None = None,
) -> Voice:
    """Return ``voice`` with its name replaced by the engine's voice id.

    A name matches a voice id (``gmw/en-us``), its last part or a language code (``en-us``),
    or a voice's display name. An unknown name is a ``RoutineError`` at the voice's line that
    suggests the nearest voices (``english`` -> ``en, en-us, ...``), or ``missing(name,
    nearest)`` for engines whose voices are installed apart (Piper's: say how).
    """
    if voice.name is None:
        return voice
    voices = synth.voices()
    found = find_voice(voice.name, voices)
    if found is not None:
        return dataclasses.replace(voice, name=found.id)
    wanted = voice.name.lower()
    if missing is not None:
        raise missing(voice.name, sorted(v.name for v in voices))
    examples = ", ".join(nearest_voices(wanted, voices))
    raise RoutineError(
        routine_path,
        voice.line,
        f"unknown voice {voice.name!r}; use a voice id "
        f"or language code such as {examples} (list them: voiceguide voices)",
    )


def find_voice(name: str, voices: list[VoiceInfo]) -> VoiceInfo | None:
    """The voice ``name`` means (any case): a voice id, its last part, a language code or a
    display name, in that order; None when none matches."""
    wanted = name.lower()
    for match in (
        lambda v: v.id.lower() == wanted,
        lambda v: v.id.lower().rsplit("/", 1)[-1] == wanted,
        lambda v: wanted in (lang.lower() for lang in v.languages),
        lambda v: v.name.lower() == wanted,
    ):
        found = [v for v in voices if match(v)]
        if found:
            return found[0]
    return None


def language_of(voice: VoiceInfo) -> str | None:
    """The language ``voice`` speaks (its first code), or None when the engine lists none."""
    return voice.languages[0].lower() if voice.languages else None


def speaks(voice: VoiceInfo, language: str) -> bool:
    """Whether ``voice`` speaks ``language`` (in any accent: ``en-gb`` speaks ``en-us``)."""
    return any(languages.same(code, language) for code in voice.languages)


def voice_for_language(language: str, voices: list[VoiceInfo]) -> VoiceInfo | None:
    """The voice that speaks ``language`` best, or None: one listing that very code, then
    one whose id ends in it (espeak-ng's ``roa/fr`` lists ``fr-fr``), then one of the plain
    language (``en`` for ``en-au``), then any accent of it; the engine's order among
    equals."""
    wanted = language.lower()

    def rank(item: tuple[int, VoiceInfo]) -> tuple[bool, bool, bool, int]:
        order, voice = item
        codes = [code.lower() for code in voice.languages]
        return (
            wanted not in codes,
            voice.id.lower().rsplit("/", 1)[-1] != wanted,
            languages.base(wanted) not in codes,
            order,
        )

    candidates = [(i, v) for i, v in enumerate(voices) if speaks(v, wanted)]
    return min(candidates, key=rank)[1] if candidates else None


def nearest_voices(wanted: str, voices: list[VoiceInfo], count: int = 8) -> list[str]:
    """The short ids (last part) of the voices nearest to ``wanted`` (lower case), at most
    ``count``: those alike enough (``_likeness`` at least 0.6), nearest first and, among
    equals, the shortest first (the plain language before its variants); if none is, the
    first few in alphabetical order."""

    def rank(voice: VoiceInfo) -> tuple[float, int, str]:
        short = voice.id.lower().rsplit("/", 1)[-1]
        return -_likeness(wanted, voice), len(short), short

    alike = sorted((v for v in voices if _likeness(wanted, v) >= 0.6), key=rank)
    shorts = [v.id.rsplit("/", 1)[-1] for v in alike]
    if not shorts:  # nothing near: in nearness order they would look random
        shorts = sorted(v.id.rsplit("/", 1)[-1] for v in voices)
    return list(dict.fromkeys(shorts))[:count]


def _likeness(wanted: str, voice: VoiceInfo) -> float:
    """How near ``wanted`` is to ``voice``, from 0 to 1: 0.9 when one begins the other (a
    code like ``en`` for ``english``, or the language word of the voice's display name,
    ``English (America)``); 0.85 when it is a part of a code or names its language
    (``us`` -> ``en-us``, ``en-au`` -> ``en-gb``); 0.8 inside a code; else ``difflib``'s
    ratio (``fench`` -> ``French``)."""
    short = voice.id.lower().rsplit("/", 1)[-1]
    codes = {voice.id.lower(), short, *(lang.lower() for lang in voice.languages)}
    language_word = voice.name.lower().split(" (", 1)[0]
    best = max(difflib.SequenceMatcher(None, wanted, n).ratio() for n in (*codes, language_word))
    for name in (*codes, language_word):
        if name.startswith(wanted) or wanted.startswith(name):
            best = max(best, 0.9)
    for code in codes:
        if wanted in code.split("-") or code.split("-")[0] == wanted.split("-")[0]:
            best = max(best, 0.85)
        elif wanted in code:
            best = max(best, 0.8)
    return best

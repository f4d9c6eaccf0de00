"""Which engine and voice speak a routine: the routine's (or the command line's), in the
routine's language.

A routine's language is the code it states (``language: de``), else the language of the
voice it names as that voice's own engine lists it (``voice: de`` is espeak-ng's German;
``voice: {engine: piper, name: joe}`` US English), else unknown (``None``: the engine's
default voice and sides announced in English, as before languages). When it is known, the
voice that speaks must speak it:

* a voice named (by the routine for its own engine, or by ``--voice``) that speaks another
  language is refused: at the routine's voice line, or as a bad ``--voice``;
* with no voice named (none written, or ``--engine`` for another engine than the routine's,
  whose voice names mean nothing there), the engine's voice of that language speaks;
* an engine with none (Piper here has only English) gives way to ``speech.FALLBACK_ENGINE``
  (espeak-ng, which speaks most languages) and says so in one line (``Speaker.note``). A
  language no installed engine speaks is a ``SpeechError``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from voiceguide import speech
from voiceguide.errors import RoutineError, SpeechError, UsageError
from voiceguide.routine import Voice
from voiceguide.session.options import Options


@dataclass(frozen=True)
class Speaker:
    """The ``renderer`` and the ``voice`` (name resolved to the engine's id, or None for
    its default) that speak, the routine's ``language`` (None: unknown) and ``note``, the
    one line saying that another engine speaks than the one chosen (None: the chosen
    one)."""

    renderer: speech.Renderer
    voice: Voice
    language: str | None
    note: str | None = None


def chosen_engine(written: Voice, options: Options) -> str:
    """The engine ``--engine`` or else the routine names (the default without either:
    ``speech.default_engine()``, Piper where installed)."""
    return options.engine or written.engine or speech.default_engine()


def renderer_of(engines: speech.Engines | speech.Renderer, engine: str) -> speech.Renderer:
    """``engine``'s renderer; one ``Renderer`` given instead of ``Engines`` (the tone engine
    of the tests) is every engine."""
    return engines if isinstance(engines, speech.Renderer) else engines.renderer(engine)


def language_of(
    written: Voice, stated: str | None, engines: speech.Engines | speech.Renderer
) -> str | None:
    """The routine's language: ``stated`` (its ``language:``), else its voice's as the
    voice's own engine lists it (a voice named for no engine: as the default engine lists
    it, else espeak-ng); None when it names no voice, or its voice cannot be found there
    (an engine not installed: then the routine should state its language)."""
    if stated is not None or written.name is None:
        return stated
    owners = [written.engine] if written.engine else [speech.default_engine()]
    if written.engine is None and owners[0] != speech.FALLBACK_ENGINE:
        owners.append(speech.FALLBACK_ENGINE)
    for owner in owners:
        try:
            found = speech.find_voice(written.name, renderer_of(engines, owner).voices())
        except SpeechError:
            continue
        if found is not None:
            return speech.language_of(found)
    return None


def speaker(
    written: Voice,
    language: str | None,
    path: Path | None,
    options: Options,
    engines: speech.Engines | speech.Renderer,
) -> Speaker:
    """Who speaks the routine whose voice is ``written`` (at ``path``) in ``language``
    (``language_of``), with the command line's ``options``; see the module's docstring."""
    engine, renderer, voice = _engine_and_voice(written, path, options, engines)
    if language is None:
        return Speaker(renderer, voice, None)
    if voice.name is not None:
        _check_named(voice, renderer, language, options, path)
        return Speaker(renderer, voice, language)
    found = speech.voice_for_language(language, renderer.voices())
    if found is not None:
        return Speaker(renderer, dataclasses.replace(voice, name=found.id), language)
    fallback = speech.FALLBACK_ENGINE
    if isinstance(engines, speech.Renderer) or engine == fallback:
        raise _no_voice(language)
    other = engines.renderer(fallback)
    found = speech.voice_for_language(language, other.voices())
    if found is None:
        raise _no_voice(language)
    note = (
        f"{engine} has no voice in this routine's language ({language}); speaking it with "
        f"{fallback}'s {found.name} voice ({found.id}) instead"
    )
    voice = dataclasses.replace(voice, name=found.id, engine=fallback)
    return Speaker(other, voice, language, note)


def _engine_and_voice(
    written: Voice,
    path: Path | None,
    options: Options,
    engines: speech.Engines | speech.Renderer,
) -> tuple[str, speech.Renderer, Voice]:
    """The engine chosen (``chosen_engine``), its renderer and the voice resolved there. A
    voice the default engine does not have (``voice: de`` and Piper's English voice) is
    spoken by espeak-ng instead: the routine named no engine, so its voice is for any."""
    engine = chosen_engine(written, options)
    renderer = renderer_of(engines, engine)
    try:
        return engine, renderer, voice_for(written, path, options, renderer)
    except (RoutineError, SpeechError):
        named = options.engine or written.engine
        fallback = speech.FALLBACK_ENGINE
        if isinstance(engines, speech.Renderer) or named is not None or engine == fallback:
            raise
        renderer = engines.renderer(fallback)
        return fallback, renderer, voice_for(written, path, options, renderer)


def voice_for(
    written: Voice, path: Path | None, options: Options, renderer: speech.Renderer
) -> Voice:
    """The routine's voice with the command-line overrides, resolved against the engine.
    Another engine than the routine's (``--engine``) speaks with its own default voice
    unless ``--voice`` names one: the routine's voice belongs to its engine. A routine that
    names no engine wrote its voice for any: under ``--engine`` it is kept where that engine
    has it, else the engine's default voice speaks."""
    voice = written
    other_engine = options.engine not in (None, written.engine)
    if options.voice is not None or (other_engine and written.engine is not None):
        voice = dataclasses.replace(voice, name=options.voice, line=None)
    if options.rate is not None:
        voice = dataclasses.replace(voice, rate=options.rate)
    try:
        return speech.resolve_voice(voice, renderer, path, renderer.missing_voice)
    except (RoutineError, SpeechError) as exc:
        if options.voice is None and other_engine and voice.name is not None:
            unnamed = dataclasses.replace(voice, name=None, line=None)
            return speech.resolve_voice(unnamed, renderer, path, renderer.missing_voice)
        if options.voice is None or not isinstance(exc, RoutineError):
            raise
        raise UsageError(f"--voice: {exc.message}") from exc


def _check_named(
    voice: Voice, renderer: speech.Renderer, language: str, options: Options, path: Path | None
) -> None:
    """Refuse a named voice that speaks another language than ``language``."""
    found = speech.find_voice(voice.name or "", renderer.voices())
    if found is None or speech.speaks(found, language):
        return
    spoken = ", ".join(found.languages)
    if options.voice is not None:
        raise UsageError(
            f"--voice {options.voice!r} speaks {spoken}, not the routine's language "
            f"({language}); choose a voice of that language (voiceguide voices) or leave "
            "--voice out"
        )
    raise RoutineError(
        path,
        voice.line,
        f"voice {found.id!r} speaks {spoken}, not the routine's language ({language}); "
        "name a voice of that language (voiceguide voices), or leave the name out",
    )


def _no_voice(language: str) -> SpeechError:
    return SpeechError(
        f"no installed voice speaks this routine's language ({language}); "
        "voiceguide voices lists the voices and their languages"
    )

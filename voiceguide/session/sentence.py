"""One sentence spoken as a routine's cue would be (``voiceguide say``): its text checked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from voiceguide import audio, routine, speech
from voiceguide.errors import UsageError
from voiceguide.routine import Voice, fields
from voiceguide.session.inputs import find
from voiceguide.session.options import Options
from voiceguide.session.prepare import clips_of
from voiceguide.session.speaker import language_of, speaker

MAX_SAY = fields.MAX_TEXT  # characters: as a routine's texts


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
    on_note: Callable[[str], None] | None = None,
) -> audio.Clip:
    """``text`` spoken as a cue of the routine ``routine_name`` would be (its voice,
    language and lexicon; without one, the defaults), with the overrides of ``options``;
    through the cache. ``on_note`` is told the one line saying that another engine speaks
    the routine's language (``Speaker.note``). A text with nothing to say is a
    ``UsageError``."""
    text = " ".join(text.split())
    _check_utf8(text)
    if not any(ch.isalnum() for ch in text) or len(text) > MAX_SAY:
        raise UsageError(f"TEXT must hold words, at most {MAX_SAY} characters, got {quoted(text)}")
    loaded = routine.load(find(routine_name)) if routine_name is not None else None
    written = loaded.voice if loaded else Voice()
    path, lexicon = (loaded.path, loaded.lexicon) if loaded else (None, ())
    language = language_of(written, loaded.language, engines) if loaded else None
    who = speaker(written, language, path, options, engines)
    if who.note is not None and on_note is not None:
        on_note(who.note)
    cache = clips_of(who, lexicon, cache_dir)
    why = cache.lexicon.too_long(text)
    if why is not None:
        raise UsageError(f"TEXT: {why}")
    return cache.clip(text)


def _check_utf8(text: str) -> None:
    """Refuse a ``text`` holding bytes that were not UTF-8: Python keeps those of the
    command line as lone surrogates (U+DC80-U+DCFF), which no engine or file can take."""
    for index, ch in enumerate(text):
        if "\ud800" <= ch <= "\udfff":
            byte = f"byte 0x{ord(ch) - 0xDC00:02x}" if ch >= "\udc80" else "a lone surrogate"
            before = text[max(0, index - 20) : index].encode("utf-8", "replace").decode()
            raise UsageError(
                f"TEXT is not UTF-8 text ({byte} after {before!r}): the terminal sends another "
                "encoding; set a UTF-8 locale (LANG=C.UTF-8) or write the text in a routine"
            )

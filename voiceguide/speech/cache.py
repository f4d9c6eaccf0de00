"""What a clip is called in the store (``voiceguide.store``): the keys and names of speech,
chime and pace clips.

A clip's key is a sha256 of everything that changes its audio: for speech the engine, voice,
rate, volume and the text as spoken; for a chime or pace sound the file's content and its
kind. Every key ends with the store's entry layout (``store.FORMAT_VERSION``) and
``audio.clips.recipe()`` (every setting that changes how clips are made), so a change in
either misses every entry at once. The entry carries the full key inside; its name is a slug
and the key's start.
"""

from __future__ import annotations

from voiceguide import store
from voiceguide.audio import clips
from voiceguide.routine import Voice
from voiceguide.speech.synth import DEFAULT_RATE


def key_for(*inputs: str) -> str:
    """The key of a clip made from ``inputs``: with the store's entry layout and the clip
    recipe, recorded inside the entry."""
    return store.key(*inputs, f"v{store.FORMAT_VERSION}", clips.recipe())


def entry_name(slug_text: str, *inputs: str) -> str:
    """``slug-hash.wav``: a readable slug of ``slug_text`` and the start of ``key_for``."""
    return store.name(slug_text, key_for(*inputs))


def speech_name(engine_id: str, voice: Voice, text: str, shown: str | None = None) -> str:
    """The cache entry name for ``text``: a slug of ``shown`` (default: ``text``; the text
    as written when ``text`` is respelled) + a hash of all that changes the audio."""
    return entry_name(shown or text, *_speech_inputs(engine_id, voice, text))


def speech_key(engine_id: str, voice: Voice, text: str) -> str:
    """The full key the entry for ``text`` carries inside."""
    return key_for(*_speech_inputs(engine_id, voice, text))


def _speech_inputs(engine_id: str, voice: Voice, text: str) -> tuple[str, ...]:
    volume = 1.0 if voice.volume is None else voice.volume
    rate = voice.rate or DEFAULT_RATE
    return ("speech", engine_id, voice.name or "", str(rate), f"{volume:.3f}", text)

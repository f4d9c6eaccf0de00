"""Spoken cues: text -> verified, cached, loudness-normalized clips.

The engine sits behind the small ``Synthesizer`` protocol (``synth``). The real one wraps
pyttsx3 with espeak-ng (``espeak``: one engine per process, one text per render, completion
awaited and the WAV verified). Rendered clips are cached by content (``cache``): the file
name is a slug of the text plus a hash of everything that changes the audio (engine, voice,
rate, volume, text, the entry format and ``audio.clips.recipe()``), and the entry carries
that key and a checksum of its samples. A hit is an entry that verifies; anything else is
rendered again. Rendering (``render``) runs in worker processes (``workers``) that stop at
the first failure and die with their parent. ``voices`` finds the voice a routine names, or
one of its language. ``engines`` picks the engine a routine names: espeak, or Piper
(``piper``: optional, run in a process of its own, never in voiceguide's); ``lexicon``
respells words before rendering.
"""

from voiceguide.choices import Engine
from voiceguide.speech.engines import FALLBACK as FALLBACK_ENGINE
from voiceguide.speech.engines import Engines
from voiceguide.speech.engines import default as default_engine
from voiceguide.speech.lexicon import Lexicon
from voiceguide.speech.lexicon import load_user as load_user_lexicon
from voiceguide.speech.render import Renderer, SpeechCache, render_clip, volume_db
from voiceguide.speech.synth import DEFAULT_RATE, Synthesizer, SynthFactory, VoiceInfo
from voiceguide.speech.voices import (
    find_voice,
    language_of,
    nearest_voices,
    resolve_voice,
    speaks,
    voice_for_language,
)

__all__ = [
    "DEFAULT_RATE",
    "Engine",
    "Engines",
    "FALLBACK_ENGINE",
    "Lexicon",
    "Renderer",
    "SpeechCache",
    "SynthFactory",
    "Synthesizer",
    "VoiceInfo",
    "default_engine",
    "find_voice",
    "language_of",
    "load_user_lexicon",
    "nearest_voices",
    "render_clip",
    "resolve_voice",
    "speaks",
    "voice_for_language",
    "volume_db",
]

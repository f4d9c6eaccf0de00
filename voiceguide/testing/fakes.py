"""Fakes that behave like the real thing, for tests and benchmarks.

``ToneSynth`` writes a WAV whose length follows the text (like speech does), at espeak-ng's
22050 Hz, with a pitch made from the text so different texts sound different.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import soundfile as sf

from voiceguide.routine import Voice
from voiceguide.speech import DEFAULT_RATE, VoiceInfo

SECONDS_PER_CHAR = 0.06
ENGINE_RATE = 22050


class ToneSynth:
    """A ``Synthesizer`` writing tones: 60 ms per character at 160 words per minute."""

    engine_id = "fake-tone-1"

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo("fake/en-us", "Fake English", ("en-us", "en")),
            VoiceInfo("fake/de", "Fake German", ("de",)),
        ]

    def render(self, text: str, voice: Voice, path: Path) -> None:
        self.rendered.append(text)
        seconds = len(text) * SECONDS_PER_CHAR * DEFAULT_RATE / (voice.rate or DEFAULT_RATE)
        t = np.arange(int(seconds * ENGINE_RATE)) / ENGINE_RATE
        pitch = 150 + zlib.crc32(text.encode()) % 150
        tone = 0.3 * np.sin(2 * np.pi * pitch * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
        silence = np.zeros(int(0.1 * ENGINE_RATE))
        sf.write(str(path), np.concatenate([silence, tone, silence]), ENGINE_RATE, subtype="PCM_16")


def tone_synth() -> ToneSynth:
    return ToneSynth()

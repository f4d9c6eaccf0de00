"""The default engine: Piper where it is installed with a voice, espeak-ng where not; a voice
the default engine does not have is spoken by espeak-ng."""

from __future__ import annotations

import pytest

from voiceguide import session, speech
from voiceguide.errors import SpeechError
from voiceguide.routine import Voice
from voiceguide.speech import engines
from voiceguide.testing.fakes import ToneSynth


@pytest.fixture
def machine(monkeypatch):
    """``machine(piper)``: a machine with or without Piper, no VOICEGUIDE_DEFAULT_ENGINE."""
    monkeypatch.delenv("VOICEGUIDE_DEFAULT_ENGINE")

    def make(piper: bool) -> None:
        monkeypatch.setattr(engines, "piper_installed", lambda: piper)

    return make


def test_the_default_is_piper_where_installed_and_espeak_where_not(machine):
    machine(True)
    assert engines.default() == "piper"
    machine(False)
    assert engines.default() == "espeak"


def test_the_variable_chooses_the_default_whatever_is_installed(machine, monkeypatch):
    machine(True)
    monkeypatch.setenv("VOICEGUIDE_DEFAULT_ENGINE", "espeak")
    assert engines.default() == "espeak"
    monkeypatch.setenv("VOICEGUIDE_DEFAULT_ENGINE", "nonsense")  # not an engine: ignored
    assert engines.default() == "piper"


def _english_only(name: str, known: list[str]) -> SpeechError:
    return SpeechError(f"the Piper voice {name!r} is not installed")


class _Piperish(ToneSynth):
    def voices(self):
        return [v for v in super().voices() if "en-us" in v.languages]


def fake_engines() -> speech.Engines:
    """Engines whose "piper" has an English voice only (and says so as Piper does), and
    whose "espeak" has English and German, both in this process."""

    def make(name: str) -> speech.Renderer:
        if name == "piper":
            return speech.Renderer(_Piperish, "piper-fake", 0, missing_voice=_english_only)
        return speech.Renderer(ToneSynth, "espeak-fake", 0)

    return speech.Engines(make)


@pytest.mark.parametrize(
    ("written", "options", "engine", "voice"),
    [
        (Voice("en-us"), {}, "piper-fake", "fake/en-us"),  # the default speaks it
        (Voice("de"), {}, "espeak-fake", "fake/de"),  # the default has no German: espeak
        (Voice("de", engine="espeak"), {}, "espeak-fake", "fake/de"),
        (Voice(None), {"engine": "espeak"}, "espeak-fake", None),
        (Voice("en-us"), {"engine": "espeak"}, "espeak-fake", "fake/en-us"),  # kept
    ],
)
def test_a_routine_naming_no_engine_gets_the_default_unless_it_lacks_the_voice(
    machine, written, options, engine, voice
):
    machine(True)
    with fake_engines() as made:
        cache = session.speech_for(written, None, (), session.Options(**options), made)
    assert (cache.renderer.engine_id, cache.voice.name) == (engine, voice)


def test_a_voice_the_routines_engine_lacks_is_an_error_not_another_engine(machine):
    machine(True)
    with fake_engines() as made, pytest.raises(SpeechError, match="'de' is not installed"):
        session.speech_for(Voice("de", engine="piper"), None, (), session.Options(), made)

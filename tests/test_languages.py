"""A routine in another language: sides announced in it (or as the routine words them), a
voice that speaks it, another engine's when the chosen one has none (said in one line), and
never a voice of another language. The tone engine speaks English and German (``fake/de``);
the texts are checked, nothing is decoded. The real render is in tests/speech/test_espeak.py."""

from __future__ import annotations

import pytest

from voiceguide import session, speech
from voiceguide.errors import RoutineError, SpeechError, UsageError
from voiceguide.routine import Voice
from voiceguide.speech import VoiceInfo
from voiceguide.testing.fakes import ToneSynth, tone_renderer

FUSS = """
    title: Fußmassage
    {head}
    steps:
      - name: Fuß halten
        say: Halte den Fuß mit beiden Händen.
        duration: 1m
        sides: [links, rechts]
"""


def routine(write_routine, head: str = "language: de"):
    return write_routine(FUSS.replace("{head}", head))


def said(made: session.Session) -> list[str]:
    return [e.text for e in made.plan.events if e.kind == "speech"]


def test_a_german_routine_announces_its_sides_in_german_with_the_german_voice(
    write_routine, prepare
):
    made = prepare(routine(write_routine))
    assert said(made) == [
        "Jetzt links. Halte den Fuß mit beiden Händen.",
        "Jetzt rechts. Halte den Fuß mit beiden Händen.",
    ]
    assert made.speech.voice.name == "fake/de"
    assert made.routine.language == "de"
    assert made.written.warnings == ()


def test_the_language_of_the_routines_voice_is_the_routines_language(write_routine, prepare):
    made = prepare(routine(write_routine, "voice: de"))
    assert said(made)[0] == "Jetzt links. Halte den Fuß mit beiden Händen."
    assert made.routine.language == "de"


def test_a_routine_words_its_side_announcement_itself(write_routine, prepare):
    made = prepare(routine(write_routine, "language: de\n    side_announcement: '{Side}e Seite:'"))
    assert said(made)[0] == "Linkse Seite: Halte den Fuß mit beiden Händen."


def test_a_routine_without_a_language_announces_sides_in_english_as_before(write_routine, prepare):
    made = prepare(routine(write_routine, ""))
    assert said(made)[0] == "Links side. Halte den Fuß mit beiden Händen."
    assert made.speech.voice.name is None  # the engine's default voice, as before


def test_a_voice_of_another_language_is_refused_at_its_line(write_routine, prepare):
    with pytest.raises(RoutineError) as caught:
        prepare(routine(write_routine, "language: de\n    voice: en-us"))
    assert caught.value.line == 3
    assert caught.value.message.startswith(
        "voice 'fake/en-us' speaks en-us, en, not the routine's language (de)"
    )


def test_a_voice_option_of_another_language_is_a_bad_option(write_routine, prepare):
    with pytest.raises(UsageError, match=r"^--voice 'en-us' speaks en-us, en, not the routine"):
        prepare(routine(write_routine), voice="en-us")


def test_a_language_no_installed_engine_speaks_is_one_line(write_routine, prepare):
    with pytest.raises(SpeechError) as caught:
        prepare(routine(write_routine, "language: fi"))
    assert str(caught.value) == (
        "no installed voice speaks this routine's language (fi); "
        "voiceguide voices lists the voices and their languages"
    )


class EnglishOnly(ToneSynth):
    """An engine with English voices only (as Piper is here)."""

    engine_id = "fake-english-only-1"

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("fake/en-us", "Fake English", ("en-us", "en"))]


def engines_with_an_english_only_piper() -> speech.Engines:
    def make(name: str) -> speech.Renderer:
        if name == "piper":
            return speech.Renderer(EnglishOnly, EnglishOnly.engine_id, processes=0)
        return tone_renderer()

    return speech.Engines(make)


def test_an_engine_without_the_language_gives_way_to_one_with_it_saying_so_once(write_routine):
    with engines_with_an_english_only_piper() as engines:
        made = session.prepare(
            str(routine(write_routine)), session.Options(engine="piper"), engines
        )
        assert made.speech.renderer is engines.renderer("espeak")
    assert made.speech.voice.name == "fake/de"
    assert said(made)[0] == "Jetzt links. Halte den Fuß mit beiden Händen."
    (note,) = made.routine.warnings
    assert note == (
        "piper has no voice in this routine's language (de); speaking it with espeak's "
        "Fake German voice (fake/de) instead"
    )


def test_an_english_routine_stays_with_the_chosen_engine(write_routine):
    path = routine(write_routine, "language: en")
    with engines_with_an_english_only_piper() as engines:
        made = session.prepare(str(path), session.Options(engine="piper"), engines)
        assert made.speech.renderer is engines.renderer("piper")
    assert made.routine.warnings == ()
    assert said(made)[0] == "Links side. Halte den Fuß mit beiden Händen."


def test_the_clips_of_a_german_routine_are_spoken_by_the_german_voice(write_routine, cache_dir):
    with tone_renderer() as renderer:
        cache = session.speech_for(Voice(), None, (), session.Options(), renderer, cache_dir, "de")
        cache.clip("Jetzt links.")
    assert cache.voice.name == "fake/de"
    assert renderer.rendered == ["Jetzt links."]


def test_say_with_a_german_routine_on_piper_speaks_german_and_says_who(write_routine):
    notes: list[str] = []
    piper, espeak = EnglishOnly(), ToneSynth()
    engines = speech.Engines(
        lambda name: speech.Renderer(
            (lambda: piper) if name == "piper" else (lambda: espeak),
            f"fake-{name}",
            processes=0,
        )
    )
    with engines:
        path = str(routine(write_routine))
        options = session.Options(engine="piper")
        session.say("Jetzt links.", options, engines, path, on_note=notes.append)
    assert (piper.rendered, espeak.rendered) == ([], ["Jetzt links."])
    assert notes == [
        "piper has no voice in this routine's language (de); speaking it with espeak's "
        "Fake German voice (fake/de) instead"
    ]

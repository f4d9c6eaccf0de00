"""The pronunciation lexicon: whole words in any case, the routine's over the user's, applied
before rendering and part of each clip's key; in both real engines."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from voiceguide import session, speech
from voiceguide.cli import main
from voiceguide.errors import RoutineError
from voiceguide.routine import Voice
from voiceguide.speech import Lexicon, engines, lexicon, piper

WORDS = Lexicon(
    (("Shiatsu", "shee-AHT-soo"), ("effleurage", "ef-ler-AHZH"), ("Tui Na", "twee nah"))
)


def test_words_are_respelled_whole_and_in_any_case():
    said = WORDS.apply("Shiatsu, then SHIATSU and shiatsu; not Shiatsus nor shiatsu's. Tui na!")
    assert said == (
        "shee-AHT-soo, then shee-AHT-soo and shee-AHT-soo; not Shiatsus nor shiatsu's. twee nah!"
    )
    assert WORDS.apply("Effleurage strokes.") == "ef-ler-AHZH strokes."
    assert Lexicon().apply("Shiatsu") == "Shiatsu"


def test_a_later_lexicon_wins_for_the_same_word():
    assert (WORDS + Lexicon((("shiatsu", "SHIAT-su"),))).apply("Shiatsu.") == "SHIAT-su."


def test_the_users_file_is_read_and_a_bad_entry_names_its_line(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("Shiatsu: shee-AHT-soo\nqigong: chee-gung\n")
    assert lexicon.load_user(path).apply("Qigong and Shiatsu") == "chee-gung and shee-AHT-soo"
    path.write_text("Shiatsu: shee-AHT-soo\nnot. a word: x\n")
    with pytest.raises(RoutineError) as caught:
        lexicon.load_user(path)
    assert str(caught.value) == (
        f"{path}:2: lexicon: 'not. a word' is not a word; write whole words (Shiatsu, Tui Na)"
    )
    assert lexicon.load_user(tmp_path / "absent.yaml") == Lexicon()


def test_a_routines_lexicon_wins_over_the_users_and_only_changes_the_clips_it_applies_to(
    write_routine, renderer, cache_dir
):
    user = os.environ["VOICEGUIDE_LEXICON"]
    with open(user, "w") as handle:
        handle.write("Shiatsu: SHEE-at-soo\nfeet: feeet\n")
    text = """
        title: Lexicon
        {lexicon}
        intro: Shiatsu is next.
        steps:
          - {{name: Rest, say: Rest your feet., duration: 1m}}
          - {{name: Rub, say: Rub the back., duration: 1m}}
    """
    plain = session.prepare(
        str(write_routine(text.format(lexicon=""))), session.Options(), renderer
    )
    routine = write_routine(text.format(lexicon="lexicon: {Shiatsu: shee-AHT-soo}"))
    worded = session.prepare(str(routine), session.Options(), renderer)
    assert renderer.rendered == [
        "SHEE-at-soo is next.",  # the user's lexicon alone
        "Rest your feeet.",
        "Rub the back.",
        "shee-AHT-soo is next.",  # the routine's entry wins; the only text rendered again
    ]
    assert worded.speech.key("Rub the back.") == plain.speech.key("Rub the back.")
    assert worded.speech.key("Shiatsu is next.") != plain.speech.key("Shiatsu is next.")
    assert worded.speech.path("Shiatsu is next.").name.startswith("shiatsu-is-next-")


def fresh_clip(engine: str, text: str, words: Lexicon, folder) -> np.ndarray:
    """``text`` rendered by a new worker of ``engine``: its first render, so that espeak-ng's
    state carried from earlier texts (see DEVELOPERS.md) plays no part."""
    with engines.renderer(engine, processes=1) as made:
        voice = speech.resolve_voice(Voice(None, 160), made)
        return speech.SpeechCache(made, voice, folder, words).clip(text).samples


needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="no espeak-ng")
needs_piper = pytest.mark.skipif(
    piper.version() is None, reason="piper-tts is not installed (pip install '.[piper]')"
)


@pytest.mark.engine
@pytest.mark.parametrize(
    "engine", [pytest.param("espeak", marks=needs_espeak), pytest.param("piper", marks=needs_piper)]
)
def test_each_engine_speaks_the_respelling_in_place_of_the_word(engine, tmp_path):
    respelled = fresh_clip(engine, "Shiatsu is next.", WORDS, tmp_path / "a")
    as_written = fresh_clip(engine, "shee-AHT-soo is next.", Lexicon(), tmp_path / "b")
    unchanged = fresh_clip(engine, "Shiatsu is next.", Lexicon(), tmp_path / "c")
    np.testing.assert_array_equal(respelled, as_written)
    assert len(unchanged) != len(respelled) or not np.array_equal(unchanged, respelled)


def test_say_uses_the_routines_lexicon(monkeypatch, write_routine, tmp_path):
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")
    routine = write_routine(
        "title: T\nlexicon: {Shiatsu: shee-AHT-soo}\nsteps: [{name: Rub, duration: 1m}]\n"
    )
    out = tmp_path / "said.wav"
    result = CliRunner().invoke(main, ["say", "Shiatsu now.", "-r", str(routine), "-o", str(out)])
    assert result.exit_code == 0, result.output
    plain = tmp_path / "plain.wav"
    CliRunner().invoke(main, ["say", "shee-AHT-soo now.", "-o", str(plain)])
    np.testing.assert_array_equal(sf.read(out)[0], sf.read(plain)[0])

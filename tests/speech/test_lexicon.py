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
from voiceguide.errors import RoutineError, SpeechError
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


@pytest.fixture
def run_say(monkeypatch, tmp_path):
    """``run_say(TEXT)``: ``voiceguide say TEXT -o FILE`` with the tone engine."""
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")

    def run(text: str):
        return CliRunner().invoke(main, ["say", text, "-o", str(tmp_path / "said.wav")])

    return run


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


# -- caseless matching (casefold and NFKC, for keys and text alike) -----------------------------


@pytest.mark.parametrize(
    ("key", "text", "said"),
    [
        ("istanbul", "Visit İstanbul today.", "Visit is-tan-bool today."),  # Turkish capital İ
        (
            "İstanbul",
            "İstanbul, ISTANBUL and istanbul.",
            "is-tan-bool, is-tan-bool and is-tan-bool.",
        ),
        ("µg", "Take 5 μg, then 5 µg.", "Take 5 is-tan-bool, then 5 is-tan-bool."),  # micro, mu
        ("shiatsu", "ſhiatsu now.", "is-tan-bool now."),  # the long s
        ("fish", "ﬁsh and FISH.", "is-tan-bool and is-tan-bool."),  # a ligature: 3 for 4
        ("café", "Cafe\u0301 au lait.", "is-tan-bool au lait."),  # a combining accent
        ("straße", "STRASSE und Straße.", "is-tan-bool und is-tan-bool."),  # ß folds to ss
    ],
)
def test_a_word_matches_in_any_case_as_a_reader_would_and_only_its_own_characters_go(
    key, text, said
):
    assert Lexicon(((key, "is-tan-bool"),)).apply(text) == said


def test_folding_that_changes_a_length_keeps_the_text_around_the_match_and_whole_words():
    words = Lexicon((("istanbul", "X"),))
    assert words.apply("İİstanbul İstanbuls «İstanbul» İstanbul’s") == "İİstanbul İstanbuls «X» X’s"
    assert lexicon.fold("İSTANBUL ﬁ µ ſ") == "istanbul fi μ s"


# -- a respelling may not make a text longer than a text may be ----------------------------------

LONG = "ah" * 44  # 88 characters, a respelling within the limit of 100
TEXT = " ".join(["a"] * 150)  # 299 characters, within the limit of 600


def test_say_refuses_a_text_the_users_lexicon_makes_too_long_naming_the_entry_and_its_line(
    run_say,
):
    with open(os.environ["VOICEGUIDE_LEXICON"], "w") as handle:
        handle.write(f"Shiatsu: shee-AHT-soo\na: {LONG}\n")
    result = run_say(TEXT)
    assert (result.exit_code, result.output) == (
        2,
        "TEXT: with the lexicon it is 13349 characters (299 as written): the entry 'a' at "
        f"{os.environ['VOICEGUIDE_LEXICON']}:2 respells 150 words as 88 characters; at most 600 "
        "are spoken, so shorten the text or the respelling\n",
    )


def test_a_cue_the_routines_lexicon_makes_too_long_is_refused_at_its_line_before_rendering(
    write_routine, renderer
):
    path = write_routine(f"""
        title: Long
        lexicon:
          Shiatsu: shee-AHT-soo
          a: {LONG}
        steps:
          - name: Rub
            duration: 1m
            cues:
              - {{at: 50%, say: Shiatsu now.}}
              - {{at: 60%, say: {TEXT}}}
    """)
    with pytest.raises(RoutineError) as caught:
        session.prepare(str(path), session.Options(), renderer)
    assert str(caught.value) == (
        f"{path}:10: step 1 'Rub' cue 2: say: with the lexicon it is 13349 characters (299 as "
        f"written): the entry 'a' at {path}:4 respells 150 words as 88 characters; at most 600 "
        "are spoken, so shorten the text or the respelling"
    )
    assert renderer.rendered == []  # nothing was rendered


def test_a_text_the_lexicon_leaves_within_the_limit_is_spoken(write_routine, renderer):
    path = write_routine(f"""
        title: Fits
        lexicon: {{a: {LONG}}}
        steps: [{{name: Rub, say: {" ".join(["a"] * 6)}, duration: 1m}}]
    """)
    session.prepare(str(path), session.Options(), renderer)
    assert renderer.rendered == [" ".join([LONG] * 6)]  # 533 characters


def test_the_speech_cache_refuses_to_render_what_the_lexicon_makes_too_long(renderer, tmp_path):
    cache = speech.SpeechCache(renderer, Voice(), tmp_path, Lexicon((("a", LONG),)))
    with pytest.raises(
        SpeechError, match=r"^cannot speak 'a a a .*\.\.\.': with the lexicon it is"
    ):
        cache.durations([TEXT])
    assert renderer.rendered == []


# -- a respelling with nothing to say, and a lexicon file that is not there ---------------------


def test_a_respelling_without_a_letter_is_refused_at_its_line_not_blamed_on_the_engine(
    write_routine, renderer, run_say
):
    path = write_routine("""
        title: Dots
        lexicon:
          Shiatsu: "..."
        steps: [{name: Rub, duration: 1m}]
    """)
    with pytest.raises(RoutineError) as caught:
        session.prepare(str(path), session.Options(), renderer)
    assert str(caught.value) == (
        f"{path}:3: lexicon: Shiatsu: '...' has no letter or digit to speak; write how the "
        "word sounds (shee-AHT-soo)"
    )
    with open(os.environ["VOICEGUIDE_LEXICON"], "w") as handle:
        handle.write("qigong: chee-gung\nShiatsu: '-'\n")
    result = run_say("Shiatsu now.")
    assert (result.exit_code, result.output) == (
        2,
        f"{os.environ['VOICEGUIDE_LEXICON']}:2: lexicon: Shiatsu: '-' has no letter or digit to "
        "speak; write how the word sounds (shee-AHT-soo)\n",
    )


def test_a_lexicon_file_that_voiceguide_lexicon_names_must_exist_and_be_a_file(
    run_say, tmp_path, monkeypatch
):
    monkeypatch.setenv("VOICEGUIDE_LEXICON", str(tmp_path / "absent.yaml"))
    result = run_say("Shiatsu now.")
    assert (result.exit_code, result.output) == (
        2,
        f"VOICEGUIDE_LEXICON names {tmp_path / 'absent.yaml'}, which does not exist; create it "
        "(word: respelling, a line each) or unset VOICEGUIDE_LEXICON\n",
    )
    monkeypatch.setenv("VOICEGUIDE_LEXICON", str(tmp_path))
    result = run_say("Shiatsu now.")
    assert (result.exit_code, result.output) == (
        2,
        f"{tmp_path}: the lexicon is a folder; give a YAML file\n",
    )
    os.mkfifo(tmp_path / "fifo.yaml")  # would block a reader until a writer came
    monkeypatch.setenv("VOICEGUIDE_LEXICON", str(tmp_path / "fifo.yaml"))
    result = run_say("Shiatsu now.")
    assert (result.exit_code, result.output) == (
        2,
        f"{tmp_path / 'fifo.yaml'}: the lexicon is not a regular file; give a YAML file\n",
    )


def test_a_missing_default_lexicon_is_no_lexicon_and_a_tilde_is_the_home_folder(
    monkeypatch, tmp_path
):
    monkeypatch.delenv("VOICEGUIDE_LEXICON")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert lexicon.load_user() == Lexicon()
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "words.yaml").write_text("Shiatsu: shee-AHT-soo\n")
    monkeypatch.setenv("VOICEGUIDE_LEXICON", "~/words.yaml")
    assert lexicon.load_user().apply("Shiatsu.") == "shee-AHT-soo."

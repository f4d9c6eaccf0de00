"""One run reports every problem of a routine (issue 19, item 14), one line each, in line
order; closed choices say what was meant; text that is no text is refused at its line
(item 7)."""

from __future__ import annotations

import pytest

from voiceguide import routine
from voiceguide.errors import RoutineError, RoutineErrors
from voiceguide.routine import yamlnodes

STEP_KEYS = (
    "name, say, duration, min, max, fixed, sides, between, cues, chime, pace, wait, repeat, "
    "optional"
)


def problems(write_routine, text: str) -> list[tuple[int, str]]:
    """``(line, message)`` of every problem ``load`` raises for ``text``, in its order; and
    ``str()`` is their lines joined."""
    path = write_routine(text)
    with pytest.raises(RoutineError) as caught:
        routine.load(path)
    found = [(e.line, e.message) for e in caught.value.errors]
    assert str(caught.value) == "\n".join(f"{path}:{line}: {m}" for line, m in found)
    return found


def test_three_misspelt_keys_are_reported_in_one_run_in_line_order(write_routine):
    found = problems(
        write_routine,
        """
        title: T
        lenght: 20m
        steps:
          - name: Rub
            duration: 1m
            sey: Slowly
          - name: Push
            duration: 1m
            chmie: soft
        """,
    )
    assert found == [
        (2, "the routine: unknown key 'lenght'; did you mean 'length'? allowed keys: title, "
         "description, length, voice, language, chime, intro, outro, between, pace, pace_sound, "
         "lexicon, bed, chime_level, side_announcement, steps"),
        (6, f"step 1: unknown key 'sey'; did you mean 'say'? allowed keys: {STEP_KEYS}"),
        (9, f"step 2: unknown key 'chmie'; did you mean 'chime'? allowed keys: {STEP_KEYS}"),
    ]  # fmt: skip


def test_problems_of_different_kinds_come_in_line_order_whatever_was_read_first(write_routine):
    found = problems(
        write_routine,
        """
        title: T
        steps:
          - name: Rub
            duration: soon
        voice: {engine: pipr}
        length: -3m
        chime: bel
        """,
    )
    assert [line for line, _ in found] == [4, 5, 6, 7]
    assert found[0][1].startswith("step 1 'Rub': duration: expected a duration like")
    assert found[1][1] == (
        "voice engine must be one of espeak, piper, got 'pipr'; did you mean 'piper'?"
    )
    assert found[2][1] == "length must be > 0, got '-3m'"
    assert found[3][1].startswith("chime: no sound 'bel'; did you mean 'bell'? use one of")


def test_a_misspelt_required_key_is_one_problem_not_two(write_routine):
    found = problems(
        write_routine,
        """
        title: T
        stpes:
          - name: Rub
            duration: 1m
        """,
    )
    assert len(found) == 1 and found[0][1].startswith("the routine: unknown key 'stpes'")
    found = problems(write_routine, "title: T\nsteps:\n  - name: Rub\n    durration: 1m\n")
    assert [m.split(";")[0] for _, m in found] == ["step 1: unknown key 'durration'"]
    cue = "title: T\nsteps:\n  - name: Rub\n    duration: 1m\n    cues:\n      - {at: 5s, sey: x}\n"
    assert [m.split(";")[0] for _, m in problems(write_routine, cue)] == [
        "step 1 'Rub' cue 1: unknown key 'sey'"
    ]


def test_keys_given_twice_are_reported_with_the_problems_of_the_values(write_routine):
    found = problems(
        write_routine,
        """
        title: T
        title: U
        steps:
          - name: Rub
            duration: 1m
            duration: 2m
            fixed: maybe
        """,
    )
    assert found == [
        (2, "key 'title' is given twice"),
        (6, "key 'duration' is given twice"),
        (7, "step 1 'Rub': fixed must be true or false, got 'maybe'"),
    ]


def test_a_collection_as_a_key_is_reported_and_the_rest_is_still_read(write_routine):
    found = problems(write_routine, "title: T\n? [a, b]\n: x\nsteps:\n  - {name: R, duration: 0}\n")
    assert found == [
        (2, "a key must be a plain word"),
        (5, "step 1 'R': duration must be > 0, got '0'"),
    ]


def test_a_refused_value_is_not_reported_again_through_what_depends_on_it(write_routine):
    found = problems(
        write_routine,
        """
        title: T
        steps:
          - name: Rub
            duration: soon
            sides: left
            say: Now the {side}
            cues:
              - {at: 5m, say: "On the {side} side"}
              - {every: 1s, say: x}
        """,
    )
    assert [line for line, _ in found] == [4, 5, 9]
    assert "sides must be a list" in found[1][1]
    assert found[2][1] == (  # its "at 5m" cannot be checked without the step's duration
        "step 1 'Rub' cue 2: every must be at least 2s and shorter than the step"
    )


def test_every_bad_entry_of_a_lexicon_is_reported(write_routine):
    found = problems(
        write_routine,
        """
        title: T
        lexicon:
          Shiatsu: shee-AHT-soo
          "a.b": x
          Tui Na: ""
        steps:
          - {name: Rub, duration: 1m}
        """,
    )
    assert found == [
        (4, "lexicon: 'a.b' is not a word; write whole words (Shiatsu, Tui Na)"),
        (5, "lexicon: Tui Na must not be empty"),
    ]


@pytest.mark.parametrize("steps", ["steps:", "steps: []", "steps: ~"])
def test_an_empty_steps_says_it_is_empty(write_routine, steps):
    assert problems(write_routine, f"title: T\n{steps}\n") == [
        (2, "the routine: 'steps' is empty; list at least one step")
    ]


def test_a_routine_with_every_problem_fixed_loads(write_routine):
    loaded = routine.load(write_routine("title: T\nsteps:\n  - {name: Rub, duration: 1m}\n"))
    assert loaded.steps[0].name == "Rub"


def test_reading_keeps_the_chimes_and_the_bed_of_a_routine_with_problems(write_routine):
    path = write_routine("title: T\nbed: rain.mp3\nchime: soft\nsteps:\n  - {name: R}\n")
    reading = routine.read(path)
    assert reading.routine is None and [e.line for e in reading.problems] == [5]
    assert [s.name for s in reading.sounds] == ["soft"] and reading.bed.sound == "rain.mp3"


# -- closed choices ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("chime: bel", "chime: no sound 'bel'; did you mean 'bell'? use one of bell, end, soft"),
        ("chime: Sofft", "chime: no sound 'Sofft'; did you mean 'soft'? use one of"),
        ("chime: nnone", "chime: no sound 'nnone'; did you mean 'none'? use one of"),
        ("pace_sound: puls", "pace_sound must be one of pulse, breath, got 'puls'; did you mean "
         "'pulse'?"),
        ("pace: {from: 6, sound: breth}", "pace: sound must be one of pulse, breath, got "
         "'breth'; did you mean 'breath'?"),
        ("pace: non", "did you mean 'none'?"),
        ("voice: {engine: espek}", "voice engine must be one of espeak, piper, got 'espek'; did "
         "you mean 'espeak'?"),
        ("steps:\n  - {name: R, duration: 1m, fixed: ture}", "fixed must be true or false, got "
         "'ture'; did you mean 'true'?"),
        ("steps:\n  - {name: R, duration: 1m, between: flase}", "between must be true or false, "
         "got 'flase'; did you mean 'false'?"),
        ("steps:\n  - {name: R, duration: 1m, cues: [{at: 5s, chime: bll}]}", "cue 1: chime: no "
         "sound 'bll'; did you mean 'bell'?"),
    ],
)  # fmt: skip
def test_a_closed_choice_misspelt_gets_a_did_you_mean(write_routine, yaml, message):
    text = "title: T\n" + yaml + "\n"
    if "steps:" not in yaml:
        text += "steps:\n  - {name: R, duration: 1m}\n"
    ((_, found),) = problems(write_routine, text)
    assert message in found


def test_a_sound_of_the_pace_guide_is_no_chime(write_routine):
    text = "title: T\nchime: pulse\nsteps: [{name: R, duration: 1m}]\n"
    ((line, message),) = problems(write_routine, text)
    assert line == 2 and message.startswith(
        "chime: no sound 'pulse'; 'pulse' is a sound of the pace guide (pace: {sound: pulse}); "
        "use one of bell, end, soft, none"
    )


# -- text that is no text ------------------------------------------------------------------------
NOT_TEXT = [
    ("\\uFFFE", "a noncharacter (U+FFFE)"),
    ("\\uFFFF", "a noncharacter (U+FFFF)"),
    ("\\uFDD0", "a noncharacter (U+FDD0)"),
    ("\\U0001FFFE", "a noncharacter (U+1FFFE)"),
    ("\\U0010FFFF", "a noncharacter (U+10FFFF)"),
    ("\\x1F", "a control character (U+001F)"),
    ("\\x0B", "a control character (U+000B)"),
    ("\\x7F", "a control character (U+007F)"),
    ("\\x9B", "a control character (U+009B)"),
]
PLACES = [  # where a text is written ("@@": the character), and how the problem names it
    ('title: "@@"\nsteps: [{name: R, duration: 1m}]', 1, "title"),
    ('title: T\ndescription: "@@"\nsteps: [{name: R, duration: 1m}]', 2, "description"),
    ('title: T\nintro: "Hello @@"\nsteps: [{name: R, duration: 1m}]', 2, "intro"),
    ('title: T\nsteps:\n  - {name: "R @@", duration: 1m}', 3, "step 1 name"),
    ('title: T\nsteps:\n  - {name: R, say: "Go @@", duration: 1m}', 3, "step 1 'R': say"),
    ('title: T\nsteps:\n  - {name: R, duration: 1m, sides: [left, "@@"]}', 3, "step 1 'R': side"),
    ('title: T\nsteps:\n  - name: R\n    duration: 1m\n    cues: [{at: 5s, say: "@@"}]', 5,
     "step 1 'R' cue 1: say"),
    ('title: T\nlexicon: {Shiatsu: "shee @@"}\nsteps: [{name: R, duration: 1m}]', 2,
     "lexicon: Shiatsu"),
    ('title: T\nvoice: "en @@"\nsteps: [{name: R, duration: 1m}]', 2, "voice"),
    ('title: T\nbed: "rain @@.mp3"\nsteps: [{name: R, duration: 1m}]', 2, "bed"),
    ('title: T\nchime: "gong @@.wav"\nsteps: [{name: R, duration: 1m}]', 2, "chime"),
]  # fmt: skip


@pytest.mark.parametrize(("escape", "named"), NOT_TEXT, ids=[e for e, _ in NOT_TEXT])
@pytest.mark.parametrize(("text", "line", "what"), PLACES, ids=[w for _, _, w in PLACES])
def test_a_character_that_is_no_text_is_refused_at_its_line_wherever_it_is(
    write_routine, escape, named, text, line, what
):
    found = problems(write_routine, text.replace("@@", escape) + "\n")
    assert found == [(line, f"{what} contains {named}; only printable text is allowed")]


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
@pytest.mark.parametrize(("raw", "code"), [("\ufffe", "U+FFFE"), ("\x07", "U+0007")])
def test_a_raw_character_that_is_no_text_is_named_by_either_parser(
    write_routine, monkeypatch, loader, raw, code
):
    if not hasattr(yamlnodes.yaml, loader):
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(yamlnodes, "_Loader", getattr(yamlnodes.yaml, loader))
    found = problems(write_routine, f"title: T\nsteps:\n  - {{name: Rub {raw}, duration: 1m}}\n")
    assert found == [
        (
            3,
            f"the file holds the character {code}, which is no text (a control character or a "
            "noncharacter); remove it",
        )
    ]


def test_a_lone_surrogate_from_pythons_own_yaml_parser_is_refused(write_routine, monkeypatch):
    """libyaml refuses ``"\\ud800"`` as YAML; PyYAML's own parser makes a lone surrogate of
    it, which no UTF-8 output (a tag, a subtitle, JSON, the terminal) can carry."""
    monkeypatch.setattr(yamlnodes, "_Loader", yamlnodes.yaml.SafeLoader)
    found = problems(write_routine, 'title: T\nsteps:\n  - {name: "R \\ud800", duration: 1m}\n')
    assert found == [
        (3, "step 1 name contains a lone surrogate (U+D800); only printable text is allowed")
    ]


def test_tabs_line_breaks_and_format_characters_are_text(write_routine):
    loaded = routine.load(
        write_routine(
            'title: "Back\\tmassage\\u2028for two"\n'
            'steps:\n  - {name: "Rub\\u200d\\u00ad\\ue000", duration: 1m}\n'
        )
    )
    assert loaded.title == "Back massage for two"
    assert loaded.steps[0].name == "Rub\u200d\u00ad\ue000"


def test_several_problems_are_one_error_whose_first_is_its_line_and_message(write_routine):
    path = write_routine("title: T\nsteps:\n  - {name: R, duration: 0}\n  - {name: S}\n")
    with pytest.raises(RoutineErrors) as caught:
        routine.load(path)
    error = caught.value
    assert (error.line, error.message) == (3, "step 1 'R': duration must be > 0, got '0'")
    assert [e.line for e in error.errors] == [3, 4] and error.exit_status == 2

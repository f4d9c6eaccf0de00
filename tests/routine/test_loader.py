"""The routine loader: valid files become a Routine; each invalid one fails with FILE:LINE."""

from __future__ import annotations

import math
import tracemalloc

import pytest

from voiceguide import routine
from voiceguide.errors import RoutineError
from voiceguide.routine import fields, loader, yamlnodes

MINIMAL = """
title: Test
steps:
  - name: Rub
    duration: 1m
"""


def load_error(write_routine, text: str) -> RoutineError:
    path = write_routine(text)
    with pytest.raises(RoutineError) as caught:
        routine.load(path)
    assert str(caught.value).startswith(f"{path}:")
    return caught.value


def test_a_minimal_routine_gets_the_documented_defaults(write_routine):
    loaded = routine.load(write_routine(MINIMAL))
    (step,) = loaded.steps
    assert loaded.title == "Test"
    assert loaded.chime.name == "bell"
    assert (step.duration, step.min, step.max) == (60, 15, 240)
    assert step.interlude_after is True and step.fixed is False and step.sides == ()


def test_the_full_example_of_the_issue_is_read_field_by_field(write_routine):
    loaded = routine.load(
        write_routine("""
        title: Back massage
        description: For a partner lying face down.
        length: 20m
        voice: {name: en-us, rate: 150, volume: 0.9}
        chime: bell
        intro: Spoken once before the first step.
        outro: Spoken after the last step.
        between:
          name: Re-relax
          say: Go back to the basic rub for a moment.
          duration: 45s
          min: 20s
          max: 2m
        steps:
          - name: Basic rub
            say: Glide both flat hands slowly from the lower back up to the neck.
            duration: 3m
            min: 1m
            max: 6m
            fixed: false
            sides: [left, right]
            between: false
            cues:
              - at: 50%
                say: Make your loops smaller.
              - at: 1m
                say: Move up toward the shoulders.
              - at: -15s
                say: Start bringing this stroke to a close.
              - every: 40s
                say: Slow down.
                chime: soft
    """)
    )
    assert loaded.length == 1200
    assert (loaded.voice.name, loaded.voice.rate, loaded.voice.volume) == ("en-us", 150, 0.9)
    assert loaded.interlude.name == "Re-relax" and loaded.interlude.max == 120
    step = loaded.steps[0]
    assert step.sides == ("left", "right") and step.interlude_after is False
    assert [(c.when, c.value) for c in step.cues] == [
        ("fraction", 0.5),
        ("from_start", 60),
        ("before_end", 15),
        ("every", 40),
    ]
    assert step.cues[3].chime.name == "soft"


def test_unknown_key_is_rejected_with_its_line_and_a_suggestion(write_routine):
    error = load_error(
        write_routine,
        """
        title: Test
        stpes:
          - name: Rub
    """,
    )
    assert error.line == 2
    assert error.message == (
        "the routine: unknown key 'stpes'; did you mean 'steps'? allowed "
        "keys: title, description, length, voice, language, chime, intro, outro, "
        "between, pace, pace_sound, lexicon, bed, chime_level, side_announcement, steps"
    )


def test_unknown_step_key_names_the_step(write_routine):
    error = load_error(write_routine, MINIMAL + "    durration: 2m\n")
    assert error.line == 5
    assert "step 1: unknown key 'durration'; did you mean 'duration'?" in error.message


@pytest.mark.parametrize(
    ("step_yaml", "line", "message"),
    [
        ("    duration: -3s", 4, "step 1 'Rub': duration must be > 0, got '-3s'"),
        ("    duration: 0", 4, "step 1 'Rub': duration must be > 0, got '0'"),
        ("    duration: soon", 4, "step 1 'Rub': duration: expected a duration like 90s"),
        ("    duration: .nan", 4, "expected a duration like"),
        ("    duration: 1e400", 4, "expected a duration like"),
        ("    duration: 25h", 4, "must be at most 24h"),
        ("    duration: 1m\n    min: 2m\n    max: 1m", 5, "min (2m) must not exceed max (1m)"),
        ("    duration: 5m\n    min: 10s\n    max: 1m", 6, "duration 5m must lie between min"),
        ("    duration: 1m\n    fixed: yes please", 5, "fixed must be true or false"),
        ("    duration: 1m\n    fixed: true\n    min: 10s", 6, "a fixed step takes no min"),
        ("    duration: 1m\n    sides: left", 5, "sides must be a list of 1 to 8 names"),
        ("    duration: 1m\n    sides: [a, a]", 5, "sides must be different"),
        ("    duration: 1m\n    say: Hello {name}", 5, "unknown placeholder {name}"),
        ("    duration: 1m\n    say: Now the {side}", 5, "{side} is used but the step has no"),
        ("    duration: 1m\n    chime: gong", 5, "no sound 'gong'; use one of bell, end, soft"),
        ("    duration: 1m\n    say: [a, b]", 5, "say must be text, got a list"),
    ],
)
def test_bad_step_fields_fail_on_their_line_saying_what_is_allowed(
    write_routine, step_yaml, line, message
):
    error = load_error(write_routine, f"title: T\nsteps:\n  - name: Rub\n{step_yaml}\n")
    assert error.line == line
    assert message in error.message


@pytest.mark.parametrize(
    ("cue_yaml", "message"),
    [
        ("at: 120%\n        say: x", "at must be a percentage from 0% to 99.9%, got '120%'"),
        ("at: 2m\n        say: x", "at '2m' lies outside the step (1m)"),
        ("at: -2m\n        say: x", "at '-2m' lies outside the step (1m)"),
        ("every: 1s\n        say: x", "every must be at least 2s and shorter than the step"),
        ("every: 2m\n        say: x", "every must be at least 2s and shorter than the step"),
        ("at: 10s\n        every: 20s\n        say: x", "give exactly one of 'at'"),
        ("at: 10s", "a cue needs 'say', 'chime' or both"),
        ("at: 10s\n        chime: none", "a cue needs 'say' text or a chime, not neither"),
    ],
)
def test_bad_cues_are_rejected_on_the_cue_line(write_routine, cue_yaml, message):
    # the cue's continuation lines are indented by 8 spaces: under "      - "
    text = "title: T\nsteps:\n  - name: Rub\n    duration: 1m\n    cues:\n      - " + cue_yaml
    error = load_error(write_routine, text + "\n")
    assert error.line == 6
    assert message in error.message


def test_an_unknown_cue_key_is_reported_on_its_own_line(write_routine):
    error = load_error(
        write_routine,
        """
        title: T
        steps:
          - name: Rub
            duration: 1m
            cues:
              - at: 10s
                sey: x
    """,
    )
    assert error.line == 7
    assert "step 1 'Rub' cue 1: unknown key 'sey'; did you mean 'say'?" in error.message


def test_a_cue_of_a_step_with_sides_is_checked_against_one_side(write_routine):
    error = load_error(
        write_routine,
        """
        title: T
        steps:
          - name: Rub
            duration: 2m
            sides: [left, right]
            cues:
              - at: 1m30s
                say: too late for a one-minute side
    """,
    )
    assert "lies outside the step side (1m)" in error.message


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("title: [unclosed\n", 2, "invalid YAML"),
        ("title: T\n  steps: x\n", 2, "invalid YAML"),
        ("- just\n- a list\n", 1, "the routine must be a mapping of keys"),
        ("", 1, "the file is empty"),
        ("steps:\n  - name: a\n    duration: 1\n", 1, "the routine: 'title' is required"),
        ("title: T\n", 1, "the routine: 'steps' is required"),
        ("title: T\nsteps: []\n", 2, "the routine: 'steps' is empty; list at least one step"),
        ("title: T\nsteps:\n", 2, "the routine: 'steps' is empty; list at least one step"),
        ("title: T\nsteps: 3\n", 2, "steps must be a list of steps, got '3'"),
        ("title: T\ntitle: U\nsteps: []\n", 2, "key 'title' is given twice"),
        (
            "title: T\nvoice: {name: en, rate: 5}\nsteps: []\n",
            2,
            "voice rate (words per minute) must be a number from 80 to 450, got '5'",
        ),
        (
            "title: T\nvoice: {name: en, volume: .inf}\nsteps: []\n",
            2,
            "voice volume must be a number from 0.01 to 1",
        ),
        (
            'title: "bell\\u0007"\nsteps: []\n',
            1,
            "title contains a control character (U+0007); only printable text is allowed",
        ),
        ("title: T\nsteps:\n  - duration: 1m\n", 3, "step 1: 'name' is required"),
        ("title: T\nsteps:\n  - name: a\n", 3, "step 1 'a': 'duration' is required"),
        ("title: T\n---\ntitle: U\n", 2, "the file holds several YAML documents"),
    ],
)
def test_malformed_documents_fail_with_a_line(write_routine, text, line, message):
    error = load_error(write_routine, text)
    assert error.line == line
    assert message in error.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("fixed: !!bool [1]", "step 1 'A': fixed must be true or false, got a list"),
        ("fixed: !!bool {a: 1}", "step 1 'A': fixed must be true or false, got a mapping"),
        (
            "pace: !!int [1]",
            "step 1 'A': pace (per minute) must be a number from 2 to 60, got a list",
        ),
    ],
)
def test_a_collection_tagged_as_a_scalar_is_refused_in_one_line(write_routine, value, message):
    """``!!bool [1]`` is a list whatever its tag says (it crashed the loader: found by mypy)."""
    error = load_error(
        write_routine, f"title: T\nsteps:\n  - name: A\n    duration: 1m\n    {value}\n"
    )
    assert message in error.message


@pytest.mark.parametrize("value", ["rate: !!int {a: 1}", "volume: !!float [1]"])
def test_a_voice_number_tagged_on_a_collection_is_refused(write_routine, value):
    error = load_error(write_routine, f"title: T\nvoice: {{{value}}}\nsteps: []\n")
    assert "must be a number from" in error.message and "got a" in error.message


def test_a_bed_tagged_as_a_boolean_on_a_list_is_refused(write_routine):
    error = load_error(write_routine, MINIMAL + "bed: !!bool [off]\n")
    assert "bed must be text, got a list" in error.message


def test_a_yaml_alias_bomb_is_refused_before_expansion(write_routine):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}]"
        for i in range(8)
    ]
    error = load_error(write_routine, "\n".join(lines) + "\n")
    assert error.line == 2 and "YAML aliases (*a) are not allowed" in error.message


def test_files_over_a_megabyte_are_refused_without_parsing(write_routine):
    error = load_error(write_routine, "# " + "x" * 1_000_001 + "\n")
    assert error.line is None and "a routine may be at most 1000000 bytes" in error.message


def test_binary_files_are_refused_as_not_utf8(write_routine, tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"title: T\n\xff\xfe\x00garbage")
    with pytest.raises(RoutineError, match=r"binary.yaml:2: the file is not UTF-8 text"):
        routine.load(path)


def test_absurd_step_counts_and_text_lengths_are_refused(write_routine):
    steps = "".join(f"  - {{name: s{i}, duration: 1}}\n" for i in range(201))
    error = load_error(write_routine, "title: T\nsteps:\n" + steps)
    assert "201 steps; at most 200 allowed" in error.message
    error = load_error(
        write_routine,
        f"title: T\nsteps:\n  - name: a\n    duration: 1m\n    say: {'word ' * 200}\n",
    )
    assert "say is 999 characters; at most 600 allowed" in error.message


@pytest.mark.slow
def test_huge_event_counts_are_refused(write_routine):
    body = "title: T\nsteps:\n" + "  - [" + ", ".join(["1"] * 210_000) + "]\n"
    with pytest.raises(RoutineError, match="over 200000 values"):
        yamlnodes.parse(body.encode(), write_routine(MINIMAL))


def test_a_yaml_syntax_error_is_reported_before_an_earlier_key_given_twice(write_routine):
    error = load_error(write_routine, "title: T\ntitle: U\nsteps: [1, 2\n")
    assert "invalid YAML" in error.message and error.line == 4


def test_reading_a_long_routine_takes_little_more_memory_than_its_values(write_routine):
    """Values are built from the parser's events: PyYAML's node tree (two marks a value)
    is never made. It peaked at 45 times the file's size, which the allocator kept."""
    steps = "".join(
        f"  - name: Part {n}\n    say: Part {n}. Long strokes, slowly, up the back.\n"
        f"    duration: 2m\n    cues:\n      - at: 30s\n        say: Cue {n}, lighter now.\n"
        for n in range(200)
    )
    data = ("title: Long\nsteps:\n" + steps).encode()
    tracemalloc.start()
    try:
        node = yamlnodes.parse(data, write_routine(MINIMAL))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(node.value["steps"].value) == 200
    assert peak <= 25 * len(data), f"{peak / len(data):.0f} times the file's size"


def test_a_missing_file_is_a_routine_error(tmp_path):
    with pytest.raises(RoutineError, match="cannot read the file"):
        routine.load(tmp_path / "nope.yaml")


def test_a_sound_path_is_resolved_relative_to_the_routine(write_routine, tmp_path):
    (tmp_path / "sounds").mkdir()
    (tmp_path / "sounds" / "gong.wav").write_bytes(b"")
    loaded = routine.load(write_routine(MINIMAL + "    chime: sounds/gong.wav\n"))
    assert loaded.steps[0].chime.path == tmp_path / "sounds" / "gong.wav"


def test_chime_none_means_no_chime(write_routine):
    loaded = routine.load(write_routine("chime: none\n" + MINIMAL.lstrip()))
    assert loaded.chime is None and loaded.steps[0].chime is None


def test_text_is_folded_to_single_spaces(write_routine):
    loaded = routine.load(write_routine(MINIMAL + "    say: |\n      Two\n        lines\n"))
    assert loaded.steps[0].say == "Two lines"


def test_a_step_without_bounds_scales_between_a_quarter_and_four_times():
    assert loader.DEFAULT_MIN_SCALE == 0.25 and loader.DEFAULT_MAX_SCALE == 4.0
    assert math.isfinite(fields.MAX_SECONDS)


def test_placeholders_in_the_intro_are_refused(write_routine):
    error = load_error(
        write_routine, "title: T\nintro: Welcome {side}\n" + MINIMAL.split("\n", 2)[2]
    )
    assert error.line == 2
    assert "intro: {side} is used but the step has no sides" in error.message


# Both parsers PyYAML may use: libyaml's (in the wheels) and its own pure-Python one. They word
# the same mistake differently, and libyaml 0.2.6 (in PyYAML 6.0.4) stops deep nesting itself.
LOADERS = [
    pytest.param(getattr(yamlnodes.yaml, "CSafeLoader", None), id="libyaml"),
    pytest.param(yamlnodes.yaml.SafeLoader, id="pure-python"),
]


@pytest.fixture(params=LOADERS)
def yaml_parser(request, monkeypatch):
    if request.param is None:
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(yamlnodes, "_Loader", request.param)
    return request.param


@pytest.mark.parametrize(
    "text",
    [
        "title: " + "[" * 5000 + "]" * 5000 + "\n",
        "title: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
        "".join(" " * i + "k:\n" for i in range(1100)) + " " * 1100 + "x\n",
    ],
    ids=["flow-lists", "flow-mappings", "indented-mappings"],
)
def test_deep_nesting_is_refused_in_our_words_by_either_parser(yaml_parser, write_routine, text):
    error = load_error(write_routine, text)
    assert error.message == ("values are nested deeper than 12 levels; a routine needs at most 5")
    assert error.line is not None


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("title: T\nsteps:\n  - name: A\n\tduration: 10s\n", 4),
        ("title: T\nsteps:\n\t- name: A\n", 3),
        ("title: T\nsteps:\n  - name: A\n  \t  duration: 10s\n", 4),
    ],
    ids=["a-tab-alone", "a-tab-before-a-dash", "a-tab-among-spaces"],
)
def test_a_tab_in_the_indentation_is_named_as_the_problem(yaml_parser, write_routine, text, line):
    error = load_error(write_routine, text)
    assert error.line == line
    assert error.message == "invalid YAML: tabs are not allowed for indentation; use spaces"


def test_an_unquoted_colon_in_a_text_suggests_quoting_the_text(yaml_parser, write_routine):
    error = load_error(write_routine, MINIMAL + "    say: Breathe in: slowly\n")
    assert error.line == 5
    assert error.message == (
        "invalid YAML: a colon followed by a space inside a text starts a new key; "
        'put the text in quotes: say: "Breathe in: slowly"'
    )


def test_the_suggested_quoting_keeps_quotes_inside_the_text_intact(yaml_parser, write_routine):
    error = load_error(write_routine, 'title: Say "hi": then go\nsteps: []\n')
    assert error.message.endswith("""put the text in quotes: title: 'Say "hi": then go'""")


def test_a_colon_that_is_an_indentation_slip_gets_no_quoting_advice(yaml_parser, write_routine):
    error = load_error(write_routine, "title: T\n  steps: x\n")
    assert error.line == 2
    assert "quotes:" not in error.message
    assert error.message.endswith("; check indentation, colons and quotes")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (MINIMAL + '    say: "..."\n', 5, "step 1 'Rub': say: '...' has no letter or digit"),
        (MINIMAL + "    cues:\n      - {at: 50%, say: '!!'}\n", 6, "cue 1: say: '!!' has no"),
        ('title: T\nintro: "?!"\n' + MINIMAL.split("\n", 2)[2], 2, "intro: '?!' has no letter"),
        (MINIMAL.replace("name: Rub", 'name: "***"'), 3, "name (spoken: no say): '***'"),
        (
            MINIMAL + "    sides: ['<', '>']\n    say: '{side}'\n",
            6,
            "step 1 'Rub': say: '<' has no letter or digit to speak; write words",
        ),
    ],
    ids=["a-say", "a-cue", "the-intro", "a-name-spoken-for-want-of-say", "a-side-filled-in"],
)
def test_a_spoken_text_without_a_letter_or_digit_is_refused_at_its_line(
    write_routine, text, line, message
):
    error = load_error(write_routine, text)
    assert error.line == line
    assert message in error.message


def test_texts_that_are_never_spoken_may_be_punctuation(write_routine):
    text = MINIMAL.replace("title: Test", 'title: "..."').replace("name: Rub", 'name: "~"')
    loaded = routine.load(write_routine(text + "    say: Hi\n"))
    assert (loaded.title, loaded.steps[0].name) == ("...", "~")


def test_a_chime_remembers_the_line_that_names_it(write_routine):
    loaded = routine.load(write_routine("chime: soft\n" + MINIMAL.lstrip() + "    chime: bell\n"))
    assert loaded.chime.line == 1 and loaded.steps[0].chime.line == 6
    assert loaded.steps[0].chime == routine.Sound("bell", loaded.steps[0].chime.path)


def test_a_bare_number_under_a_minute_as_length_or_duration_is_a_warning_with_its_line(
    write_routine,
):
    path = write_routine("""
        title: T
        length: 20
        between: {duration: 5}
        steps:
          - name: Rub
            duration: 10
          - {name: Hold, duration: 90}
          - {name: Slow, duration: 10s, min: 5, max: 30}
          - {name: Clock, duration: '0:30'}
        """)
    assert routine.load(path).warnings == (
        f"{path}:2: length 20 is read as 20 seconds; write 20s to say so, or 20m for minutes",
        f"{path}:6: step 1 'Rub': duration 10 is read as 10 seconds; write 10s to say so, "
        "or 10m for minutes",
        f"{path}:3: between 'Interlude': duration 5 is read as 5 seconds; write 5s to say so, "
        "or 5m for minutes",
    )


def test_a_routine_written_with_units_has_no_warnings(write_routine):
    assert routine.load(write_routine(MINIMAL)).warnings == ()


def test_a_chime_level_is_read_and_none_is_the_default(write_routine):
    assert routine.load(write_routine(MINIMAL)).chime_level is None
    assert routine.load(write_routine("chime_level: -2.5\n" + MINIMAL)).chime_level == -2.5
    error = load_error(write_routine, MINIMAL + "chime_level: 45\n")
    assert "chime_level (LU under the speech) must be a number from -6 to 40" in str(error)

"""The published JSON Schema (voiceguide/routine/routine.schema.json) agrees with the strict loader.

Editors validate with the schema, voiceguide with ``routine.load``; a document one accepts and
the other rejects would be a trap. Each document here is checked by both: the schema sees the
data, the loader sees the same data written to a YAML file.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from voiceguide import durations, resources, routine
from voiceguide.choices import Engine
from voiceguide.errors import RoutineError
from voiceguide.routine import ends, fields, language, loader

SCHEMA_PATH = Path(routine.__file__).with_name("routine.schema.json")
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
DEFS = SCHEMA["$defs"]
VOICE = DEFS["voice"]  # a voice id as text, or a mapping
CUE = DEFS["cue"]["properties"]
DROP = object()  # a field value meaning "leave this key out"

OBJECTS = {
    "routine": (SCHEMA, loader.ROUTINE_KEYS),
    "step": (DEFS["step"], loader.STEP_KEYS),
    "between": (DEFS["between"], loader.BETWEEN_KEYS),
    "cue": (DEFS["cue"], loader.CUE_KEYS),
    "voice": (VOICE, loader.VOICE_KEYS),
    "intro": (DEFS["intro"], loader.OPENING_KEYS),
    "outro": (DEFS["outro"], loader.ENDING_KEYS),
}


def step(**fields) -> dict:
    """A valid step with ``fields`` changed (``DROP`` removes a key)."""
    data = {"name": "Rub", "duration": "1m", **fields}
    return {key: value for key, value in data.items() if value is not DROP}


def doc(steps: list | None = None, **fields) -> dict:
    """A valid routine with ``fields`` changed (``DROP`` removes a key)."""
    data = {"title": "Test", **fields, "steps": [step()] if steps is None else steps}
    return {key: value for key, value in data.items() if value is not DROP}


def cue(**fields) -> dict:
    return {"at": "50%", "say": "Halfway.", **fields}


# Every key the loader knows, each one removable on its own without breaking the rest.
FULL = {
    "title": "Back massage",
    "description": "For a partner lying face down.",
    "length": "20m",
    "voice": {"engine": "espeak", "name": "en-us", "rate": 150, "volume": 0.9},
    "language": "en-us",
    "chime": "bell",
    "intro": {
        "name": "Settle",
        "say": "Spoken once before the first step.",
        "duration": "30s",
        "min": "15s",
        "max": "1m",
        "fixed": False,
        "pace": "6 to 5",
        "chime": "soft",
    },
    "outro": {
        "name": "Rest",
        "say": "Spoken after the last step.",
        "duration": "30s",
        "min": "10s",
        "max": "1m",
        "fixed": False,
        "pace": {"from": 6, "to": 4, "sound": "breath"},
    },
    "between": {
        "name": "Re-relax",
        "say": "Go back to the basic rub.",
        "duration": "1m",
        "min": "20s",
        "max": "2m",
        "fixed": False,
        "cues": [{"at": "-10s", "say": "Ten seconds left."}],
        "chime": "soft",
        "pace": "none",
    },
    "pace": 12,
    "pace_sound": "pulse",
    "steps": [
        {
            "name": "Basic rub",
            "say": "Glide both flat hands up the back.",
            "duration": "3m",
            "min": "1m",
            "max": "6m",
            "fixed": False,
            "sides": ["left", "right"],
            "between": True,
            "cues": [{"at": "50%", "say": "Halfway."}, {"every": "40s", "chime": "soft"}],
            "chime": "bell",
            "pace": {"from": 12, "to": 7, "sound": "breath", "level": 16},
            "wait": False,
            "repeat": True,
            "optional": False,
        },
        {"name": "Rest", "duration": "30s"},
    ],
    "lexicon": {"Shiatsu": "shee-AHT-soo"},
    "bed": {"sound": "ocean", "level": 20, "duck": 14},
    "chime_level": 6,
    "side_announcement": "{Side} side.",
}
REMOVABLE = (
    [("routine", key) for key in loader.ROUTINE_KEYS]
    + [("step", key) for key in loader.STEP_KEYS]
    + [("between", key) for key in loader.BETWEEN_KEYS]
    + [("voice", key) for key in loader.VOICE_KEYS]
    + [("intro", key) for key in loader.OPENING_KEYS]
    + [("outro", key) for key in loader.ENDING_KEYS]
)


def without(where: str, key: str) -> dict:
    data = copy.deepcopy(FULL)
    target = {
        "routine": data,
        "step": data["steps"][0],
        "between": data["between"],
        "voice": data["voice"],
        "intro": data["intro"],
        "outro": data["outro"],
    }[where]
    del target[key]
    return data


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "routine.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def schema_errors(data: dict) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(data)]


def loader_error(tmp_path: Path, data: dict) -> str | None:
    try:
        routine.load(write(tmp_path, data))
    except RoutineError as exc:
        return exc.message
    return None


# -- the schema's shape ------------------------------------------------------------------------
def test_the_schema_is_a_valid_draft_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    meta = jsonschema.Draft202012Validator(
        jsonschema.Draft202012Validator.META_SCHEMA,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    meta.validate(SCHEMA)  # the patterns compile as regular expressions too


@pytest.mark.parametrize("name", OBJECTS)
def test_each_object_allows_exactly_the_keys_of_the_loader_in_its_order(name):
    node, keys = OBJECTS[name]
    assert tuple(node["properties"]) == keys
    assert node["additionalProperties"] is False


@pytest.mark.parametrize("name", OBJECTS)
def test_every_property_has_a_title_and_a_description(name):
    node, _ = OBJECTS[name]
    for key, prop in node["properties"].items():
        assert prop.get("title") and prop.get("description") or "$ref" in prop, key
        target = DEFS[prop["$ref"].rsplit("/", 1)[1]] if "$ref" in prop else prop
        assert target.get("title") and target.get("description"), key


def test_the_required_keys_are_the_ones_the_loader_requires():
    assert SCHEMA["required"] == ["title", "steps"]
    assert DEFS["step"]["required"] == ["name", "duration"]
    assert DEFS["between"]["required"] == ["duration"]
    assert DEFS["intro"]["required"] == DEFS["outro"]["required"] == ["duration"]
    assert "required" not in VOICE


@pytest.mark.parametrize(("where", "key"), REMOVABLE, ids=[f"{w}.{k}" for w, k in REMOVABLE])
def test_leaving_out_a_key_fails_in_both_exactly_when_it_is_required(tmp_path, where, key):
    node, _ = OBJECTS[where]
    required = key in node.get("required", ())
    data = without(where, key)
    message = loader_error(tmp_path, data)
    assert (message is not None) is required, message
    assert bool(schema_errors(data)) is required
    if required:
        assert f"{key!r} is required" in message


def test_the_limits_are_the_loaders_constants():
    step_props, between_props = DEFS["step"]["properties"], DEFS["between"]["properties"]
    props = SCHEMA["properties"]
    assert props["steps"]["maxItems"] == loader.MAX_STEPS
    assert step_props["cues"]["maxItems"] == between_props["cues"]["maxItems"] == loader.MAX_CUES
    names = [props["title"], step_props["name"], between_props["name"]]
    names += [DEFS[k]["properties"]["name"] for k in ("intro", "outro")]
    assert [n["maxLength"] for n in names] == [loader.MAX_NAME] * 5
    assert [props[k]["anyOf"][0] for k in ("intro", "outro")] == [{"$ref": "#/$defs/spoken"}] * 2
    texts = [props["description"], DEFS["spoken"]]
    texts += [
        step_props["say"],
        between_props["say"],
        CUE["say"],
        VOICE["properties"]["name"],
    ]
    assert [t["maxLength"] for t in texts] == [fields.MAX_TEXT] * 6
    assert props["side_announcement"]["maxLength"] == ends.MAX_ANNOUNCEMENT
    assert props["language"]["pattern"].replace("\\s*", "") == language.CODE.pattern
    rate = VOICE["properties"]["rate"]
    assert (rate["minimum"], rate["maximum"]) == routine.RATE_RANGE
    volume = VOICE["properties"]["volume"]
    assert (volume["minimum"], volume["maximum"]) == routine.VOLUME_RANGE
    assert CUE["every"]["minimum"] == loader.MIN_EVERY
    assert tuple(VOICE["properties"]["engine"]["enum"]) == tuple(Engine)
    lexicon = DEFS["lexicon"]
    assert lexicon["maxProperties"] == fields.MAX_LEXICON
    assert lexicon["additionalProperties"]["maxLength"] == fields.MAX_RESPELLING
    assert lexicon["propertyNames"]["pattern"] == fields.LEXICON_WORD.pattern
    assert DEFS["duration"]["maximum"] == fields.MAX_SECONDS


# -- what both accept ------------------------------------------------------------------------------
def test_there_are_shipped_routines_to_check():
    assert sorted(resources.scripts_dir().glob("*.yaml"))


@pytest.mark.parametrize(
    "path", sorted(resources.scripts_dir().glob("*.yaml")), ids=lambda path: path.name
)
def test_every_shipped_routine_validates_against_the_schema_and_loads(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert schema_errors(data) == []
    assert routine.load(path).title == data["title"]


SPELLINGS = [90, 2.5, "90", "90s", "3m", "1m30s", "1h20m", "2.5m", "1:30", "1:02:30", "1h"]
SPELLINGS += ["45sec", "1 min 30 sec", "1m 30s", "0:45", "0.5s", ".5", "10:59.5"]
SPELLINGS += ["3 minutes", "2 mins", "90 seconds", "2 min 30", "1h 30", "1h2", "1 hour 30 minutes"]
SPELLINGS += ["2 hrs", "1 hr 5 mins 3 secs", "1h 2m 3", "0h 0m 0.5s", "10 secs"]
NOT_DURATIONS = ["0", "0s", "0:00", "-3s", "1:75", "1:60", "90x", "m", "3M", "2 Minutes"]
NOT_DURATIONS += ["1h 30 15", "30s 5", "1 2", "1m 1h", "1h1h", "1 ms", "min 2", "0 min 0"]

VALID = {
    **{f"duration {value!r}": doc([step(duration=value)]) for value in SPELLINGS},
    **{
        f"cue at {at!r}": doc([step(duration="3m", cues=[cue(at=at)])])
        for at in ["50%", "0%", "99.9%", "1m", "-15s", "0s", 30, -15, "-1:30"]
    },
    "cue every 40s": doc([step(cues=[{"every": "40s", "say": "Again."}])]),
    "cue every 2 seconds": doc([step(cues=[{"every": 2, "chime": "soft"}])]),
    "cue with a chime only": doc([step(cues=[{"at": "-10s", "chime": "bell"}])]),
    "cue with chime none and say": doc([step(cues=[cue(chime="none")])]),
    "voice as a language code": doc(voice="en-us"),
    "voice as an empty mapping": doc(voice={}),
    "voice at the slowest rate and softest volume": doc(voice={"rate": 80, "volume": 0.01}),
    "voice at the fastest rate": doc(voice={"name": "en-us", "rate": 450, "volume": 1}),
    "voice of the piper engine": doc(voice={"engine": "piper", "name": "joe", "rate": 140}),
    "a lexicon": doc(lexicon={"Shiatsu": "shee-AHT-soo", "Tui Na": "twee nah", "t'ai": "tie"}),
    "a lexicon with phonemes": doc(lexicon={"effleurage": "[[ɛflɚˈɑːʒ]]"}),
    "an empty lexicon": doc(lexicon={}),
    "no chime anywhere": doc([step(chime="none")], chime="none"),
    "the length as a number": doc(length=600),
    "an interlude without a name": doc(between={"duration": "45s"}),
    "a fixed step": doc([step(fixed=True)]),
    "a waiting step": doc([step(wait=True)]),
    "repeatable and optional steps": doc([step(repeat=True), step(optional=True)]),
    "only a min": doc([step(min="30s")]),
    "no interlude after a step": doc([step(between=False), step()], between={"duration": "1m"}),
    "eight sides": doc([step(duration="8m", sides=[f"side {i}" for i in range(8)])]),
    "a side name of 40 characters": doc([step(sides=["s" * 40])]),
    "{side} in a step and its cues": doc(
        [step(say="Your {side} hand.", sides=["left", "right"], cues=[cue(say="{side} again")])]
    ),
    "a title of 120 characters": doc(title="t" * 120),
    "a say of 600 characters": doc([step(say="s" * 600)]),
    "200 steps": doc([step(name=f"Step {i}") for i in range(200)]),
    "50 cues": doc([step(cues=[cue(at=f"{i}%") for i in range(50)])]),
}


@pytest.mark.parametrize("data", VALID.values(), ids=VALID.keys())
def test_valid_variants_are_accepted_by_both(tmp_path, data):
    assert schema_errors(data) == []
    assert loader_error(tmp_path, data) is None


def test_a_chime_file_beside_the_routine_is_accepted_by_both(tmp_path):
    (tmp_path / "sounds").mkdir()
    shutil.copy(resources.find_sound("bell", tmp_path), tmp_path / "sounds" / "gong.wav")
    data = doc([step(chime="sounds/gong.wav")])
    assert schema_errors(data) == []
    assert loader_error(tmp_path, data) is None


def test_unquoted_clock_durations_mean_the_same_to_both(tmp_path):
    # YAML 1.1 (PyYAML) reads an unquoted 1:30 as the number 90, YAML 1.2 editors as "1:30".
    path = tmp_path / "routine.yaml"
    path.write_text("title: T\nsteps:\n  - name: A\n    duration: 1:30\n", encoding="utf-8")
    assert schema_errors(yaml.safe_load(path.read_text())) == []
    assert schema_errors(doc([step(duration="1:30")])) == []
    assert routine.load(path).steps[0].duration == 90


@pytest.mark.parametrize("text", SPELLINGS[2:] + NOT_DURATIONS)
def test_the_duration_pattern_accepts_what_the_parser_reads_as_more_than_zero(text):
    pattern = DEFS["duration"]["pattern"]
    try:
        positive = durations.parse(text) > 0
    except ValueError:
        positive = False
    assert bool(re.search(pattern, text)) is positive


# Strings made of the pieces durations are written with, and of near misses.
PIECES = ["0", "1", "30", "2.5", ".5", "1.", " ", ":", "-", "h", "hr", "hours", "m", "min"]
PIECES += ["minutes", "s", "sec", "seconds", "M", "Min", "x", "ms", "e"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=7).map("".join))
def test_the_schema_reads_a_duration_exactly_when_the_loader_reads_more_than_zero(text):
    try:
        positive = durations.parse(text) > 0
    except ValueError:
        positive = False
    assert bool(re.search(DEFS["duration"]["pattern"], text)) is positive


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=7).map("".join))
@pytest.mark.slow
def test_the_schema_reads_a_cue_time_exactly_when_the_loader_can(text):
    """A cue's ``at`` as a duration: any, but minus zero (which lies outside every step)."""
    try:
        seconds = durations.parse(text)
        readable = not (text.strip().startswith("-") and seconds == 0)
    except ValueError:
        readable = False
    assert bool(re.search(CUE["at"]["pattern"], text)) is readable


# -- what both reject ------------------------------------------------------------------------------
SIDES = ["left", "right"]
INVALID = {
    "an unknown key at the top": (doc(titel="x"), "unknown key 'titel'"),
    "an unknown key in a step": (doc([step(durration="1m")]), "unknown key 'durration'"),
    "an unknown key in a cue": (doc([step(cues=[cue(when="now")])]), "unknown key 'when'"),
    "an unknown key in the voice": (doc(voice={"speed": 150}), "unknown key 'speed'"),
    "sides in the interlude": (doc(between={"duration": "1m", "sides": SIDES}), "unknown key"),
    "a missing title": (doc(title=DROP), "'title' is required"),
    "missing steps": ({"title": "T"}, "'steps' is required"),
    "no steps": (doc([]), "at least one step"),
    "steps as a mapping": (doc(step()), "steps must be a list"),
    "a step without a name": (doc([step(name=DROP)]), "'name' is required"),
    "a step without a duration": (doc([step(duration=DROP)]), "'duration' is required"),
    "an interlude without a duration": (doc(between={"name": "Rest"}), "'duration' is required"),
    "a blank title": (doc(title="   "), "must not be empty"),
    "fixed as text": (doc([step(fixed="true")]), "fixed must be true or false"),
    "fixed as a number": (doc([step(fixed=1)]), "fixed must be true or false"),
    "between as text": (doc([step(between="no")]), "between must be true or false"),
    "a duration in words": (doc([step(duration="three minutes")]), "expected a duration like"),
    "a duration with units in capitals": (doc([step(duration="3 Minutes")]), "lower case"),
    "a clock duration with 75 seconds": (doc([step(duration="1:75")]), "expected a duration"),
    "a zero duration": (doc([step(duration="0s")]), "must be > 0"),
    "a negative duration": (doc([step(duration="-3s")]), "must be > 0"),
    "a zero length": (doc(length=0), "must be > 0"),
    "a duration as true": (doc([step(duration=True)]), "must be a duration like"),
    "min as a word": (doc([step(min="short")]), "expected a duration"),
    "a fixed step with a min": (doc([step(fixed=True, min="30s")]), "a fixed step takes no min"),
    "a fixed step with a max": (doc([step(fixed=True, max="2m")]), "a fixed step takes no max"),
    "a waiting step with a min": (doc([step(wait=True, min="30s")]), "a waiting step takes no"),
    "wait as text": (doc([step(wait="yes please")]), "wait must be true or false"),
    "repeat as a number": (doc([step(repeat=2)]), "repeat must be true or false"),
    "a waiting interlude": (doc(between={"duration": "1m", "wait": True}), "unknown key"),
    "a cue with both at and every": (
        doc([step(cues=[cue(every="20s")])]),
        "give exactly one of 'at'",
    ),
    "a cue with neither at nor every": (
        doc([step(cues=[{"say": "When?"}])]),
        "give exactly one of 'at'",
    ),
    "a cue with nothing to say or ring": (
        doc([step(cues=[{"at": "50%"}])]),
        "needs 'say', 'chime' or both",
    ),
    "a cue with chime none and no say": (
        doc([step(cues=[{"at": "50%", "chime": "none"}])]),
        "needs 'say'",
    ),
    "a cue at 100%": (doc([step(cues=[cue(at="100%")])]), "from 0% to 99.9%"),
    "a cue at a word": (doc([step(cues=[cue(at="soon")])]), "expected a duration"),
    "a cue at minus zero": (doc([step(cues=[cue(at="-0s")])]), "lies outside"),
    "a cue every second": (doc([step(cues=[{"every": 1, "say": "Tick."}])]), "at least 2s"),
    "cues as a mapping": (doc([step(cues=cue())]), "cues must be a list"),
    "sides not a list": (doc([step(sides="left")]), "sides must be a list of 1 to 8"),
    "no sides": (doc([step(sides=[])]), "sides must be a list of 1 to 8"),
    "nine sides": (doc([step(sides=[f"s{i}" for i in range(9)])]), "a list of 1 to 8"),
    "the same side twice": (doc([step(sides=["left", "left"])]), "sides must be different"),
    "a side name of 41 characters": (doc([step(sides=["s" * 41])]), "at most 40 allowed"),
    "an unknown placeholder": (doc([step(say="Your {hand}.", sides=SIDES)]), "{hand}"),
    "{side} in a step without sides": (doc([step(say="Your {side}.")]), "has no sides"),
    "{side} in a cue without sides": (
        doc([step(cues=[cue(say="{side} again")])]),
        "has no sides",
    ),
    "{side} in the interlude": (
        doc(between={"duration": "1m", "say": "The {side}."}),
        "has no sides",
    ),
    "an unbalanced brace": (doc([step(say="Your {side hand.", sides=SIDES)]), "brace"),
    "a voice too fast": (doc(voice={"rate": 451}), "from 80 to 450"),
    "a voice too slow": (doc(voice={"rate": 79}), "from 80 to 450"),
    "a rate as text": (doc(voice={"rate": "fast"}), "from 80 to 450"),
    "a volume over 1": (doc(voice={"volume": 1.5}), "from 0.01 to 1"),
    "a volume of 0": (doc(voice={"volume": 0}), "voice volume must be a number from 0.01 to 1"),
    "a voice as a list": (doc(voice=["en-us"]), "voice must be a mapping"),
    "an unknown engine": (doc(voice={"engine": "festival"}), "one of espeak, piper"),
    "a lexicon as a list": (doc(lexicon=["Shiatsu"]), "lexicon must be a mapping"),
    "a lexicon entry of two sentences": (doc(lexicon={"a. b": "x"}), "is not a word"),
    "a lexicon entry with a space at its end": (doc(lexicon={"Shiatsu ": "x"}), "not a word"),
    "an empty respelling": (doc(lexicon={"Shiatsu": " "}), "must not be empty"),
    "a respelling as a list": (doc(lexicon={"Shiatsu": ["x"]}), "must be text"),
    "a respelling of 101 characters": (doc(lexicon={"Shiatsu": "s" * 101}), "at most 100"),
    "a chime of an unknown format": (doc(chime="bell.mp3"), "no sound 'bell.mp3'"),
    "a chime as a number": (doc([step(chime=5)]), "no sound '5'"),
    "a title of 121 characters": (doc(title="t" * 121), "at most 120 allowed"),
    "a say of 601 characters": (doc([step(say="s" * 601)]), "at most 600 allowed"),
    "201 steps": (doc([step(name=f"Step {i}") for i in range(201)]), "at most 200 allowed"),
    "51 cues": (doc([step(cues=[cue(at=f"{i}%") for i in range(51)])]), "at most 50 allowed"),
}


@pytest.mark.parametrize(("data", "message"), INVALID.values(), ids=INVALID.keys())
def test_invalid_documents_are_rejected_by_both(tmp_path, data, message):
    assert schema_errors(data), "the schema accepts it"
    error = loader_error(tmp_path, data)
    assert error is not None, "the loader accepts it"
    assert message in error


# What only the loader can check: it knows the files beside the routine and compares values.
LOADER_ONLY = {
    "a chime file that does not exist": (doc(chime="missing.wav"), "no sound"),
    "a cue after the step's end": (doc([step(cues=[cue(at="2m")])]), "lies outside"),
    "a repeat as long as the step": (doc([step(cues=[{"every": "1m", "say": "x"}])]), "shorter"),
    "a duration under its min": (doc([step(min="2m")]), "must lie between"),
    "a duration over a day": (doc([step(duration="25h")]), "at most 24h"),
    # A JSON Schema pattern has no portable "any letter" (ECMA's \\w is ASCII only).
    "a say without a letter or digit": (doc([step(say="...")]), "no letter or digit"),
    "a name spoken for want of a say": (doc([step(name="!!")]), "no letter or digit"),
    "a respelling without a letter or digit": (doc(lexicon={"Shiatsu": "..."}), "no letter"),
}


@pytest.mark.parametrize(("data", "message"), LOADER_ONLY.values(), ids=LOADER_ONLY.keys())
def test_checks_that_need_the_loader_pass_the_schema_and_fail_the_loader(tmp_path, data, message):
    assert schema_errors(data) == []
    assert message in (loader_error(tmp_path, data) or "")


def test_the_example_in_the_routine_reference_validates_and_loads(tmp_path):
    reference = Path(__file__).parents[2] / "docs" / "routines.md"
    text = reference.read_text(encoding="utf-8")
    example = re.search(r"## A complete example.*?```yaml\n(.*?)```", text, re.S).group(1)
    assert schema_errors(yaml.safe_load(example)) == []
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    loaded = routine.load(path)
    assert [step.name for step in loaded.steps] == ["Settle in", "Basic rub", "Fingertip pushes"]


PACES = [
    (12, True),
    (2, True),
    (60.0, True),
    (1, False),
    (61, False),
    ("12 to 7", True),
    ("12→7", True),
    ("6 to 4.5", True),
    ("12 to 70", False),
    ("1.5 to 7", False),
    ("60.0 to 2", True),
    ("12 - 7", False),
    ("fast", False),
    ("none", True),
    (None, True),
    ({"from": 6}, True),
    ({"from": 6, "to": 4, "sound": "breath", "level": 16}, True),
    ({"to": 4}, False),
    ({"from": 6, "sound": "gong"}, False),
    ({"from": 6, "level": 50}, False),
    ({"from": 6, "speed": 2}, False),
    ([12, 7], False),
]


@pytest.mark.parametrize("value, valid", PACES, ids=[repr(v) for v, _ in PACES])
def test_schema_and_loader_agree_on_every_form_of_a_pace(tmp_path, value, valid):
    for data in (doc(pace=value), doc(steps=[step(pace=value)])):
        assert (schema_errors(data) == []) is valid, schema_errors(data)
        assert (loader_error(tmp_path, data) is None) is valid, loader_error(tmp_path, data)


@pytest.mark.parametrize("sound, valid", [("pulse", True), ("breath", True), ("bell", False)])
def test_schema_and_loader_agree_on_the_pace_sound(tmp_path, sound, valid):
    data = doc(pace=10, pace_sound=sound)
    assert (schema_errors(data) == []) is valid
    assert (loader_error(tmp_path, data) is None) is valid


BEDS = [
    ("ocean", True),
    ("Rain", True),
    ("music/calm.mp3", True),  # a file: whether it plays is checked when the session is prepared
    ("none", True),
    (None, True),
    ("", False),
    (18, False),
    ({"sound": "drone"}, True),
    ({"sound": "ocean", "level": 20, "duck": 15}, True),
    ({"sound": "ocean", "level": 6, "duck": 0}, True),
    ({"sound": "ocean", "level": 5}, False),
    ({"sound": "ocean", "duck": 41}, False),
    ({"level": 20}, False),
    ({"sound": "ocean", "volume": 0.5}, False),
    (["ocean"], False),
]


@pytest.mark.parametrize("value, valid", BEDS, ids=[repr(v) for v, _ in BEDS])
def test_schema_and_loader_agree_on_every_form_of_a_bed(tmp_path, value, valid):
    data = doc(bed=value)
    assert (schema_errors(data) == []) is valid, schema_errors(data)
    assert (loader_error(tmp_path, data) is None) is valid, loader_error(tmp_path, data)


CHIME_LEVELS = [(2, True), (-6, True), (40, True), (0.5, True), (-6.5, False), (41, False),
                ("loud", False), (".nan", False), (None, False)]  # fmt: skip


@pytest.mark.parametrize("value, valid", CHIME_LEVELS, ids=[repr(v) for v, _ in CHIME_LEVELS])
def test_schema_and_loader_agree_on_a_chime_level(tmp_path, value, valid):
    data = doc(chime_level=value)
    if value == ".nan":  # YAML's not-a-number, which JSON cannot hold: the loader alone
        path = tmp_path / "routine.yaml"
        path.write_text("title: T\nchime_level: .nan\nsteps: [{name: A, duration: 1m}]\n")
        with pytest.raises(RoutineError, match="chime_level"):
            routine.load(path)
        return
    assert (schema_errors(data) == []) is valid, schema_errors(data)
    assert (loader_error(tmp_path, data) is None) is valid, loader_error(tmp_path, data)


ENDINGS = [
    ("Spoken once.", True),
    ({"duration": "30s"}, True),
    ({"say": "Warm some oil.", "duration": "30s", "min": "15s", "max": "1m"}, True),
    ({"say": "Warm some oil.", "duration": "30s", "fixed": True}, True),
    ({"name": "Vorbereitung", "say": "Öl wärmen.", "duration": 20, "pace": 6}, True),
    ({"say": "Warm some oil."}, False),  # a part needs its duration
    ({"say": "Warm some oil.", "duration": "0s"}, False),
    ({"say": "Warm some oil.", "duration": "30s", "fixed": True, "min": "10s"}, False),
    ({"say": "Your {side} hand.", "duration": "30s"}, False),
    ({"say": "", "duration": "30s"}, False),
    ({"duration": "30s", "cues": []}, False),
    ({"duration": "30s", "pace": "fast"}, False),
    ("Your {side} hand.", False),
    (["Warm some oil."], False),
]


@pytest.mark.parametrize("key", ["intro", "outro"])
@pytest.mark.parametrize("value, valid", ENDINGS, ids=[repr(v) for v, _ in ENDINGS])
def test_schema_and_loader_agree_on_every_form_of_an_intro_and_outro(tmp_path, key, value, valid):
    data = doc(**{key: value})
    assert (schema_errors(data) == []) is valid, schema_errors(data)
    assert (loader_error(tmp_path, data) is None) is valid, loader_error(tmp_path, data)


LANGUAGES = [("de", True), ("en-us", True), ("pt_BR", True), ("en-gb-x-rp", True),
             ("German", False), ("d", False), ("de-", False), ("", False), (49, False),
             (None, False)]  # fmt: skip


@pytest.mark.parametrize("value, valid", LANGUAGES, ids=[repr(v) for v, _ in LANGUAGES])
def test_schema_and_loader_agree_on_a_language(tmp_path, value, valid):
    data = doc(language=value)
    assert (schema_errors(data) == []) is valid, schema_errors(data)
    assert (loader_error(tmp_path, data) is None) is valid, loader_error(tmp_path, data)


ANNOUNCEMENTS = [("{Side} side.", True), ("Jetzt {side}.", True), ("{side}", True),
                 ("Côté {side}, {Side}.", True), ("Side.", False), ("{hand} side.", False),
                 ("{Side side.", False), ("{Side} {}", False), ("", False),
                 ("s" * 95 + "{side}", False)]  # fmt: skip


@pytest.mark.parametrize("value, valid", ANNOUNCEMENTS, ids=[repr(v) for v, _ in ANNOUNCEMENTS])
def test_schema_and_loader_agree_on_a_side_announcement(tmp_path, value, valid):
    data = doc(side_announcement=value)
    assert (schema_errors(data) == []) is valid, schema_errors(data)
    assert (loader_error(tmp_path, data) is None) is valid, loader_error(tmp_path, data)


# -- closed lists: the schema's are the code's -------------------------------------------------
# Each closed list the schema states (an enum, examples, the names a description lists) is
# compared with the code's own: a member the code gains and the schema lacks fails here.


def listed(text: str, before: str) -> list[str]:
    """The names listed in parentheses after ``before`` in ``text``: ``(bell, soft, end)``,
    or ``(ocean: slow swells; rain: ...)`` (the name before each colon)."""
    found = re.search(rf"{re.escape(before)} \(([^)]*)\)", text)
    assert found, f"no list after {before!r} in {text!r}"
    if ":" in found[1]:
        return [part.split(":")[0].strip() for part in found[1].split(";")]
    return [part.strip() for part in found[1].split(",")]


def test_the_schemas_engines_pace_sounds_and_pace_off_words_are_the_codes():
    from voiceguide import choices

    assert tuple(VOICE["properties"]["engine"]["enum"]) == choices.ENGINES
    # the default depends on what is installed (speech.engines.default): none is written
    assert "default" not in VOICE["properties"]["engine"]
    assert tuple(DEFS["pace_sound"]["enum"]) == fields.PACE_SOUNDS == resources.PACE_SOUNDS
    off = [one for one in DEFS["pace"]["oneOf"] if "enum" in one]
    assert [tuple(one["enum"]) for one in off] == [fields.PACE_OFF]


def test_the_schemas_chimes_are_the_built_in_sounds_and_files_it_reads():
    chime = DEFS["chime"]
    names = sorted(resources.sound_names())
    assert sorted(listed(chime["description"], "A built-in chime")) == names
    assert sorted(listed(chime["patternErrorMessage"], "A built-in name")) == names
    assert sorted(e for e in chime["examples"] if "." not in e) == sorted([*names, "none"])
    for suffix in (".wav", ".flac", ".ogg", ".mp3", ".opus", ".aiff", ".m4a", ".WAV"):
        accepted = jsonschema.Draft202012Validator(chime).is_valid(f"sounds/gong{suffix}")
        assert accepted is (suffix.lower() in resources.SOUND_SUFFIXES), suffix


def test_the_schemas_beds_are_the_built_in_beds_and_the_formats_the_decoder_reads():
    from voiceguide import bed
    from voiceguide.bed import builtin, decode

    assert bed.BUILT_IN == tuple(builtin.BUILT_IN)
    text = DEFS["bed"]["oneOf"][0]
    sound = DEFS["bed"]["oneOf"][2]["properties"]["sound"]["oneOf"][0]
    assert text == sound  # the bed's name as a string and as the mapping's sound
    assert listed(text["description"], "A built-in bed") == list(bed.BUILT_IN)
    assert listed(text["description"], "a sound file") == decode.FORMATS.split(", ")
    assert [e for e in text["examples"] if "." not in e] == [*bed.BUILT_IN, "none"]
    assert all(name in DEFS["bed"]["description"] for name in ("built-in", "none"))

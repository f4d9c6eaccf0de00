"""Property-based fuzzing of the routine loader and planner (hypothesis).

The property: whatever the bytes, voiceguide either builds a valid plan or raises a
``RoutineError`` that names the file and a line (or a ``UsageError`` for a length the routine
cannot take). Any other exception, a hang, or a plan that breaks its own invariants is a bug.
"""

from __future__ import annotations

import math
import os

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from voiceguide import resources, routine, session
from voiceguide.errors import RoutineError, UsageError

EXAMPLES = int(os.environ.get("VOICEGUIDE_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SHIPPED = [resources.find_routine(n).read_text() for n in resources.routine_names()]


def outcome(path, renderer, length=None) -> str:
    """Load and plan ``path``; return what happened, failing the test on anything else."""
    try:
        loaded = routine.load(path)
    except RoutineError as error:
        assert error.line is not None and error.line >= 1, error
        assert str(error).startswith(f"{path}:{error.line}: "), error
        assert_one_line_each_in_line_order(error, path)
        return "invalid"
    try:
        prepared = session.prepare(str(path), session.Options(length), renderer)
    except UsageError as error:
        assert "cannot fit" in str(error)
        return "unfittable"
    except RoutineError as error:  # e.g. an unknown voice: still file and line
        assert error.line is not None, error
        assert_one_line_each_in_line_order(error, path)
        return "invalid"
    built = prepared.plan
    assert math.isfinite(built.length) and built.length > 0
    assert built.steps[0].start == 0 and built.steps[-1].end == pytest.approx(built.length)
    cues = [e for e in built.events if e.kind != "pulse"]  # beats may sound under speech
    for before, after in zip(cues, cues[1:], strict=False):
        assert before.end <= after.at + 1e-6
    assert all(0 <= e.at and e.end <= built.length + 1e-6 for e in built.events)
    if length is not None:
        assert built.length == pytest.approx(length, abs=0.1)
    assert loaded.title
    return "planned"


def assert_one_line_each_in_line_order(error: RoutineError, path) -> None:
    """Every problem of ``error`` is one ``FILE:LINE: ...`` line, the lines in order."""
    lines = str(error).splitlines()
    assert len(lines) == len(error.errors), error
    numbers = []
    for line, each in zip(lines, error.errors, strict=True):
        assert line == str(each) and line.startswith(f"{path}:{each.line}: "), line
        numbers.append(each.line)
    assert numbers == sorted(numbers), error


@FUZZ
@given(text=st.text(max_size=400))
@pytest.mark.slow
def test_random_text_is_a_plan_or_a_routine_error_with_a_line(text, renderer, tmp_path):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))  # a lone surrogate: bytes no UTF-8 has
    outcome(path, renderer)


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_are_a_plan_or_a_routine_error_with_a_line(data, renderer, tmp_path):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    outcome(path, renderer)


MUTATION = st.sampled_from(
    ["delete", "insert", "duplicate_line", "swap_lines", "replace_value", "drop_line", "indent"]
)
TOKENS = st.sampled_from(
    [
        "",
        "-1",
        "0",
        "1e999",
        ".nan",
        ".inf",
        "-.inf",
        "99999999999999999999",
        "[]",
        "{}",
        "null",
        "~",
        "true",
        "'\x07'",
        '"\\u0000"',
        "*a",
        "&a x",
        "1:99",
        "50%",
        "150%",
        "-0s",
        "3m",
        "\U0001f600",
        "é" * 50,
        "x" * 700,
        "{side}",
        "{nope}",
        "[left, left]",
        "[1, 2]",
        "!!python/object x",
        "!!binary aGk=",
        "? complex",
        "|",
        ">-",
        "'",
        '"',
        "%",
        "@",
        "`",
    ]
)


def mutate(text: str, mutations, draw) -> str:
    lines = text.splitlines()
    for kind in mutations:
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete" and lines[i]:
            j = draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:j] + lines[i][j + 1 :]
        elif kind == "insert":
            j = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:j] + draw(st.characters()) + lines[i][j:]
        elif kind == "duplicate_line":
            lines.insert(i, lines[i])
        elif kind == "swap_lines":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "replace_value" and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {draw(TOKENS)}"
        elif kind == "drop_line":
            del lines[i]
        elif kind == "indent":
            lines[i] = "  " + lines[i]
    return "\n".join(lines) + "\n"


@FUZZ
@given(data=st.data())
@pytest.mark.slow
def test_mutated_shipped_routines_are_a_plan_or_a_routine_error(data, renderer, tmp_path):
    source = data.draw(st.sampled_from(SHIPPED))
    mutations = data.draw(st.lists(MUTATION, min_size=1, max_size=4))
    path = tmp_path / "mutant.yaml"
    path.write_bytes(mutate(source, mutations, data.draw).encode("utf-8", "surrogatepass"))
    length = data.draw(st.one_of(st.none(), st.floats(60, 4 * 3600)))
    outcome(path, renderer, length)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["90s", "3m", "1m30s", "1:30", "-15s", "50%", "bell", "soft", "none", "en"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
STEP = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=20), VALUES)},
    optional={
        "say": st.one_of(st.text(max_size=80), VALUES),
        "duration": st.one_of(st.sampled_from(["30s", "1m", "2m", "1:30", 45]), VALUES),
        "min": st.one_of(st.sampled_from(["10s", "1m"]), VALUES),
        "max": st.one_of(st.sampled_from(["5m", "10m"]), VALUES),
        "fixed": VALUES,
        "sides": st.one_of(st.just(["left", "right"]), VALUES),
        "between": VALUES,
        "cues": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "at": st.one_of(st.sampled_from(["50%", "10s", "-5s"]), VALUES),
                    "every": st.one_of(st.sampled_from(["20s"]), VALUES),
                    "say": st.text(max_size=40),
                    "chime": VALUES,
                },
            ),
            max_size=3,
        ),
    },
)
ROUTINE = st.fixed_dictionaries(
    {"title": st.one_of(st.text(max_size=30), VALUES), "steps": st.lists(STEP, max_size=4)},
    optional={
        "length": VALUES,
        "voice": VALUES,
        "chime": VALUES,
        "intro": VALUES,
        "outro": VALUES,
        "between": st.one_of(STEP, VALUES),
        "description": VALUES,
        "extra": VALUES,
    },
)


@FUZZ
@given(document=ROUTINE)
@pytest.mark.slow
def test_structured_hostile_routines_are_a_plan_or_a_routine_error(document, renderer, tmp_path):
    try:
        text = yaml.safe_dump(document, allow_unicode=True)
    except yaml.YAMLError:
        assume(False)
    path = tmp_path / "structured.yaml"
    path.write_text(text)
    outcome(path, renderer)


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
        "title: " + "[" * 100_000,
        "title: " + "{a: " * 3000 + "}" * 3000,
        "\x00\x01\x02",
        "",
        "\ufeff",
        "title: T\nsteps:\n" + "  - {name: s, duration: 1}\n" * 10_000,
        "title: T\nlength: 1e309\nsteps: [{name: s, duration: 1m}]\n",
        "title: T\nsteps: [{name: s, duration: 86401}]\n",
        'title: T\nsteps: [{name: "\\u202e\\u0007", duration: 1m}]\n',
        "title: !!python/object:os.system echo\nsteps: []\n",
    ],
)
def test_known_hostile_inputs_fail_cleanly(text, renderer, tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    assert outcome(path, renderer) == "invalid"

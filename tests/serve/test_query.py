"""A request's parameters are read as the command line reads its options, and refused with
the command line's words."""

from __future__ import annotations

import pytest

from voiceguide import session
from voiceguide.serve import query

# (parameter, value, the command line's option)
REFUSED = [
    ("length", "2x", "--length"),
    ("length", "0", "--length"),
    ("length", "-5m", "--length"),
    ("pace", "3", "--pace"),
    ("pace", "500%", "--pace"),
    ("rate", "5", "--rate"),
    ("rate", "fast", "--rate"),
    ("engine", "festival", "--engine"),
    ("bed_level", "nan", "--bed-level"),
    ("bed_level", "99", "--bed-level"),
    ("duck", "x", "--duck"),
]


@pytest.mark.parametrize(("name", "value", "option"), REFUSED)
def test_a_bad_value_is_refused_with_the_command_lines_reason(run, name, value, option):
    result = run("plan", "neck-stretch", option, value)
    assert result.exit_code == 2
    said = result.output.strip().splitlines()[-1]
    assert said.startswith("Error: Invalid value for ")
    reason = said.split(": ", 2)[2]
    with pytest.raises(query.BadQuery) as caught:
        query.parse({"routine": "neck-stretch", name: value})
    assert str(caught.value) == f"Invalid value for {name!r}: {reason}"
    assert caught.value.exit_status == 2


def test_the_options_are_those_of_the_command_line():
    asked = query.parse(
        {
            "routine": "back-massage",
            "length": "10m",
            "engine": "espeak",
            "voice": "en-us",
            "rate": "140",
            "pace": "80%",
            "bed": "Ocean",
            "bed_level": "20",
            "duck": "-0",
            "token": "ignored",
        }
    )
    assert asked.routine == "back-massage"
    assert asked.options == session.Options(600.0, "en-us", 140, 0.8, "espeak", "ocean", 20.0, 0.0)
    assert query.parse({"routine": "x", "pace": "off"}).options.pace == 0.0
    assert query.parse({"routine": "x", "length": ""}).options == session.Options()


def test_a_bed_is_a_built_in_name_never_a_file():
    with pytest.raises(query.BadQuery, match=r"Invalid value for 'bed': '/etc/passwd' is not one"):
        query.parse({"routine": "x", "bed": "/etc/passwd"})
    assert query.parse({"routine": "x", "bed": "off"}).options.bed == "none"


def test_an_unknown_parameter_or_a_missing_routine_is_refused():
    with pytest.raises(query.BadQuery, match=r"unknown parameter 'lenght': use routine, length"):
        query.parse({"routine": "x", "lenght": "10m"})
    with pytest.raises(query.BadQuery, match=r"Missing parameter 'routine'"):
        query.parse({"length": "10m"})

import math

import pytest

from voiceguide import durations


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("3m", 180),
        ("1m30s", 90),
        ("1h20m", 4800),
        ("2.5m", 150),
        ("1:30", 90),
        ("1:02:30", 3750),
        ("-15s", -15),
        (45, 45),
        (1.5, 1.5),
        ("1 m 30 s", 90),
    ],
)
def test_every_documented_spelling_is_read_as_seconds(text, seconds):
    assert durations.parse(text) == seconds


@pytest.mark.parametrize(
    "text", ["abc", "", "nan", "inf", "-inf", "1:75", "s", "3x", True, math.nan, "1e400"]
)
def test_anything_else_is_refused_with_the_syntax_named(text):
    with pytest.raises(ValueError, match="a duration like 90s, 3m"):
        durations.parse(text)


def test_format_and_humanize_round_trip_through_parse():
    assert durations.format(3725.5, millis=True) == "1:02:05.500"
    assert durations.format(65) == "1:05"
    for seconds in (5, 65, 600, 3600, 3725):
        assert durations.parse(durations.humanize(seconds)) == seconds


@pytest.mark.parametrize("text", ["--15", "1e3", "1_000", "+5", "- -3s"])
def test_numbers_are_plain_decimals_only(text):
    with pytest.raises(ValueError):
        durations.parse(text)

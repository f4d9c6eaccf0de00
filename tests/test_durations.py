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


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2 min", 120),
        ("2 mins", 120),
        ("2 minutes", 120),
        ("1 minute", 60),
        ("90 seconds", 90),
        ("1 second", 1),
        ("10 secs", 10),
        ("2 hrs", 7200),
        ("1 hr", 3600),
        ("1 hour 30 minutes", 5400),
        ("1.5 hours", 5400),
        ("2min30sec", 150),
        ("-15 seconds", -15),
    ],
)
def test_units_may_be_written_out_with_or_without_spaces(text, seconds):
    assert durations.parse(text) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("2 min 30", 150), ("1m30", 90), ("1h 30", 5400), ("1h30", 5400), ("1h 2m 3", 3723)],
)
def test_a_bare_number_after_a_unit_counts_in_the_next_smaller_unit(text, seconds):
    assert durations.parse(text) == seconds


@pytest.mark.parametrize("text", ["1h 30 15", "30s 5", "1 2", "1 1m", "1m 1h", "1m1m", "1 ms"])
def test_units_come_largest_first_once_each_and_a_bare_number_only_last(text):
    with pytest.raises(ValueError, match="a duration like 90s, 3m, 1m30s, 2 min 30"):
        durations.parse(text)


def test_units_in_capitals_are_refused_with_the_lower_case_spelling_to_use():
    with pytest.raises(ValueError, match="write the units in lower case: '2 minutes'"):
        durations.parse("2 Minutes")


def test_a_long_run_of_digits_is_refused_at_once():
    # a regular expression repeating (\d+\s*[a-z]*)+ would backtrack for ages here
    with pytest.raises(ValueError):
        durations.parse("1" * 64 + "!")


def test_format_and_humanize_round_trip_through_parse():
    assert durations.format(3725.5, millis=True) == "1:02:05.500"
    assert durations.format(65) == "1:05"
    for seconds in (5, 65, 600, 3600, 3725):
        assert durations.parse(durations.humanize(seconds)) == seconds


@pytest.mark.parametrize("text", ["--15", "1e3", "1_000", "+5", "- -3s"])
def test_numbers_are_plain_decimals_only(text):
    with pytest.raises(ValueError):
        durations.parse(text)

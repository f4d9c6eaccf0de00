"""Parse and format durations. Every duration is a float number of seconds.

Accepted spellings: ``90`` (seconds), ``90s``, ``3m``, ``1m30s``, ``1h20m``, ``2.5m``, ``1:30``
(minutes:seconds) and ``1:02:30`` (hours:minutes:seconds). A unit may be written out:
``h``/``hr``/``hrs``/``hour``/``hours``, ``m``/``min``/``mins``/``minute``/``minutes``,
``s``/``sec``/``secs``/``second``/``seconds``, with or without spaces (``2 min 30 sec``). The
units come largest first, each once; a bare number after the last unit counts in the next
smaller unit: ``2 min 30`` is 150 seconds, ``1h 30`` is 90 minutes. Units are lower case.
Bounds and non-finite values are the caller's business; this module only reads and writes the
syntax.
"""

from __future__ import annotations

import math
import re

_UNITS = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600.0),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60.0),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1.0),
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)\s*")
_CLOCK = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>[0-5]?\d(?:\.\d+)?)$")
_NUMBER = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)$")
SYNTAX = "a duration like 90s, 3m, 1m30s, 2 min 30, 1h, 1:30 or a number of seconds"


def parse(text: str | int | float) -> float:
    """Return the number of seconds ``text`` spells. Raises ``ValueError`` naming the syntax."""
    if isinstance(text, bool):
        raise ValueError(f"expected {SYNTAX}, got {text!r}")
    if isinstance(text, int | float):
        return _finite(float(text), text)
    raw = str(text).strip()
    sign = -1.0 if raw.startswith("-") else 1.0
    body = raw[1:].strip() if sign < 0 else raw
    if _NUMBER.match(body):
        return sign * _finite(float(body), text)
    clock = _CLOCK.match(body)
    if clock is not None:
        parts = clock.groupdict()
        seconds = float(parts["h"] or 0) * 3600 + float(parts["m"]) * 60 + float(parts["s"])
        return sign * _finite(seconds, text)
    units = _in_units(body)
    if units is None:
        if body != body.lower() and _in_units(body.lower()) is not None:
            raise ValueError(f"write the units in lower case: {raw.lower()!r}, not {text!r}")
        raise ValueError(f"expected {SYNTAX}, got {text!r}")
    return sign * _finite(units, text)


def is_bare_number(text: str) -> bool:
    """Whether ``text`` is digits without a unit (``"20"``, ``"2.5"``): seconds, as written."""
    return bool(_NUMBER.match(text.strip()))


def _in_units(body: str) -> float | None:
    """Seconds of a ``1h 2m 3s``-like ``body`` (a bare last number takes the next smaller
    unit), or ``None`` if it is not written so."""
    parts = _parts(body)
    if not parts:
        return None
    seconds, previous = 0.0, math.inf  # the unit of the part before, in seconds
    for index, (number, word) in enumerate(parts):
        if word:
            unit = _UNITS.get(word)
        elif index == len(parts) - 1 and previous in (3600.0, 60.0):
            unit = previous / 60  # "2 min 30": seconds; "1h 30": minutes
        else:
            unit = None
        if unit is None or unit >= previous:  # unknown, or not largest first
            return None
        seconds += float(number) * unit
        previous = unit
    return seconds


def _parts(body: str) -> list[tuple[str, str]] | None:
    """``"2 min 30"`` -> ``[("2", "min"), ("30", "")]``; ``None`` if anything else is in it.

    Matched part by part from where the last ended: one regular expression repeating
    ``\\d+\\s*[a-z]*`` would backtrack exponentially on a long run of digits.
    """
    parts, position = [], 0
    while position < len(body):
        match = _PART.match(body, position)
        if match is None:
            return None
        parts.append((match[1], match[2]))
        position = match.end()
    return parts


def _finite(value: float, original: object) -> float:
    if not math.isfinite(value):
        raise ValueError(f"expected {SYNTAX}, got {original!r}")
    return value


def format(seconds: float, millis: bool = False) -> str:  # noqa: A001 - module-level name
    """``3725.5`` -> ``"1:02:05"`` (or ``"1:02:05.500"`` with ``millis``)."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    total_ms = round(seconds * 1000)
    whole, ms = divmod(total_ms, 1000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{sign}{text}.{ms:03d}" if millis else f"{sign}{text}"


def humanize(seconds: float) -> str:
    """``3725`` -> ``"1h02m05s"``: the form a user can paste back into ``--length``."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s" if secs else f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
    return f"{secs}s"

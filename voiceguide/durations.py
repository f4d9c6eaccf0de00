"""Parse and format durations. Every duration is a float number of seconds.

Accepted spellings: ``90`` (seconds), ``90s``, ``3m``, ``1m30s``, ``1h20m``, ``2.5m``, ``1:30``
(minutes:seconds) and ``1:02:30`` (hours:minutes:seconds). Bounds and non-finite values are the
caller's business; this module only reads and writes the syntax.
"""

from __future__ import annotations

import math
import re

_UNITS = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*h)?\s*(?:(?P<m>\d+(?:\.\d+)?)\s*m(?:in)?)?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*s(?:ec)?)?$"
)
_CLOCK = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>[0-5]?\d(?:\.\d+)?)$")
_NUMBER = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)$")
SYNTAX = "a duration like 90s, 3m, 1m30s, 1h, 1:30 or a number of seconds"


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
    match = _CLOCK.match(body) or _UNITS.match(body)
    if not body or match is None or not any(match.groupdict().values()):
        raise ValueError(f"expected {SYNTAX}, got {text!r}")
    parts = match.groupdict()
    seconds = float(parts["h"] or 0) * 3600 + float(parts["m"] or 0) * 60 + float(parts["s"] or 0)
    return sign * _finite(seconds, text)


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

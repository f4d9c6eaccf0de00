"""Fit a routine to a session length.

Fixed parts keep their time; every flexible part is scaled by one common factor ``s`` (its
written duration times ``s``), clamped to its own [min, max]. ``s`` is found by bisection on the
monotone function "total length for factor s"; the tiny remainder is given to the parts that are
not at a bound, so the result sums to the asked length to float precision. All in seconds.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from voiceguide import durations
from voiceguide.errors import UsageError
from voiceguide.routine import Routine, Step


class Unfittable(UsageError):
    """A length the routine cannot be fitted to. ``reason`` is the message without the file's
    name, for a caller that names the routine's ``length:`` line instead."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path.name}: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Part:
    """A stretch of the session: written ``duration``; may scale within [``low``, ``high``]."""

    duration: float
    low: float
    high: float
    count: int = 1  # how many times it occurs (an interlude occurs between several steps)

    @property
    def fixed(self) -> bool:
        return self.low == self.high == self.duration


def bounds(parts: list[Part]) -> tuple[float, float]:
    """Shortest and longest total length (seconds) these parts can take."""
    return (sum(p.low * p.count for p in parts), sum(p.high * p.count for p in parts))


def solve(parts: list[Part], target: float) -> list[float]:
    """Durations (one per part) whose counted sum is ``target`` seconds.

    Raises ``ValueError`` when ``target`` lies outside ``bounds(parts)``.
    """
    low, high = bounds(parts)
    if not low - 1e-9 <= target <= high + 1e-9:
        raise ValueError(f"target {target} outside [{low}, {high}]")

    def total(scale: float) -> float:
        return sum(_clamp(p, scale) * p.count for p in parts)

    lo, hi = 0.0, max((p.high / p.duration for p in parts if not p.fixed), default=1.0)
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if total(mid) < target else (lo, mid)
    result = [_clamp(p, hi) for p in parts]
    _spread_remainder(parts, result, target)
    return result


def _clamp(part: Part, scale: float) -> float:
    return min(part.high, max(part.low, part.duration * scale))


def _spread_remainder(parts: list[Part], result: list[float], target: float) -> None:
    remainder = target - sum(d * p.count for d, p in zip(result, parts, strict=True))
    free = [i for i, p in enumerate(parts) if p.low < result[i] < p.high]
    weight = sum(parts[i].count * result[i] for i in free)
    for i in free:
        result[i] += remainder * result[i] / weight


INTERLUDE = -1  # the interlude's key among the parts (steps are keyed by their index)
GET_READY = -2  # the intro written as a part (``Routine.get_ready``)
REST = -3  # the outro written as a part (``Routine.rest``)


def routine_parts(routine: Routine, floors: dict[int, float]) -> dict[int, Part]:
    """Every part the fitter scales, by key: each step by its index, the interlude
    (``INTERLUDE``, counted once per occurrence), the get-ready (``GET_READY``) and the rest
    (``REST``) when the routine has them.

    ``floors`` maps a key to the least time its spoken words need (with the chime for a
    step); a flexible part never shrinks below it (unless its max is lower).
    """
    parts = {i: _part(step, floors.get(i, 0.0)) for i, step in enumerate(routine.steps)}
    count = interlude_count(routine)
    if routine.interlude is not None and count:
        parts[INTERLUDE] = dataclasses.replace(
            _part(routine.interlude, floors.get(INTERLUDE, 0.0)), count=count
        )
    for key, part in ((GET_READY, routine.get_ready), (REST, routine.rest)):
        if part is not None:
            parts[key] = _part(part, floors.get(key, 0.0))
    return parts


def interlude_count(routine: Routine) -> int:
    """How many times the interlude is inserted (after each step that allows it, but the last)."""
    if routine.interlude is None:
        return 0
    return sum(1 for step in routine.steps[:-1] if step.interlude_after)


def _part(step: Step, floor: float) -> Part:
    if step.fixed:
        return Part(step.duration, step.duration, step.duration)
    low = min(max(step.min, floor), step.max)
    return Part(step.duration, low, step.max)


def fit(routine: Routine, length: float, overhead: float, floors: dict[int, float]) -> Routine:
    """Return ``routine`` with its parts' durations scaled so the session lasts ``length``
    seconds: the steps, the interlude, the get-ready and the rest (``routine_parts``).

    ``overhead`` is the fixed time outside them (an intro or outro written as text, the
    closing). Raises ``Unfittable`` naming the shortest and longest possible length when
    ``length`` cannot be met.
    """
    parts = routine_parts(routine, floors)
    low, high = bounds(list(parts.values()))
    if not math.isfinite(length) or not low + overhead - 1e-6 <= length <= high + overhead + 1e-6:
        raise Unfittable(
            routine.path,
            f"cannot fit {durations.humanize(length)}; this routine takes "
            f"{span(low + overhead, high + overhead)}",
        )
    solved = dict(
        zip(parts, solve(list(parts.values()), min(max(length - overhead, low), high)), strict=True)
    )

    def scaled(step: Step, key: int) -> Step:
        return dataclasses.replace(step, duration=solved[key]) if key in solved else step

    return dataclasses.replace(
        routine,
        steps=tuple(scaled(step, i) for i, step in enumerate(routine.steps)),
        interlude=routine.interlude and scaled(routine.interlude, INTERLUDE),
        get_ready=routine.get_ready and scaled(routine.get_ready, GET_READY),
        rest=routine.rest and scaled(routine.rest, REST),
    )


def length_range(
    routine: Routine, overhead: float, floors: dict[int, float]
) -> tuple[float, float]:
    """Shortest and longest session (seconds) this routine can be fitted to."""
    low, high = bounds(list(routine_parts(routine, floors).values()))
    return low + overhead, high + overhead


def shown_range(low: float, high: float) -> tuple[int, int]:
    """``low`` and ``high`` (seconds) in whole seconds for people: rounded inwards, so that
    every length shown can be met, unless no whole second lies between them; then each is
    rounded to the nearest (an all-fixed routine's 245.3 s to 245.3 s showed as "from 4m06s
    to 4m05s")."""
    inner = math.ceil(low - 1e-6), math.floor(high + 1e-6)
    return inner if inner[0] <= inner[1] else (round(low), round(high))


def span(low: float, high: float, start: str = "from ") -> str:
    """``"from 1m10s to 5m10s"`` (``start`` first), or ``"only 4m05s"`` when that is all it
    can be: the lengths (``shown_range``) a routine fits, as every message says them."""
    shortest, longest = shown_range(low, high)
    if shortest == longest:
        return f"only {durations.humanize(shortest)}"
    return f"{start}{durations.humanize(shortest)} to {durations.humanize(longest)}"

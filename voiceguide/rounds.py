"""Fitting beyond a routine's range: rounds above its longest, optional steps left out below
its shortest. All lengths in seconds.

Within the range ``fit.fit`` does it all and nothing here changes. Asked for more than the
longest, the steps marked ``repeat: true`` are played again in rounds: each run of
consecutive repeatable steps repeats as a block in its place (``A [B C] D`` in 3 rounds is
``A B C B C B C D``), every run the same number of rounds. Of the round counts whose range
holds the length, the one whose *written* length is nearest is taken (the steps then stay
closest to their written durations; a tie takes fewer rounds). Asked for less than the
shortest, the steps marked ``optional: true`` are left out, the last ones first, as few as
the length allows. Either way the routine made is fitted by ``fit.fit``, so the plan is as
exact as any other. A length none of these can meet is an ``Unfittable`` whose one line
says the lengths that can be met nearest to it and what to mark.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence

from voiceguide import durations, fit
from voiceguide.routine import Routine, Step

MAX_STEPS = 2000  # steps a routine in rounds may have: bounds the work and the plan
Floors = Callable[[Routine], dict[int, float]]  # ``plan.Timing.floors``


def fit_length(routine: Routine, length: float, overhead: float, floors: Floors) -> Routine:
    """``routine`` fitted to ``length`` seconds: as ``fit.fit`` within its range, else in
    rounds or without optional steps (see the module docstring). ``overhead`` is the fixed
    time outside the steps; ``floors(r)`` the least time each step of ``r`` needs."""
    low, high = fit.length_range(routine, overhead, floors(routine))
    if not math.isfinite(length) or low - 1e-6 <= length <= high + 1e-6:
        return fit.fit(routine, length, overhead, floors(routine))
    if length > high:
        tried = _round_ranges(routine, length, overhead, floors)
    else:
        tried = list(_omissions(routine, length, overhead, floors))
    fitting = [
        (made, written)
        for made, _, lo, hi, written in tried
        if made is not None and lo <= length <= hi  # made: None only outside its range
    ]
    if fitting:
        made, _ = min(fitting, key=lambda mw: abs(mw[1] - length))  # first of a tie: fewer
        return fit.fit(made, length, overhead, floors(made))
    refusal = _refusal(length, (low, high), tried, length > high)
    raise fit.Unfittable(routine.path, refusal)


Variant = tuple[Routine | None, str, float, float, float]  # made, how, shortest, longest, written


def _round_ranges(
    routine: Routine, length: float, overhead: float, floors: Floors
) -> list[Variant]:
    """The ``Variant`` of each round count near ``length``: the one or more whose range
    holds it, else the nearest below and above. Every range is linear in the count (a
    round adds the same steps, interludes and floors), so two routines made tell them all."""
    first, second = in_rounds(routine, 1), in_rounds(routine, 2)
    if first is None or second is None:
        return []
    one = (*fit.length_range(first, overhead, floors(first)), written_length(first) + overhead)
    two = (*fit.length_range(second, overhead, floors(second)), written_length(second) + overhead)
    step = [b - a for a, b in zip(one, two, strict=True)]

    def at(count: int) -> tuple[float, float, float]:
        low, high, written = (a + (count - 1) * d for a, d in zip(one, step, strict=True))
        return low, high, written

    most = max(2, (MAX_STEPS - len(routine.steps)) // max(1, _repeated(routine)) + 1)
    lowest = max(2, math.ceil((length - one[1]) / step[1]) + 1 if step[1] > 0 else 2)
    highest = math.floor((length - one[0]) / step[0]) + 1 if step[0] > 0 else most
    counts: Sequence[int] = range(lowest, min(highest, most) + 1)
    if not counts:  # the nearest on either side
        counts = [c for c in (lowest - 1, lowest) if 2 <= c <= most] or [most]
    elif len(counts) > 1:  # the written length nearest: the count for it, and its neighbours
        best = round((length - one[2]) / step[2]) + 1 if step[2] > 0 else lowest
        best = min(max(best, counts[0]), counts[-1])
        counts = [c for c in (best - 1, best, best + 1) if c in counts]
    made: list[Variant] = []
    for count in counts:
        low, high, written = at(count)
        inside = low - 1e-6 <= length <= high + 1e-6
        routine_made = in_rounds(routine, count) if inside else None
        made.append((routine_made, f"in {count} rounds", low - 1e-6, high + 1e-6, written))
    return made


def _omissions(
    routine: Routine, length: float, overhead: float, floors: Floors
) -> Iterator[Variant]:
    """The ``Variant`` of each count of optional steps left out (the last ones first),
    until one's longest is under ``length``."""
    for count in range(1, _optional_count(routine) + 1):
        made = without_optional(routine, count)
        if made is None:
            return
        low, high = fit.length_range(made, overhead, floors(made))
        yield made, _left_out(count), low - 1e-6, high + 1e-6, written_length(made) + overhead
        if high < length:
            return


def _left_out(count: int) -> str:
    return f"without {'its last optional step' if count == 1 else f'{count} optional steps'}"


def _repeated(routine: Routine) -> int:
    return sum(1 for step in routine.steps if step.repeat)


def in_rounds(routine: Routine, rounds: int) -> Routine | None:
    """``routine`` with each run of repeatable steps played ``rounds`` times in its place,
    every step numbered as written and a repeated one with its round; None when it has no
    repeatable step or the result would pass ``MAX_STEPS``."""
    numbered = _numbered(routine)
    runs = _runs(numbered, lambda step: step.repeat)
    repeated = sum(len(run) for run, marked in runs if marked)
    if not repeated or rounds < 1 or len(numbered) + repeated * (rounds - 1) > MAX_STEPS:
        return None
    steps: list[Step] = []
    for run, marked in runs:
        if not marked:
            steps += run
            continue
        for number in range(1, rounds + 1):
            steps += [dataclasses.replace(step, round=number) for step in run]
    return dataclasses.replace(routine, steps=tuple(steps))


def without_optional(routine: Routine, count: int) -> Routine | None:
    """``routine`` without its last ``count`` optional steps (None: it has fewer, or none
    would be left)."""
    numbered = _numbered(routine)
    optional = [i for i, step in enumerate(numbered) if step.optional]
    if not 1 <= count <= len(optional) or count >= len(numbered):
        return None
    dropped = set(optional[-count:])
    kept = tuple(step for i, step in enumerate(numbered) if i not in dropped)
    return dataclasses.replace(routine, steps=kept)


def written_length(routine: Routine) -> float:
    """Seconds the steps and interludes of ``routine`` last as written (no overhead)."""
    interlude = (
        routine.interlude.duration * fit.interlude_count(routine) if routine.interlude else 0
    )
    return sum(step.duration for step in routine.steps) + interlude


def _optional_count(routine: Routine) -> int:
    return sum(1 for step in routine.steps if step.optional)


def _numbered(routine: Routine) -> list[Step]:
    """The steps, each knowing its number as written."""
    return [
        step if step.number is not None else dataclasses.replace(step, number=index)
        for index, step in enumerate(routine.steps, start=1)
    ]


def _runs(steps: list[Step], marked: Callable[[Step], bool]) -> list[tuple[list[Step], bool]]:
    """``steps`` cut into runs of consecutive steps alike in ``marked``."""
    runs: list[tuple[list[Step], bool]] = []
    for step in steps:
        if runs and runs[-1][1] == marked(step):
            runs[-1][0].append(step)
        else:
            runs.append(([step], marked(step)))
    return runs


def _refusal(
    length: float, written: tuple[float, float], tried: list[Variant], longer: bool
) -> str:
    """The one line: the length, the range as written, the nearest ranges on either side of
    ``length`` among those ``tried``, and what to mark."""
    said = f"cannot fit {durations.humanize(length)}; this routine takes {fit.span(*written)}"
    below = [t for t in tried if t[3] < length]
    above = [t for t in tried if t[2] > length]
    near = ([max(below, key=lambda t: t[3])] if below else []) + (
        [min(above, key=lambda t: t[2])] if above else []
    )
    for _, how, low, high, _ in near:
        said += f", {how} {fit.span(low + 1e-6, high - 1e-6)}"
    key, purpose = (
        ("repeat", "play them again in rounds")
        if longer
        else ("optional", "leave them out of shorter sessions")
    )
    more = "more steps" if tried else "steps"
    return f"{said}; mark {more} {key}: true to {purpose}"

"""The pace guide's beats as plan events: where each falls, how long it sounds, how loud.

In every stretch of the plan with a pace (``PlanStep.pace``, rates already scaled), beat ``k``
falls where the integral of the gliding rate reaches ``k`` (``voiceguide.pace``). Then:

* no beat within ``CHIME_CLEARANCE`` seconds of a chime's onset (a step's chime rings at
  its boundary, where beat 0 would fall): the chime is heard alone;
* a ``pulse`` sounds its clip; a ``breath`` lasts until the next beat (its period), so that
  one breath follows the next with no gap; a last breath that would not end before its
  stretch does is shortened to fit, or left out when less than ``LAST_BREATH`` of it fits;
* in the closing part (a rest with a pace), the beats stop ``END_CLEAR`` seconds before the
  end chime, which is heard alone (as the bed leaves it);
* a beat sits ``pace.level`` LU under the speech (``gain_db = -level``), and ``DUCK_DB``
  further down when any speech is heard during it (``SPEECH_GUARD`` seconds around included):
  the rhythm goes on, quieter, and never masks a word.

Pure: no clock, no disk. The live player calls ``pulse_events`` again, from the moment the
listener changes the pace, with ``since`` and ``factor``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from voiceguide import pace as glide
from voiceguide.plan.model import Event, EventKind, PlanStep, StepKind
from voiceguide.resources import PaceSound
from voiceguide.routine import Pace, Sound

CHIME_CLEARANCE = 0.3  # seconds: no beat this close to a chime's onset
DUCK_DB = 12.0  # how much quieter a beat is under speech
SPEECH_GUARD = 0.1  # seconds before and after speech that count as under it
LAST_BREATH = 0.6  # the least share of its period a last breath keeps
END_CLEAR = 1.0  # seconds of no beat before the end chime


def pulse_events(
    steps: Sequence[PlanStep],
    events: Sequence[Event],
    clip_seconds: Callable[[Sound], float],
    factor: float = 1.0,
    since: float | None = None,
    last_beat: float | None = None,
) -> list[Event]:
    """The beats of every paced stretch in ``steps``, as ``PULSE`` events in time order.

    ``events`` are the plan's other events (chimes keep beats away, speech ducks them);
    ``clip_seconds(sound)`` is a pulse clip's length. ``factor`` scales every rate (the live
    ``[``/``]`` keys). With ``since`` (seconds), only beats after it are made: the stretch
    under way there goes on from its ``last_beat`` (the time of the last beat that sounded
    in it, if any), one new period later, then along its glide at the new rate.
    """
    chimes = np.array(sorted(e.at for e in events if e.kind == EventKind.CHIME))
    speech = sorted((e.at, e.end) for e in events if e.kind == EventKind.SPEECH)
    starts = np.array([s for s, _ in speech])
    ends = np.array([e for _, e in speech])
    out: list[Event] = []
    for index, step in enumerate(steps):
        if step.pace is None or (since is not None and step.end <= since):
            continue
        times, periods = _beats(step, step.pace, factor, since, last_beat)
        stop = _stop(step, index, events)
        keep = _clear_of(times, chimes) & (times < stop)
        for at, period in zip(times[keep], periods[keep], strict=True):
            seconds = _length(step.pace, stop, at, period, clip_seconds)
            if seconds is None:
                continue
            ducked = _under_speech(at, at + seconds, starts, ends)
            gain_db = -step.pace.level - (DUCK_DB if ducked else 0.0)
            out.append(Event(float(at), EventKind.PULSE, seconds, index, sound=step.pace.sound,
                             gain_db=gain_db))  # fmt: skip
    return out


def _beats(
    step: PlanStep, pace: Pace, factor: float, since: float | None, last_beat: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Beat times in ``step`` (seconds from the session start; ``pace`` its pace) and each
    one's period."""
    begin, stop = step.start, step.end
    length = stop - begin
    rates = (pace.start * factor, pace.end * factor)
    if since is None or since <= begin:
        times = glide.beat_times(pace.start, pace.end, begin, stop, scale=factor)
    else:  # going on from the last beat heard (or the stretch's start), at the new rate
        origin = begin if last_beat is None or last_beat < begin else last_beat
        times = glide.beat_times(
            pace.start, pace.end, begin, stop, scale=factor, since=origin, phase=0.0
        )
        times = times[times > since]
    counts = glide.beats_until(times - begin, *rates, length)
    periods = begin + glide.time_of_beat(counts + 1, *rates, length) - times
    return times, periods


def _clear_of(times: np.ndarray, chimes: np.ndarray) -> np.ndarray:
    """Which ``times`` are at least ``CHIME_CLEARANCE`` from every chime onset."""
    if not len(chimes) or not len(times):
        return np.ones(len(times), dtype=bool)
    right = np.clip(np.searchsorted(chimes, times), 0, len(chimes) - 1)
    left = np.clip(right - 1, 0, len(chimes) - 1)
    nearest = np.minimum(np.abs(chimes[right] - times), np.abs(chimes[left] - times))
    clear: np.ndarray = nearest >= CHIME_CLEARANCE
    return clear


def _stop(step: PlanStep, index: int, events: Sequence[Event]) -> float:
    """Where the beats of ``step`` (``steps[index]``) must have ended (seconds): its end, or
    in the closing part ``END_CLEAR`` before its last chime (the end chime)."""
    if step.kind != StepKind.OUTRO:
        return step.end
    rung = [e.at for e in events if e.kind == EventKind.CHIME and e.step == index]
    return min(step.end, max(rung) - END_CLEAR) if rung else step.end


def _length(
    pace: Pace,
    stop: float,
    at: float,
    period: float,
    clip_seconds: Callable[[Sound], float],
) -> float | None:
    """How long the beat at ``at`` sounds (``pace`` its step's pace); None when it cannot
    sound before ``stop``."""
    if pace.sound.name != PaceSound.BREATH:
        seconds = clip_seconds(pace.sound)
        return seconds if at + seconds <= stop else None
    room = stop - at
    if room >= period:
        return float(period)
    return float(room) if room >= LAST_BREATH * period else None


def _under_speech(first: float, last: float, starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether any speech (non-overlapping, sorted) is heard between ``first`` and ``last``
    seconds, ``SPEECH_GUARD`` around it included."""
    before = int(np.searchsorted(starts, last + SPEECH_GUARD))
    return before > 0 and ends[before - 1] > first - SPEECH_GUARD

"""The sound bed's envelope (``BedEnvelope``): its level over the session, where it sits,
where it ducks under speech, where it fades in and out. Pure: the same envelope for an
export, each track of a split and the live player (which makes it again from the re-timed
events after a key). ``plan.build`` makes it from a plan's events (``build.bed_envelope``);
this module knows nothing of events, only the spans of speech and the end chime's time.

Levels are in dB against the speech (0 dB: the leveled speech, -16 LUFS in an export; the
bed's source is calibrated to that same loudness, so ``-level`` dB puts it ``level`` LU
under the speech). In the gaps the bed sits at ``-level``; under speech ``duck`` dB lower:

* it starts falling ``FALL`` seconds before a word, is fully down at its first frame, stays
  down while speech goes on, and rises over ``RISE`` seconds after the last word;
* words less than ``HOLD`` seconds apart keep it down between them (no pumping);
* chimes and the pace guide's beats do not duck it;
* it fades in over ``FADE_IN`` seconds from the session's start, and out over ``FADE_OUT``
  seconds ending ``CLEAR`` seconds before the end chime, which is heard alone.

Ramps are straight lines in dB (an exponential fade, as a hand on a fader does); a fade
starts or ends at ``SILENT`` dB, where the bed is 60 dB under its level and inaudible, and
the bed is exactly silent outside ``[0, stop]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

FALL = 0.3  # seconds before speech that the bed starts going down
RISE = 1.0  # seconds after speech that it takes to come back up
HOLD = 2.0  # seconds: speech closer than this keeps the bed down in between
FADE_IN = 4.0  # seconds from the session's start
FADE_OUT = 4.0  # seconds
CLEAR = 0.5  # seconds of no bed before the end chime
SILENT = -60.0  # dB under the bed's level where a fade starts and ends

Corners = npt.NDArray[np.float64]  # (n, 2): seconds and dB


@dataclass(frozen=True)
class BedLevels:
    """The bed a plan is built with: ``sound`` (a built-in's name or the file as the user
    named it: the source's ``name``), ``level`` LU under the speech between words and
    ``duck`` dB further down under speech."""

    sound: str
    level: float
    duck: float


@dataclass(frozen=True)
class BedEnvelope:
    """The bed of one session: which (``sound``: a built-in name or the file as opened), its
    ``level`` and ``duck`` (dB), the spans it is fully down (``downs``: merged speech, in
    seconds) and ``stop``, when its fade-out ends (seconds from the session start)."""

    sound: str
    level: float
    duck: float
    downs: tuple[tuple[float, float], ...]
    stop: float

    @property
    def levels(self) -> BedLevels:
        """What it was made with, to make it again for re-timed events."""
        return BedLevels(self.sound, self.level, self.duck)

    @property
    def fade_in(self) -> float:
        """Seconds the fade-in lasts (shorter in a session too short for both fades)."""
        return min(FADE_IN, self.stop / 2)

    @property
    def fade_out(self) -> float:
        return min(FADE_OUT, self.stop - self.fade_in)

    @cached_property
    def _ducking(self) -> Corners:
        """The ducks' corners, ``(n, 2)``: seconds and dB; level ``-level`` before the
        first and after the last."""
        low, high = -self.level - self.duck, -self.level
        listed = [(0.0, high)]
        for start, end in self.downs:
            listed += [(start - FALL, high), (start, low), (end, low), (end + RISE, high)]
        corners = np.asarray(listed, dtype=np.float64)
        return corners[np.argsort(corners[:, 0], kind="stable")]

    @cached_property
    def _fading(self) -> Corners:
        high = -self.level
        fade_out_starts = self.stop - self.fade_out
        corners = [(0.0, high + SILENT), (self.fade_in, high)]
        corners += [(fade_out_starts, high), (self.stop, high + SILENT)]
        return np.asarray(corners, dtype=np.float64)

    @cached_property
    def _corners(self) -> npt.NDArray[np.float64]:
        return np.concatenate([self._ducking[:, 0], self._fading[:, 0]])

    def db_at(self, seconds: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """The level (dB against the speech) at each of ``seconds``: the lower of the
        ducking and the fades (a word in the first seconds is spoken over a bed both fading
        in and ducked); ``-inf`` outside ``[0, stop]``."""
        times = np.asarray(seconds, dtype=np.float64)
        ducking, fading = self._ducking, self._fading
        level = np.minimum(
            np.interp(times, ducking[:, 0], ducking[:, 1]),
            np.interp(times, fading[:, 0], fading[:, 1]),
        )
        found: npt.NDArray[np.float64] = np.where(
            (times >= 0) & (times <= self.stop), level, -np.inf
        )
        return found

    def points(self) -> Corners:
        """``(n, 2)`` seconds and dB: the envelope at every corner of the ducking and of the
        fades, and where one crosses the other, so that straight lines between the points are
        the envelope exactly (what the picture draws)."""
        times = np.unique(self._corners)
        times = times[(times >= 0) & (times <= self.stop)]
        apart = self._apart(times)
        changes = np.nonzero(np.sign(apart[:-1]) * np.sign(apart[1:]) < 0)[0]
        crossing = times[changes] + (times[changes + 1] - times[changes]) * apart[changes] / (
            apart[changes] - apart[changes + 1]
        )
        times = np.unique(np.concatenate([times, crossing]))
        return np.column_stack([times, self.db_at(times)])

    def _apart(self, times: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The ducking's level minus the fades' at ``times`` (both straight between
        corners, so the difference is too)."""
        ducking, fading = self._ducking, self._fading
        return np.interp(times, ducking[:, 0], ducking[:, 1]) - np.interp(
            times, fading[:, 0], fading[:, 1]
        )

    def gains(self, first: int, frames: int, rate: int) -> npt.NDArray[np.float32] | float:
        """Linear gains of frames ``first`` .. ``first + frames`` (frame ``f`` is at
        ``f / rate`` seconds): a number where the whole window is at one level (most
        windows: the work stays off the samples), else an array of ``frames`` float32."""
        begin, end = first / rate, (first + frames) / rate
        if 0 <= begin and end <= self.stop:
            corners = self._corners
            if not np.any((corners > begin) & (corners < end)):
                left, right = self.db_at(np.array([begin, end]))
                if left == right:
                    return float(10 ** (left / 20))
        times = (first + np.arange(frames)) / rate
        return (10 ** (self.db_at(times) / 20)).astype(np.float32)


def downs(speech: Iterable[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """The spans of speech (``(start, end)`` seconds), words less than ``HOLD`` apart merged
    into one."""
    spans: list[list[float]] = []
    for start, end in sorted(speech, key=lambda span: span[0]):
        if spans and start - spans[-1][1] < HOLD:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return tuple((start, end) for start, end in spans)


def envelope(
    levels: BedLevels, speech: Iterable[tuple[float, float]], end_chime: float
) -> BedEnvelope:
    """The bed at ``levels`` under ``speech`` (spans in seconds), its fade-out ending
    ``CLEAR`` seconds before ``end_chime`` (the end chime's start, seconds)."""
    stop = max(0.0, end_chime - CLEAR)
    return BedEnvelope(levels.sound, levels.level, levels.duck, downs(speech), stop)

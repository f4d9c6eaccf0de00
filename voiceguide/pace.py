"""The pace guide's arithmetic: where the beats of a gliding rhythm fall. Pure, no I/O.

A pace glides linearly in time from ``start`` to ``end`` beats per minute over a stretch of
``length`` seconds: ``rate(t) = start + (end - start) * t / length``. Beat ``k`` falls where
the integral of the rate reaches ``k`` (beat 0 at the stretch's start), so the rhythm slows
smoothly - no beat is late or early against the one before it. The integral is
``N(t) = (start * t + (end - start) * t**2 / (2 * length)) / 60``; its inverse is solved in
closed form (the stable root of the quadratic). Times are seconds.

``scale`` multiplies every rate (``--pace 80%``; the player's ``[``/``]`` keys). A rhythm can
resume from the middle of a stretch with the phase it had (``phase``: beats already counted
since the stretch began, a float), which is how the player changes the pace "from the next
beat".
"""

from __future__ import annotations

import math

import numpy as np

# the beats per minute a routine may ask for: ``routine.fields.PACE_RANGE``
SCALE_RANGE = (0.25, 4.0)  # what ``--pace`` may ask: a quarter to four times the routine's paces


def parse_scale(text: str) -> float:
    """``"80%"`` -> 0.8 (every pace of the routine times that), ``"off"`` -> 0.0 (no pace
    guide): what ``--pace`` and the server's ``pace=`` take. Anything else is a
    ``ValueError`` saying what is allowed."""
    given, text = text, str(text).strip().lower()
    if text in ("off", "none", "0", "0%"):
        return 0.0
    low, high = SCALE_RANGE
    allowed = f"a percentage from {low:.0%} to {high:.0%} (80% is slower), or off"
    try:
        factor = float(text.removesuffix("%")) / 100 if text.endswith("%") else math.nan
    except ValueError:
        factor = math.nan
    if not low <= factor <= high:
        raise ValueError(f"must be {allowed}, got {given!r}")
    return factor


def beats_until(t: np.ndarray | float, start: float, end: float, length: float) -> np.ndarray:
    """``N(t)``: beats counted from the stretch's start to ``t`` seconds into it."""
    t = np.asarray(t, dtype=np.float64)
    slope = (end - start) / length if length > 0 else 0.0
    beats: np.ndarray = (start * t + slope * t * t / 2) / 60.0
    return beats


def time_of_beat(k: np.ndarray | float, start: float, end: float, length: float) -> np.ndarray:
    """The inverse of ``beats_until``: seconds into the stretch where ``N`` reaches ``k``.

    Solves ``slope/2 t^2 + start t - 60 k = 0`` as ``t = 2c / (b + sqrt(b^2 + 2 slope c))``
    (with ``b = start``, ``c = 60 k``), which loses no precision when the glide is slight."""
    k = np.asarray(k, dtype=np.float64)
    slope = (end - start) / length if length > 0 else 0.0
    c = 60.0 * k
    return 2 * c / (start + np.sqrt(np.maximum(start * start + 2 * slope * c, 0.0)))


def beat_times(
    start: float,
    end: float,
    begin: float,
    stop: float,
    scale: float = 1.0,
    since: float | None = None,
    phase: float | None = None,
) -> np.ndarray:
    """Absolute times of the beats of a pace gliding from ``start`` to ``end`` per minute
    (times ``scale``) over the stretch ``begin`` .. ``stop`` seconds, beat 0 at ``begin``,
    the last one before ``stop``.

    With ``since`` (a time inside the stretch) only beats after it are returned, and
    ``phase`` - the beats counted up to ``since`` - sets where the next one falls (by
    default the phase the unscaled glide has there); the rhythm from ``since`` on runs at
    ``scale`` times the glide's rate.
    """
    length = stop - begin
    if length <= 0:
        return np.zeros(0)
    a, b = start * scale, end * scale
    if since is None:
        count = beats_until(length, a, b, length)
        whole = np.arange(0, math.ceil(count - 1e-9))
        return begin + time_of_beat(whole, a, b, length)
    offset = since - begin
    if phase is None:
        phase = float(beats_until(offset, start, end, length))
    counted_from = float(beats_until(offset, a, b, length))  # the scaled glide's count there
    total = float(beats_until(length, a, b, length))
    first = math.floor(phase) + 1  # the next whole beat
    last = first + math.ceil(total - counted_from - (first - phase) - 1e-9)
    ks: np.ndarray = np.arange(first, max(first, last)) - phase + counted_from
    times = begin + time_of_beat(ks, a, b, length)
    return times[(times > since) & (times < stop - 1e-9)]

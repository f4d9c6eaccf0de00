"""A bed's loudness over what will be heard, measured once and remembered.

What is measured: the first ``span`` frames of the bed (the session's length; for a file,
no more than the file, as the loop repeats it). Up to ``WHOLE`` seconds, all of it; beyond,
``WINDOWS`` stretches of ``WINDOW`` seconds spread evenly over the span (ten minutes of
audio: the first minute of a piece of music is not the whole of it, and reading all of a
two-hour MP3 would take a minute). Loudness is BS.1770 integrated loudness
(``audio.loudness``), streamed half a second at a time.

The result is kept as a small JSON entry in the store (``voiceguide.store``, beside the
voices' list), named by a hash of what was measured: the bed's identity (a file's resolved
path, size and modification time in ns; a built-in's name, seed and sound version), the
span and this recipe. A damaged or foreign entry is measured again; a cache that cannot be
written is no error (the bed is measured again next time).
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from voiceguide import store
from voiceguide.audio import RATE
from voiceguide.bed.source import CalibratedSource
from voiceguide.errors import VoiceguideError

WHOLE = 600.0  # seconds: a span up to this long is measured whole
WINDOW = 30.0  # seconds per stretch of a longer span
WINDOWS = round(WHOLE / WINDOW)
PART = RATE // 2  # frames read and K-weighted at a time
RECIPE = f"bs1770 whole {WHOLE:g} window {WINDOW:g} x{WINDOWS} v1"


def stretches(span: int) -> list[tuple[int, int]]:
    """The ``(first, frames)`` of the bed measured for a ``span`` (frames) of it."""
    whole, window = round(WHOLE * RATE), round(WINDOW * RATE)
    if span <= whole:
        return [(0, span)]
    starts = np.linspace(0, span - window, WINDOWS).round().astype(np.int64)
    return [(int(first), window) for first in starts]


def measure(bed: CalibratedSource, span: int) -> float:
    """Integrated loudness (LUFS) of ``bed`` before calibration over ``span`` frames
    (``stretches``); -inf when it is silent there. The K-weighting restarts at each stretch
    (its start-up is a few ms of a 30 s stretch)."""
    from voiceguide.audio.loudness import KWeighting, gated_loudness, streamed_energies

    weighting = KWeighting()
    energies = []
    for first, frames in stretches(span):
        weighting.reset()
        parts = (
            weighting(bed.raw(at, min(PART, first + frames - at)))
            for at in range(first, first + frames, PART)
        )
        energies.append(streamed_energies(parts))
    return gated_loudness(np.concatenate(energies))


PLAUSIBLE = (-90.0, 10.0)  # LUFS a cached measurement may hold (full-scale square: +3)


def loudness(bed: CalibratedSource, span: int) -> float:
    """``measure(bed, span)``, from the store when it was measured before."""
    key = store.key(*bed.identity(), f"span {span}", RECIPE)
    entry = f"bed-loudness-{key[:20]}.json"
    known = _load(entry)
    if isinstance(known, dict) and known.get("key") == key:
        value = known.get("lufs")
        if isinstance(value, float) and PLAUSIBLE[0] <= value <= PLAUSIBLE[1]:
            return value  # anything else is a damaged entry: measured again
    value = measure(bed, span)
    if math.isfinite(value):
        _store(entry, {"key": key, "lufs": value})
    return value


def _load(entry: str) -> object | None:
    try:
        return store.load_json(entry)
    except VoiceguideError:  # something else than a regular file there: measure again
        return None


def _store(entry: str, value: object) -> None:
    with contextlib.suppress(VoiceguideError, OSError):  # not remembered: measured next time
        store.store_json(entry, value)

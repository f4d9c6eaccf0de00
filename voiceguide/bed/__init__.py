"""Sound beds: what plays under a session - a built-in ambience or the user's own file.

A bed plays from a ``BedSource`` (``source``): an endless mono signal at ``RATE``, read by
absolute frame (frame 0 of the bed is frame 0 of the session), calibrated so that its
integrated loudness over what will be heard is ``REFERENCE_LUFS``. The caller applies its own
gains (the level under the speech, the ducking, the fades). ``open_bed`` makes one from what
the user wrote:

- a built-in name (``BUILT_IN``, any case): synthesized on the fly, seeded, deterministic,
  never repeating (``builtin``, ``shapes``);
- a sound file (WAV, FLAC, Ogg, MP3, anything libsndfile reads): decoded in windows, mixed
  down to mono, resampled to 48 kHz by soxr, looped with an equal-power crossfade, never
  loaded whole (``decode``, ``looped``).

Nothing heavy is imported here: soxr and the loudness meter are imported when a bed is
opened (the live player imports this package).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import numpy as np

from voiceguide import audio
from voiceguide.atomic import shown
from voiceguide.audio import RATE
from voiceguide.bed.source import BedSource, CalibratedSource
from voiceguide.errors import BedError

__all__ = ["BUILT_IN", "RATE", "REFERENCE_LUFS", "BedSource", "bed_file", "bed_name", "open_bed"]
REFERENCE_LUFS = -16.0  # every source is calibrated so its loudness is this at gain 0 dB
BUILT_IN = ("ocean", "rain", "drone")
LONG = 3600.0  # seconds measured (spread, see ``calibrate``) when the session's length is unknown


def open_bed(spec: str, base: Path | None = None, length: float | None = None) -> BedSource:
    """The bed ``spec`` names: a built-in name (any case) or a file's path, relative to
    ``base`` (the routine's folder; the working directory when None), ``~`` expanded.
    ``length``: seconds of it the session will use (what is measured for the calibration);
    None when unknown (then up to an hour of it, or the whole file).

    A name that is both a built-in and a file in ``base`` is the built-in: write
    ``./ocean`` for the file. Raises ``BedError`` (one line, naming the bed) for an unknown
    name or a file that is missing, not a sound, too short, damaged or silent."""
    if length is not None and not (length > 0 and np.isfinite(length)):
        raise ValueError(f"a session's length is a positive number of seconds, got {length!r}")
    text = spec.strip()
    if not text:
        raise BedError("no bed given: name a built-in (ocean, rain, drone) or a sound file")
    if text.lower() in BUILT_IN:
        return _built_in(text.lower(), length)
    path = bed_file(text, base)
    if path is None:  # ~name of a user this system does not know
        raise BedError(f"bed file {text} does not exist (no such user's home)")
    if _looks_like_a_name(text) and not os.path.lexists(path):
        raise _unknown(text)
    return _file(path, text, length)


def bed_name(spec: str) -> str:
    """The name the bed ``spec`` is known by (its source's ``name``, the plan's
    ``bed.sound``): a built-in's in lower case, a file's as the user wrote it (bytes that
    are not UTF-8 escaped). Opens nothing."""
    text = spec.strip()
    return text.lower() if text.lower() in BUILT_IN else shown(text)


def bed_file(spec: str, base: Path | None = None) -> Path | None:
    """The file the bed ``spec`` names, as ``open_bed`` finds it (relative to ``base``, else
    the working directory; ``~`` expanded), whether it exists or not; ``None`` for a
    built-in's name or the home of a user this system does not know. Opens nothing: what a
    session will read, known before any work."""
    text = spec.strip()
    if text.lower() in BUILT_IN:
        return None
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # ~name of a user this system does not know
        return None
    if not path.is_absolute():
        path = (base if base is not None else Path.cwd()) / path
    return path


def _built_in(name: str, length: float | None) -> BedSource:
    from voiceguide.bed import builtin

    bed = builtin.BUILT_IN[name]()
    _calibrate(bed, round((length if length is not None else LONG) * RATE))
    return bed


def _file(path: Path, spec: str, length: float | None) -> BedSource:
    from voiceguide.bed.decode import refuse
    from voiceguide.bed.looped import FileSource

    bed = FileSource(path, shown(spec), length)  # its name is shown: need not be UTF-8
    try:
        span = bed.frames if length is None else min(bed.frames, round(length * RATE))
        lufs = _calibrate(bed, span)
        if not np.isfinite(lufs):
            what = "silent" if span == bed.frames else f"silent over its first {length:g} s"
            raise refuse(path, f"is {what}; choose a file with sound in it")
    except BaseException:
        bed.close()
        raise
    return bed


def _calibrate(bed: CalibratedSource, span: int) -> float:
    """Measure ``bed`` over ``span`` frames and set its scale; returns the loudness."""
    from voiceguide.bed import calibrate

    lufs = calibrate.loudness(bed, span)
    if np.isfinite(lufs):
        bed.scale = audio.gain(REFERENCE_LUFS - lufs)
    return lufs


def _looks_like_a_name(text: str) -> bool:
    """No folder and no extension: the user meant a built-in's name."""
    return os.sep not in text and "/" not in text and not Path(text).suffix


def _unknown(text: str) -> BedError:
    close = difflib.get_close_matches(text.lower(), BUILT_IN, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return BedError(
        f"unknown bed '{text}': {hint}the built-in beds are {', '.join(BUILT_IN)}; "
        "or give a sound file's path"
    )

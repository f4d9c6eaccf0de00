"""How sounds become clips: speech from an engine, chimes from files.

Every clip is made once and cached (``speech.cache``). What makes a clip - this module's
settings and those of the leveling it uses - is summed up by ``recipe()``, which goes into
every cache key: change a setting and every clip is made again. A change of the code that
makes different clips with the same settings must bump ``VERSION``; a test
(tests/audio/test_clips.py) fails when the output changes and ``VERSION`` did not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voiceguide.audio import RATE, Clip, fade, gain, read, resample
from voiceguide.audio import leveling as _leveling
from voiceguide.audio import limiter as _limiter
from voiceguide.audio.leveling import CLIP_CEILING_DB, leveled, leveling_gain
from voiceguide.audio.limiter import Gain
from voiceguide.audio.loudness import BLOCK, Workspace, loudness

VERSION = 9  # of the code below; see the module docstring
SPEECH_LUFS = -16.0  # the usual integrated loudness for speech on phones
CHIME_LUFS = -18.0  # chimes sit a little under the voice
SILENCE_DB = -50.0  # what is under this at either end of a speech render is cut
SPEECH_FADES = (0.001, 0.01)  # seconds: fade in, fade out
CHIME_FADE_OUT = 0.005  # seconds (a chime's first frame is its onset: no fade in)
PACE_LUFS = SPEECH_LUFS  # a pace sound's own level: an event's gain puts it under the speech
# A beat sits at least this far under the speech (a pace's level is 6-40 LU under it:
# routine.fields.PACE_LEVEL_RANGE), so a pace clip may peak this much over the clips' ceiling
# and still be under it where it sounds.
PACE_HEADROOM = 6.0
PACE_CEILING_DB = CLIP_CEILING_DB + PACE_HEADROOM


def recipe() -> str:
    """Every setting that changes what a clip is made of, for cache keys."""
    settings = {
        "version": VERSION,
        "rate": RATE,
        "speech_lufs": SPEECH_LUFS,
        "chime_lufs": CHIME_LUFS,
        "silence_db": SILENCE_DB,
        "speech_fades": SPEECH_FADES,
        "chime_fade_out": CHIME_FADE_OUT,
        "pace_lufs": PACE_LUFS,
        "pace_ceiling_db": PACE_CEILING_DB,
        "pace_block": BLOCK,
        "ceiling_db": CLIP_CEILING_DB,
        "headroom": _leveling.HEADROOM,
        "rounds": _leveling.ROUNDS,
        "limiter_margin": _limiter.MARGIN,
        "limiter_window": _limiter.WINDOW,
    }
    return ";".join(f"{key}={value}" for key, value in settings.items())


def trim(
    samples: np.ndarray, keep_before: float = 0.001, keep_after: float = 0.03, rate: int = RATE
) -> np.ndarray:
    """Cut leading and trailing silence (below ``SILENCE_DB``), keeping a little margin."""
    loud = np.flatnonzero(np.abs(samples) > gain(SILENCE_DB))
    if len(loud) == 0:
        return samples[:0]
    first = max(0, loud[0] - int(keep_before * rate))
    last = min(len(samples), loud[-1] + 1 + int(keep_after * rate))
    return samples[first:last]


def speech_clip(samples: np.ndarray, rate: int, volume_db: float = 0.0) -> np.ndarray:
    """Engine output -> a clip: 48 kHz, silence trimmed, -16 LUFS (+``volume_db``), faded.

    Measured and limited at the engine's own rate (22.05 kHz for espeak: under half the
    frames of 48 kHz), then resampled; the limiter's gain, smooth over 5 ms, is carried over
    by linear interpolation. The true peak of a band-limited signal does not depend on the
    rate it is sampled at, so the ceiling holds at 48 kHz.
    """
    source = trim(samples, rate=rate)
    # full-size FFTs: faster, and a render worker has the memory
    level = leveling_gain(source, SPEECH_LUFS + volume_db, rate, workspace=Workspace(rate))
    out = resample(source, rate, RATE)
    stretch_gain(level, len(out), rate).apply(out)
    return fade(out, *SPEECH_FADES)


def stretch_gain(level: Gain, frames: int, rate: int) -> Gain:
    """``level`` (at ``rate``) carried over to ``frames`` frames at ``RATE`` by linear
    interpolation: only its dips move, each read with a neighbour on either side (dips at
    least two frames apart, as ``limiter_dips`` makes them)."""
    if rate == RATE:
        return Gain(level.top, level.dips, frames)
    dips = []
    for start, gains in level.dips:
        first, last = max(0, start - 1), min(level.frames, start + len(gains) + 1)
        values = np.full(last - first, level.top, dtype=np.float32)
        values[start - first : start - first + len(gains)] = gains
        lo = -(-first * RATE // rate)
        hi = frames if last == level.frames else min(frames, (last - 1) * RATE // rate + 1)
        if hi > lo:
            at = np.arange(lo, hi) * (rate / RATE)
            dips.append((lo, np.interp(at, np.arange(first, last), values).astype(np.float32)))
    return Gain(level.top, dips, frames)


def chime_clip(path: Path) -> Clip:
    """A chime file -> a clip at ``CHIME_LUFS`` (the file's first frame stays its onset).

    Raises ``ValueError`` saying what is wrong (for the caller to name the file and line)
    when a sample is NaN or infinite (leveling would spread it, and the encoder clip it to
    a full-scale burst) or when nothing in it reaches the -70 LUFS loudness gate (silence,
    which leveling cannot raise).
    """
    samples = read(path)
    if not np.all(np.isfinite(samples)):
        raise ValueError("holds samples that are not numbers (NaN or infinite); replace the file")
    if not np.isfinite(loudness(samples)):
        raise ValueError("is silent (nothing in it reaches -70 LUFS)")
    return Clip(fade(leveled(samples, CHIME_LUFS), 0.0, CHIME_FADE_OUT))


def chime_at(clip: Clip, gain_db: float) -> Clip:
    """``clip`` (a chime as ``chime_clip`` makes it) ``gain_db`` louder, or quieter when
    negative: a routine's ``chime_level``. Made louder, its true peak is held under the clips'
    ceiling as every clip's is (limited, the loudness that takes made up: ``leveled``)."""
    if gain_db == 0.0:
        return clip
    samples = clip.samples * np.float32(gain(gain_db))
    if gain_db > 0.0:
        samples = leveled(samples, None, CLIP_CEILING_DB)
    return Clip(samples)


def pace_clip(path: Path) -> Clip:
    """A pace sound (``sounds/pulse.wav``, ``sounds/breath.wav``) -> a clip at ``PACE_LUFS``:
    the pace guide's events then carry their level under the speech as a gain.

    A sound shorter than a gating block (400 ms, a tick) is measured over one block, silence
    after it: its momentary loudness (EBU R128's M), as a listener hears a short sound against
    the bed around it. Measured over its own length, its level would depend on how long the
    file's quiet tail is (a 0.22 s tick read 2.6 LU louder than over 400 ms, so it was made
    that much quieter). Its true peak may reach ``PACE_CEILING_DB``: a beat is never louder
    than ``PACE_HEADROOM`` under the speech."""
    samples = read(path)
    frames = len(samples)
    padded = np.pad(samples, (0, max(0, round(BLOCK * RATE) - frames)))
    out = leveled(padded, PACE_LUFS, PACE_CEILING_DB)[:frames]
    return Clip(fade(out, 0.0, CHIME_FADE_OUT))


def stretched(samples: np.ndarray, frames: int) -> np.ndarray:
    """``samples`` stretched (or squeezed) in time to ``frames`` frames by linear
    interpolation - for a breath, whose spectrum lies under 6 kHz, so interpolating adds
    nothing audible; its pitch moves with the stretch (a slower breath sounds deeper, as it
    does). Float32, a new array."""
    if frames == len(samples):
        return samples.astype(np.float32, copy=True)
    at = np.linspace(0.0, len(samples) - 1, frames)
    made: np.ndarray = np.interp(at, np.arange(len(samples)), samples).astype(np.float32)
    return made


def beat(sound: Clip, duration: float, gain_db: float) -> Clip:
    """One beat of the pace guide: ``sound`` (as ``pace_clip`` makes it) stretched to
    ``duration`` seconds (a breath lasts its period; a tick is stretched to its own length,
    which changes nothing) at ``gain_db`` (the event's level under the speech). A new clip
    each call: callers keep what they need."""
    samples = stretched(sound.samples, max(1, round(duration * RATE)))
    samples *= np.float32(gain(gain_db))
    return Clip(samples)

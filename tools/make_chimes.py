"""Synthesize the session chimes and write them to ``sounds/``.

Rerun from the repository root with::

    python tools/make_chimes.py

Three chimes are written as 48 kHz, mono, 24-bit PCM WAV files:

* ``bell.wav`` -- a step change: one singing-bowl-like strike (~1.8 s).
* ``soft.wav`` -- cues and side switches: a short, quiet, wood-like tap (~0.75 s).
* ``end.wav``  -- session end: three descending, overlapping strikes (~4.2 s).

Everything is additive synthesis with numpy (decaying sine partials), so the
output is fully deterministic. Each chime starts at its very first sample with
a short raised-cosine attack and ends with a raised-cosine fade to exactly 0.
"""

from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 48_000
SOUNDS_DIR = Path(__file__).resolve().parent.parent / "sounds"

# Bell-like inharmonic partials: (frequency ratio, relative amplitude, decay time in s).
BOWL_PARTIALS = (
    (1.00, 1.00, 0.60),
    (2.76, 0.40, 0.35),
    (5.40, 0.18, 0.18),
    (8.93, 0.07, 0.09),
)

# Marimba-like bar: a fundamental plus a quickly dying "wood" overtone.
WOOD_PARTIALS = (
    (1.00, 1.00, 0.15),
    (3.93, 0.25, 0.04),
)


def db_to_gain(db):
    """Convert decibels to a linear gain factor."""
    return 10.0 ** (db / 20.0)


def time_axis(seconds):
    """Sample times for a sound lasting ``seconds``."""
    return np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE


def raised_cosine(n):
    """A raised-cosine ramp of ``n`` samples rising from exactly 0 towards 1."""
    return 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)


def strike(fundamental, partials, seconds, attack=0.005):
    """One struck tone: decaying sine partials with a raised-cosine attack."""
    t = time_axis(seconds)
    tone = np.zeros_like(t)
    for ratio, amplitude, decay in partials:
        tone += amplitude * np.exp(-t / decay) * np.sin(2 * np.pi * ratio * fundamental * t)
    n_attack = round(attack * SAMPLE_RATE)
    tone[:n_attack] *= raised_cosine(n_attack)
    return tone


def finish(sound, peak_db, fade=0.08):
    """Fade the tail to exactly 0 and normalise the peak to ``peak_db``."""
    n_fade = round(fade * SAMPLE_RATE)
    sound[-n_fade:] *= raised_cosine(n_fade)[::-1]  # ends on exactly 0
    return sound * db_to_gain(peak_db) / np.max(np.abs(sound))


def bell():
    """A clear singing-bowl strike on D5, marking a step change."""
    return finish(strike(587.33, BOWL_PARTIALS, 1.8), peak_db=-3.0)


def soft():
    """A gentle wood-like tap on G4, for cues and side switches."""
    return finish(strike(392.00, WOOD_PARTIALS, 0.75, attack=0.008), peak_db=-6.0)


def end():
    """Three descending bell strikes (G5, E5, C5) 0.6 s apart, ringing out."""
    seconds, spacing = 4.2, 0.6
    notes = (783.99, 659.26, 523.25)
    slow_bowl = tuple((r, a, d * 1.7) for r, a, d in BOWL_PARTIALS)
    sound = np.zeros(round(seconds * SAMPLE_RATE))
    for i, fundamental in enumerate(notes):
        start = round(i * spacing * SAMPLE_RATE)
        sound[start:] += strike(fundamental, slow_bowl, seconds - i * spacing)[: len(sound) - start]
    return finish(sound, peak_db=-3.0)


CHIMES = {"bell": bell, "soft": soft, "end": end}


def synthesize():
    """Return every chime as ``{name: float64 samples in [-1, 1]}``."""
    return {name: make() for name, make in CHIMES.items()}


def main():
    SOUNDS_DIR.mkdir(exist_ok=True)
    for name, samples in synthesize().items():
        path = SOUNDS_DIR / f"{name}.wav"
        sf.write(path, samples, SAMPLE_RATE, subtype="PCM_24")
        print(f"wrote {path} ({len(samples) / SAMPLE_RATE:.2f} s)")


if __name__ == "__main__":
    main()

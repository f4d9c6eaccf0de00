"""Synthesize the pace guide's sounds and write them to ``sounds/``.

Rerun from the repository root with::

    python tools/make_pace_sounds.py [--preview DIR]

Two sounds, 48 kHz mono 24-bit WAV, deterministic (seeded noise, no downloaded samples):

* ``pulse.wav`` -- one stroke: a soft, dry, low "tuk", like a fingertip on a padded drum
  (0.22 s). A low body (a 140 Hz tone falling from 175 Hz over the first 25 ms) so it
  feels like a heartbeat, with harmonics at 280-560 Hz and a faint felt-like noise touch
  so that a phone's small speaker, which cannot play 140 Hz, still carries it. Nothing
  rings: every partial dies within ~0.1 s, unlike the chimes (bell, soft, end), which are
  tonal and ring for 0.75-4 s.
* ``breath.wav`` -- one breath at 6 per minute (10 s): an in-breath swelling over the first
  40 % and an out-breath falling over the rest, made of noise shaped like breath through
  the nose and mouth (the in-breath airier and brighter, the out-breath a softer, lower
  "haa"). The player and the exporter stretch it to each breath's period; nothing in it is
  above 6 kHz, so that stretching it by interpolation adds nothing audible.

Both start and end at exactly 0 with raised-cosine ramps (click-free).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 48_000
SOUNDS_DIR = Path(__file__).resolve().parent.parent / "sounds"
BREATH_PERIOD = 10.0  # seconds: the period breath.wav is made for (6 per minute)
BREATH_IN = 0.4  # the in-breath's share of the period


def seconds(n: float) -> np.ndarray:
    return np.arange(round(n * RATE)) / RATE


def ramp(frames: int) -> np.ndarray:
    """A raised-cosine ramp rising from exactly 0 towards 1."""
    return 0.5 - 0.5 * np.cos(np.pi * np.arange(frames) / frames)


def shaped_noise(frames: int, gains, seed: int) -> np.ndarray:
    """White noise filtered in the frequency domain by ``gains(frequencies)``."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(frames))
    spectrum *= gains(np.fft.rfftfreq(frames, 1 / RATE))
    out = np.fft.irfft(spectrum, frames)
    return out / np.sqrt(np.mean(out**2))


def band(freqs: np.ndarray, low: float, high: float, slope: float = 2.0) -> np.ndarray:
    """A smooth band-pass gain: ``slope``-th order corners at ``low`` and ``high`` Hz."""
    f = np.maximum(freqs, 1.0)
    return 1 / np.sqrt(1 + (low / f) ** (2 * slope)) / np.sqrt(1 + (f / high) ** (2 * slope))


def peak(freqs: np.ndarray, centre: float, width: float) -> np.ndarray:
    """A resonance (formant) of ``width`` Hz around ``centre``: 1 at its top."""
    return 1 / (1 + ((freqs - centre) / (width / 2)) ** 2)


def pulse() -> np.ndarray:
    t = seconds(0.22)
    glide = 140 + 35 * np.exp(-t / 0.008)  # the pitch falls from 175 to 140 Hz
    phase = 2 * np.pi * np.cumsum(glide) / RATE
    body = np.exp(-t / 0.045) * np.sin(phase)
    body += 0.45 * np.exp(-t / 0.030) * np.sin(2 * phase)
    body += 0.22 * np.exp(-t / 0.020) * np.sin(3 * phase)
    body += 0.10 * np.exp(-t / 0.012) * np.sin(4 * phase)
    touch = shaped_noise(len(t), lambda f: band(f, 300, 1400), seed=7)
    body += 0.05 * np.exp(-t / 0.006) * touch
    body[: round(0.004 * RATE)] *= ramp(round(0.004 * RATE))
    tail = round(0.06 * RATE)
    body[-tail:] *= ramp(tail)[::-1]
    return 0.5 * body / np.max(np.abs(body))


def breath() -> np.ndarray:
    frames = round(BREATH_PERIOD * RATE)
    inhale = round(BREATH_IN * frames)
    # in: air through the nose, a broad hiss around 1.5-4 kHz with a soft nasal resonance
    airy = shaped_noise(
        frames, lambda f: band(f, 500, 4500) * (0.35 + peak(f, 1900, 1600)), seed=11
    )
    # out: a relaxed "haa", lower and darker, with formants of an open vowel
    sigh = shaped_noise(
        frames,
        lambda f: band(f, 150, 2600) * (0.2 + peak(f, 700, 500) + 0.6 * peak(f, 1200, 700)),
        seed=12,
    )
    envelope = np.zeros(frames)
    rise = np.linspace(0, 1, inhale)
    envelope[:inhale] = np.sin(np.pi / 2 * rise) ** 2 * (0.75 + 0.25 * rise)
    fall = np.linspace(0, 1, frames - inhale)
    envelope[inhale:] = np.cos(np.pi / 2 * fall) ** 1.6
    # the in-breath turns into the out-breath over 0.5 s around the top
    mix = np.clip((np.arange(frames) - inhale + 0.25 * RATE) / (0.5 * RATE), 0, 1)
    sound = envelope * ((1 - mix) * airy + mix * 0.8 * sigh)
    # nothing above 6 kHz (see the module docstring): a raised-cosine edge from 4.5 to 6
    freqs = np.fft.rfftfreq(frames, 1 / RATE)
    edge = np.clip((freqs - 4500) / 1500, 0, 1)
    spectrum = np.fft.rfft(sound) * (0.5 + 0.5 * np.cos(np.pi * edge))
    sound = np.fft.irfft(spectrum, frames)
    ends = round(0.05 * RATE)
    sound[:ends] *= ramp(ends)
    sound[-ends:] *= ramp(ends)[::-1]
    return 0.5 * sound / np.max(np.abs(sound))


SOUNDS = {"pulse": pulse, "breath": breath}


def synthesize() -> dict[str, np.ndarray]:
    """Every pace sound as ``{name: float64 samples in [-1, 1]}``."""
    return {name: make() for name, make in SOUNDS.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preview", type=Path, help="also write a 60 s preview of each here")
    args = parser.parse_args()
    SOUNDS_DIR.mkdir(exist_ok=True)
    for name, samples in synthesize().items():
        path = SOUNDS_DIR / f"{name}.wav"
        sf.write(path, samples, RATE, subtype="PCM_24")
        print(f"wrote {path} ({len(samples) / RATE:.2f} s)")
        if args.preview:
            args.preview.mkdir(parents=True, exist_ok=True)
            period = 60 / 12 if name == "pulse" else BREATH_PERIOD
            train = np.zeros(60 * RATE)
            for k in range(int(60 / period)):
                first = round(k * period * RATE)
                part = samples[: len(train) - first]
                train[first : first + len(part)] += part
            sf.write(args.preview / f"{name}-preview.wav", train, RATE, subtype="PCM_16")


if __name__ == "__main__":
    main()

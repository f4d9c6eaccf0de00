"""Synthesize the pace guide's sounds and write them to ``sounds/``.

Rerun from the repository root with::

    python tools/make_pace_sounds.py [--preview DIR]

Two sounds, 48 kHz mono 24-bit WAV, deterministic (seeded noise, no downloaded samples):

* ``pulse.wav`` -- one stroke: a soft wooden "tok", like a felt mallet on a small wooden bar
  (0.22 s). A bar's note on G5 (784 Hz) with its twelfth (2,352 Hz, as a xylophone's bar is
  tuned), over a low body on G3 (196 Hz, falling from 225 Hz in the first 10 ms) that a big
  speaker gives weight to. In G, like the drone and the soft chime. 90 % of its energy lies
  above 300 Hz, where a phone's or a laptop's small speaker plays (the old 145 Hz thump had
  8 % there and vanished under the beds); nothing above 5 kHz, a 3 ms mallet-soft onset and
  a crest factor of ~11 dB (no click). Nothing rings: every partial dies within ~0.1 s,
  unlike the chimes (bell, soft, end), which are tonal and ring for 0.75-4 s.
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
    # the bar: its note and twelfth, the twelfth dying first (a felt mallet excites it less);
    # both start at phase 0, which keeps the peak low (true peak +1 dBTP at -16 LUFS
    # momentary, under the +3 dBTP a pace clip may reach: see audio.clips.PACE_CEILING_DB)
    bar = np.exp(-t / 0.040) * np.sin(2 * np.pi * 784 * t)
    bar += 0.3 * np.exp(-t / 0.015) * np.sin(2 * np.pi * 3 * 784 * t)
    glide = 196 * (1 + 0.15 * np.exp(-t / 0.010))  # the body falls from 225 to 196 Hz
    body = 0.3 * np.exp(-t / 0.050) * np.sin(2 * np.pi * np.cumsum(glide) / RATE)
    tok = bar + body
    onset = round(0.003 * RATE)  # a soft mallet's contact: no click
    tok[:onset] *= ramp(onset)
    tail = round(0.04 * RATE)
    tok[-tail:] *= ramp(tail)[::-1]
    return 0.5 * tok / np.max(np.abs(tok))


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

"""Render a preview of each built-in bed, to listen to and look at.

    .venv/bin/python tools/make_bed_previews.py DIR [--seconds 60]

For each of ocean, rain and drone, writes into DIR (made if missing):

* ``NAME.wav``: the first SECONDS of the bed, 48 kHz mono 16-bit, at the reference loudness
  (-16 LUFS) or lower where its peaks would pass -1 dBFS (the gain is printed);
* ``NAME.png``: its spectrogram (0-8 kHz, dB) over its level (RMS of each 100 ms, dBFS),
  to see what the ear should hear: ocean's swells, rain's even hiss and drops, the drone's
  four notes and their slow breathing.

Needs matplotlib (the ``picture`` extra: ``pip install -e '.[picture]'``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import soundfile as sf


def render(name: str, seconds: float) -> tuple[np.ndarray, float]:
    """The first ``seconds`` of the built-in bed ``name``, and the gain (dB) applied so its
    peaks stay under -1 dBFS (0 when they do at the reference loudness)."""
    from voiceguide.audio import RATE, db, gain
    from voiceguide.bed import open_bed

    bed = open_bed(name, length=seconds)
    samples = bed.read(0, round(seconds * RATE))
    trim = min(0.0, -1.0 - db(float(np.max(np.abs(samples)))))
    return samples * np.float32(gain(trim)), trim


def draw(samples: np.ndarray, title: str, target: Path) -> None:
    """The spectrogram and level of ``samples`` as a PNG at ``target``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from voiceguide.audio import RATE

    figure, (spectrum, level) = plt.subplots(
        2, 1, figsize=(12, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    spectrum.specgram(samples, NFFT=4096, Fs=RATE, noverlap=2048, cmap="magma", vmin=-140)
    spectrum.set_ylim(0, 8000)
    spectrum.set_ylabel("Hz")
    spectrum.set_title(title)
    hop = RATE // 10
    blocks = samples[: len(samples) // hop * hop].astype(np.float64).reshape(-1, hop)
    rms = 10 * np.log10(np.maximum(np.mean(blocks**2, axis=1), 1e-12))
    level.plot(np.arange(len(rms)) / 10, rms, linewidth=0.8)
    level.set_ylabel("dBFS (100 ms)")
    level.set_xlabel("seconds")
    level.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(target, dpi=100)
    plt.close(figure)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    options = parser.parse_args(argv)
    from voiceguide.audio import RATE
    from voiceguide.bed import BUILT_IN

    options.folder.mkdir(parents=True, exist_ok=True)
    for name in BUILT_IN:
        samples, trim = render(name, options.seconds)
        sf.write(options.folder / f"{name}.wav", samples, RATE, subtype="PCM_16")
        title = f"{name}: {options.seconds:g} s at -16 LUFS{f' {trim:+.1f} dB' if trim else ''}"
        draw(samples, title, options.folder / f"{name}.png")
        print(f"{name}: {options.folder / name}.wav, .png (gain {trim:+.1f} dB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

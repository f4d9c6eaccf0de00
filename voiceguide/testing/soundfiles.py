"""Sound files for the bed's tests and benchmark: music-like content, written in blocks.

``musiclike`` is a slow progression of soft chords with a breathing level and a little
noise: tonal and dynamic like quiet music, so a loop join or a level shows as it would on
a real piece, and cheap to make at any frame (random access, like a bed). Files are written
in blocks (libsndfile's Vorbis encoder crashes on one write longer than ~100 s).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

BLOCK = 1 << 16  # frames written at a time
CHORDS = ((220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6), (196.0, 261.6))
FORMATS = {  # suffix -> (libsndfile format, subtype)
    ".wav": ("WAV", "PCM_16"),
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
    ".opus": ("OGG", "OPUS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
}


def musiclike(first: int, frames: int, rate: int, level: float = 0.25, seed: int = 1) -> np.ndarray:
    """Frames ``first`` .. ``first + frames`` of the music-like signal at ``rate``
    (float32, peak about ``level``): a chord every 4 s, the level breathing over 9 s, and
    a noise floor 30 dB down, so no two chords' joins are alike."""
    t = (first + np.arange(frames)) / rate
    out = np.zeros(frames)
    bar = (t // 4.0).astype(np.int64)
    for index, chord in enumerate(CHORDS):
        playing = bar % len(CHORDS) == index
        if not playing.any():
            continue
        for note in chord:
            out[playing] += np.sin(2 * np.pi * note * t[playing]) / len(chord)
    out *= 0.6 + 0.4 * np.sin(2 * np.pi * t / 9.0)
    out *= np.minimum(1.0, (t % 4.0) / 0.05)  # each chord starts softly (a 50 ms attack)
    noise = np.random.default_rng([seed, first]).standard_normal(frames)
    return (level * (out + 0.03 * noise)).astype(np.float32)


def write(
    path: Path,
    seconds: float,
    rate: int = 44_100,
    channels: int = 1,
    make: Callable[..., np.ndarray] = musiclike,
    **options: Any,
) -> Path:
    """Write ``seconds`` of ``make(first, frames, rate, **options)`` to ``path`` (format
    from its suffix), channel ``c`` at ``1 / (c + 1)`` of the level; returns ``path``."""
    form, subtype = FORMATS[path.suffix]
    total = round(seconds * rate)
    with sf.SoundFile(path, "w", rate, channels, subtype, format=form) as out:
        for first in range(0, total, BLOCK):
            block = make(first, min(BLOCK, total - first), rate, **options)
            out.write(np.stack([block / (c + 1) for c in range(channels)], axis=1))
    return path

"""Words per minute of speech, both engines, over the built-in routines' texts: what a rate
means to each (``speech.piper.PIPER_WPM`` and ``ESPEAK_WPM_PER_RATE`` are calibrated from it),
and the pause between sentences of one text.

    python bench/bench_rate.py [--rates 120,160,200]

A text's speech seconds are its clip's (silence at both ends cut); words are counted as
runs of letters and digits. Prints one JSON line per engine and rate.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide import resources, routine, speech  # noqa: E402
from voiceguide.routine import Voice  # noqa: E402
from voiceguide.speech import engines  # noqa: E402

GAP_TEXTS = [
    "Breathe in slowly. Now breathe out. Relax your shoulders.",
    "Rest your hands. Feel the warmth. Keep going.",
]


def texts() -> list[str]:
    found: list[str] = []
    for path in sorted(resources.scripts_dir().glob("*.yaml")):
        found += routine.load(path).texts()
    return list(dict.fromkeys(found))


def words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9']+", text))


def sentence_gaps(clip: np.ndarray, rate: int = 48000) -> list[float]:
    """Silent stretches (under -50 dBFS) longer than 0.12 s inside a clip, in seconds."""
    loud = np.abs(clip) > 10 ** (-50 / 20)
    edges = np.flatnonzero(np.diff(loud.astype(np.int8)))
    gaps = []
    for start, end in zip(edges[1::2], edges[2::2], strict=False):
        if (end - start) / rate > 0.12:
            gaps.append((end - start) / rate)
    return gaps


def measure(engine: str, rate: int, folder: Path) -> dict:
    with engines.renderer(engine) as renderer:
        voice = speech.resolve_voice(Voice(None, rate), renderer)
        cache = speech.SpeechCache(renderer, voice, folder)
        all_texts = texts()
        seconds = cache.durations(all_texts + GAP_TEXTS)
        gaps = [g for t in GAP_TEXTS for g in sentence_gaps(cache.clip(t).samples)]
    spoken = sum(seconds[t] for t in all_texts)
    return {
        "engine": engine,
        "rate": rate,
        "texts": len(all_texts),
        "words": sum(words(t) for t in all_texts),
        "speech_seconds": round(spoken, 2),
        "wpm": round(sum(words(t) for t in all_texts) / spoken * 60, 1),
        "sentence_pauses": [round(g, 3) for g in gaps],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="120,160,200")
    parser.add_argument("--engines", default="espeak,piper")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for rate in [int(r) for r in args.rates.split(",")]:
            for engine in args.engines.split(","):
                print(json.dumps(measure(engine, rate, Path(folder))), flush=True)


if __name__ == "__main__":
    main()

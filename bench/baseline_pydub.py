"""The baseline: the pipeline a Python user builds today for this job, written as the
libraries' documentation suggests (no deliberate slowness).

    python bench/baseline_pydub.py PLAN.json OUT.(wav|flac|mp3) [--speech-dir DIR]

1. pyttsx3 renders each distinct cue text to a WAV file (``save_to_file`` + ``runAndWait``,
   as pyttsx3's README shows); with ``--speech-dir`` files already there are reused (the
   "warm cache" case).
2. pydub loads every clip and chime (``AudioSegment.from_file``), makes a silent track of the
   session's length (``AudioSegment.silent``) and overlays each clip at its time
   (``track.overlay(clip, position=ms)``), as pydub's README shows.
3. ``track.export(OUT, format=...)`` writes the file (pydub runs ffmpeg for FLAC and MP3).

It reads the plan that ``voiceguide plan --json`` prints, so both pipelines place the same
sounds at the same times, and prints the decoded length of what it wrote. It does nothing
voiceguide's quality bar asks beyond that (no loudness normalization, no atomic write): it
is the baseline for speed and memory, not a competitor for quality.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import pyttsx3
from pydub import AudioSegment

ROOT = Path(__file__).resolve().parent.parent


def render_speech(texts: list[str], directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    engine = pyttsx3.init()
    engine.setProperty("rate", 160)
    files = {}
    for text in texts:
        path = directory / f"{hashlib.sha1(text.encode()).hexdigest()[:12]}.wav"
        if not path.exists():
            engine.save_to_file(text, str(path))
            engine.runAndWait()
            # runAndWait() can return before espeak's thread has written the file
            for _ in range(500):
                if path.exists() and path.stat().st_size > 44:
                    break
                time.sleep(0.01)
        files[text] = path
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("plan", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--speech-dir", type=Path, default=None)
    args = parser.parse_args()

    plan = json.loads(args.plan.read_text())
    texts = sorted({e["text"] for e in plan["events"] if e["kind"] == "speech"})
    speech_dir = args.speech_dir or args.out.parent / f".baseline-speech-{args.out.stem}"
    files = render_speech(texts, speech_dir)

    clips = {text: AudioSegment.from_file(path) for text, path in files.items()}
    for event in plan["events"]:
        if event["kind"] == "chime" and event["sound"] not in clips:
            sound = Path(event["sound"])
            path = sound if sound.is_absolute() else ROOT / "sounds" / sound
            clips[event["sound"]] = AudioSegment.from_file(path)

    track = AudioSegment.silent(duration=round(plan["length"] * 1000))
    for event in plan["events"]:
        clip = clips[event["text"] if event["kind"] == "speech" else event["sound"]]
        track = track.overlay(clip, position=round(event["at"] * 1000))

    track.export(args.out, format=args.out.suffix.lstrip("."))
    written = AudioSegment.from_file(args.out)
    print(
        json.dumps(
            {
                "length_s": plan["length"],
                "written_s": written.duration_seconds,
                "frame_rate": written.frame_rate,
            }
        )
    )


if __name__ == "__main__":
    main()

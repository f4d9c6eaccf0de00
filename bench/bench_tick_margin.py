"""The pace guide over the sound bed, measured on real exports: how far each beat stands above
each built-in bed through a small speaker, a phone's and a big one, and whether a bed moves at
a rhythm near the session's pace (definitions: voiceguide/testing/margin.py).

    .venv/bin/python bench/bench_tick_margin.py [--routines back-massage:20m,neck-stretch]
        [--beds ocean,rain,drone] [--pictures DIR] [--out bench/results/tick_margin.json]

For each routine: ``voiceguide plan --json`` (the beats and the speech), then ``voiceguide
export`` to WAV with each bed, with none, and with none and ``--pace off`` (the engine the
routine names, espeak-ng by default; ``VOICEGUIDE_ENGINE=tone`` for the fake). The bed alone
is the export with it minus the one without; the beats alone, the one without minus the one
with ``--pace off``. ``--pictures DIR`` draws, per routine and bed, a spectrogram of a minute of
the session with the bed (``ROUTINE-BED.png``), to look at.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent  # the tree measured: its CLI, its beds
sys.path.insert(0, str(ROOT))

from voiceguide.audio import RATE  # noqa: E402
from voiceguide.bed import open_bed  # noqa: E402
from voiceguide.testing import margin  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "voiceguide-bench-tick-cache"


def run(*args: str) -> str:
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(CACHE), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "voiceguide", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=ROOT,
    )
    if done.returncode:
        raise SystemExit(f"voiceguide {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def read(path: Path) -> np.ndarray:
    samples, rate = sf.read(path, dtype="float32")
    assert rate == RATE, rate
    return samples


def routine_args(spec: str) -> list[str]:
    name, _, length = spec.partition(":")
    return [name, *(["-l", length] if length else [])]


def periods_of(events: list[dict]) -> np.ndarray:
    """The beat periods (seconds) of a plan: the time from each beat to the next in its step."""
    beats = [e for e in events if e["kind"] == "pulse"]
    pairs = zip(beats[:-1], beats[1:], strict=True)
    out = [b["at"] - a["at"] for a, b in pairs if a["step"] == b["step"]]
    return np.array(out)


def bed_rhythm(name: str, length: float, periods: np.ndarray) -> dict:
    """The bed's periodicity at the session's beat periods and over every built-in pace."""
    source = open_bed(name, length=length)
    env = margin.envelope(source.read, round(length * RATE))
    usable = periods[periods <= length / 4]
    at_pace = margin.rhythm(env, usable) if len(usable) else np.array([np.nan])
    span = margin.pace_periods(4.0, 24.0)
    over = margin.rhythm(env, span[span <= length / 4])
    return {
        "at_session_paces_max": float(np.max(at_pace)),
        "over_4_to_24_per_min_max": float(np.max(over)),
        "period_of_max_s": float(span[span <= length / 4][np.argmax(over)]),
    }


def picture(parts: dict[str, np.ndarray], start: float, title: str, target: Path) -> None:
    """A minute from ``start`` seconds: the spectrogram of the session with its bed
    (``parts["mix"]``), and below it the level of the bed alone and of the beats alone
    through the small speaker (RMS of every 20 ms, dBFS): the margin, seen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first, last = round(start * RATE), round((start + 60) * RATE)
    figure, (spectrum, level) = plt.subplots(
        2, 1, figsize=(14, 7), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    mix = parts["mix"][first:last]
    spectrum.specgram(mix, NFFT=1024, Fs=RATE, noverlap=768, cmap="magma", vmin=-130)
    spectrum.set_ylim(0, 6000)
    spectrum.axhline(margin.SMALL[0], color="cyan", linewidth=0.6, linestyle="--")
    spectrum.set_ylabel("Hz")
    spectrum.set_title(title)
    hop = RATE // 50
    for name, colour in (("bed alone", "tab:blue"), ("beats alone", "tab:red")):
        heard = margin.speaker(parts[name][first:last], margin.SMALL)
        blocks = heard[: len(heard) // hop * hop].reshape(-1, hop)
        rms = 10 * np.log10(np.maximum(np.mean(blocks**2, axis=1), 1e-12))
        rms[rms < -75] = np.nan  # silence: no line
        level.plot(np.arange(len(rms)) / 50, rms, color=colour, linewidth=0.8, label=name)
    level.set_ylim(-75, -10)
    level.set_ylabel("dBFS, small speaker (20 ms)")
    level.set_xlabel(f"seconds from {start:.0f} s")
    level.legend(loc="upper right")
    level.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(target, dpi=80)
    plt.close(figure)


def measure_routine(spec: str, beds: list[str], pictures: Path | None, folder: Path) -> dict:
    args = routine_args(spec)
    plan = json.loads(run("plan", *args, "--json"))
    events, length = plan["events"], plan["length"]
    plain = folder / "none.wav"
    run("export", *args, "--bed", "none", "-q", "-o", str(plain))
    run("export", *args, "--bed", "none", "--pace", "off", "-q", "-o", str(folder / "off.wav"))
    without_bed, without_pace = read(plain), read(folder / "off.wav")
    beats = margin.beats_of(events)
    result = {
        "length_s": length,
        "beats": len(beats),
        "clear": sum(b.clear for b in beats),
        "sounds": sorted({e["sound"] for e in events if e["kind"] == "pulse"}),
        "beds": {},
    }
    periods = periods_of(events)
    for bed in beds:
        path = folder / f"{bed}.wav"
        run("export", *args, "--bed", bed, "-q", "-o", str(path))
        with_bed = read(path)
        entry = {"rhythm": bed_rhythm(bed, length, periods)}
        print(f"{spec} {bed}: rhythm {entry['rhythm']}", flush=True)
        for sound in result["sounds"]:
            name = sound.removesuffix(".wav")
            found = margin.session_margins(with_bed, without_bed, without_pace, events, name)
            entry[name] = {speaker: vars(value) for speaker, value in found.items()}
            summary = ", ".join(f"{speaker} {value}" for speaker, value in found.items())
            print(f"  {name}: {summary}", flush=True)
        result["beds"][bed] = entry
        if pictures is not None:
            start = next(b.at for b in beats if b.clear) - 5
            parts = {
                "mix": with_bed,
                "bed alone": with_bed - without_bed,
                "beats alone": without_bed - without_pace,
            }
            title = f"{spec} with {bed}"
            picture(parts, start, title, pictures / f"{spec.replace(':', '-')}-{bed}.png")
        path.unlink()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routines", default="back-massage:20m,first-back-massage,neck-stretch")
    parser.add_argument("--beds", default="ocean,rain,drone")
    parser.add_argument("--pictures", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tick_margin.json")
    options = parser.parse_args(argv)
    if options.pictures:
        options.pictures.mkdir(parents=True, exist_ok=True)
    results = {}
    for spec in options.routines.split(","):
        with tempfile.TemporaryDirectory() as folder:
            beds = options.beds.split(",")
            results[spec] = measure_routine(spec, beds, options.pictures, Path(folder))
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, indent=1))
    print(f"wrote {options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

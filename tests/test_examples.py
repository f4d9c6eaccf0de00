"""The scripts in examples/ run as a user runs them (a process of their own), and do what they
say: their output is checked against the library's own answers, the file one writes is
decoded and measured. The tone engine speaks where the voice does not matter
(``voiceguide.renderer`` replaced before the script runs); one test runs the real engine."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

from voiceguide.audio import RATE
from voiceguide.choices import BED_LEVEL

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Runs the script sys.argv[1] as __main__ with the tone engine in place of the real one.
WITH_TONES = """
import runpy, sys
import voiceguide
from voiceguide.testing.fakes import tone_renderer
voiceguide.renderer = tone_renderer
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_example(name: str, *args: str | Path, tones: bool = True) -> str:
    """What ``python examples/NAME ARGS`` printed; it must exit 0 and say nothing on stderr."""
    script = EXAMPLES / name
    command = [sys.executable, "-c", WITH_TONES] if tones else [sys.executable]
    done = subprocess.run(
        [*command, str(script), *map(str, args)], capture_output=True, text=True, timeout=300
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return done.stdout


def test_there_are_three_examples_and_each_is_tested():
    names = sorted(path.name for path in EXAMPLES.glob("*.py"))
    assert names == ["export_with_bed.py", "live_fake_clock.py", "plan.py"]
    tested = Path(__file__).read_text()
    assert all(f'"{name}"' in tested for name in names)


def test_the_plan_example_prints_each_part_of_the_fitted_plan(prepare):
    lines = run_example("plan.py", "neck-stretch", "3").splitlines()
    plan = prepare("neck-stretch", 180.0).plan
    assert lines[0] == f"{plan.title}: 180.0 s, {len(plan.steps)} parts"
    rows = [re.fullmatch(r" *([\d.]+) s +([\d.]+) s  (.+)", line) for line in lines[1:-1]]
    assert [(float(r[1]), float(r[2]), r[3]) for r in rows] == [
        (round(p.start, 1), round(p.end - p.start, 1), p.title) for p in plan.steps
    ]
    speech = sum(event.kind == "speech" for event in plan.events)
    assert lines[-1] == f"{speech} spoken cues, {len(plan.events)} sounds in all"


def test_the_export_example_writes_three_minutes_at_16_lufs_with_the_bed_between_words(
    tmp_path, prepare
):
    target = tmp_path / "session.flac"
    said = run_example("export_with_bed.py", target)
    assert re.fullmatch(
        rf"wrote {re.escape(str(target))}: 180\.000 s, flac, -16\.0 LUFS, "
        r"true peak -\d+\.\d dBTP, bed ocean\n",
        said,
    )
    samples, rate = sf.read(str(target), dtype="float64")
    assert (rate, samples.shape) == (RATE, (180 * RATE,))
    plan = prepare("neck-stretch", 180.0, bed="ocean").plan  # the example's, tone engine
    meter = pyloudnorm.Meter(RATE)
    speech = [e for e in plan.events if e.kind == "speech"]
    spoken = np.concatenate([samples[round(e.at * RATE) : round(e.end * RATE)] for e in speech])
    assert meter.integrated_loudness(spoken) == pytest.approx(-16.0, abs=1.0)
    # between words the bed alone, its level (22 LU) under the speech (a swell more or less in
    # the gaps of one short session moves their loudness by a dB or two: tests/exporting
    # measures it)
    gaps = plan.bed.db_at(np.arange(len(samples)) / RATE) == -plan.bed.level
    for event in plan.events:  # the pace guide's breaths sound there too
        gaps[round(event.at * RATE) : round(event.end * RATE)] = False
    assert np.count_nonzero(gaps) > 20 * RATE
    assert plan.bed.level == BED_LEVEL  # the default: the example asks for no other
    assert meter.integrated_loudness(samples[gaps]) == pytest.approx(-16 - BED_LEVEL, abs=3.0)
    # no moment of silence from the fade-in to the closing (a trough of a swell, ducked under
    # a word, is some -57 dB)
    closing = round(plan.steps[-1].start * 10) * RATE // 10
    windows = samples[5 * RATE : closing].reshape(-1, RATE // 10)
    assert 10 * np.log10(np.mean(windows**2, axis=1)).min() > -70.0  # dB: never silence


def test_the_live_example_plays_every_sound_of_the_plan_on_its_second(prepare):
    lines = run_example("live_fake_clock.py").splitlines()
    plan = prepare("neck-stretch", 120.0).plan
    row = r" *([\d.]+) s  (\w+) +off by ([\d.]+) ms  (.+)"
    played = [re.fullmatch(row, line) for line in lines[:-1]]
    expected = [
        (f"{e.at:.3f}", e.kind, e.text if e.kind == "speech" else e.sound.name) for e in plan.events
    ]
    assert [(p[1], p[2], p[4]) for p in played] == expected
    assert max(float(p[3]) for p in played) <= 1.0  # ms: the player's own tolerance
    assert re.fullmatch(rf"played {len(plan.events)} sounds over 120\.0 s in [\d.]+ s", lines[-1])


@pytest.mark.engine
def test_the_plan_example_runs_as_shipped_with_espeak_ng():
    lines = run_example("plan.py", "neck-stretch", "3", tones=False).splitlines()
    assert lines[0] == "Neck and shoulder stretch: 180.0 s, 8 parts"
    assert lines[1].endswith("  Get ready") and lines[-2].endswith("  Rest")

"""The promise of ``check`` (issue 11): a routine it accepts exports; one it refuses is refused
by ``plan`` and ``export`` too, with the same lines (one per problem, in line order). Checked
on the shipped routines, on edge routines that used to pass ``check`` and then fail
``export``, and on small generated routines (hypothesis). The exported audio is decoded and
measured."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from voiceguide import resources
from voiceguide.cli import main

RATE = 48_000
EXAMPLES = int(os.environ.get("VOICEGUIDE_FUZZ_EXAMPLES", "40"))
LONG = "Slide both hands slowly up along the spine, then back down the sides."


@pytest.fixture(autouse=True)
def tone_engine(monkeypatch):
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def exported_as_promised(path: Path, folder: Path) -> str:
    """Check ``path``, then plan and export it; return check's verdict, failing the test
    when the three disagree or the exported file is not the planned session."""
    checked = cli("check", str(path))
    planned = cli("plan", str(path), "--json", "-q")
    target = folder / "session.wav"
    exported = cli("export", str(path), "-q", "-o", str(target))
    assert "Traceback" not in checked.output + planned.output + exported.output
    if checked.exit_code != 0:
        assert checked.stdout == ""
        problems = [line for line in checked.stderr.splitlines() if not line.startswith("warning")]
        lines = [int(re.match(rf"{re.escape(str(path))}:(\d+): ", line)[1]) for line in problems]
        assert lines == sorted(lines), checked.stderr  # one line each, in line order
        assert (planned.exit_code, planned.stderr) == (checked.exit_code, checked.stderr)
        assert (exported.exit_code, exported.stderr) == (checked.exit_code, checked.stderr)
        assert not target.exists()
        return checked.stderr
    assert planned.exit_code == 0, planned.output
    assert exported.exit_code == 0, exported.output
    length = json.loads(planned.stdout)["length"]
    samples, rate = sf.read(str(target), dtype="float32")
    assert rate == RATE and len(samples) == round(length * RATE)
    assert np.all(np.isfinite(samples)) and 0.01 < np.abs(samples).max() < 1.0
    return "ok"


@pytest.mark.parametrize("name", resources.routine_names())
@pytest.mark.slow
def test_every_shipped_routine_checks_and_exports(name, tmp_path):
    assert exported_as_promised(resources.find_routine(name), tmp_path) == "ok"


def write_sound(folder: Path, name: str, samples: np.ndarray) -> None:
    sf.write(folder / name, samples, RATE, subtype="FLOAT")


def sine(seconds: float, level: float = 0.3) -> np.ndarray:
    return (level * np.sin(2 * np.pi * 440 * np.arange(int(seconds * RATE)) / RATE)).astype(
        np.float32
    )


def nan_sine() -> np.ndarray:
    samples = sine(1.0)
    samples[100] = np.nan
    return samples


STEP = "steps:\n  - {name: Rub, duration: 1m}\n"
EDGES = {
    "the last step's instruction outlasts the session": (
        f"title: T\nsteps:\n  - {{name: A, duration: 30s}}\n"
        f"  - {{name: B, say: '{LONG}', duration: 2s, fixed: true}}\n",
        ":4: step 2 'B' lasts 0:02.000 but its chime and spoken instruction need",
    ),
    "a fixed step too short for its instruction": (
        f"title: T\nsteps:\n  - {{name: A, say: '{LONG}', duration: 3s, fixed: true}}\n",
        ":3: step 1 'A' lasts 0:03.000",
    ),
    "an interlude too short for its instruction": (
        f"title: T\nbetween: {{say: '{LONG}', duration: 2s, fixed: true}}\n{STEP}{STEP[7:]}",
        ":2: between 'Interlude' lasts 0:02.000",
    ),
    "a silent chime": (f"title: T\nchime: hush.wav\n{STEP}", ":2: chime 'hush.wav' is silent"),
    "a chime longer than the session": (
        f"title: T\nchime: long.wav\n{STEP}",
        ":2: chime 'long.wav' lasts 40s; a chime may last at most 30s",
    ),
    "a chime with a NaN sample": (
        f"title: T\nchime: nan.wav\n{STEP}",
        ":2: chime 'nan.wav' holds samples that are not numbers",
    ),
    "volume 0": (
        f"title: T\nvoice: {{volume: 0}}\n{STEP}",
        ":2: voice volume must be a number from 0.01 to 1, got '0'",
    ),
    "the softest volume": (f"title: T\nvoice: {{volume: 0.01}}\n{STEP}", "ok"),
    "a say of dots": (
        "title: T\nsteps:\n  - {name: Rub, duration: 1m, say: '...'}\n",
        ":3: step 1 'Rub': say: '...' has no letter or digit to speak",
    ),
    "a length the steps cannot take": (
        "title: T\nlength: 2m\nsteps:\n  - {name: Rub, duration: 20s, fixed: true}\n",
        ":2: length: cannot fit 2m; this routine takes only 26s",
    ),
    "a length of bare seconds that fits": (
        "title: T\nlength: 40\nsteps:\n  - {name: Rub, duration: 1m, min: 1s}\n",
        "ok",
    ),
    "a cue chime as long as allowed": (
        "title: T\nsteps:\n  - {name: Rub, duration: 1m, cues: [{at: 50%, chime: thirty.wav}]}\n",
        "ok",
    ),
}


@pytest.mark.parametrize(("text", "verdict"), EDGES.values(), ids=EDGES.keys())
@pytest.mark.slow
def test_an_edge_routine_that_check_accepts_exports(tmp_path, text, verdict):
    write_sound(tmp_path, "hush.wav", np.zeros(RATE, np.float32))
    write_sound(tmp_path, "long.wav", sine(40.0))
    write_sound(tmp_path, "thirty.wav", sine(30.0))
    write_sound(tmp_path, "nan.wav", nan_sine())
    path = tmp_path / "edge.yaml"
    path.write_text(text)
    said = exported_as_promised(path, tmp_path)
    if verdict == "ok":
        assert said == "ok"
    else:
        assert said.startswith(f"{path}{verdict}"), said


# -- generated routines ------------------------------------------------------------------------
WORDS = "rub slowly up the back and down again with both hands lightly now breathe".split()
SPELLINGS = ["{n}s", "{n} seconds", "{n}", "0:{n:02d}", "{n} sec"]
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(" ".join)
chimes = st.sampled_from(["bell", "soft", "end", "none", "gong.wav"] * 2 + ["hush.wav"])


@st.composite
def durations(draw, low: int = 1, high: int = 59) -> str:
    n = draw(st.integers(low, high))
    return draw(st.sampled_from(SPELLINGS)).format(n=n)


@st.composite
def steps(draw) -> dict:
    step = {"name": draw(texts).capitalize()[:40], "duration": draw(durations())}
    if draw(st.booleans()):
        step["say"] = draw(texts)
    if draw(st.booleans()):
        step["fixed"] = True
    elif draw(st.booleans()):
        step["max"] = "2m"
    if draw(st.booleans()):
        step["sides"] = ["left", "right"]
    if draw(st.booleans()):
        step["chime"] = draw(chimes)
    if draw(st.booleans()):
        step["cues"] = [{"at": f"{draw(st.integers(0, 99))}%", "say": draw(texts)}]
    return step


@st.composite
def routines(draw) -> dict:
    data = {"title": "Generated", "steps": draw(st.lists(steps(), min_size=1, max_size=3))}
    if draw(st.booleans()):
        data["length"] = draw(st.sampled_from(["1m", "90 seconds", "2 min 30", "3m", "40"]))
    for key in ("intro", "outro"):
        if draw(st.booleans()):
            data[key] = draw(texts)
    if draw(st.booleans()):
        data["between"] = {"duration": draw(durations(2, 20)), "say": draw(texts)}
    if draw(st.booleans()):
        data["chime"] = draw(chimes)
    return data


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=routines())
@pytest.mark.slow
def test_a_generated_routine_that_check_accepts_exports(data):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_sound(folder, "gong.wav", sine(2.5))
        write_sound(folder, "hush.wav", np.zeros(RATE, np.float32))
        path = folder / "routine.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        verdict = exported_as_promised(path, folder).split(": ", 1)[-1]
        event(re.sub(r"'[^']*'|\d[\d:.ms]*", "_", verdict)[:50])  # a kind, for the statistics

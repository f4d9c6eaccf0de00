"""A wheel built from the repo carries scripts/ and sounds/ and works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("voiceguide-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_carries_the_routines_the_chimes_and_py_typed(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in list((ROOT / "scripts").glob("*.yaml")) + list((ROOT / "sounds").glob("*")):
        assert f"voiceguide/{shipped.parent.name}/{shipped.name}" in names
    assert (
        "voiceguide/routine/routine.schema.json" in names
        or not (ROOT / "voiceguide" / "routine" / "routine.schema.json").exists()
    )
    assert "voiceguide/py.typed" in names  # PEP 561: a program using voiceguide is type-checked


@pytest.mark.slow
def test_an_installed_copy_plans_a_built_in_routine_outside_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "VOICEGUIDE_ENGINE": "tone",
        "VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache"),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "voiceguide",
            "plan",
            "back-massage",
            "--length",
            "10m",
            "--json",
            "-q",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"length": 600' in result.stdout
    located = subprocess.run(
        [sys.executable, "-c", "import voiceguide; print(voiceguide.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert located.stdout.startswith(str(site))

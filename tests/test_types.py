"""The package type-checks: mypy, strict, on all of voiceguide/ (its settings are
``[tool.mypy]`` in pyproject.toml), as ./test.sh and so CI run it; and the wheel says it is
typed (``py.typed``, PEP 561), so a program that imports voiceguide is checked against its
annotations.

mypy keeps its cache in .mypy_cache at the checkout's root: the first run takes ~10 s of CPU
(more under load), later ones a second or two (DEVELOPERS.md, "Types")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOUND = 300  # seconds: a cold run took 63-80 s at load 13-15 on 2 cores (12 s of CPU)


def test_mypy_strict_finds_nothing_in_any_module_of_the_package():
    """Every module is read (a ``files`` setting that missed a package would pass on
    nothing), in strict mode, and nothing is found."""
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-color-output"]
        + ["--config-file", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    found = (checked.stdout + checked.stderr).strip()
    modules = len(list((ROOT / "voiceguide").rglob("*.py")))
    assert found == f"Success: no issues found in {modules} source files", found
    config = (ROOT / "pyproject.toml").read_text()
    settings = config[config.index("[tool.mypy]") :]
    assert re.search(r'^files = \["voiceguide"\]$', settings, re.M)
    assert re.search(r"^strict = true$", settings, re.M)


def test_the_same_settings_find_a_type_error(tmp_path):
    """A wrong annotation fails with those settings: the check above can fail."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "from voiceguide import durations\n\n\ndef seconds(text: str) -> str:\n"
        "    return durations.parse(text)\n"
    )
    found = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
        + ["--no-color-output", str(wrong)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    assert found.returncode == 1, found.stdout + found.stderr
    assert 'Incompatible return value type (got "float", expected "str")' in found.stdout

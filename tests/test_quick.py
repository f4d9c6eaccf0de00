"""The quick tier (``./test.sh --quick``) leaves out what is slow, but no module: at the end of
a whole run, quick or full, serial or on xdist workers, every module of the package has been
loaded by its tests, or the run fails naming those that were not (tests/whole_run.py, a
plugin tests/conftest.py loads, checks it after the last test)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.whole_run import CHECK, OWN_PROGRAMS, package_modules, unreached
from voiceguide.testing import launch

ROOT = Path(__file__).resolve().parent.parent


def test_the_check_names_what_no_test_loaded() -> None:
    everything = package_modules()
    assert {"voiceguide.cli", "voiceguide.speech.cache", "voiceguide.choices"} <= everything
    assert not any(name.startswith("voiceguide.testing") for name in everything)
    assert unreached(everything) == []
    assert unreached(everything - {"voiceguide.catalog"}) == ["voiceguide.catalog"]
    assert unreached(everything - OWN_PROGRAMS) == []


def test_a_process_the_tests_start_records_what_it_loaded(loaded_elsewhere: Path) -> None:
    launch.run("--version")  # python -m voiceguide: __main__ is voiceguide.__main__
    assert {"voiceguide.cli", "voiceguide.__main__"} <= set(loaded_elsewhere.read_text().split())


def run_of_two_files(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A whole run (its ``testpaths``, no narrowing) of a project whose two test files load
    one module each, ``voiceguide.durations`` and ``voiceguide.choices`` (``import
    voiceguide``, which the plugin does in every process, loads neither)."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\ntestpaths = t\n"
        "addopts = -ra -p xdist.plugin -p tests.whole_run -p no:cacheprovider\n"
    )
    (tmp_path / "t").mkdir()
    for name, module in (("a", "durations"), ("b", "choices")):
        (tmp_path / "t" / f"test_{name}.py").write_text(
            textwrap.dedent(f"""
                import voiceguide.{module}

                def test_{name}():
                    assert voiceguide.{module}.__name__ == "voiceguide.{module}"
            """)
        )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ["PYTHONPATH"]])}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # hypothesis & co: seconds of imports each
    command = [sys.executable, "-m", "pytest", *args]
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "workers", [["-n", "2", "--dist", "loadfile"], ["-n", "0"]], ids=["two-workers", "serial"]
)
def test_a_whole_run_that_misses_a_module_fails_naming_it(tmp_path, workers):
    """On two workers the check sees what each loaded (the controller, which ran no test,
    loaded neither module); serial, what the one process loaded. Either way the modules no
    test loaded are named, the run counts a failure and exits 1."""
    ran = run_of_two_files(tmp_path, *workers)
    out = ran.stdout + ran.stderr
    assert ran.returncode == 1, out
    assert re.search(r"\b1 failed, 2 passed\b", out), out
    assert f"FAILED {CHECK}" in out, out
    named = re.search(r"no test of this run loads (\[.*?\])", out)
    assert named, out
    missing = ast.literal_eval(named.group(1))
    assert "voiceguide.durations" not in missing and "voiceguide.choices" not in missing
    assert {"voiceguide.cli", "voiceguide.speech.cache"} <= set(missing)


def test_a_narrowed_run_is_not_checked(tmp_path):
    """A path on the command line narrows the run: the check would name every module that
    file does not reach, so it does not run."""
    ran = run_of_two_files(tmp_path, "-n", "0", "t/test_a.py")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout and CHECK not in ran.stdout

"""tools/newer_versions.py: the comparison that lets CI (tools/test-newest.sh) skip its second
run of the suite when the newest resolution is what constraints.txt locks (issue 19, item 17).
Run as CI runs it, on fake freeze files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "newer_versions.py"
LOCK = """# The exact versions ./setup.sh installs (pip -c): a header of comments.
# Made by tools/lock.sh.
numpy==2.4.6
PyYAML==6.0.4
typing_extensions==4.16.0
piper-tts==1.8.0
"""


def compare(tmp_path: Path, freeze: str, lock: str = LOCK) -> subprocess.CompletedProcess:
    (tmp_path / "constraints.txt").write_text(lock)
    (tmp_path / "freeze.txt").write_text(freeze)
    files = [str(tmp_path / "constraints.txt"), str(tmp_path / "freeze.txt")]
    return subprocess.run(
        [sys.executable, str(SCRIPT), *files], capture_output=True, text=True, check=False
    )


def test_the_same_versions_differ_in_nothing_however_pip_spells_the_names(tmp_path):
    """pip freeze sorts and spells names its own way (``pyyaml``, ``typing-extensions``); a
    locked package that is not installed (an extra) changes no test run."""
    done = compare(tmp_path, "pyyaml==6.0.4\nnumpy==2.4.6\ntyping-extensions==4.16.0\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_each_version_that_differs_is_named_and_the_answer_is_yes(tmp_path):
    freeze = "numpy==2.5.0\nPyYAML==6.0.4\ntyping_extensions==4.16.0\nrich==14.0.0\n"
    done = compare(tmp_path, freeze)
    assert done.returncode == 1
    assert done.stdout == "  numpy 2.4.6 -> 2.5.0\n  rich 14.0.0 (not in constraints.txt)\n"


def test_a_direct_reference_is_a_version_of_its_own(tmp_path):
    done = compare(tmp_path, "numpy @ file:///wheels/numpy-2.4.6-cp311.whl\n")
    assert done.returncode == 1
    assert done.stdout == "  numpy 2.4.6 -> file:///wheels/numpy-2.4.6-cp311.whl\n"


def test_a_file_it_cannot_read_is_status_2_so_the_suite_runs(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(ROOT / "constraints.txt"), str(tmp_path / "none.txt")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "none.txt" in done.stderr


def test_the_projects_own_lock_read_as_a_freeze_differs_from_itself_in_nothing(tmp_path):
    lock = (ROOT / "constraints.txt").read_text()
    freeze = "".join(sorted(line + "\n" for line in lock.splitlines() if "==" in line))
    assert freeze.count("\n") > 20
    done = compare(tmp_path, freeze, lock)
    assert (done.returncode, done.stdout) == (0, "")

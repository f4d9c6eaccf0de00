"""The quick tier (``./test.sh --quick``) leaves out what is slow, but no module: at the end of
a whole run, quick or full, every module of the package has been loaded by its tests.

"Loaded" is in the test process's ``sys.modules`` or in that of a process it started (a
``python -m voiceguide``, a server: tests/conftest.py's ``loaded_elsewhere`` records them). A
module that only the slow, real-engine, real-time or browser tests reach fails this, named.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import voiceguide
from voiceguide.testing import launch

PACKAGE = Path(voiceguide.__file__).resolve().parent
# run only as a program of its own, by path (``python -P .../piper_worker.py``: it imports
# piper, GPL, which no voiceguide process may): never a module of any process
OWN_PROGRAMS = {"voiceguide.speech.piper_worker"}


def package_modules() -> set[str]:
    """Every module of the package but the test helpers (``voiceguide.testing``)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if "testing" not in parts:
            found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def unreached(loaded: set[str]) -> list[str]:
    """The package's modules not in ``loaded``, but those that run only as programs."""
    return sorted(package_modules() - loaded - OWN_PROGRAMS)


def whole_run(config: pytest.Config) -> bool:
    """Whether this run is the whole suite or the whole quick tier: no paths, ``-k``,
    ``-m``, ``--deselect`` or last-failed narrowing it."""
    option = config.option
    narrowed = option.keyword or option.markexpr or option.deselect or getattr(option, "lf", 0)
    return config.args_source == pytest.Config.ArgsSource.TESTPATHS and not narrowed


def test_every_module_is_loaded_by_a_whole_run(
    request: pytest.FixtureRequest, loaded_elsewhere: Path
) -> None:
    """Run last (tests/conftest.py puts it there)."""
    if not whole_run(request.config):
        pytest.skip("checks what a whole run loaded: at the end of ./test.sh or ./test.sh --quick")
    recorded = loaded_elsewhere.read_text().split() if loaded_elsewhere.exists() else []
    missing = unreached(set(sys.modules) | set(recorded))
    assert missing == [], f"no test of this run loads {missing}: add a quick test that does"


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

"""A pytest plugin (tests/conftest.py loads it): a whole run, quick or full, serial or on
several xdist workers, fails if some module of the package was loaded by none of its tests.

"Loaded" is in the ``sys.modules`` of a process that ran tests (the serial process, or each
xdist worker, which hands its list to the controller in ``workeroutput`` when it finishes),
or in that of a process a test started (a ``python -m voiceguide``, a server): a
``sitecustomize`` put on their ``PYTHONPATH`` appends theirs to a file. The controller of an
xdist run runs no test, so what it imported itself (tests/conftest.py's imports) counts for
nothing. The check runs once, on the process that reports, after every test and worker has
finished; what it finds is reported as a failed test (``tests/whole_run.py::every module
loaded``), so the run's summary counts it and its exit status is 1. tests/test_quick.py tests
it. A module that only the slow, real-engine, real-time or browser tests reach fails this,
named: it needs a quick test.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import voiceguide

PACKAGE = Path(voiceguide.__file__).resolve().parent
# run only as a program of its own, by path (``python -P .../piper_worker.py``: it imports
# piper, GPL, which no voiceguide process may): never a module of any process
OWN_PROGRAMS = {"voiceguide.speech.piper_worker"}
CHECK = "tests/whole_run.py::every module loaded"  # the node id its failure is reported as
WORKER_KEY = "voiceguide_modules"  # in an xdist worker's workerinput/workeroutput

FOLDER = pytest.StashKey[Path]()  # the sitecustomize and the children's log
WORKERS = pytest.StashKey[list[str]]()  # on an xdist controller: what its workers loaded

# Put on the PYTHONPATH of every process the tests start: at its exit, it appends the names
# of the voiceguide modules it loaded to $VOICEGUIDE_TEST_MODULES (one write, O_APPEND).
RECORDER = """
import atexit, os, sys

def _record():
    main = getattr(sys.modules.get("__main__"), "__spec__", None)  # python -m voiceguide.X
    names = [*sys.modules, main.name if main is not None else ""]
    loaded = [m for m in names if m.split(".")[0] == "voiceguide"]
    log = os.environ.get("VOICEGUIDE_TEST_MODULES")
    if not (loaded and log):
        return
    try:  # a process under a file-size limit (tests/test_faults.py) cannot: it stays quiet
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (" ".join(loaded) + "\\n").encode())
        finally:
            os.close(fd)
    except OSError:
        pass

atexit.register(_record)
"""


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


def ours(names: Iterable[str]) -> list[str]:
    """The voiceguide modules among ``names``."""
    return [name for name in names if name.split(".")[0] == "voiceguide"]


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    """An xdist controller: its workers run the tests, it runs none."""
    return config.pluginmanager.has_plugin("dsession")


def pytest_configure(config: pytest.Config) -> None:
    if is_worker(config):  # the controller's folder: one log for the whole run
        config.stash[FOLDER] = Path(config.workerinput[WORKER_KEY])  # type: ignore[attr-defined]
        return
    folder = Path(tempfile.mkdtemp(prefix="voiceguide-modules-"))
    (folder / "sitecustomize.py").write_text(RECORDER)
    config.stash[FOLDER] = folder
    config.stash[WORKERS] = []


def pytest_unconfigure(config: pytest.Config) -> None:
    if not is_worker(config) and FOLDER in config.stash:
        shutil.rmtree(config.stash[FOLDER], ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist, on the controller, before a worker starts: where the run's log is."""
    node.workerinput[WORKER_KEY] = str(node.config.stash[FOLDER])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist, on the controller, when a worker has finished: what its tests loaded."""
    node.config.stash[WORKERS].extend(getattr(node, "workeroutput", {}).get(WORKER_KEY, []))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if is_worker(session.config):  # sent to the controller after this hook (xdist's wrapper)
        session.config.workeroutput[WORKER_KEY] = ours(list(sys.modules))  # type: ignore[attr-defined]


@pytest.fixture(scope="session", autouse=True)
def loaded_elsewhere(request: pytest.FixtureRequest) -> Iterator[Path]:
    """Where the processes this run starts (``python -m voiceguide``, a server, an example)
    record the voiceguide modules they loaded. A process given a PYTHONPATH of its own by its
    test (a sitecustomize that hides espeak-ng) records none."""
    folder = request.config.stash[FOLDER]
    with pytest.MonkeyPatch.context() as patch:
        paths = [str(folder), os.environ.get("PYTHONPATH", "")]
        patch.setenv("PYTHONPATH", os.pathsep.join(path for path in paths if path))
        patch.setenv("VOICEGUIDE_TEST_MODULES", str(folder / "modules.txt"))
        yield folder / "modules.txt"


def loaded(config: pytest.Config) -> set[str]:
    """What this run's tests loaded: its workers' (or, serial, this process's) modules and
    those of the processes they started."""
    log = config.stash[FOLDER] / "modules.txt"
    found = set(log.read_text().split()) if log.exists() else set()
    found |= set(config.stash[WORKERS])
    if not is_controller(config):
        found |= set(ours(list(sys.modules)))
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Iterator[None]:
    """After every test (and every worker): the check, on a whole run that was not stopped
    (``-x``, an interrupt: those raise out of the yield)."""
    result = yield
    config = session.config
    if is_worker(config) or not whole_run(config) or session.shouldfail or session.shouldstop:
        return result
    missing = unreached(loaded(config))
    if missing:
        report = pytest.TestReport(
            nodeid=CHECK,
            location=(CHECK.split("::")[0], None, CHECK.split("::")[1]),
            keywords={},
            outcome="failed",
            longrepr=f"no test of this run loads {missing}: add a quick test that does",
            when="call",
        )
        config.hook.pytest_runtest_logreport(report=report)
        session.testsfailed += 1
    return result

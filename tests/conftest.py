"""Shared fixtures: an isolated clip cache, the fake tone engine, routine files on disk, and
sessions prepared once per module."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from voiceguide import session, speech
from voiceguide.testing.fakes import tone_renderer

# What ``--quick`` (``./test.sh --quick``, the inner loop) leaves out: what takes time (slow:
# measured with --durations), plays in real time (audio_device), runs a real speech engine
# (engine) or a browser (browser). The full suite (``./test.sh``, CI) runs them all.
NOT_QUICK = ("slow", "engine", "audio_device", "browser")
# that a whole run (quick or full, serial or on xdist workers) loads every module of the package
pytest_plugins = ["tests.whole_run"]

# Hypothesis' 200 ms deadline is a timed assertion: on a shared 2-core machine at load 14 an
# example of tests/test_fit.py took 327 ms and failed a correct fit. Speed is bench/'s to
# measure; here only what the examples compute is checked.
settings.register_profile("voiceguide", deadline=None)
settings.load_profile("voiceguide")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick",
        action="store_true",
        help=f"the two-minute loop: leave out the tests marked {', '.join(NOT_QUICK)}",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("quick"):
        left = [item for item in items if any(item.get_closest_marker(m) for m in NOT_QUICK)]
        if left:
            config.hook.pytest_deselected(items=left)
            gone = set(left)
            items[:] = [item for item in items if item not in gone]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own clip cache; nothing touches the user's."""
    directory = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(directory))
    # nor the user's lexicon: a test writes one here when it wants one (empty: no entries)
    lexicon = tmp_path_factory.mktemp("config") / "lexicon.yaml"
    lexicon.touch()
    monkeypatch.setenv("VOICEGUIDE_LEXICON", str(lexicon))
    # nor where the user's stopped sessions are kept (play --resume)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    # the default engine is Piper where it is installed: a test's is espeak-ng wherever it
    # runs (a test of the default itself removes this)
    monkeypatch.setenv("VOICEGUIDE_DEFAULT_ENGINE", "espeak")
    return directory


@pytest.fixture
def renderer():
    """The fake tone engine, in this process."""
    with tone_renderer() as made:
        yield made


@pytest.fixture
def write_routine(tmp_path):
    """Write YAML text (dedented) to a routine file and return its path."""

    def write(text: str, name: str = "routine.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return write


@pytest.fixture
def prepare(renderer):
    """``prepare(ref, length=None)`` -> Session built with the tone engine."""

    def make(ref, length: float | None = None, **options) -> session.Session:
        return session.prepare(str(ref), session.Options(length, **options), renderer)

    return make


@dataclass(frozen=True)
class Shared:
    """One clip cache and tone renderer for a test module, so that what its tests prepare is
    rendered once."""

    cache: Path
    renderer: speech.Renderer

    def prepare(self, name: str, length: float | None) -> session.Session:
        """The routine ``name`` (a built-in or a path) fitted to ``length`` seconds."""
        return session.prepare(name, session.Options(length), self.renderer, self.cache)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """A ``Shared`` for the module (its cache is ``VOICEGUIDE_CACHE_DIR`` outside tests)."""
    cache = tmp_path_factory.mktemp("shared-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VOICEGUIDE_CACHE_DIR", str(cache))
        with tone_renderer() as renderer:
            yield Shared(cache, renderer)


@pytest.fixture(scope="module")
def neck(shared: Shared) -> session.Session:
    """neck-stretch at 2 minutes: short, 8 steps."""
    return shared.prepare("neck-stretch", 120.0)

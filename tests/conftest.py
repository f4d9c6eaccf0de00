"""Shared fixtures: an isolated clip cache, the fake tone engine, routine files on disk."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from voiceguide import session
from voiceguide.testing.fakes import tone_renderer


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

"""The server's list of routines answers at once (issue 24): estimated where the speech is not
rendered, measured once the warm-up rendered it, and then what ``list --json`` prints."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from voiceguide.cli import main
from voiceguide.serve.routines import Routines
from voiceguide.serve.sessions import Sessions
from voiceguide.serve.store import Store
from voiceguide.testing.fakes import tone_renderer

pytest.importorskip("starlette", reason="needs the extra 'serve'")


def test_the_list_renders_nothing_and_the_warm_up_makes_it_measured(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")
    with tone_renderer() as renderer:
        answers = Sessions(renderer, Routines(), Store(tmp_path / "sessions"))
        first = answers.routines_json()
        assert renderer.rendered == []  # the list came before any speech
        assert {r["measured"] for r in first["routines"]} == {False}
        cli = CliRunner().invoke(main, ["list", "--json"], catch_exceptions=False)
        assert json.loads(cli.stdout) == first  # the same cache: the same answer
        answers.measure_all()
        assert renderer.rendered  # the warm-up rendered every routine's speech
        rendered = len(renderer.rendered)
        measured = answers.routines_json()
        assert {r["measured"] for r in measured["routines"]} == {True}
        assert len(renderer.rendered) == rendered  # listing again rendered nothing more
    cli = CliRunner().invoke(main, ["list", "--json"], catch_exceptions=False)
    assert json.loads(cli.stdout) == measured
    plain = CliRunner().invoke(main, ["list", "--json", "--measure"], catch_exceptions=False)
    assert json.loads(plain.stdout) == measured

"""The server's list of routines answers at once (issue 24): estimated where the speech is not
rendered, measured once the warm-up rendered it, and then what ``list --json`` prints."""

from __future__ import annotations

import json
import time

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


def test_a_session_asked_twice_at_once_is_prepared_once_and_renders_with_a_bed_of_its_own(
    tmp_path, monkeypatch
):
    """The page asks for the plan and the audio of new options at once: the second waited
    for the engine's lock and prepared the session again, and the render prepared it a third
    time, on the way to the first byte. One prepare now; the render's session is the same
    plan with its own bed source."""
    from concurrent.futures import ThreadPoolExecutor

    from voiceguide import session
    from voiceguide.serve.query import parse
    from voiceguide.serve.store import Served

    calls = []
    real = session.prepare
    monkeypatch.setattr(
        session, "prepare", lambda *a, **k: calls.append(1) or time.sleep(0.3) or real(*a, **k)
    )
    query = parse({"routine": "neck-stretch", "length": "2m", "bed": "rain"})
    with tone_renderer() as renderer:
        answers = Sessions(renderer, Routines(), Store(tmp_path / "sessions"))
        with ThreadPoolExecutor(3) as pool:
            asked = [pool.submit(answers.prepared, query) for _ in range(3)]
            sessions = [f.result(timeout=60) for f in asked]
        assert len(calls) == 1 and all(s is sessions[0] for s in sessions)
        render, how, _ = answers.render(query, Served.WAV)
        assert how == "made" and render.done.wait(60) and render.error is None
        assert len(calls) == 1
    renewed = answers.renewed(sessions[0], query)
    assert renewed.plan is sessions[0].plan and renewed.bed is not sessions[0].bed


def test_a_plan_asked_during_the_warm_up_waits_for_one_routines_speech_not_all(
    tmp_path, monkeypatch
):
    """The warm-up released the engine between routines and took it again at once (a Lock
    is not fair): the page's first plan waited for every routine's speech."""
    import threading

    from voiceguide.serve.query import parse
    from voiceguide.testing.fakes import ToneSynth

    slow = ToneSynth.render
    monkeypatch.setattr(ToneSynth, "render", lambda *a: time.sleep(0.02) or slow(*a))
    with tone_renderer() as renderer:
        answers = Sessions(renderer, Routines(), Store(tmp_path / "sessions"))
        answers.routines_json()
        first, *others = answers.routines.names()
        warm = threading.Thread(target=answers.measure_all)
        warm.start()
        browser_wait = time.monotonic() + 30
        while not renderer.rendered and time.monotonic() < browser_wait:
            time.sleep(0.005)  # the warm-up is rendering the first routine
        answers.prepared(parse({"routine": first}))
        done_then = len(renderer.rendered)
        warm.join(60)
        assert done_then < len(renderer.rendered)  # the others were rendered after the plan

"""What the server's tests share: one server (tone engine) for a module, and its answers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from voiceguide.cli import main
from voiceguide.testing import browser

pytest.importorskip("starlette", reason="needs the extra 'serve'")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``voiceguide serve --port 0`` with the tone engine, for the whole module."""
    with browser.serving(tmp_path_factory.mktemp("serve")) as running:
        yield running


def fetch(url: str, headers: dict | None = None, data: bytes | None = None, method=None):
    """``(status, headers, body)`` of a request (an error status is an answer too)."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def api(server, path: str, **headers) -> tuple[int, object]:
    """``(status, JSON)`` of ``GET /api/PATH`` on ``server``."""
    status, _, body = fetch(f"{server.base}/api/{path}", headers)
    return status, json.loads(body)


@pytest.fixture
def run(monkeypatch):
    """``run(*args)``: the CLI in this process with the tone engine (as tests/cli's)."""
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)

"""Safe on a home network: --lan asks for the token, a foreign Host or origin is refused.
The tests reach the server only through the loopback address, --lan included."""

from __future__ import annotations

import json

import pytest

from tests.serve.conftest import fetch
from voiceguide.testing import browser


@pytest.fixture(scope="module")
def lan(tmp_path_factory):
    with browser.serving(tmp_path_factory.mktemp("lan"), "--lan") as running:
        yield running


def test_lan_prints_an_address_with_a_token_and_its_qr_code(lan):
    assert lan.token and len(lan.token) >= 20
    assert f"?token={lan.token}" in lan.output
    assert "\u2580" in lan.output or "\u2584" in lan.output or "\u2588" in lan.output  # QR blocks


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/routines",
        "/api/plan?routine=neck-stretch",
        "/static/app.js",
        "/api/session.wav?routine=neck-stretch",
    ],
)
def test_lan_refuses_a_request_without_the_token(lan, path):
    status, _, body = fetch(lan.base + path)
    assert status == 403
    assert body.decode().startswith("forbidden: open the address")
    joiner = "&" if "?" in path else "?"
    status, _, _ = fetch(f"{lan.base}{path}{joiner}token=wrong{lan.token[5:]}")
    assert status == 403


def test_lan_answers_with_the_token_and_the_cookie_the_page_set(lan):
    status, headers, _ = fetch(lan.url)
    assert status == 200
    cookie = headers["Set-Cookie"].split(";")[0]
    assert cookie == f"voiceguide={lan.token}"
    assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=strict" in headers["Set-Cookie"]
    status, _, body = fetch(f"{lan.base}/api/routines", {"Cookie": cookie})
    assert status == 200 and json.loads(body)["routines"]
    assert fetch(f"{lan.base}/api/routines", {"Cookie": "voiceguide=nope"})[0] == 403


@pytest.mark.parametrize(
    "host", ["evil.example:80", "evil.example", "127.0.0.1:1", "", "localhost"]
)
def test_a_host_that_is_not_the_servers_is_refused(server, host):
    status, _, body = fetch(server.base + "/api/routines", {"Host": host})
    assert status == 403 and b"does not answer to the host" in body


def test_localhost_by_name_is_answered(server):
    assert fetch(server.base + "/api/routines", {"Host": f"localhost:{server.port}"})[0] == 200


def test_a_page_elsewhere_cannot_steer_the_player(server):
    url = f"{server.base}/api/live/pause"
    status, _, body = fetch(
        url, {"Origin": "http://evil.example", "Content-Type": "application/json"}, b"{}", "POST"
    )
    assert status == 403 and b"may not steer" in body
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = fetch(url, form, b"a=1", "POST")
    assert status == 403 and b"send JSON" in body
    own = {"Origin": server.base, "Content-Type": "application/json"}
    assert fetch(url, own, b"{}", "POST")[0] == 200

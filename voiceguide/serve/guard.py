"""Who may ask: the checks every request passes before it reaches the page or the API.

- **Host**: the ``Host`` header must name this server (``127.0.0.1``, ``localhost``,
  ``[::1]``, or with ``--lan`` one of this computer's own addresses, with the port). A page
  elsewhere that makes its own name point at 127.0.0.1 (DNS rebinding) sends its own name:
  refused.
- **Token** (``--lan``): every request carries the random token the terminal printed, in the
  URL (``?token=...``) or in the cookie the page's first answer set; without it, 403. The
  comparison takes the same time whatever the token (``hmac.compare_digest``).
- **Origin**: a request that changes something (POST) must come from this server's own page:
  its ``Origin``, when sent, is this server's, and its body is JSON (which a page elsewhere
  cannot send without asking first, and is never allowed to).

A refusal is ``403`` with one line of text saying why.
"""

from __future__ import annotations

import fcntl
import hmac
import ipaddress
import secrets
import socket
import struct
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "voiceguide"
SIOCGIFADDR = 0x8915  # Linux: an interface's IPv4 address


def new_token() -> str:
    """A random token for ``--lan``: 128 bits, URL-safe."""
    return secrets.token_urlsafe(16)


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses on its networks (not loopback), read from its own
    interfaces: nothing is sent anywhere to find them."""
    found = []
    for _, name in _interfaces():
        address = _address_of(name)
        if address and not ipaddress.ip_address(address).is_loopback:
            found.append(address)
    return sorted(set(found), key=lambda a: (not ipaddress.ip_address(a).is_private, a))


def _interfaces() -> list[tuple[int, str]]:
    try:
        return socket.if_nameindex()
    except OSError:
        return []


def _address_of(name: str) -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            asked = struct.pack("256s", name[:15].encode())
            packed = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, asked)
        except OSError:  # no IPv4 address on it
            return None
    return socket.inet_ntoa(packed[20:24])


def hosts(port: int, addresses: Iterable[str]) -> frozenset[str]:
    """The ``Host`` headers this server answers to, on ``port`` (80 may go unsaid)."""
    names = ["127.0.0.1", "localhost", "[::1]", *addresses]
    found = {f"{name}:{port}" for name in names}
    if port == 80:
        found |= set(names)
    return frozenset(found)


class Guard:
    """ASGI middleware: the checks of this module's docstring, before ``app``."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str], token: str | None):
        self.app = app
        self.allowed = allowed
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refused = self.refusal(scope, headers)
        if refused is not None:
            await _forbidden(send, refused)
            return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope, headers: dict[str, str]) -> str | None:
        """Why this request is refused, or None."""
        host = headers.get("host", "").lower()
        if host not in self.allowed:
            return f"this server does not answer to the host {host!r}"
        if self.token is not None and not self._has_token(self.token, scope, headers):
            return "open the address 'voiceguide serve --lan' printed: it carries the token"
        if scope["method"] not in ("GET", "HEAD"):
            origin = headers.get("origin")
            if origin is not None and origin.lower() != f"http://{host}":
                return f"a page from {origin} may not steer this server"
            if headers.get("content-type", "").split(";")[0].strip() != "application/json":
                return "send JSON (Content-Type: application/json)"
        return None

    def _has_token(self, token: str, scope: Scope, headers: dict[str, str]) -> bool:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [])
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except CookieError:  # a malformed cookie header: as if there were none
            cookie = SimpleCookie()
        if COOKIE in cookie:
            given.append(cookie[COOKIE].value)
        expected = token.encode()
        return any(hmac.compare_digest(text.encode(), expected) for text in given)


async def _forbidden(send: Send, reason: str) -> None:
    body = f"forbidden: {reason}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

"""``voiceguide serve``: a page for a phone (choose a routine, fit it, see its plan, play it on
the phone or on this computer, download it) and the HTTP API it uses (docs/serve.md).

``listen`` binds the socket (a port taken is one line, before anything starts) and works out
the addresses to print; ``run`` serves until Ctrl-C. The parts:

- ``query``: a request's parameters read as the command line reads its options;
- ``routines``: the routines a server may read (built-ins, ``--routines DIR``), by name;
- ``sessions``: the answers (``list``, ``plan``, the picture, the voices), each the library
  call the command line makes; ``store``: each session rendered once, in the cache;
- ``files``: renders over HTTP (byte ranges, a WAV heard while it is mixed);
- ``remote``: the live player of this computer, steered from the page;
- ``guard``: who may ask (Host, token, origin); ``app``: the routes; ``static/``: the page.

Needs the optional extra ``serve`` (starlette, uvicorn, segno): ``require`` says how to
install it.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.errors import UsageError, VoiceguideError

if TYPE_CHECKING:  # the server's modules load when it runs
    from voiceguide import speech
    from voiceguide.serve.sessions import Sessions

INSTALL = "pip install 'voiceguide[serve]'"
PORT = 8765


def require() -> None:
    """``VoiceguideError`` (one line, how to install it) when the extra ``serve`` is missing."""
    try:
        import segno  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise VoiceguideError(
            f"voiceguide serve needs {exc.name}, which is not installed: {INSTALL} "
            "(in a source checkout: ./setup.sh)"
        ) from exc


@dataclass
class Listening:
    """A bound socket and what to tell the user: ``urls`` (the first is the one to open;
    with ``--lan`` each carries the token), ``token`` (None without ``--lan``)."""

    socket: socket.socket
    port: int
    lan: bool
    token: str | None
    addresses: list[str]

    @property
    def urls(self) -> list[str]:
        if not self.lan:
            return [f"http://127.0.0.1:{self.port}/"]
        hosts = self.addresses or ["127.0.0.1"]
        return [f"http://{host}:{self.port}/?token={self.token}" for host in hosts]


def listen(port: int = PORT, lan: bool = False) -> Listening:
    """Bind ``port`` on 127.0.0.1 (``lan``: on every address, with a new token); ``0``
    takes a free port. A port that cannot be had is a ``UsageError`` naming another."""
    from voiceguide.serve import guard

    host = "0.0.0.0" if lan else "127.0.0.1"
    bound = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        bound.bind((host, port))
        bound.listen(64)
    except OSError as exc:
        bound.close()
        reason = exc.strerror or str(exc)
        raise UsageError(
            f"cannot listen on {host}:{port}: {reason}; choose another with --port "
            f"(e.g. --port {port + 1 if 0 < port < 65535 else PORT})"
        ) from exc
    bound.set_inheritable(False)
    token = guard.new_token() if lan else None
    addresses = guard.lan_addresses() if lan else []
    return Listening(bound, bound.getsockname()[1], lan, token, addresses)


def qr_text(url: str) -> str:
    """``url`` as a QR code of text, for a terminal (two rows of modules per line)."""
    import segno

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


# long: one server's parts, made and joined in order
def run(
    listening: Listening,
    renderer: speech.Engines | speech.Renderer,
    routines_dir: Path | None = None,
    backend: str | None = None,
    store_dir: Path | None = None,
) -> None:
    """Serve on ``listening`` until Ctrl-C (or SIGTERM): the page, the API, renders into
    ``store_dir`` (default: ``sessions`` in the clip cache), the live player on ``backend``.
    Returns when stopped, with the live player stopped and the socket closed."""
    import uvicorn

    from voiceguide.serve import app, guard, routines, sessions, store
    from voiceguide.serve.remote import Remote
    from voiceguide.store import cache_dir as _cache_dir

    found = routines.Routines(routines_dir)
    kept = store.Store(store_dir or _cache_dir() / "sessions")
    answers = sessions.Sessions(renderer, found, kept)
    remote = Remote(backend)
    server: uvicorn.Server | None = None
    api = app.Api(answers, remote, lambda: server is not None and server.should_exit)
    allowed = guard.hosts(listening.port, listening.addresses)
    application = app.make_app(api, allowed, listening.token, on_stop=remote.stop)
    config = uvicorn.Config(
        application,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    threading.Thread(target=_warm, args=(answers,), name="warm-up", daemon=True).start()
    try:
        server.run(sockets=[listening.socket])
    finally:
        remote.stop()
        listening.socket.close()


def hidden_routines(routines_dir: Path) -> list[Path]:
    """The files of ``routines_dir`` not served because a built-in has their name."""
    from voiceguide.serve.routines import Routines

    return Routines(routines_dir).hidden


def _warm(answers: Sessions) -> None:
    """Make every routine ready (loaded, its voice found), then render the speech each lacks,
    the first listed first (the page plans it first): the list's lengths, estimated until
    then, become measured; a routine's first plan finds its speech."""
    with contextlib.suppress(VoiceguideError):
        answers.routines_json()
    answers.measure_all()


__all__ = ["INSTALL", "PORT", "Listening", "hidden_routines", "listen", "qr_text", "require", "run"]

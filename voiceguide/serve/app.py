"""The HTTP side: the page's files and the API's routes, over ``Sessions`` and ``Remote``.

Every answer of the API is JSON but the audio, the ZIP and the picture. A ``VoiceguideError``
is the one line the command line prints: ``400`` when the request must change (a bad routine,
length or option), ``500`` when something on this computer failed (an engine, a disk), as
``{"error": "..."}``. The routes are listed in docs/serve.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import anyio.to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from voiceguide.errors import VoiceguideError
from voiceguide.serve import files, query
from voiceguide.serve.guard import COOKIE, Guard
from voiceguide.serve.remote import ACTIONS, Remote, State
from voiceguide.serve.sessions import Sessions
from voiceguide.serve.store import Served

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {"app.js": "text/javascript", "style.css": "text/css", "icon.svg": "image/svg+xml"}
AUDIO = (Served.WAV, Served.MP3, Served.OPUS)  # /api/session.EXT (the tracks: .zip)
T = TypeVar("T")
HEARTBEAT = 15.0  # seconds between comments on an idle event stream (proxies close silence)


def pretty(data: object) -> Response:
    """JSON as the command line prints it (indented, UTF-8, a newline at the end)."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return Response(text, media_type="application/json", headers={"Cache-Control": "no-store"})


def refused(exc: VoiceguideError) -> Response:
    status = 400 if exc.exit_status == 2 else 500
    return JSONResponse({"error": str(exc)}, status_code=status)


async def in_thread(function: Callable[..., T], *args: object) -> T:
    return await anyio.to_thread.run_sync(function, *args)


class Api:
    """The routes' handlers. ``closing()`` says the server is stopping (event streams end)."""

    def __init__(self, sessions: Sessions, remote: Remote, closing: Callable[[], bool]):
        self.sessions = sessions
        self.remote = remote
        self.closing = closing

    async def page(self, request: Request) -> Response:
        answer = FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})
        token = request.query_params.get("token")
        if token:  # the guard let it through: it is the right one
            answer.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return answer

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in PAGES:
            return Response("not found\n", status_code=404, media_type="text/plain")
        return FileResponse(STATIC / name, media_type=PAGES[name])

    async def routines(self, request: Request) -> Response:
        return await self._answer(lambda: pretty(self.sessions.routines_json()))

    async def voices(self, request: Request) -> Response:
        return await self._answer(lambda: pretty({"engines": self.sessions.voices()}))

    async def plan(self, request: Request) -> Response:
        return await self._answer(lambda: pretty(self.sessions.plan(self._query(request))))

    async def picture(self, request: Request) -> Response:
        def draw() -> Response:
            svg = self.sessions.picture(self._query(request))
            return Response(svg, media_type="image/svg+xml")

        return await self._answer(draw)

    async def audio(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in AUDIO:
            return JSONResponse({"error": f"no format {fmt!r}: use {', '.join(AUDIO)}"}, 404)
        return await self._render(request, Served(fmt))

    async def tracks(self, request: Request) -> Response:
        return await self._render(request, Served.ZIP)

    async def _render(self, request: Request, fmt: Served) -> Response:
        try:
            asked = self._query(request)
            render, how, name = await in_thread(self.sessions.render, asked, fmt)
        except VoiceguideError as exc:
            return refused(exc)
        download = fmt == Served.ZIP or request.query_params.get("download", "") not in ("", "0")
        answer = await files.served(render, request.headers.get("range"), name, download)
        answer.headers[files.HOW] = how  # found, joined or made: what the store did
        return answer

    async def live_start(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
        params = {str(k): str(v) for k, v in body.items() if v is not None}
        try:
            asked = query.parse(params)
            prepared = await in_thread(self.sessions.fresh, asked)
        except VoiceguideError as exc:
            return refused(exc)
        state = await in_thread(self.remote.start, prepared, asked.routine, asked.routine)
        return JSONResponse(state, status_code=503 if state.get("state") == State.ERROR else 200)

    async def live_action(self, request: Request) -> Response:
        action = request.path_params["action"]
        if action == "stop":
            await in_thread(self.remote.stop)
            return JSONResponse(self.remote.state)
        if action not in ACTIONS:
            known = ", ".join([*ACTIONS, "stop"])
            return JSONResponse({"error": f"no action {action!r}: use {known}"}, 404)
        return JSONResponse(await in_thread(self.remote.press, action))

    async def live_status(self, request: Request) -> Response:
        return JSONResponse(self.remote.state)

    async def live_events(self, request: Request) -> Response:
        """Server-sent events: the live player's state each time it changes."""

        async def stream() -> AsyncIterator[str]:
            seen, quiet = -1, 0.0
            while not self.closing():
                if self.remote.version != seen:
                    seen = self.remote.version
                    quiet = 0.0
                    yield f"data: {json.dumps(self.remote.state, ensure_ascii=False)}\n\n"
                elif quiet >= HEARTBEAT:
                    quiet = 0.0
                    yield ": still here\n\n"
                await asyncio.sleep(0.1)
                quiet += 0.1

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    def _query(self, request: Request) -> query.Query:
        return query.parse(request.query_params)

    async def _answer(self, make: Callable[[], Response]) -> Response:
        try:
            return await in_thread(make)
        except VoiceguideError as exc:
            return refused(exc)


def make_app(
    api: Api,
    allowed: frozenset[str],
    token: str | None,
    on_stop: Callable[[], None] | None = None,
) -> Starlette:
    """The ASGI application: ``Guard`` first, then the routes."""
    routes = [
        Route("/", api.page),
        Route("/static/{name}", api.static),
        Route("/api/routines", api.routines),
        Route("/api/voices", api.voices),
        Route("/api/plan", api.plan),
        Route("/api/picture.svg", api.picture),
        Route("/api/session.{fmt}", api.audio),
        Route("/api/tracks.zip", api.tracks),
        Route("/api/live/start", api.live_start, methods=["POST"]),
        Route("/api/live/status", api.live_status),
        Route("/api/live/events", api.live_events),
        Route("/api/live/{action}", api.live_action, methods=["POST"]),
    ]
    middleware = [Middleware(Guard, allowed=allowed, token=token)]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if on_stop is not None:
            await in_thread(on_stop)

    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)

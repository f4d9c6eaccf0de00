"""A render served over HTTP: a finished file (Starlette's ``FileResponse``: ``Range``,
``If-Range``, ``ETag``), or a WAV still being written, served byte range by byte range as
the bytes reach the file (``Growing``).

A ``Growing`` answer knows the whole file's size from the WAV header, so it can say
``Content-Length`` and ``Content-Range`` at once, like a finished file: a browser plays and
seeks it the same way, only waiting for bytes not yet mixed (mixing runs hundreds of times
faster than playing, so it waits only when it seeks far ahead at the start).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable

from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse

from voiceguide.serve.store import Render, Served

MEDIA = {
    Served.WAV: "audio/wav",
    Served.MP3: "audio/mpeg",
    Served.OPUS: "audio/ogg; codecs=opus",
    Served.ZIP: "application/zip",
}
HOW = "X-Voiceguide-Render"  # header: how the store had the file (found, joined, made)
CHUNK = 64 * 1024
POLL = 0.02  # seconds between looks at a render's progress
WAIT = 600.0  # seconds a request waits for a render at most (8 hours of MP3: ~4 minutes)
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


async def wait_until(done: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll ``done()`` every ``POLL`` seconds, at most ``timeout`` seconds; its last answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(POLL)
    return True


def failed(render: Render) -> Response:
    return JSONResponse({"error": render.error or "the render did not finish"}, status_code=500)


async def served(render: Render, range_header: str | None, name: str, download: bool) -> Response:
    """The answer for ``render``: the file, its range, or the error that ended it."""
    growing = render.fmt == Served.WAV
    ready = await wait_until(lambda: render.done.is_set() or (growing and render.size is not None))
    if not ready or render.error:
        return failed(render)
    disposition = "attachment" if download else "inline"
    if render.done.is_set():
        return FileResponse(
            render.path,
            media_type=MEDIA[render.fmt],
            filename=name,
            content_disposition_type=disposition,
            headers={"Cache-Control": "no-cache"},
        )
    return growing_response(render, range_header, name, disposition)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """``(first, last + 1)`` of a single ``Range`` header; None for the whole file (no
    header, or one this does not serve: several ranges); ``"bad"`` if unsatisfiable."""
    if not header:
        return None
    found = RANGE.match(header.strip())
    if found is None:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        count = int(last)
        return (max(0, size - count), size) if count else "bad"
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or end <= start:
        return "bad"
    return start, end


def growing_response(
    render: Render, range_header: str | None, name: str, disposition: str
) -> Response:
    size = render.size
    assert size is not None, "served only once the WAV header says it"
    asked = byte_range(range_header, size)
    if isinstance(asked, str):  # "bad"
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    start, end = asked if asked is not None else (0, size)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start),
        "Content-Disposition": f'{disposition}; filename="{_ascii(name)}"',
        "Cache-Control": "no-cache",
    }
    status = 200
    if asked is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    body = _tail(render, start, end)
    return StreamingResponse(body, status, headers, media_type=MEDIA[render.fmt])


def _ascii(name: str) -> str:
    return name.encode("ascii", "replace").decode().replace('"', "'")


async def _tail(render: Render, start: int, end: int) -> AsyncIterator[bytes]:
    """Bytes ``start`` to ``end`` of the file being written, each as soon as it is there."""
    path = render.partial or render.path  # the partial file is named before any byte
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, across awaits
    except FileNotFoundError:  # finished and renamed meanwhile
        handle = open(render.path, "rb")  # noqa: SIM115
    with handle:
        handle.seek(start)
        position = start
        while position < end:
            there = render.written
            if render.done.is_set() and render.size is not None:
                there = render.size
            if render.error:
                raise RuntimeError(f"the render stopped: {render.error}")
            if position >= there:
                await asyncio.sleep(POLL)
                continue
            data = handle.read(min(CHUNK, there - position, end - position))
            if not data:
                await asyncio.sleep(POLL)
                continue
            position += len(data)
            yield data

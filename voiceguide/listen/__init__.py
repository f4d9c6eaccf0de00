"""Voice commands: the giver says "pause", "go on", "next", "back", "longer", "shorter",
"slower", "faster" or "stop", and the session does what the keys do (``grammar``).

The parts, each in its module: the microphone (``capture``, ALSA), the session's own sound
taken out of it (``reference``: what the player plays; ``echo``: the canceller), stretches
of voice (``segmenter``, Silero VAD), what they say (``whisper``: Whisper tiny.en with
CTranslate2, features in ``mel``), the rules that make a stretch a command (``listener``),
the process all that runs in (``worker``) and the player's side (``source``). Optional:
``pip install 'voiceguide[listen]'``.

    listening = listen.start(mic)        # MicError: one line, and play on without it
    play_live(..., listen=listen.attach(listening, announcement_clip))
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from voiceguide.audio import Clip
from voiceguide.listen.capture import MicError
from voiceguide.listen.grammar import SPOKEN_LIST, WORDS
from voiceguide.listen.reference import TAIL
from voiceguide.listen.source import Listening, TappedBackend, VoiceKeys

if TYPE_CHECKING:
    from voiceguide.live.backends.base import Backend
    from voiceguide.live.keys import KeySource

ANNOUNCEMENT = f"Listening for: {SPOKEN_LIST}."

__all__ = ["ANNOUNCEMENT", "WORDS", "Listening", "MicError", "attach", "start"]


def start(mic: str | None = None) -> Listening:
    """Start the listener's process on ALSA capture device ``mic`` (None: ``default``);
    returns once the microphone is open (the model loads meanwhile, ~1 s). Raises
    ``MicError`` (one line) if there is no microphone, it is busy, or the extra is missing."""
    from voiceguide.listen.whisper import model_path

    model_path()  # the extra is installed, or ModelMissing says how to install it
    return Listening.start(mic)


def attach(
    listening: Listening, announcement: Clip | None
) -> Callable[[KeySource | None, Backend], tuple[KeySource, Backend]]:
    """What ``live.play_live`` calls with the keys and the opened device: it plays
    ``announcement`` (the session naming the words), waits for it, and returns the key
    source and backend the player uses (``VoiceKeys``, ``TappedBackend``)."""

    def attached(keys: KeySource | None, device: Backend) -> tuple[KeySource, Backend]:
        tapped = TappedBackend(device, listening)
        if announcement is not None:
            at = time.monotonic() + device.latency
            tapped.play(announcement, at)
            listening.tell({"deaf_until": at + announcement.duration + TAIL})
            time.sleep(max(0.0, at + announcement.duration + 0.5 - time.monotonic()))
        return VoiceKeys(keys, listening, tapped), tapped

    return attached

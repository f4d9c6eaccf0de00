"""Live playback: the session played against a clock, hands-free or steered by keys.

``play_live`` is what ``voiceguide play`` does; ``play`` runs a prepared session through a
backend with injected clock, sleep and keys (what the tests drive). The pure parts -
``timeline`` (what is due, and how keys re-time it), ``status`` (what is shown) and ``keys``
(bytes to actions) - know nothing of clocks or devices; ``backends`` make the noise, each a
sink that pulls the session's blocks from the ``mixer``.

The names are imported when first used (PEP 562): ``voiceguide.live.backends.BACKENDS`` (the
command line's choices) costs no player.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiceguide.live.player import play, play_live
    from voiceguide.live.status import PlayResult
    from voiceguide.live.timeline import find_step, start_position

_HOMES = {
    "PlayResult": "voiceguide.live.status",
    "find_step": "voiceguide.live.timeline",
    "play": "voiceguide.live.player",
    "play_live": "voiceguide.live.player",
    "start_position": "voiceguide.live.timeline",
}

__all__ = ["PlayResult", "find_step", "play", "play_live", "start_position"]


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'voiceguide.live' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)

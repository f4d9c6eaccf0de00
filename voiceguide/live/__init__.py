"""Live playback: the session played against a clock, hands-free or steered by keys.

``play_live`` is what ``voiceguide play`` does; ``play`` runs a prepared session through a
backend with injected clock, sleep and keys (what the tests drive). The pure parts -
``timeline`` (what is due, and how keys re-time it), ``status`` (what is shown) and ``keys``
(bytes to actions) - know nothing of clocks or devices; ``backends`` make the noise, each a
sink that pulls the session's blocks from the ``mixer``.
"""

from voiceguide.live.player import play, play_live
from voiceguide.live.status import PlayResult
from voiceguide.live.timeline import find_step, start_position

__all__ = ["PlayResult", "find_step", "play", "play_live", "start_position"]

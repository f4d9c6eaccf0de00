"""What a playback backend is to the player (``Backend``), and the base of every backend that
plays one stream pulled from a mixer (``StreamBackend``: subclass it, give it the stream's
clock, and pull ``self.mixer`` a block at a time from the thread that feeds the device).

Everything the player says to a backend is in clock time (seconds of its ``clock``): play
this clip at ``at``, the bed heard at ``at`` is the session at ``position``. Frames stay in
the backend and its mixer. So a backend that routes the session's sounds to several streams
(the voice to one device, the bed to another) is a ``Backend`` like any other.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Protocol

import numpy as np
import numpy.typing as npt

from voiceguide.audio import Clip
from voiceguide.bed.source import BedSource
from voiceguide.live.bed import LiveBed
from voiceguide.live.mixer import Mixer, Placed
from voiceguide.plan.bed import BedEnvelope


class Handle(Protocol):
    def stop(self) -> None:
        """Silence this sound now (a backend may need a moment; see its docstring)."""
        ...

    def is_playing(self) -> bool: ...


class Backend(Protocol):
    """Plays clips, and perhaps a bed under them.

    ``latency``: seconds from ``play()`` to the first frame heard when the call comes at the
    last moment. ``lead`` (at least ``latency``): how early a player calls ``play(clip,
    at=t)``. A backend that can schedule (a ``StreamBackend``) starts the clip exactly at
    clock time ``t`` and takes it well ahead, so that a player thread held up by a loaded
    machine is still in time; a sound taken ahead and not yet started stops with its handle
    or ``stop_all``. A backend with ``latency == lead == 0`` plays at once and ignores ``at``.

    ``late``: clips asked for too late to start at their instant; ``shifts``: how often the
    stream's clock had to follow the device (0 where a backend cannot tell).
    """

    @property
    def latency(self) -> float: ...

    @property
    def lead(self) -> float: ...

    @property
    def late(self) -> int: ...

    @property
    def shifts(self) -> int: ...

    def preload(self, clip: Clip) -> None:
        """Get ``clip`` ready ahead of its instant (convert it), so ``play`` does no work."""
        ...

    def play(self, clip: Clip, at: float | None = None) -> Handle: ...

    def carry_bed(self, source: BedSource, envelope: BedEnvelope) -> LiveBed | None:
        """Play ``source`` at ``envelope`` under the clips from now on: the ``LiveBed`` the
        player steers (anchored by ``LiveBed.start``), or None if this backend cannot mix
        one (a stream per clip)."""
        ...

    def stop_all(self) -> None: ...

    def close(self) -> None:
        """Stop every sound at once and release the device (leaving a ``with`` does it)."""
        ...

    def __enter__(self) -> Backend: ...

    def __exit__(self, *exc: object) -> None: ...


def to_pcm16(samples: npt.NDArray[np.floating]) -> npt.NDArray[np.int16]:
    """Float samples in [-1, 1] -> little-endian int16 (clipped, rounded)."""
    pcm: npt.NDArray[np.int16] = np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    return pcm


class StreamBackend(ABC):
    """A ``Backend`` playing one stream that its feeding thread pulls from ``self.mixer``.

    Subclasses give the stream's clock: ``frame_at(at)`` (the stream frame heard at clock
    time ``at``, as the stream's clock says now: it moves when the stream shifts or drifts,
    and the mixer asks it again for each clip until it begins and for the bed at every
    block), ``latency`` and ``lead``; they may wait in ``_ready`` for a device to warm
    up (raising ``PlaybackError`` if it failed), and count ``shifts``. Clips and the bed go
    through the mixer: the same mixing for every stream.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.mixer = Mixer(self.heard_frame, self.frame_at)
        self._late = 0
        self._shifts = 0

    @property
    @abstractmethod
    def latency(self) -> float: ...

    @property
    @abstractmethod
    def lead(self) -> float: ...

    @property
    def late(self) -> int:
        return self._late

    @property
    def shifts(self) -> int:
        return self._shifts

    @abstractmethod
    def frame_at(self, at: float) -> float:
        """The stream frame heard at clock time ``at`` (a float: the sink rounds)."""

    def heard_frame(self, at: float | None = None) -> float:
        """The stream frame heard at clock time ``at`` (default: now)."""
        return self.frame_at(self.clock() if at is None else at)

    def _ready(self) -> None:
        """Return once the stream plays (a device warming up waits here); raise
        ``PlaybackError`` if it does not. A stream that is ready at once: nothing to wait."""
        return None

    def preload(self, clip: Clip) -> None:
        """Nothing to do ahead: the stream mixes float samples as they come."""
        return None

    def play(self, clip: Clip, at: float | None = None) -> Placed:
        """Start ``clip`` at clock time ``at`` (default: as soon as possible)."""
        self._ready()
        when = self.clock() + self.latency if at is None else at
        placed = self.mixer.place(clip.samples, round(self.frame_at(when)), when)
        self._late += placed.late and at is not None
        return placed

    def carry_bed(self, source: BedSource, envelope: BedEnvelope) -> LiveBed:
        bed = LiveBed(source, envelope, self.frame_at)
        self.mixer.carry(bed)
        return bed

    def stop_all(self) -> None:
        self.mixer.stop_all()

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> StreamBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

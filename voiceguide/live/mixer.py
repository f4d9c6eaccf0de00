"""One mixer for every output: the session's sounds on one stream's frames, pulled a block at
a time by the sink that plays that stream.

A ``Mixer`` holds the clips placed at stream frames (``place``: a clip from frame ``first``;
each one stops with its handle or ``stop_all``) and the live bed under them
(``carry``: a ``live.bed.LiveBed`` with its gain ramps, added under the clips never past
-1 dBFS). A sink asks for its next block with ``pull(block, first_frame)``, from the thread
that feeds its device; what it does with the block (a device write, an encoder, a socket) is
its own affair. The mixer reads no clock: the sink turns clock time into its stream's frames
(``frame_at``: ``backends.base.StreamBackend`` gives it for every stream sink), so every
output of a session shares this one implementation of what is heard when.

That mapping moves (the sound server ran dry and plays the stream later; a crystal drifting
against the clock), so it is asked again as late as possible, and by everything alike: a clip
placed for a clock time (``place(..., at=t)``) takes the frame ``frame_at(t)`` says at the
pull it begins in, and the bed asks it at every block (``LiveBed``, given the same
``frame_at``). A shift then moves every sound not yet begun, the bed included, or none.

Stream frames are one stream's own count (0 at its first pulled frame): two devices have two
streams (they start apart and drift apart, crystal against crystal), so each has its own
mixer, and routing a session's sounds between devices happens where sounds are addressed in
clock time (``backends.base.Backend``), not here.

Thread-safety: the player places and stops clips and hands over the bed; the sink's thread
pulls. A lock guards the clips; the bed is read outside it (a file may take a while), and a
bed that fails to read is dropped (``LiveBed.failure`` says why) while the clips play on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from voiceguide.live.bed import LiveBed

Samples = npt.NDArray[np.float32]


class Placed:
    """A clip placed in the stream from frame ``first`` to ``end`` (a player's ``Handle``).
    ``late``: it was asked for a frame already mixed, and starts at the first one not.
    ``at``: the clock time it is for (None: placed at a frame), by which its frames move
    with the stream's clock until it begins."""

    def __init__(self, mixer: Mixer, samples: Samples, first: int, late: bool, at: float | None):
        self._mixer = mixer
        self.samples = samples
        self.late = late
        self.at = at
        self.stopped = False
        self.move(first)

    def move(self, first: int) -> None:
        self.first, self.end = first, first + len(self.samples)

    def stop(self) -> None:
        """Take it out of the mix: its frames not yet pulled are never heard."""
        self._mixer._remove(self)

    def is_playing(self) -> bool:
        return not self.stopped and self._mixer.heard() < self.end


class Mixer:
    """The clips and the bed of one stream; ``heard()`` is the stream frame being heard now
    (what ``Placed.is_playing`` compares with)."""

    def __init__(
        self, heard: Callable[[], float], frame_at: Callable[[float], float] | None = None
    ):
        self.heard = heard
        self.frame_at = frame_at  # the stream's clock, for clips placed by clock time
        self._lock = threading.Lock()
        self._playing: list[Placed] = []
        self._next = 0  # the first frame not yet pulled: earlier ones are mixed already
        self._bed: LiveBed | None = None

    @property
    def bed(self) -> LiveBed | None:
        """The bed mixed under the clips (None: none, or it failed)."""
        return self._bed

    def place(self, samples: Samples, first: int, at: float | None = None) -> Placed:
        """Mix ``samples`` from stream frame ``first`` on; if that frame has been pulled
        already, from the first one that has not (the clip is then ``late``). ``at``: the
        clock time ``first`` was asked for: until the clip begins, its frame is asked of
        ``frame_at`` again at each pull (with a ``frame_at``)."""
        with self._lock:
            late = first < self._next
            placed = Placed(self, samples, self._next if late else first, late, at)
            self._playing.append(placed)
            return placed

    def _remove(self, placed: Placed) -> None:
        with self._lock:
            placed.stopped = True
            if placed in self._playing:
                self._playing.remove(placed)

    def stop_all(self) -> None:
        """Every clip out of the mix (the bed plays on: the player fades it itself)."""
        with self._lock:
            for placed in self._playing:
                placed.stopped = True
            self._playing = []

    def carry(self, bed: LiveBed | None) -> None:
        """Mix ``bed`` under the clips from the next pull on; None: no bed."""
        self._bed = bed

    def pull(self, block: Samples, first: int) -> None:
        """Fill ``block`` with the stream's frames ``first`` .. ``first + len(block)``: the
        clips, then the bed under them. Clips that end in it are done and let go: a block
        pulled again (a sink whose write failed) has the clips still playing after it."""
        self._mix(block, first)
        bed = self._bed
        if bed is None:
            return
        try:  # outside the lock: reading the bed's source may take a while
            bed.fill(block, first)
        except Exception as exc:  # the session goes on without its bed
            bed.fail(f"{type(exc).__name__}: {exc}")
            self._bed = None

    def _mix(self, block: Samples, start: int) -> None:
        block[:] = 0.0
        stop = start + len(block)
        with self._lock:
            for placed in self._playing:
                if placed.at is not None and self.frame_at is not None and placed.first >= start:
                    placed.move(max(start, round(self.frame_at(placed.at))))  # not begun yet
                low, high = max(placed.first, start), min(placed.end, stop)
                if low < high:
                    block[low - start : high - start] += placed.samples[
                        low - placed.first : high - placed.first
                    ]
            self._playing = [p for p in self._playing if p.end > stop]
            self._next = max(self._next, stop)

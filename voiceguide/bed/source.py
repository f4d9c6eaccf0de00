"""A source of bed samples (``BedSource``), and what the built-in and file sources share
(``CalibratedSource``): reads by absolute frame, scaled to the reference loudness.

The bed's other types, each named for what it is: ``routine.BedSpec`` (the bed as the
routine writes it), ``plan.BedEnvelope`` (its level over the session), a ``BedSource`` (its
samples) and ``live.bed.LiveBed`` (the bed as the live stream plays it, following the keys).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt


class BedSource(Protocol):
    """An endless mono signal at ``audio.RATE`` (float32), read by absolute frame (frame 0
    of the bed is frame 0 of the session), calibrated so that its integrated loudness over
    what will be heard is ``bed.REFERENCE_LUFS``. Whoever plays it applies the gains (the
    level under the speech, the ducking, the fades: ``plan.BedEnvelope``)."""

    @property
    def name(self) -> str:
        """``"ocean"``, or the file's name as the user wrote it."""
        ...

    @property
    def description(self) -> str:
        """One line: ``"ocean (built in)"``, ``"my.mp3, looped every 3m12s"``."""
        ...

    @property
    def path(self) -> Path | None:
        """The file it reads (None for a built-in): what a rendered session depends on."""
        ...

    def read(self, first: int, frames: int) -> npt.NDArray[np.float32]:
        """Frames ``first`` .. ``first + frames`` (float32 mono, a new array) of the endless
        calibrated bed; the same samples whatever the order and size of the reads."""
        ...

    def close(self) -> None:
        """Release what the source holds open (a file)."""
        ...


class CalibratedSource:
    """A ``BedSource`` made of raw frames and a calibration: subclasses implement
    ``raw(first, frames)`` (the bed before calibration) and ``identity()``. ``scale`` (a
    linear gain, set by ``bed.open_bed`` once the bed is measured) brings it to
    ``bed.REFERENCE_LUFS``. Frame 0 of the bed is frame 0 of the session.
    """

    name = "bed"
    description = "bed"
    path: Path | None = None
    scale = 1.0

    def read(self, first: int, frames: int) -> npt.NDArray[np.float32]:
        """Frames ``first`` .. ``first + frames`` of the calibrated bed (float32, a new array).

        The same samples whatever the order and size of the reads: a read that does not
        continue the previous one (a seek) gives what a contiguous read would have."""
        if first < 0 or frames < 0:
            raise ValueError(f"a bed is read from frame 0 on, got first={first} frames={frames}")
        if frames == 0:
            return np.zeros(0, np.float32)
        out = self.raw(int(first), int(frames))
        if self.scale != 1.0:
            out *= np.float32(self.scale)
        return out

    def raw(self, first: int, frames: int) -> npt.NDArray[np.float32]:
        """Frames ``first`` .. ``first + frames`` before calibration (float32, a new array
        the caller may change; ``frames`` > 0)."""
        raise NotImplementedError

    def identity(self) -> tuple[str, ...]:
        """What makes this bed's samples what they are: part of its loudness measurement's
        key in the store."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the bed holds open (a file); reading afterwards is an error."""

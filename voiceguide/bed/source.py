"""What every bed has in common: reads by absolute frame, scaled to the reference loudness."""

from __future__ import annotations

import numpy as np


class Bed:
    """A source of an endless bed (mono float32 at ``audio.RATE``), read by absolute frame.

    Subclasses implement ``raw(first, frames)``: the bed before calibration. ``scale`` (a
    linear gain, set by ``bed.open_bed`` once the bed is measured) brings it to
    ``bed.REFERENCE_LUFS``. Frame 0 of the bed is frame 0 of the session.
    """

    name = "bed"
    description = "bed"
    scale = 1.0

    def read(self, first: int, frames: int) -> np.ndarray:
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

    def raw(self, first: int, frames: int) -> np.ndarray:
        """Frames ``first`` .. ``first + frames`` before calibration (float32, a new array
        the caller may change; ``frames`` > 0)."""
        raise NotImplementedError

    def identity(self) -> tuple[str, ...]:
        """What makes this bed's samples what they are: part of its loudness measurement's
        cache key."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the bed holds open (a file); reading afterwards is an error."""

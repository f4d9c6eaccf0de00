"""The lead-in for outputs that sleep in silence (Bluetooth speakers): a signal too low and
too deep to hear, under the whole session, and the first sound only after it has played
``LEAD_IN`` seconds.

A Bluetooth speaker (or its codec, or the sound server's Bluetooth sink) mutes after a
moment of digital silence and needs 0.3-2 s to wake: the first cue of a session, and the
first after a pause, lose their start. Playing something nonzero all the time keeps it
awake: a ``HERTZ`` Hz sine at ``LEVEL_DB`` dBFS (peak), below hearing at any volume a
speaker plays speech at (the threshold of hearing at 20 Hz is ~75 dB SPL; this is ~45 dB
under the speech's peaks) and under most small speakers' lowest note, yet no digital
silence for a detector. It plays from the stream's first frame, during pauses too (so the
first sound after a pause is whole), and the first sound of the session waits until it has
played ``LEAD_IN`` seconds (what the slowest speakers take).

Not every detector is fooled: a codec with a psychoacoustic model (AAC) may drop an
inaudible tone. ``--lead-in on`` forces it for an output not recognized as Bluetooth.
"""

from __future__ import annotations

import numpy as np

RATE = 48_000
HERTZ = 20.0
LEVEL_DB = -45.0  # dBFS, the sine's peak: under the onset threshold (-40) tests use too
LEAD_IN = 2.0  # seconds the signal plays before the first sound (0.3-2 s measured by users)
MODES = ("auto", "on", "off")


class Wake:
    """The keep-awake signal, by stream frame (phase-continuous across blocks)."""

    def __init__(self, level_db: float = LEVEL_DB, hertz: float = HERTZ):
        self.amplitude = np.float32(10 ** (level_db / 20))
        self.step = 2 * np.pi * hertz / RATE

    def fill(self, block: np.ndarray, frame: int) -> None:
        """Add the signal for stream frames ``frame`` .. ``frame + len(block)``."""
        phases = (np.arange(frame, frame + len(block), dtype=np.float64) * self.step) % (2 * np.pi)
        block += self.amplitude * np.sin(phases).astype(np.float32)


def wanted(mode: str, bluetooth: bool) -> bool:
    """Whether an output gets the lead-in: ``--lead-in`` ``on``, ``off``, or ``auto``
    (Bluetooth outputs only)."""
    if mode not in MODES:
        raise ValueError(f"lead-in must be one of {', '.join(MODES)}, got {mode!r}")
    return mode == "on" or (mode == "auto" and bluetooth)

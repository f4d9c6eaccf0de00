"""Where a session's sounds go: a device chosen by name, the lead-in for a Bluetooth one,
and the bed on a device of its own (``play --device``, ``--lead-in``, ``--bed-device``).

Two devices are two ALSA streams, each scheduling by clock time (``AlsaBackend``): a clip
asked for at clock time ``t`` is heard at ``t`` on its device whatever that device's own
latency, so the cues on one and the bed on the other stay on the plan's one clock. The pair
reports the larger latency, so that a session's first sound waits for the slower device.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voiceguide.audio import Clip
from voiceguide.errors import PlaybackError, UsageError
from voiceguide.live import devices, wake
from voiceguide.live.backends.base import Backend, Handle

if TYPE_CHECKING:
    from voiceguide.bed.source import BedSource
    from voiceguide.live.backends.alsa import AlsaBackend
    from voiceguide.live.bed import LiveBed
    from voiceguide.plan.bed import BedEnvelope


@dataclass(frozen=True)
class Outputs:
    """``device``: the cues' output (a ``voiceguide devices`` name; None: ALSA's default);
    ``bed_device``: the bed's (None: with the cues); ``lead_in``: ``auto`` (Bluetooth
    outputs), ``on`` or ``off`` (``live.wake``)."""

    device: str | None = None
    bed_device: str | None = None
    lead_in: str = "auto"

    @property
    def chosen(self) -> bool:
        """Whether anything but the default output was asked for."""
        return self.device is not None or self.bed_device is not None or self.lead_in == "on"


class Pair:
    """The clips on ``cues``, the bed on ``bed``: both ``AlsaBackend``s on one clock."""

    def __init__(self, cues: AlsaBackend, bed: AlsaBackend):
        self.cues, self.bed = cues, bed

    @property
    def latency(self) -> float:
        return max(self.cues.latency, self.bed.latency)

    @property
    def lead(self) -> float:
        return max(self.cues.lead, self.bed.lead)

    @property
    def late(self) -> int:
        return self.cues.late + self.bed.late

    @property
    def shifts(self) -> int:
        return self.cues.shifts + self.bed.shifts

    def preload(self, clip: Clip) -> None:
        self.cues.preload(clip)

    def play(self, clip: Clip, at: float | None = None) -> Handle:
        return self.cues.play(clip, at)

    def carry_bed(self, source: BedSource, envelope: BedEnvelope) -> LiveBed | None:
        """The bed in the bed device's stream (anchored there by its own clock)."""
        return self.bed.carry_bed(source, envelope)

    def stop_all(self) -> None:
        self.cues.stop_all()
        self.bed.stop_all()

    def close(self) -> None:
        try:
            self.cues.close()
        finally:
            self.bed.close()

    def __enter__(self) -> Pair:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open(
    option: str,
    name: str | None,
    mode: str,
    sinks: list[devices.Output] | None,
    routine: str | None,
    clock: Callable[[], float],
) -> AlsaBackend:
    """One ALSA stream on the output ``name`` (None: the default), with the lead-in if
    ``mode`` wants it there. A named output that does not open is a ``UsageError``."""
    from voiceguide.live.backends.alsa import AlsaBackend

    target = devices.target(name, sinks)
    try:
        return AlsaBackend(routine, clock, target.pcm, wake=wake.wanted(mode, target.bluetooth))
    except PlaybackError as exc:
        if name is None:
            raise
        reason = getattr(exc, "detail", str(exc))
        said = name if name.isprintable() else repr(name)  # a line break would end the line
        raise UsageError(
            f"{option} {said}: cannot play there ({reason}); 'voiceguide devices' lists the outputs"
        ) from exc


def open_outputs(
    backend: str, routine: str | None, outputs: Outputs, clock: Callable[[], float] = time.monotonic
) -> Backend:
    """Open the outputs ``outputs`` names through ``backend`` (``"alsa"``; simpleaudio
    opens a stream per clip and can do none of this: a ``UsageError`` when anything but
    the default is asked for). No default device: ``PlaybackError``."""
    if backend != "alsa":
        if outputs.chosen:
            raise UsageError(
                "--device, --bed-device and --lead-in need the alsa backend (libasound)"
            )
        from voiceguide.live.backends import module

        return module(backend).open_backend(routine, clock)
    sinks = devices.pulse_sinks()
    cues = _open("--device", outputs.device, outputs.lead_in, sinks, routine, clock)
    if outputs.bed_device is None:
        return cues
    try:
        bed = _open("--bed-device", outputs.bed_device, outputs.lead_in, sinks, routine, clock)
    except BaseException:
        cues.close()
        raise
    return Pair(cues, bed)

"""The sound bed in the live stream (``LiveBed``, the bed's live voice): the same source and
envelope as an export, read by session frame, mixed under the clips by the stream's mixer
(``live.mixer``) as its sink pulls blocks.

The player anchors the bed whenever the session's clock is set (start, resume, a jump), in
clock time: clock time ``t0`` is session frame ``s0``. The stream that carries the bed turns
``t0`` into its own frame ``f0`` with the one mapping its clips are placed by (``frame_at``,
the sink's clock), and session frame ``s`` is heard at stream frame ``f0 + (s - s0)``. That
mapping is asked again at every block: when it moves (the sound server ran dry and the stream
plays later, ``AlsaBackend.shifts``; a device's crystal drifting against the clock) by more
than ``FOLLOW`` seconds, the bed moves with it, gliding from the old place to the new over
``GLIDE`` seconds, as the clips not yet begun move (``live.mixer``). Anchored once on stream
frames, the bed stayed late by every shift (measured under load: 14, then 143 ms behind its
cues within 7 s).

Each anchoring is a *voice* with its own gain ramp over stream frames; a new anchoring fades
in over ``FADE`` seconds from its first frame while the voice before it fades out over
``CUT`` seconds, so a jump never clicks. A pause fades the bed out over ``FADE`` seconds from
the next frame the stream takes (heard at most the stream's latency later: silent within half
a second); ``b`` fades it out or in over ``TOGGLE`` seconds.

Thread-safety: the player calls ``start``, ``hold``, ``toggle`` and ``retime``; the feeding
thread calls ``fill`` (and ``fail``). A lock guards the voices; the source is read only by
``fill``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from voiceguide.audio import RATE, add_under
from voiceguide.bed.source import BedSource
from voiceguide.plan.bed import BedEnvelope
from voiceguide.plan.model import Plan

Samples = npt.NDArray[np.float32]
FADE = 0.4  # seconds: the bed fading in at a start or resume, out at a pause
CUT = 0.1  # seconds: the voice before a jump fading out
TOGGLE = 1.0  # seconds: the b key
CHUNK = 0.5  # seconds read from the source at a time (fill is called per stream period)
FOLLOW = 0.0005  # seconds the stream's clock may move before the bed moves with it
GLIDE = 0.02  # seconds: the bed crossfading from its old place to the new when it moves


@dataclass
class _Voice:
    """One anchoring: session frame ``session`` is heard at clock time ``at``, which the
    stream's clock put at stream frame ``stream`` when last asked (``follow`` moves all
    three together, so the session stays where the clock puts it); its gain is ``before``
    until stream frame ``ramp_start``, then a straight line to ``after`` at ``ramp_end``,
    then ``after``. ``was``: where ``stream`` was before it last moved, heard fading out
    until stream frame ``glide_end`` (``follow``)."""

    at: float
    stream: int
    session: int
    ramp_start: int
    ramp_end: int
    before: float
    after: float
    was: int = 0
    glide_end: int = 0
    cache_first: int = 0
    cache: Samples = field(default_factory=lambda: np.zeros(0, np.float32))

    def follow(self, frame_at: Callable[[float], float], frame: int) -> None:
        """Ask the stream's clock (``frame_at``, what places the clips) where the clock time
        of stream frame ``frame`` (the first not yet mixed, as this voice has it) is heard
        now; past ``FOLLOW`` seconds off, move there, anchored again at that clock time:
        gliding over ``GLIDE`` seconds if the voice is heard already (at once if it moved
        further than ``CHUNK``, which one read covers), its fade-in with it if not. One
        glide at a time. The time asked is a recent one: a stream's clock may say where past
        times were heard."""
        if frame < self.glide_end:
            return
        at = self.at + (frame - self.stream) / RATE
        moved = round(frame_at(at)) - frame
        if abs(moved) <= FOLLOW * RATE:
            return
        session = self.session + frame - self.stream
        heard = frame > self.ramp_start or self.before > 0  # faded in from its anchor
        self.at, self.session, self.was, self.stream = at, session, frame, frame + moved
        self.glide_end = frame + round(GLIDE * RATE) if heard and abs(moved) <= CHUNK * RATE else 0
        if not heard:  # its fade-in moves with it
            self.ramp_start, self.ramp_end = self.ramp_start + moved, self.ramp_end + moved

    def glide(self, frame: int, count: int) -> Samples | None:
        """The new place's share of stream frames ``frame`` .. ``frame + count`` while it
        glides (the old place has the rest), or None when it does not."""
        if frame >= self.glide_end:
            return None
        start = self.glide_end - round(GLIDE * RATE)
        frames = np.arange(frame, frame + count, dtype=np.float64)
        return np.clip((frames - start) / (self.glide_end - start), 0, 1).astype(np.float32)

    def gain_at(self, frame: int) -> float:
        if frame <= self.ramp_start:
            return self.before
        if frame >= self.ramp_end:
            return self.after
        share = (frame - self.ramp_start) / (self.ramp_end - self.ramp_start)
        return self.before + (self.after - self.before) * share

    def ramp_to(self, frame: int, gain: float, seconds: float) -> None:
        """From stream frame ``frame``, go to ``gain`` over ``seconds``."""
        self.before = self.gain_at(frame)
        self.ramp_start, self.ramp_end = frame, frame + max(1, round(seconds * RATE))
        self.after = gain

    def gains(self, frame: int, count: int) -> Samples | float:
        """The ramp's gains for stream frames ``frame`` .. ``frame + count``."""
        end = frame + count
        if end <= self.ramp_start or self.ramp_start == self.ramp_end:
            return self.before if end <= self.ramp_start else self.after
        if frame >= self.ramp_end:
            return self.after
        frames = np.arange(frame, end, dtype=np.float64)
        share = np.clip((frames - self.ramp_start) / (self.ramp_end - self.ramp_start), 0, 1)
        gains = self.before + (self.after - self.before) * share
        return gains.astype(np.float32)

    @property
    def silent_from(self) -> int | None:
        """The stream frame from which this voice is silent for good, if it is."""
        return self.ramp_end if self.after == 0.0 else None


class LiveBed:
    """``source`` at the plan's ``envelope``, in a stream whose frame heard at clock time
    ``t`` is ``frame_at(t)`` (the sink's clock). ``failure``: why it stopped, once reading
    its source failed (the mixer then drops it; the player says so)."""

    def __init__(
        self, source: BedSource, envelope: BedEnvelope, frame_at: Callable[[float], float]
    ):
        self.source, self.envelope = source, envelope
        self.name = source.name
        self.frame_at = frame_at
        self.on = True
        self.held = False  # paused: silent until the next start, whatever b says
        self.failure: str | None = None
        self._voices: list[_Voice] = []
        self._next = 0  # the next stream frame fill will be asked for
        self._lock = threading.Lock()

    # -- the player's side
    def start(self, at: float, session_seconds: float) -> None:
        """Session time ``session_seconds`` is heard at clock time ``at``: the bed fades in
        from there; what played before fades out."""
        stream_frame = round(self.frame_at(at))
        with self._lock:
            self.held = False
            for voice in self._voices:
                voice.ramp_to(self._next, 0.0, CUT)
            voice = _Voice(at, stream_frame, round(session_seconds * RATE), stream_frame,
                           stream_frame, 0.0, 0.0)  # fmt: skip
            if self.on:
                voice.ramp_to(stream_frame, 1.0, FADE)
            self._voices.append(voice)

    def hold(self) -> None:
        """A pause: fade out from the next frame the stream takes."""
        with self._lock:
            self.held = True
            for voice in self._voices:
                voice.ramp_to(self._next, 0.0, FADE)

    def toggle(self) -> bool:
        """``b``: fade out, or back in (at once, or on resuming when paused); returns
        whether the bed is now on."""
        with self._lock:
            self.on = not self.on
            for voice in self._voices[-1:] if not self.held else ():
                voice.ramp_to(self._next, 1.0 if self.on else 0.0, TOGGLE)
            return self.on

    def retime(self, envelope: BedEnvelope) -> None:
        """The ducking of re-timed events (a step made longer or shorter)."""
        with self._lock:
            self.envelope = envelope

    # -- the feeding thread's side
    def fail(self, why: str) -> None:
        """Reading the source failed (``why``: one line): the bed is silent from now on."""
        with self._lock:
            self.failure = why
            self._voices = []

    def fill(self, block: Samples, frame: int) -> None:
        """Add the bed's frames for stream frames ``frame`` .. ``frame + len(block)``."""
        count = len(block)
        with self._lock:
            self._next = frame + count
            current = self._voices[-1:]  # kept even when silent: b may bring it back
            older = [v for v in self._voices[:-1] if v.silent_from is None or v.silent_from > frame]
            self._voices = older + current
            voices, envelope = list(self._voices), self.envelope
        for voice in voices:  # where the stream's clock puts each one now, as for the clips
            voice.follow(self.frame_at, frame)
            self._add(voice, envelope, block, frame)

    def _add(self, voice: _Voice, envelope: BedEnvelope, block: Samples, frame: int) -> None:
        """Add ``voice`` to ``block``, stream frames ``frame`` .. ``frame + len(block)``."""
        count = len(block)
        session = voice.session + frame - voice.stream
        lead = min(count, max(0, -session))  # frames before the anchor: not begun yet
        if lead == count:
            return
        part, first, size = block[lead:], session + lead, count - lead
        ramp = voice.gains(frame + lead, size)  # a number where it is flat, else per frame
        if isinstance(ramp, float) and ramp == 0.0:
            return
        level = envelope.gains(first, size, RATE)
        if isinstance(level, float) and level == 0.0:
            return
        samples = self._heard(voice, first, frame + lead, size)
        samples *= np.float32(ramp) if isinstance(ramp, float) else ramp
        samples *= np.float32(level) if isinstance(level, float) else level
        add_under(part, samples)  # never past -1 dBFS: the clips are left alone

    def _heard(self, voice: _Voice, session: int, frame: int, count: int) -> Samples:
        """Session frames ``session`` .. ``session + count``, heard from stream frame
        ``frame`` (a new array): while the voice glides to a new place, the frames of the
        old one fade out under them (one read covers both)."""
        share = voice.glide(frame, count)
        old = session + voice.stream - voice.was  # the same stream frames at the old place
        if share is None or old < 0:
            return self._read(voice, session, count)
        low = min(session, old)
        both = self._read(voice, low, count + abs(old - session))
        new, was = both[session - low : session - low + count], both[old - low : old - low + count]
        return new * share + was * (1 - share)

    def _read(self, voice: _Voice, session: int, count: int) -> Samples:
        """Session frames ``session`` .. ``session + count`` (a new array), read from the
        source ``CHUNK`` seconds at a time."""
        first = session
        offset = first - voice.cache_first
        if offset < 0 or offset + count > len(voice.cache):
            size = max(count, round(CHUNK * RATE))
            voice.cache_first, voice.cache = first, self.source.read(first, size)
            offset = 0
        return voice.cache[offset : offset + count].copy()


class Bedded(Protocol):
    """What ``live_bed`` reads of a session (``player.SessionLike`` has it)."""

    @property
    def plan(self) -> Plan: ...

    @property
    def bed(self) -> BedSource | None: ...


class Carrier(Protocol):
    """What ``live_bed`` asks of a backend (``backends.base.Backend`` has it; this module is
    below that one)."""

    def carry_bed(self, source: BedSource, envelope: BedEnvelope) -> LiveBed | None: ...


def live_bed(session: Bedded, backend: Carrier) -> tuple[LiveBed | None, str | None]:
    """The session's bed in ``backend``'s stream, or None and why (none; no mixer to carry it)."""
    source, envelope = session.bed, session.plan.bed
    if source is None or envelope is None:
        return None, None
    bed = backend.carry_bed(source, envelope)
    if bed is None:
        return None, "the sound bed plays only through the alsa backend"
    return bed, None

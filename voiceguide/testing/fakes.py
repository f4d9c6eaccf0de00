"""Fakes that behave like the real thing, for tests and benchmarks.

``ToneSynth`` writes a WAV whose length follows the text (like speech does), at espeak-ng's
22050 Hz, with a pitch made from the text so different texts sound different;
``tone_renderer()`` runs it in this process (a ``ToneRenderer``: what it spoke is in
``rendered``). For the live player: ``FakeClock`` (moves only
when slept on), ``FakeBackend`` (records every play and stop), ``FakeKeys`` (presses keys at
clock times), ``FakeStreamBackend`` (a stream pulling the mixer: clips and the sound bed)
and ``FakeSession`` (silent clips as long as the plan's events).
"""

from __future__ import annotations

import os
import random
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from voiceguide.audio import RATE, Clip
from voiceguide.bed.source import BedSource
from voiceguide.live.backends.base import StreamBackend
from voiceguide.live.bed import LiveBed
from voiceguide.plan import Event, Plan
from voiceguide.plan.bed import BedEnvelope
from voiceguide.routine import Voice
from voiceguide.speech import DEFAULT_RATE, Renderer, VoiceInfo

if TYPE_CHECKING:
    from voiceguide.session import Options, Session

SECONDS_PER_CHAR = 0.06
ENGINE_RATE = 22050


class ToneSynth:
    """A ``Synthesizer`` writing tones: 60 ms per character at 160 words per minute."""

    engine_id = "fake-tone-1"

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo("fake/en-us", "Fake English", ("en-us", "en")),
            VoiceInfo("fake/de", "Fake German", ("de",)),
        ]

    def render(self, text: str, voice: Voice, path: Path) -> None:
        self.rendered.append(text)
        seconds = len(text) * SECONDS_PER_CHAR * DEFAULT_RATE / (voice.rate or DEFAULT_RATE)
        t = np.arange(int(seconds * ENGINE_RATE)) / ENGINE_RATE
        pitch = 150 + zlib.crc32(text.encode()) % 150
        tone = 0.3 * np.sin(2 * np.pi * pitch * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
        silence = np.zeros(int(0.1 * ENGINE_RATE))
        samples = np.concatenate([silence, tone, silence])
        sf.write(os.fsencode(path), samples, ENGINE_RATE, subtype="PCM_16")


class ToneRenderer(Renderer):
    """A ``speech.Renderer`` running one ``ToneSynth`` in this process (a context manager)."""

    def __init__(self) -> None:
        self.synth = ToneSynth()
        super().__init__(self._the_synth, ToneSynth.engine_id, processes=0)

    def _the_synth(self) -> ToneSynth:
        return self.synth

    @property
    def rendered(self) -> list[str]:
        """Every text rendered, in order (what the cache lacked: a hit renders nothing)."""
        return self.synth.rendered


def tone_renderer() -> ToneRenderer:
    """The tone engine in this process: a ``ToneRenderer``."""
    return ToneRenderer()


def tone_session(routine: str, options: Options, cache_dir: Path) -> Session:
    """``routine`` (a built-in's name or a file) prepared with the tone engine, every clip of
    its plan read (the clips stay usable after the renderer is gone)."""
    from voiceguide import session

    with tone_renderer() as renderer:
        prepared = session.prepare(routine, options, renderer, cache_dir)
        for event in prepared.plan.events:
            prepared.clip(event)
    return prepared


class FakeClock:
    """A clock that moves only when slept on: by the time asked plus ``jitter`` (uniform),
    like an OS that wakes late. ``sleep(0)`` (a yield) moves it a little, as real time does."""

    def __init__(self, jitter: float = 0.0, seed: int = 1, start: float = 1000.0):
        self.now = start
        self.jitter = jitter
        self.random = random.Random(seed)
        self.slept: list[float] = []
        # called after the clock moves (a fake stream keeps up)
        self.listeners: list[Callable[[], None]] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.slept.append(seconds)
        late = self.random.uniform(0, self.jitter) if self.jitter else 0.0
        self.advance_to(self.now + seconds + late + (1e-6 if seconds == 0 else 0.0))

    def advance_to(self, when: float) -> None:
        self.now = max(self.now, when)
        for listener in self.listeners:
            listener()


class FakeHandle:
    def __init__(self, backend: FakeBackend, clip: Clip, at: float | None):
        self.backend, self.clip, self.at = backend, clip, at
        self.stopped_at: float | None = None

    def stop(self) -> None:
        if self.stopped_at is None:
            self.stopped_at = self.backend.clock()

    def is_playing(self) -> bool:
        return self.stopped_at is None


class FakeBackend:
    """Records every play (clock time, clip, at) and every stop_all; mixes no bed."""

    late = 0
    shifts = 0

    def __init__(self, clock: FakeClock, latency: float = 0.0, lead: float | None = None):
        self.clock = clock
        self.latency = latency
        self.lead = latency if lead is None else lead
        self.handles: list[FakeHandle] = []
        self.calls: list[float] = []
        self.stops: list[float] = []
        self.preloaded: list[Clip] = []

    def preload(self, clip: Clip) -> None:
        self.preloaded.append(clip)

    def play(self, clip: Clip, at: float | None = None) -> FakeHandle:
        self.calls.append(self.clock())
        handle = FakeHandle(self, clip, at)
        self.handles.append(handle)
        return handle

    def carry_bed(self, source: BedSource, envelope: BedEnvelope) -> LiveBed | None:
        return None

    def stop_all(self) -> None:
        self.stops.append(self.clock())
        for handle in self.handles:
            handle.stop()

    def close(self) -> None:
        self.stop_all()

    def __enter__(self) -> FakeBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeStreamBackend(StreamBackend):
    """A stream like ALSA's, pulling the real mixer: stream frame ``f`` is heard at clock time
    ``started + f / RATE``; as the clock moves, blocks are pulled a ``period`` at a time up
    to ``latency`` seconds ahead of what is heard, and kept (``out``: stream frames from 0).
    The session's clips (``FakeSession``'s are silent) and its bed are in them. ``stops``:
    the clock times of every ``stop_all``, as ``FakeBackend``'s."""

    def __init__(self, clock: FakeClock, latency: float = 0.05, period: int = 480):
        super().__init__(clock)
        self._latency = latency
        self.started, self.period = clock(), period
        self.written = 0
        self.blocks: list[np.ndarray] = []
        self.stops: list[float] = []
        clock.listeners.append(self.pump)

    @property
    def latency(self) -> float:
        return self._latency

    @property
    def lead(self) -> float:
        return self._latency

    def frame_at(self, at: float) -> float:
        return (at - self.started) * RATE

    def pump(self) -> None:
        ahead = self.heard_frame() + self._latency * RATE
        while self.written < ahead:
            block = np.zeros(self.period, np.float32)
            self.mixer.pull(block, self.written)
            self.blocks.append(block)
            self.written += self.period

    @property
    def out(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, np.float32)

    bed_out = out  # what tests of the bed read: the bed, under clips that may be silent

    def stop_all(self) -> None:
        self.stops.append(self.clock())
        super().stop_all()

    def close(self) -> None:
        self.stop_all()


class FakeKeys:
    """Presses ``script`` keys [(clock time, action)] while the player waits on it."""

    def __init__(self, clock: FakeClock, script: list[tuple[float, str]]):
        self.clock = clock
        self.script = sorted(script)

    def read(self, timeout: float) -> list[str]:
        if self.script and self.script[0][0] <= self.clock.now + timeout:
            when = self.script[0][0]
            self.clock.advance_to(when)
            pressed = [a for t, a in self.script if t == when]
            self.script = [(t, a) for t, a in self.script if t != when]
            return pressed
        self.clock.sleep(timeout)
        return []


class ScriptedKeys:
    """Presses ``script`` keys [(seconds after the player's first read, action)] with the real
    clock (sessions played through a sound device). ``interrupt`` raises KeyboardInterrupt
    (Ctrl-C); with ``watchdog`` (seconds), ``quit`` is pressed then whatever happens, so that
    a session that goes wrong can never hang its test."""

    def __init__(self, script: list[tuple[float, str]], watchdog: float | None = None):
        quit_at = [] if watchdog is None else [(watchdog, "quit")]
        self.script = sorted([*script, *quit_at])
        self.began: float | None = None
        self.pressed: list[tuple[float, str]] = []  # (monotonic time, action)

    def read(self, timeout: float) -> list[str]:
        now = time.monotonic()
        if self.began is None:
            self.began = now
        if self.script and self.began + self.script[0][0] <= now + timeout:
            due, action = self.script.pop(0)
            time.sleep(max(0.0, self.began + due - now))
            self.pressed.append((time.monotonic(), action))
            if action == "interrupt":
                raise KeyboardInterrupt
            return [action]
        time.sleep(timeout)
        return []


class FakeSession:
    """A plan with silent clips as long as its events (and a bed's source, if given)."""

    timing = None  # new beats last as long as the plan's own

    def __init__(self, plan: Plan, bed: BedSource | None = None):
        self.plan = plan
        self.bed = bed
        self.loaded: list[Event] = []

    def clip(self, event: Event) -> Clip:
        self.loaded.append(event)
        return Clip(np.zeros(int(event.duration * RATE), np.float32))

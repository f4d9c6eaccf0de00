"""The built-in beds: calm ambience made on the fly, deterministic, never repeating.

``ocean``: slow swells of 7-12 s arriving at no regular spacing (a wave builds for about two
thirds of its length, breaks brighter, then washes out) over a dark, constant surf.
``rain``: an even, soft hiss of many drops on leaves, with a few closer drops picked out.
``drone``: an open chord on G (G2-D3-G3-D4) whose notes swell and fade slowly, over a breath
of air; consonant with the chimes (bell on D5, soft on G4, end on C-E-G) and the pace guide's
tick (G5).

No built-in moves at a rhythm (a level that comes round at a period): the pace guide is the
only rhythm a session has, whatever its pace (docs/beds.md, "No rhythm of their own"). So the
ocean's waves fall anywhere in their slot, not near its middle (they came every 9.5 s
+-1.4 s, the spacing of a slow pace), and the drone's notes are one voice each (two voices
0.2 Hz apart beat every 5 s: 12 a minute).

How: layers of shaped noise are loops made once per bed from its seed (``shapes.noise_loop``),
of incommensurate lengths; what moves - the swells, the drops, the breathing - comes from
random values drawn from the seed and the index of the slot they fall in, so any frame can
be computed without the frames before it and no two minutes are alike. Nothing is read from
disk. Made before calibration: ``bed.open_bed`` measures and scales them.
"""

from __future__ import annotations

import numpy as np

from voiceguide.audio import RATE
from voiceguide.bed import shapes
from voiceguide.bed.shapes import SlowSteps, control_times, corners, loop_read, noise_loop, seed_of
from voiceguide.bed.source import CalibratedSource

# What the built-ins sound like, as a number: part of their loudness measurement's cache key.
# tests/bed/test_builtin.py ties it to a fingerprint of the samples: change a sound without
# bumping it and that test fails.
VERSION = 2


class Generator(CalibratedSource):
    """A bed made on the fly from ``seed``; subclasses make their loops in ``_setup`` and
    their frames in ``raw``."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.description = f"{self.name} (built in)"
        self._setup()

    def identity(self) -> tuple[str, ...]:
        return ("built-in", self.name, str(self.seed), f"v{VERSION}")

    def _setup(self) -> None:
        """Make the loops and anything else drawn once (``self.seed`` is set)."""


class Ocean(Generator):
    """Slow swells over a dark surf; see the module docstring."""

    name = "ocean"
    SLOT = 9.5  # seconds: a wave per slot on average, anywhere in it, 7-12 s long
    FLOOR = 0.35  # the dark layer's level between waves, against a wave's top: a calmer sea

    def _setup(self) -> None:
        seed = self.seed
        self._dark = noise_loop(13.0, lambda f: corners(f, 60, 500, 1.5), seed_of("ocean", seed, 1))
        self._bright = noise_loop(
            17.0,
            lambda f: corners(f, 150, 2500, 1.2) * (f / 1000 + 0.3) ** -0.5,
            seed_of("ocean", seed, 2),
        )
        self._surf = noise_loop(11.0, lambda f: corners(f, 40, 350, 2.0), seed_of("ocean", seed, 3))
        self._waves: dict[int, list[tuple[float, float, float]]] = {}

    def _slot(self, k: int) -> list[tuple[float, float, float]]:
        """The waves whose peaks fall in slot ``k``: (peak time in seconds, length in seconds,
        height), drawn from the seed (remembered: contiguous reads ask for the same few slots
        again). As many as a Poisson draw says (one on average), each anywhere in the slot:
        waves at no regular spacing, now two close together, now a lull (evenly spaced
        waves, as these were, make a rhythm that competes with a slow pace)."""
        if k not in self._waves:
            if len(self._waves) > 64:
                self._waves.clear()
            draw = shapes.rng("ocean-wave", self.seed, k)
            self._waves[k] = [
                (
                    (k + draw.random()) * self.SLOT,
                    7.0 + 5.0 * draw.random(),
                    0.55 + 0.45 * draw.random(),
                )
                for _ in range(draw.poisson(1.0))
            ]
        return self._waves[k]

    def _swell(self, times: np.ndarray) -> np.ndarray:
        """The waves' envelope (0..1) at ``times`` (seconds): each rises slowly, washes out."""
        swell = np.zeros(len(times))
        start, stop = int(times[0] // self.SLOT) - 2, int(times[-1] // self.SLOT) + 2
        for k in range(max(0, start), stop + 1):
            for centre, length, height in self._slot(k):
                rise, fall = 0.62 * length, 0.38 * length
                u = times - centre
                up = np.clip(1 + u / rise, 0, 1)
                down = np.clip(1 - u / fall, 0, 1)
                shape = np.where(u < 0, np.sin(np.pi / 2 * up) ** 2, down**1.5)
                swell = np.maximum(swell, height * shape)
        return swell

    def raw(self, first: int, frames: int) -> np.ndarray:
        swell = self._swell(control_times(first, frames))
        crest = shapes.to_frames(swell**3, first, frames)  # the wave breaks brighter at its top
        out = loop_read(self._dark, first, frames)
        out *= shapes.to_frames(0.9 * (self.FLOOR + (1 - self.FLOOR) * swell), first, frames)
        out += 0.55 * loop_read(self._bright, first, frames) * crest
        out += 0.22 * loop_read(self._surf, first, frames)
        return out


class Rain(Generator):
    """An even hiss of many small drops, a few closer ones; see the module docstring."""

    name = "rain"
    DROPS_PER_SECOND = 14.0

    def _setup(self) -> None:
        def hiss(f: np.ndarray) -> np.ndarray:
            """Pink above ~800 Hz (calmer than white), a soft low body under it."""
            return corners(f, 120, 8000, 1.0) * (1 + f / 800) ** -0.5

        self._hiss = noise_loop(11.0, hiss, seed_of("rain", self.seed, 1))
        self._patter = noise_loop(
            13.0, lambda f: corners(f, 1200, 5000, 1.5), seed_of("rain", self.seed, 2)
        )
        self._drops = [self._drop(i) for i in range(8)]
        self._wash = SlowSteps(f"rain-wash-{self.seed}", 6.0, 0.25, 0.55)
        self._level = SlowSteps(f"rain-level-{self.seed}", 11.0, 0.85, 1.0)

    def _drop(self, variant: int) -> np.ndarray:
        """One close drop: a soft, short, band-limited tick (12 ms)."""
        draw = shapes.rng("rain-drop", self.seed, variant)
        frames = round(0.012 * RATE)
        t = np.arange(frames) / RATE
        pitch = 1800 + 2200 * draw.random()
        tone = np.sin(2 * np.pi * pitch * t * (1 + 0.3 * t / t[-1]))
        drop: np.ndarray = tone * np.exp(-t / 0.0025) * np.sin(np.pi * t / t[-1]) ** 0.5
        return drop.astype(np.float32)

    def raw(self, first: int, frames: int) -> np.ndarray:
        times = control_times(first, frames)
        out = loop_read(self._hiss, first, frames)
        out *= np.float32(0.8)
        out += loop_read(self._patter, first, frames) * shapes.to_frames(
            self._wash(times), first, frames
        )
        out *= shapes.to_frames(self._level(times), first, frames)
        self._add_drops(out, first)
        return out

    def _add_drops(self, out: np.ndarray, first: int) -> None:
        """Close drops, drawn per second of the bed (random access by second)."""
        longest = max(len(d) for d in self._drops)
        begin, end = (first - longest) // RATE, (first + len(out)) // RATE
        for second in range(max(0, begin), end + 1):
            draw = shapes.rng("rain-drops", self.seed, second)
            count = draw.poisson(self.DROPS_PER_SECOND)
            for at, variant, level in zip(
                draw.integers(0, RATE, count),
                draw.integers(0, len(self._drops), count),
                draw.exponential(0.35, count),
                strict=True,
            ):
                drop = self._drops[variant] * np.float32(min(level, 1.5))
                start = second * RATE + int(at) - first
                lo, hi = max(0, start), min(len(out), start + len(drop))
                if lo < hi:
                    out[lo:hi] += drop[lo - start : hi - start]


class Drone(Generator):
    """A slowly breathing open chord on G; see the module docstring."""

    name = "drone"
    LOOP = 10.0  # seconds: every voice loops seamlessly (frequencies in 1/LOOP Hz steps)
    CHORD = (98.0, 147.0, 196.0, 294.0)  # G2, D3, G3, D4 (just fifths, in 0.1 Hz steps)
    LEVELS = (1.0, 0.75, 0.55, 0.3)

    def _setup(self) -> None:
        self._notes = [self._note(f, i) for i, f in enumerate(self.CHORD)]
        self._air = noise_loop(
            13.0, lambda f: corners(f, 200, 1800, 2.0), seed_of("drone", self.seed)
        )
        self._breathing = [
            SlowSteps(f"drone-{self.seed}-{index}", 7.0 + 3 * index, 0.35 * level, level)
            for index, level in enumerate(self.LEVELS)
        ]

    def _note(self, frequency: float, index: int) -> np.ndarray:
        """One note's loop: one voice with soft harmonics (1/n^2, to the 4th). Not two
        detuned voices: whatever beats inside a loop comes round with it, every ``LOOP``
        seconds or a fraction of it (0.2 Hz apart: every 5 s), a rhythm in the paces' range."""
        t = np.arange(round(self.LOOP * RATE)) / RATE
        draw = shapes.rng("drone-note", index)
        out, voice = np.zeros(len(t)), np.empty(len(t))
        for n in range(1, 5):
            phase = 2 * np.pi * draw.random()
            # sin(2 pi n f t + phase) / n^2, in place
            np.multiply(t, 2 * np.pi * n * frequency, out=voice)
            voice += phase
            np.sin(voice, out=voice)
            voice /= n**2
            out += voice
        out /= np.sqrt(np.mean(np.square(out, out=voice)))
        return out.astype(np.float32)

    def raw(self, first: int, frames: int) -> np.ndarray:
        times = control_times(first, frames)
        out = loop_read(self._air, first, frames)
        out *= np.float32(0.06)
        for note, breathing in zip(self._notes, self._breathing, strict=True):
            out += loop_read(note, first, frames) * shapes.to_frames(
                breathing(times), first, frames
            )
        return out


BUILT_IN = {"ocean": Ocean, "rain": Rain, "drone": Drone}

"""Long routines for benchmarks, generated (distinct texts, cues, sides, an interlude)."""

from __future__ import annotations

from pathlib import Path

import yaml

STROKES = [
    "long strokes",
    "small circles",
    "kneading",
    "thumb presses",
    "palm presses",
    "forearm glides",
    "fingertip taps",
    "wringing",
    "raking",
    "feathering",
]


# the pace guide of a paced benchmark routine: steps glide through these (per minute), the
# interlude breathes; about 700 beats an hour, as a paced massage has
PACES = [(14, 10), (18, 13), (12, 9), (24, 18)]


def long_routine(minutes: float, path: Path, steps_per_hour: int = 12, paced: bool = False) -> Path:
    """Write a routine whose written length is about ``minutes`` and return its path.

    Every step has its own instruction and three cues (one repeating), every fourth step has
    sides, and an interlude sits between steps: the shape of a real routine, only longer.
    ``paced``: every step glides through one of ``PACES`` and the interlude breathes.
    """
    count = max(2, round(minutes / 60 * steps_per_hour))
    interlude = 30.0
    step_seconds = (minutes * 60 - (count - 1) * interlude) / count
    steps = []
    for n in range(count):
        stroke = STROKES[n % len(STROKES)]
        step = {
            "name": f"Part {n + 1}: {stroke}",
            "say": f"Part {n + 1}. Now {stroke}, slowly, from the lower back to the shoulders.",
            "duration": f"{step_seconds:.1f}s",
            "min": f"{step_seconds / 4:.1f}s",
            "max": f"{step_seconds * 4:.1f}s",
            "cues": [
                {"at": "50%", "say": f"Halfway through part {n + 1}. Keep the pace slow."},
                {"at": "-20s", "say": f"Bring part {n + 1} to a close."},
                {"every": "90s", "say": "Breathe out, and soften your hands.", "chime": "soft"},
            ],
        }
        if paced:
            start, end = PACES[n % len(PACES)]
            step["pace"] = f"{start} to {end}"
        if n % 4 == 3:
            step["sides"] = ["left", "right"]
            step["say"] = f"Part {n + 1}, {{side}} side. {stroke.capitalize()}, slowly."
        steps.append(step)
    routine = {
        "title": f"Benchmark session ({minutes:g} minutes)",
        "length": f"{minutes:g}m",
        "voice": {"name": "en-us", "rate": 160},
        "intro": "This is a long benchmark session.",
        "outro": "The benchmark session is over.",
        "between": {
            "name": "Re-relax",
            "say": "Back to slow, flat strokes.",
            "duration": f"{interlude:g}s",
            "min": "10s",
            "max": "5m",
        },
        "steps": steps,
    }
    if paced:
        routine["between"]["pace"] = {"from": 6, "to": 5, "sound": "breath"}
    path.write_text(yaml.safe_dump(routine, sort_keys=False))
    return path

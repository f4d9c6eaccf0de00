"""The plan as text for people (a table) and as JSON for tools.

The JSON keys are a published interface (docs/plan-json.md): ``length``, ``steps`` and
``events`` keep their names and meanings; new keys may be added.
"""

from __future__ import annotations

from voiceguide import durations, fit, resources
from voiceguide.plan import Event, Plan
from voiceguide.routine import Sound

JSON_VERSION = 1


def sound_label(sound: Sound) -> str:
    """The file name for a built-in chime (``bell.wav``), else the path used."""
    if sound.path.parent.resolve() == resources.sounds_dir().resolve():
        return sound.path.name
    return str(sound.path)


def to_json(plan: Plan) -> dict:
    """The plan as one JSON-ready dict; all times in seconds from the session start."""
    return {
        "version": JSON_VERSION,
        "title": plan.title,
        "length": round(plan.length, 6),
        "steps": [
            {
                "name": s.name,
                "kind": s.kind,
                "start": round(s.start, 6),
                "end": round(s.end, 6),
                **({"side": s.side} if s.side else {}),
                **({"number": s.number} if s.number is not None else {}),
            }
            for s in plan.steps
        ],
        "events": [_event_json(e) for e in plan.events],
        "warnings": list(plan.warnings),
    }


def _event_json(event: Event) -> dict:
    data = {
        "at": round(event.at, 6),
        "kind": event.kind,
        "duration": round(event.duration, 6),
        "step": event.step,
    }
    if event.kind == "speech":
        data["text"] = event.text
    else:
        data["sound"] = sound_label(event.sound)
    return data


def table(plan: Plan) -> str:
    """A readable table: start time, step, side and what is heard."""
    lines = [
        f"{plan.title} - {durations.format(plan.length)} "
        f"({len(plan.events)} sounds in {len(plan.steps)} parts)",
        "",
    ]
    lines.append(f"{'time':>9}  {'step':<24} {'side':<6} heard")
    for event in plan.events:
        step = plan.steps[event.step]
        heard = (
            f"\u201c{event.text}\u201d" if event.kind == "speech" else f"[{event.sound.name} chime]"
        )
        lines.append(
            f"{durations.format(event.at, True):>9}  {_cut(step.name, 24):<24} "
            f"{step.side or '':<6} {heard}"
        )
    lines.append(f"{durations.format(plan.length, True):>9}  end of session")
    return "\n".join(lines)


def warnings(plan: Plan) -> list[str]:
    return [f"warning: {text}" for text in plan.warnings]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def fits(low: float, high: float) -> str:
    """``"fits lengths from 6m53s to 47m22s"``, or ``"fits only 4m06s"`` for a routine of
    fixed steps: the lengths (seconds) ``--length`` may ask for."""
    said = fit.span(low, high)
    return f"fits {said}" if said.startswith("only") else f"fits lengths {said}"

"""The plan as text for people (a table) and as JSON for tools.

The JSON keys are a published interface (docs/plan-json.md): ``length``, ``steps`` and
``events`` keep their names and meanings; new keys may be added. Version 2 added the pace
guide: each step's ``pace`` and events of kind ``pulse``; then the sound bed (``bed``), a
step's ``round`` and ``wait`` (new keys: no version change).
"""

from __future__ import annotations

from typing import assert_never

from voiceguide import durations, fit, resources
from voiceguide.plan import Event, EventKind, Plan, PlanStep
from voiceguide.resources import PaceSound
from voiceguide.routine import Pace, Routine, Sound

JSON_VERSION = 2


def sound_label(sound: Sound) -> str:
    """The file name for a built-in chime (``bell.wav``), else the path used."""
    if sound.path.parent.resolve() == resources.sounds_dir().resolve():
        return sound.path.name
    return str(sound.path)


def to_json(plan: Plan) -> dict[str, object]:
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
                **({"round": s.round} if s.round is not None else {}),
                **({"wait": True} if s.wait else {}),
                "pace": _pace_json(s.pace),
            }
            for s in plan.steps
        ],
        "events": [_event_json(e) for e in plan.events],
        "bed": _bed_json(plan),
        "warnings": list(plan.warnings),
    }


def _bed_json(plan: Plan) -> dict[str, object] | None:
    bed = plan.bed
    if bed is None:
        return None
    return {
        "sound": bed.sound,
        "level": round(bed.level, 3),
        "duck": round(bed.duck, 3),
        "ducked": [[round(a, 6), round(b, 6)] for a, b in bed.downs],
        "fade_in": round(bed.fade_in, 6),
        "stop": round(bed.stop, 6),
    }


def bed_label(plan: Plan) -> str:
    """``"bed: ocean, 18 LU under the speech, 12 dB more under words"``, or ``""``."""
    bed = plan.bed
    if bed is None:
        return ""
    return f"bed: {bed.sound}, {bed.level:g} LU under the speech, {bed.duck:g} dB more under words"


def _event_json(event: Event) -> dict[str, object]:
    data: dict[str, object] = {
        "at": round(event.at, 6),
        "kind": event.kind,
        "duration": round(event.duration, 6),
        "step": event.step,
    }
    match event.kind:
        case EventKind.SPEECH:
            data["text"] = event.text
        case EventKind.CHIME:
            data["sound"] = sound_label(event.sounded)
        case EventKind.PULSE:
            data["sound"] = sound_label(event.sounded)
            data["gain_db"] = round(event.gain_db, 3)
        case _:
            assert_never(event.kind)
    return data


def _pace_json(pace: Pace | None) -> dict[str, object] | None:
    if pace is None:
        return None
    return {
        "from": round(pace.start, 4),
        "to": round(pace.end, 4),
        "sound": pace.sound.name,
        "level": round(pace.level, 3),
    }


def pace_label(pace: Pace | None) -> str:
    """``"12→7/min"`` (a glide), ``"12/min"`` (steady), with ``breath`` for breaths; ``""``."""
    if pace is None:
        return ""
    rates = f"{pace.start:g}" if pace.start == pace.end else f"{pace.start:g}→{pace.end:g}"
    sound = "" if pace.sound.name == PaceSound.PULSE else f" {pace.sound.name}"
    return f"{rates}/min{sound}"


def table(plan: Plan) -> str:
    """A readable table: start time, step, side, its pace and what is heard (the pace
    guide's beats are counted in the header, not listed); a part where nothing is heard (a
    get-ready without words) has a row of its own, ``(quiet)``."""
    heard = [e for e in plan.events if e.kind != EventKind.PULSE]
    beats = len(plan.events) - len(heard)
    counted = f", {beats} beats of the pace guide" if beats else ""
    lines = [
        f"{plan.title} - {durations.format(plan.length)} "
        f"({len(heard)} sounds in {len(plan.steps)} parts{counted})",
        *([bed_label(plan)] if plan.bed else []),
        "",
    ]
    paced = any(step.pace for step in plan.steps)
    pace_head = f" {'pace':<16}" if paced else ""
    lines.append(f"{'time':>9}  {'step':<24} {'side':<6}{pace_head} heard")
    rows = [(event.at, event.step, _heard(event)) for event in heard]
    quiet = set(range(len(plan.steps))) - {event.step for event in heard}
    rows += [(plan.steps[index].start, index, "(quiet)") for index in quiet]
    shown_step = None
    waits = [step for step in plan.steps if step.wait]
    for at, index, what in sorted(rows, key=lambda row: row[:2]):
        while waits and waits[0].end <= at + 1e-9:
            lines.append(_wait_row(waits.pop(0), paced))
        step = plan.steps[index]
        pace = pace_label(step.pace) if index != shown_step else ""
        shown_step = index
        pace_cell = f" {pace:<16}" if paced else ""
        lines.append(
            f"{durations.format(at, True):>9}  {_named(step):<24} "
            f"{step.side or '':<6}{pace_cell} {what}"
        )
    lines += [_wait_row(step, paced) for step in waits]
    lines.append(f"{durations.format(plan.length, True):>9}  end of session")
    return "\n".join(lines)


WAIT_ROW = "waits here until next (n, or say \u201cnext\u201d); in an export, goes on"


def _named(step: PlanStep, width: int = 24) -> str:
    """A step's name in ``width`` characters, with its round when it is played in rounds
    (the name shortened first: the round must show)."""
    suffix = f", round {step.round}" if step.round else ""
    return _cut(step.name, width - len(suffix)) + suffix


def _wait_row(step: PlanStep, paced: bool) -> str:
    """The table's row where a live session holds (at the end of a waiting part)."""
    pace_cell = f" {'':<16}" if paced else ""
    return (
        f"{durations.format(step.end, True):>9}  {_named(step):<24} "
        f"{step.side or '':<6}{pace_cell} [{WAIT_ROW}]"
    )


def _heard(event: Event) -> str:
    if event.kind == EventKind.SPEECH:
        return f"\u201c{event.spoken}\u201d"
    return f"[{event.sounded.name} chime]"


def warnings(plan: Plan) -> list[str]:
    return [f"warning: {text}" for text in plan.warnings]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def fits(low: float, high: float, written: Routine | None = None) -> str:
    """``"fits lengths from 6m53s to 47m22s"``, or ``"fits only 4m06s"`` for a routine of
    fixed steps: the lengths (seconds) ``--length`` may ask for; with the routine as
    ``written``, what its marks add (``"; longer in rounds, shorter without optional
    steps"``)."""
    said = fit.span(low, high)
    said = f"fits {said}" if said.startswith("only") else f"fits lengths {said}"
    steps = written.steps if written is not None else ()
    more = [
        *(["longer in rounds"] if any(step.repeat for step in steps) else []),
        *(["shorter without optional steps"] if any(step.optional for step in steps) else []),
    ]
    return f"{said}; {', '.join(more)}" if more else said

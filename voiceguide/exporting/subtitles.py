"""WebVTT subtitles of what is said (and which chime rings) and when."""

from __future__ import annotations

from pathlib import Path

from voiceguide import atomic
from voiceguide.exporting.chapters import timestamp
from voiceguide.exporting.encode import failure
from voiceguide.plan import Plan


def vtt_for(target: Path) -> Path:
    """The WebVTT file that goes with the audio file ``target``: ``NAME.vtt`` beside it."""
    return Path(target).with_suffix(".vtt")


def write_vtt(plan: Plan, path: Path, span: tuple[float, float] | None = None) -> None:
    """A WebVTT file of what is said (and which chime rings) and when; written atomically.

    ``span`` (start, end seconds; default the whole plan) keeps what sounds in it, timed
    from its start and cut at its ends: a split track's subtitles."""
    start, end = span if span is not None else (0.0, plan.length)
    lines = ["WEBVTT", ""]
    sounding = [e for e in plan.events if e.end > start and e.at < end]
    for number, event in enumerate(sounding, start=1):
        text = event.text if event.kind == "speech" else f"[{event.sound.name} chime]"
        begin, stop = max(event.at, start) - start, min(event.end, end) - start
        lines += [str(number), f"{timestamp(begin)} --> {timestamp(stop)}"]
        lines += [text, ""]
    with atomic.file(Path(path), failure) as temp:
        temp.write_text("\n".join(lines), encoding="utf-8")

"""WebVTT subtitles of what is said (and which chime rings) and when.

A cue is one spoken text or one chime (``[bell chime]``); the pace guide's beats are not
written (they were 403 of a 45-minute session's 466 cues, all ``[pulse chime]``). Text is
escaped as WebVTT requires: ``&``, ``<`` and ``>`` as character references (a ``-->`` in a
cue would otherwise end it in a browser, a ``<`` start a tag), and line breaks become spaces
(a blank line would end the cue; players wrap the lines themselves).
"""

from __future__ import annotations

import re
from pathlib import Path

from voiceguide import atomic
from voiceguide.exporting.chapters import timestamp
from voiceguide.exporting.encode import failure
from voiceguide.plan import Event, EventKind, Plan

# the kinds of events written: not the pace guide's beats
SUBTITLED = (EventKind.SPEECH, EventKind.CHIME)


def vtt_for(target: Path | str) -> Path:
    """The WebVTT file that goes with the audio file ``target``: ``NAME.vtt`` beside it."""
    return Path(target).with_suffix(".vtt")


def escaped(text: str) -> str:
    """``text`` as a WebVTT cue's payload: ``&``, ``<``, ``>`` as references, on one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def cue_text(event: Event) -> str:
    """What a cue says: the words spoken, or ``[bell chime]``."""
    if event.kind == EventKind.SPEECH:
        return escaped(event.spoken)
    return escaped(f"[{event.sounded.name} chime]")


def write_vtt(plan: Plan, path: Path, span: tuple[float, float] | None = None) -> None:
    """A WebVTT file of what is said (and which chime rings) and when; written atomically.

    ``span`` (start, end seconds; default the whole plan) keeps what sounds in it, timed
    from its start and cut at its ends: a split track's subtitles. A cue that would last
    less than a millisecond once cut (timestamps are in ms) is left out."""
    start, end = span if span is not None else (0.0, plan.length)
    lines = ["WEBVTT", ""]
    number = 0
    for event in plan.events:
        if event.kind not in SUBTITLED or event.end <= start or event.at >= end:
            continue
        begin = timestamp(max(event.at, start) - start)
        stop = timestamp(min(event.end, end) - start)
        if stop <= begin:  # same-width strings: compared as times
            continue
        number += 1
        lines += [str(number), f"{begin} --> {stop}", cue_text(event), ""]
    with atomic.file(Path(path), failure) as temp:
        temp.write_text("\n".join(lines), encoding="utf-8")

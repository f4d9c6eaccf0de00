"""The pace guide in exports, decoded and measured: every beat at its time and its level, no
click at its edges, and nothing else changed (the export without the pace guide, subtracted,
leaves the beats alone)."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide import exporting as export
from voiceguide import session
from voiceguide.audio import gain
from voiceguide.exporting import mix
from voiceguide.plan import EventKind
from voiceguide.testing.onsets import onset_error
from voiceguide.testing.signals import decoded, reference_true_peak_db

ROUTINE = """\
title: Paced strokes
intro: Settle in.
steps:
  - name: Strokes
    say: Long slow strokes.
    duration: 90s
    pace: 14 to 8
    cues:
      - {every: 6s, say: Slow and steady strokes.}
  - name: Breaths
    say: Breathe along.
    duration: 60s
    pace: {from: 6, to: 4, sound: breath}
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The routine exported with and without its pace guide, in WAV and MP3."""
    from voiceguide.testing.fakes import tone_renderer

    base = tmp_path_factory.mktemp("pace")
    (base / "paced.yaml").write_text(ROUTINE)
    out = {}
    with tone_renderer() as renderer:
        for label, factor in (("paced", 1.0), ("plain", 0.0)):
            prepared = session.prepare(
                str(base / "paced.yaml"), session.Options(pace=factor), renderer, base / "cache"
            )
            for fmt in ("wav", "mp3"):
                result = export.export(prepared, base / f"{label}.{fmt}")
                out[label, fmt] = (prepared, result, decoded(result.path))
    return out


def expected_clip(prepared, result, event) -> np.ndarray:
    """What the beat should sound like in the file: its clip at the session's gain."""
    return prepared.clip(event).samples * gain(result.level.gain_db)


def beats(prepared):
    return [e for e in prepared.plan.events if e.kind == EventKind.PULSE]


@pytest.mark.parametrize("fmt, limit", [("wav", 0.001), ("mp3", 0.010)])
@pytest.mark.slow
def test_every_beat_is_at_its_planned_time(exported, fmt, limit):
    prepared, result, paced = exported["paced", fmt]
    _, _, plain = exported["plain", fmt]
    alone = paced[: len(plain)] - plain  # the beats alone
    errors = [
        onset_error(alone, expected_clip(prepared, result, event), event.at, window=0.03)
        for event in beats(prepared)
    ]
    assert len(errors) >= 15
    assert max(abs(e) for e in errors) <= limit, errors


@pytest.mark.slow
def test_every_beat_sounds_at_its_planned_level(exported):
    """Least squares of the beats alone (paced minus plain, lossless) against each beat's clip
    at the session's gain: the beat's level against the plan's gain_db."""
    prepared, result, paced = exported["paced", "wav"]
    _, _, plain = exported["plain", "wav"]
    alone = paced - plain
    ducked = set()
    for event in beats(prepared):
        clip = prepared.clip(event).samples.astype(np.float64)
        first = mix.frames(event.at)
        heard = alone[first : first + len(clip)]
        unit = clip * gain(result.level.gain_db - event.gain_db)  # the beat at gain 0 dB
        level_db = 20 * np.log10(np.dot(heard, unit) / np.dot(unit, unit))
        assert level_db == pytest.approx(event.gain_db, abs=1.0), (event.at, level_db)
        ducked.add(event.gain_db < -14.5)
    assert ducked == {True, False}  # beats under speech and beats in the clear


@pytest.mark.slow
def test_beats_start_and_end_without_a_click(exported):
    prepared, _, paced = exported["paced", "wav"]
    _, _, plain = exported["plain", "wav"]
    alone = paced - plain
    lsb = 2 / 65536
    for event in beats(prepared):
        first, last = mix.frames(event.at), mix.frames(event.end)
        body = np.abs(np.diff(alone[first:last])).max()
        for edge in (first, last):
            step = np.abs(np.diff(alone[edge - 3 : edge + 3])).max()
            assert step <= max(0.05 * body, 2 * lsb), (event.at, step, body)


@pytest.mark.slow
def test_the_pace_guide_changes_nothing_else(exported):
    """Speech and chimes keep their gain: the session's level and the sound between beats
    are those of the export without a pace guide."""
    _, paced_result, paced = exported["paced", "wav"]
    prepared, plain_result, plain = exported["plain", "wav"]
    assert paced_result.level.gain_db == plain_result.level.gain_db
    assert paced_result.level.lufs == pytest.approx(-16.0, abs=0.1)
    quiet = np.ones(len(plain), dtype=bool)
    for event in beats(exported["paced", "wav"][0]):
        quiet[mix.frames(event.at) : mix.frames(event.end) + 1] = False
    assert np.abs(paced[quiet] - plain[quiet]).max() <= 2 / 65536  # 16-bit rounding
    for fmt in ("wav", "mp3"):
        assert reference_true_peak_db(exported["paced", fmt][2]) <= -1.0

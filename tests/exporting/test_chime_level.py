"""Chimes as loud as the user wants: ``chime_level`` in a routine and ``--chime-level``, LU under
the speech (negative: over it), measured in exported files against the chime as it is made
(every chime file is leveled to -18 LUFS first, whatever its own level)."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide import exporting as export
from voiceguide import session
from voiceguide.audio import RATE, clips, gain
from voiceguide.audio.leveling import MIX_CEILING_DB
from voiceguide.audio.loudness import loudness
from voiceguide.testing.signals import decoded, reference_true_peak_db

ROUTINE = """\
title: Chimed
{level}steps:
  - name: One
    say: The first step.
    duration: 20s
  - name: Two
    say: The second step.
    duration: 20s
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """``(session, export result, decoded samples)`` by label: the routine at the default
    level, with ``chime_level: 12``, with it overridden by ``--chime-level 2``, and at -4 (over
    the speech)."""
    from voiceguide.testing.fakes import tone_renderer

    base = tmp_path_factory.mktemp("chimes")
    out = {}
    cases = {
        "default": ("", None),
        "quiet": ("chime_level: 12\n", None),
        "overridden": ("chime_level: 12\n", 2.0),
        "loud": ("", -4.0),
    }
    with tone_renderer() as renderer:
        for label, (level, option) in cases.items():
            path = base / f"{label}.yaml"
            path.write_text(ROUTINE.format(level=level))
            options = session.Options(chime_level=option)
            prepared = session.prepare(str(path), options, renderer, base / "cache")
            result = export.export(prepared, base / f"{label}.wav")
            out[label] = (prepared, result, decoded(result.path))
    return out


def chimes(prepared):
    return [e for e in prepared.plan.events if e.kind == "chime"]


def as_made(prepared, event) -> np.ndarray:
    """The chime as ``chime_clip`` made it: -18 LUFS, before its level."""
    return session.prepared(event.sound.path, "chime", prepared.speech.directory).samples


def heard_gain_db(prepared, result, samples) -> list[float]:
    """Each chime's gain in the file over the chime as made, the session's gain taken out
    (least squares over the chime's span: nothing else sounds there)."""
    gains = []
    for event in chimes(prepared):
        clip = as_made(prepared, event).astype(np.float64)
        first = round(event.at * RATE)
        part = samples[first : first + len(clip)]
        fit = np.dot(part, clip) / np.dot(clip, clip)
        gains.append(20 * np.log10(fit) - result.level.gain_db)
    return gains


def test_a_chime_sits_where_it_is_made_by_default(exported):
    prepared, result, samples = exported["default"]
    assert len(chimes(prepared)) >= 3
    assert heard_gain_db(prepared, result, samples) == pytest.approx([0.0] * 3, abs=0.01)


def test_a_routines_chime_level_puts_every_chime_that_far_under_the_speech(exported):
    prepared, result, samples = exported["quiet"]
    assert heard_gain_db(prepared, result, samples) == pytest.approx([-10.0] * 3, abs=0.01)


def test_the_option_wins_over_the_routine(exported):
    prepared, result, samples = exported["overridden"]
    assert heard_gain_db(prepared, result, samples) == pytest.approx([0.0] * 3, abs=0.01)


def test_a_chime_over_the_speech_is_as_loud_as_asked_and_never_over_the_ceiling(exported):
    """At -4 (4 LU over the speech) the bell is 6 dB louder than it is made: its loudness is
    -12 LUFS (and the session's gain), its peaks limited under the ceiling, not clipped."""
    prepared, result, samples = exported["loud"]
    for event in chimes(prepared):
        first = round(event.at * RATE)
        part = samples[first : first + len(as_made(prepared, event))].astype(np.float32)
        expected = clips.SPEECH_LUFS + 4.0 + result.level.gain_db
        assert loudness(part) == pytest.approx(expected, abs=0.3)
    assert reference_true_peak_db(samples.astype(np.float32)) <= MIX_CEILING_DB["wav"] + 0.05


def test_the_chime_level_leaves_the_speech_where_it_was(exported):
    """The session is leveled on speech and chimes: quieter chimes move its gain a little;
    the speech itself keeps its samples, times that gain."""
    for label in ("quiet", "loud"):
        prepared, result, samples = exported[label]
        _, base_result, base = exported["default"]
        speech = next(e for e in prepared.plan.events if e.kind == "speech")
        first, last = round(speech.at * RATE), round(speech.end * RATE)
        ratio = gain(result.level.gain_db - base_result.level.gain_db)
        np.testing.assert_allclose(samples[first:last], base[first:last] * ratio, atol=1e-4)

"""The pace guide's tick over each built-in bed, in real exports decoded and measured: at the
defaults it stands at least 12 dB above the bed through a small speaker and through a big one
(definitions: voiceguide/testing/margin.py; figures of the built-in routines with espeak-ng:
docs/performance.md). The tone engine speaks here: the tick and the bed do not depend on the
voice, only which beats fall clear of speech does."""

from __future__ import annotations

import pytest

from voiceguide import exporting as export
from voiceguide import session
from voiceguide.testing import margin
from voiceguide.testing.signals import decoded

ROUTINE = """\
title: Ticking
intro: Settle in.
steps:
  - name: Strokes
    say: Long slow strokes, one for every tick.
    duration: 150s
    pace: 12 to 8
    cues:
      - {every: 40s, say: Slow and steady.}
  - name: Circles
    say: Small circles now.
    duration: 60s
    pace: 20
"""
BEDS = ("ocean", "rain", "drone")
MARGIN_DB = 12.0


@pytest.fixture(scope="module")
def margins(tmp_path_factory):
    """Each bed's margins through each speaker, from the routine exported with it, without a
    bed, and without a bed or pace guide (WAV, every default)."""
    from voiceguide.testing.fakes import tone_renderer

    base = tmp_path_factory.mktemp("tick")
    (base / "ticking.yaml").write_text(ROUTINE)

    def exported(name: str, **options) -> tuple[session.Session, object]:
        prepared = session.prepare(
            str(base / "ticking.yaml"), session.Options(**options), renderer, base / "cache"
        )
        return prepared, decoded(export.export(prepared, base / f"{name}.wav").path)

    with tone_renderer() as renderer:
        plain, without_bed = exported("none", bed="none")
        _, without_pace = exported("off", bed="none", pace=0.0)
        out = {}
        for bed in BEDS:
            _, with_bed = exported(bed, bed=bed)
            out[bed] = margin.session_margins(
                with_bed, without_bed, without_pace, plain.plan.events
            )
    return out


@pytest.mark.parametrize("bed", BEDS)
@pytest.mark.parametrize("speaker", ["small", "full"])
@pytest.mark.slow
def test_the_tick_stands_12_db_over_every_built_in_bed(margins, bed, speaker):
    found = margins[bed][speaker]
    assert found.beats >= 30  # the beats clear of speech: enough for a median
    assert found.median >= MARGIN_DB, f"{bed} through the {speaker} speaker: {found}"


@pytest.mark.parametrize("bed", BEDS)
def test_even_the_worst_tenth_of_the_ticks_stands_clear_of_the_bed_on_a_small_speaker(margins, bed):
    """Even where the ocean swells to a crest (the worst 10 % of the beats)."""
    found = margins[bed]["small"]
    assert found.worst10 >= MARGIN_DB, f"{bed}: {found}"

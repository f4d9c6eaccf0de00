"""Leveling: a loudness target under a true-peak ceiling, the limiter's loss made up."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.audio import RATE
from voiceguide.audio import leveling as lev
from voiceguide.audio.clips import SPEECH_LUFS
from voiceguide.audio.loudness import loudness
from voiceguide.testing.signals import band_limited, reference_true_peak_db, speechlike


@pytest.mark.slow
def test_a_leveled_copy_meets_the_loudness_target_under_the_true_peak_ceiling():
    for seed in range(5):
        signal = band_limited(speechlike(4.0, seed))
        out = lev.leveled(signal, SPEECH_LUFS)
        assert loudness(out) == pytest.approx(SPEECH_LUFS, abs=0.3)
        assert reference_true_peak_db(out) <= lev.CLIP_CEILING_DB + 0.1


@pytest.mark.parametrize("rate", [RATE, 22050])
def test_leveling_a_clip_keeping_its_weighted_copy_or_not_gives_the_same_gain(rate):
    signal = speechlike(5.0, 9)
    kept = lev.leveling_gain(signal, -16.0, rate, ceiling_db=-3.0, keep=True)
    filtered = lev.leveling_gain(signal, -16.0, rate, ceiling_db=-3.0, keep=False)
    assert len(kept.dips) > 10 and abs(kept.top - filtered.top) <= 1e-6 * kept.top
    np.testing.assert_allclose(filtered.curve(), kept.curve(), rtol=1e-6)


@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("ceiling_db", [-3.0, -2.0, -1.0])
@pytest.mark.slow
def test_a_peaky_clip_limited_hard_still_ends_at_its_loudness(ceiling_db, keep):
    """The make-up is computed from the energies the dips leave (never measured again):
    the limited signal's measured loudness is the target, with either way of computing."""
    signal = band_limited(speechlike(6.0, 8, level=1.0))
    level = lev.leveling_gain(signal, -16.0, RATE, ceiling_db, keep=keep)
    assert len(level.dips) > 10
    out = signal.copy()
    level.apply(out)
    assert loudness(out) == pytest.approx(-16.0, abs=0.15)
    assert reference_true_peak_db(out) <= ceiling_db + 0.1


def test_a_silent_clip_gets_no_gain():
    level = lev.leveling_gain(np.zeros(RATE, np.float32), -16.0)
    assert (level.top, level.dips) == (1.0, [])


def test_every_ceiling_comes_from_one_table():
    assert lev.CLIP_CEILING_DB == min(lev.MIX_CEILING_DB["wav"], lev.MIX_CEILING_DB["mp3"])
    assert max(lev.MIX_CEILING_DB.values()) == lev.FILE_CEILING_DB

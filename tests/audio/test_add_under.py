"""``audio.add_under``: a bed added under the clips never takes the mix past its ceiling, and
never changes a clip's sample."""

from __future__ import annotations

import numpy as np

from voiceguide.audio import UNDER, add_under


def test_a_bed_that_fits_is_added_exactly():
    rng = np.random.default_rng(1)
    clips = (rng.normal(0, 0.1, 4800)).astype(np.float32)
    bed = (rng.normal(0, 0.01, 4800)).astype(np.float32)
    block = clips.copy()
    assert add_under(block, bed) == 0
    assert np.array_equal(block, clips + bed)


def test_where_the_sum_would_pass_the_ceiling_only_the_bed_is_cut():
    clips = np.array([0.7, -0.7, 0.0, 0.5, 0.95, -0.95], np.float32)  # the last two: over
    bed = np.array([0.5, -0.5, 2.0, -0.2, 0.1, -0.3], np.float32)
    block = clips.copy()
    cut = add_under(block, bed)
    assert cut == 5
    assert np.allclose(block[:3], [UNDER, -UNDER, UNDER])
    assert block[3] == np.float32(0.5) + np.float32(-0.2)  # fits: exact
    assert np.allclose(block[4:], [0.95, -0.95])  # clips over the ceiling stay as they are


def test_a_dc_offset_bed_under_speech_never_clips():
    t = np.arange(48000) / 48000
    clips = (0.7 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    bed = np.full(48000, 0.6, np.float32)  # what a DC file becomes at a huge calibrated gain
    block = clips.copy()
    add_under(block, bed)
    assert np.max(np.abs(block)) <= UNDER + 1e-7
    quiet = np.abs(clips) < 0.2
    assert np.allclose(block[quiet], clips[quiet] + 0.6)

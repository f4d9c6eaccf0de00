"""The built-in beds: deterministic, read by frame in any order, never coming round again."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.audio import RATE
from voiceguide.bed import BUILT_IN, builtin
from voiceguide.routine.fields import PACE_RANGE
from voiceguide.testing import margin

# What each built-in makes from frame 7 s for a second: the RMS of 16 equal parts. If the
# code makes something else, bump builtin.VERSION (the cached loudness measurements are then
# made again) and record the new fingerprint under it.
GOLDEN = {
    2: {
        "ocean": [0.457235, 0.3606681, 0.4244516, 0.3648544, 0.4518716, 0.3907265, 0.3623917,
                  0.407703, 0.4121512, 0.3978002, 0.3654523, 0.3987101, 0.3907789, 0.4070959,
                  0.4021127, 0.3773462],
        "rain": [0.9098448, 0.8905688, 0.9164565, 0.9418254, 0.9065946, 0.9075863, 0.8935814,
                 0.9510381, 0.9108454, 0.8896093, 0.8939089, 0.8703484, 0.8974509, 0.8713517,
                 0.8796782, 0.8638615],
        "drone": [0.9175072, 0.9013359, 0.9127367, 0.9137685, 0.9078734, 0.9198186, 0.9213168,
                  0.9311265, 0.9211976, 0.9339255, 0.9657557, 0.9380064, 0.954308, 0.943984,
                  0.9291055, 0.937564],
    },
}  # fmt: skip


@pytest.fixture(scope="module", params=BUILT_IN)
def bed(request):
    return builtin.BUILT_IN[request.param]()


def fingerprint(samples: np.ndarray) -> list[float]:
    return [float(np.sqrt(np.mean(p**2))) for p in np.array_split(samples.astype(np.float64), 16)]


def envelope(samples: np.ndarray) -> np.ndarray:
    """RMS of each 100 ms."""
    return np.sqrt(np.mean(samples.astype(np.float64).reshape(-1, RATE // 10) ** 2, axis=1))


def test_reads_in_blocks_of_any_size_are_the_same_samples_as_one_read(bed):
    whole = bed.read(0, 20 * RATE)
    parts, at = [], 0
    for size in np.random.default_rng(3).integers(1, RATE, 200):
        size = min(int(size), len(whole) - at)
        parts.append(bed.read(at, size))
        at += size
    parts.append(bed.read(at, len(whole) - at))
    assert np.array_equal(np.concatenate(parts), whole)


def test_a_read_that_seeks_gives_exactly_what_a_contiguous_read_does(bed):
    whole = bed.read(0, 40 * RATE)
    for first in (37 * RATE + 123, 5 * RATE + 479, 20 * RATE, 1):
        assert np.array_equal(bed.read(first, RATE // 3), whole[first : first + RATE // 3])


@pytest.mark.slow
def test_a_bed_made_again_from_the_same_seed_is_the_same_and_another_seed_is_not(bed):
    again, other = type(bed)(seed=0), type(bed)(seed=1)
    first = 3 * RATE
    assert np.array_equal(again.raw(first, RATE), bed.raw(first, RATE))
    assert not np.allclose(other.raw(first, RATE), bed.raw(first, RATE))


@pytest.mark.parametrize("lag", [10, 11, 13, 17, 20, 22, 26, 33, 34, 39, 51, 60, 143, 221])
@pytest.mark.slow
def test_what_moves_in_a_built_in_does_not_come_round_with_its_loops(bed, lag):
    """The noise and the drone's notes are loops of 10-17 s; the swells, drops and
    breathing over them are drawn per slot, so no minute's movement repeats an earlier
    minute's, at the loops' lengths or their sums (measured worst: 0.52, drone at 60 s)."""
    minute = envelope(bed.raw(0, 60 * RATE))
    later = envelope(bed.raw(lag * RATE, 60 * RATE))
    assert np.corrcoef(minute, later)[0, 1] < 0.85


@pytest.mark.slow
def test_no_built_in_moves_at_a_rhythm_a_pace_could_have(bed):
    """The pace guide is a session's one rhythm. The ocean's swells came every 9.5 s +-1.4 s
    and the drone's two voices a note beat every 5 s, the spacing of the slow paces (5-12 a
    minute): two rhythms competed (periodicity 1.22 at 9.4 s and 1.12 at 5.0 s over these
    10 minutes). At every pace a routine may ask for (2-60 a minute), the bed's level through
    a small speaker now has no period (``testing.margin.rhythm``; what users hear: seed 0)."""
    envelope = margin.envelope(bed.raw, 10 * 60 * RATE)
    periods = margin.pace_periods(*PACE_RANGE)
    found = margin.rhythm(envelope, periods)
    worst = int(np.argmax(found))
    assert found[worst] < margin.RHYTHM_LIMIT, (
        f"{bed.name} comes round every {periods[worst]:.1f} s (periodicity {found[worst]:.2f})"
    )


def test_the_built_ins_match_the_fingerprint_recorded_for_their_sound_version():
    """builtin.VERSION keys the cached loudness of the built-ins: change their sound
    without bumping it and every user's cache keeps stale calibrations."""
    assert builtin.VERSION in GOLDEN, "record the fingerprint of this VERSION in GOLDEN"
    for name, expected in GOLDEN[builtin.VERSION].items():
        made = fingerprint(builtin.BUILT_IN[name]().raw(7 * RATE, RATE))
        assert made == pytest.approx(expected, rel=1e-4), (
            f"{name} changed: bump builtin.VERSION and record its fingerprint"
        )


def test_reading_before_frame_0_is_a_programming_error(bed):
    with pytest.raises(ValueError):
        bed.read(-1, 10)
    assert len(bed.read(5, 0)) == 0

"""A user's file as an endless bed: resampled, mixed down, looped with an equal-power
crossfade, the same samples however it is read."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import soxr

from voiceguide.audio import RATE
from voiceguide.bed import looped
from voiceguide.bed.looped import FileSource
from voiceguide.testing import soundfiles

JOIN = round(looped.CROSSFADE * RATE)


def steady_noise(first: int, frames: int, rate: int, seed: int = 5) -> np.ndarray:
    """Band-limited noise of a steady level (what shows a crossfade's dip or bump)."""
    noise = np.random.default_rng([seed, first]).standard_normal(frames + 64)
    return (0.1 * np.convolve(noise, np.ones(4) / 4, "valid")[:frames]).astype(np.float32)


@pytest.fixture(scope="module")
def stereo_44k(tmp_path_factory):
    """14.3 s of music-like sound, 44.1 kHz stereo: it ends mid-chord, so a hard loop
    would click."""
    path = tmp_path_factory.mktemp("looped") / "music.flac"
    return soundfiles.write(path, 14.3, rate=44_100, channels=2)


def test_reads_in_blocks_of_any_size_are_the_same_samples_as_one_read(stereo_44k):
    """Across segments, the end of the first pass, the join and later passes, bit for bit."""
    whole = FileSource(stereo_44k, "music.flac", None).raw(0, 40 * RATE)
    bed = FileSource(stereo_44k, "music.flac", None)
    parts, at = [], 0
    for size in np.random.default_rng(7).integers(1, 3 * RATE, 100):
        size = min(int(size), len(whole) - at)
        parts.append(bed.raw(at, size))
        at += size
    assert np.array_equal(np.concatenate(parts), whole)


@pytest.mark.parametrize(
    "first",
    [5 * RATE + 17, 192_000 - 100, 14 * RATE, 11 * RATE + 3, 12 * RATE, 30 * RATE + 999],
    ids=["inside", "across-segments", "in-the-join", "into-the-join", "after-the-join", "later"],
)
@pytest.mark.slow
def test_a_read_that_seeks_gives_exactly_what_a_contiguous_read_does(stereo_44k, first):
    whole = FileSource(stereo_44k, "music.flac", None).raw(0, 40 * RATE)
    bed = FileSource(stereo_44k, "music.flac", None)
    bed.raw(33 * RATE, 1000)  # the decoder and the kept segments are somewhere else
    assert np.array_equal(bed.raw(first, RATE), whole[first : first + RATE])


def test_a_44khz_stereo_file_is_mixed_down_and_resampled_to_48khz(tmp_path):
    rate, seconds = 44_100, 8.0
    t = np.arange(round(seconds * rate)) / rate
    tone = (0.4 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    path = tmp_path / "tone.wav"
    sf.write(path, np.stack([tone, 0.5 * tone], axis=1), rate, subtype="FLOAT")
    bed = FileSource(path, "tone.wav", None)
    assert bed.frames == round(seconds * RATE)
    made = bed.raw(0, bed.period)
    expected = soxr.resample(0.75 * tone, rate, RATE, quality="HQ")[: bed.period]
    inner = slice(RATE // 10, bed.period - RATE // 10)  # soxr's whole-file edges aside
    assert np.max(np.abs(made[inner] - expected[inner])) < 1e-3 * 0.3  # -70 dB of the tone
    spectrum = np.abs(np.fft.rfft(made[: 4 * RATE]))
    assert np.argmax(spectrum) * RATE / (4 * RATE) == pytest.approx(1000, abs=0.5)


def test_a_48khz_file_plays_its_own_samples_until_the_loop(tmp_path):
    path = tmp_path / "noise.wav"
    samples = steady_noise(0, 10 * RATE, RATE)
    sf.write(path, samples, RATE, subtype="FLOAT")
    bed = FileSource(path, "noise.wav", None)
    assert bed.period == 10 * RATE - JOIN
    assert np.array_equal(bed.raw(0, bed.period), samples[: bed.period])


def test_the_loop_join_keeps_the_level_within_1_db(tmp_path):
    """Equal power: uncorrelated end and start keep their power through the crossfade (a
    linear crossfade would dip 3 dB in its middle)."""
    path = tmp_path / "noise.wav"
    sf.write(path, steady_noise(0, 12 * RATE, RATE), RATE, subtype="FLOAT")
    bed = FileSource(path, "noise.wav", None)
    around = bed.raw(bed.period - 2 * RATE, JOIN + 4 * RATE).astype(np.float64)
    windows = around[: len(around) // 9600 * 9600].reshape(-1, 9600)  # 200 ms
    levels = 10 * np.log10(np.mean(windows**2, axis=1))
    reference = 10 * np.log10(np.mean(bed.raw(RATE, 6 * RATE).astype(np.float64) ** 2))
    assert np.max(np.abs(levels - reference)) < 1.0


def chord(first: int, frames: int, rate: int) -> np.ndarray:
    """Two soft tones: smooth, so a click stands out of it."""
    t = (first + np.arange(frames)) / rate
    return (0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 331 * t)).astype(
        np.float32
    )


def test_the_loop_join_does_not_click(tmp_path):
    """The largest step from one sample to the next through the join stays within what
    the file itself has: at most sqrt(2) times its largest step (equal power sums two
    coherent tones to sqrt(2) at most; measured here: 1.06). A hard cut there (the end,
    mid-cycle, then the start) jumps ten times higher."""
    path = soundfiles.write(tmp_path / "chord.wav", 14.3, rate=44_100, make=chord)
    bed = FileSource(path, "chord.wav", None)
    body = bed.raw(0, bed.period)
    join = bed.raw(bed.period - RATE, JOIN + 2 * RATE)
    assert np.max(np.abs(np.diff(join))) <= np.sqrt(2) * np.max(np.abs(np.diff(body)))
    cut = np.concatenate([body[-RATE:], body[:RATE]])  # what a loop without a crossfade does
    assert np.max(np.abs(np.diff(cut))) > 3 * np.max(np.abs(np.diff(body)))


def test_every_later_pass_is_the_join_then_the_files_body(stereo_44k):
    bed = FileSource(stereo_44k, "music.flac", None)
    p = bed.period
    first_pass = bed.raw(0, p)
    for k in (1, 2, 5):
        again = bed.raw(k * p, p)
        assert np.array_equal(again[JOIN:], first_pass[JOIN:])
        assert np.array_equal(again[:JOIN], bed.raw(p, JOIN))


def test_the_description_says_whether_the_file_loops(stereo_44k):
    assert FileSource(stereo_44k, "music.flac", 60.0).description == "music.flac, looped every 11s"
    assert FileSource(stereo_44k, "music.flac", 10.0).description == "music.flac (14s)"
    assert FileSource(stereo_44k, "music.flac", None).description == "music.flac, looped every 11s"

"""Decoding a user's file by window: the same samples however a window is reached, in every
format, at every MP3 bit rate; the true length of an MP3 whose header only estimates it."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf

from voiceguide.bed.decode import Decoder
from voiceguide.errors import BedError
from voiceguide.testing import soundfiles

# (suffix, rate, options): every format libsndfile reads that a user is likely to have, and
# MP3 at low bit rates, whose frames borrow bits from the frames before (the bit reservoir).
FILES = {
    "wav": (".wav", 44_100, {}),
    "flac": (".flac", 96_000, {}),
    "vorbis": (".ogg", 44_100, {}),
    "opus": (".opus", 48_000, {}),
    "mp3": (".mp3", 44_100, {}),
    "mp3-32k": (".mp3", 44_100, {"bitrate_mode": "CONSTANT", "compression_level": 0.99}),
    "mp3-mpeg2-8k": (".mp3", 22_050, {"bitrate_mode": "CONSTANT", "compression_level": 0.99}),
}


def write(path, seconds, rate, options, channels=2):
    """``seconds`` of music-like sound in ``path`` (libsndfile options for MP3)."""
    form, subtype = soundfiles.FORMATS[path.suffix]
    total = round(seconds * rate)
    with sf.SoundFile(path, "w", rate, channels, subtype, format=form, **options) as out:
        for first in range(0, total, soundfiles.BLOCK):
            block = soundfiles.musiclike(first, min(soundfiles.BLOCK, total - first), rate)
            out.write(np.stack([block, 0.5 * block], axis=1)[:, :channels])
    return path


@pytest.fixture(scope="module", params=FILES)
def sound(request, tmp_path_factory):
    suffix, rate, options = FILES[request.param]
    return write(tmp_path_factory.mktemp("decode") / f"music{suffix}", 30.0, rate, options)


def reference(path) -> np.ndarray:
    """The whole file decoded in one read by libsndfile, mixed down: what a window must be."""
    data, _ = sf.read(path, dtype="float32", always_2d=True)
    return data.mean(axis=1, dtype=np.float32)


@pytest.mark.slow
def test_windows_read_in_order_are_the_file_as_one_read_decodes_it(sound):
    """A regression test of a trap: SoundFile.read seeks after every read, and an MP3 seek
    loses the bit reservoir, so at 32 kbit/s the samples after each read came out wrong
    or silent (up to 0.4 off on a 0.25 signal)."""
    whole = reference(sound)
    decoder = Decoder(sound)
    decoder.keep(4410)
    step = 70_001  # odd sizes: the reads fall anywhere in the codec's frames
    parts = [decoder.window(at - 4410, at + step) for at in range(0, len(whole), step)]
    made = np.concatenate([part[4410:] for part in parts])[: len(whole)]
    assert np.max(np.abs(made - whole)) < 1e-6


@pytest.mark.slow
def test_a_window_reached_by_a_seek_is_the_same_as_one_decoded_on(sound):
    whole = reference(sound)
    decoder = Decoder(sound)
    for start in (len(whole) // 2 + 17, 20_000, len(whole) - 30_000, 5, 300_001):
        start = min(start, len(whole) - 10_000)
        assert np.max(np.abs(decoder.window(start, start + 10_000) - whole[start:][:10_000])) < 1e-6


@pytest.mark.slow
def test_frames_outside_the_file_are_silence(sound):
    decoder = Decoder(sound)
    before = decoder.window(-500, 100)
    after = decoder.window(decoder.frames - 10, decoder.frames + 500)
    assert not before[:500].any() and not after[10:].any()
    assert np.array_equal(before[500:], reference(sound)[:100])


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg makes the header-less MP3")
@pytest.mark.slow
def test_an_mp3_without_a_length_header_is_measured_to_its_true_end(tmp_path):
    """libsndfile only estimates the length of an MP3 without a Xing/LAME header (here
    thousands of frames too many): the decoder finds the real end."""
    source = soundfiles.write(tmp_path / "music.wav", 40.0)
    bare = tmp_path / "bare.mp3"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(source), "-c:a", "libmp3lame", "-b:a", "128k"]
        + ["-write_xing", "0", str(bare)],
        check=True,
    )
    with sf.SoundFile(bare) as claimed:
        estimate = claimed.frames
    decoded = len(reference(bare))
    assert estimate != decoded  # the trap is there
    assert Decoder(bare).frames == decoded


def test_a_sample_that_is_not_a_number_is_refused_with_where_it_is(tmp_path):
    path = tmp_path / "nan.wav"
    samples = soundfiles.musiclike(0, 44_100 * 8, 44_100)
    samples[44_100 * 5] = np.nan
    sf.write(path, samples, 44_100, subtype="FLOAT")
    with pytest.raises(BedError, match=r"not numbers \(NaN or infinite\) at 5.00 s"):
        Decoder(path).window(0, len(samples))

"""The sound bed in exports, decoded and measured: the export with a bed minus the same
export without one is the bed alone, exactly the source at the plan's envelope; its level
between words and under them; nothing else changed; the end chime clear; tracks of a split
continuous; a user's file looped under a session longer than itself."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

from voiceguide import bed as beds
from voiceguide import exporting as export
from voiceguide import session
from voiceguide.audio import RATE, gain
from voiceguide.testing.signals import decoded, reference_true_peak_db

ROUTINE = """\
title: Bedded
intro: Settle in, and breathe.
outro: Rest now.
steps:
  - name: Strokes
    say: Long slow strokes.
    duration: 80s
    pace: 10
    cues:
      - {every: 12s, say: Slow and steady strokes.}
  - name: Quiet
    say: Hands still for a while.
    duration: 40s
"""
LSB = 2 / 65536  # a 16-bit step, on the -1..1 scale


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The routine exported without a bed and with each built-in one, WAV and MP3."""
    from voiceguide.testing.fakes import tone_renderer

    base = tmp_path_factory.mktemp("bed")
    (base / "bedded.yaml").write_text(ROUTINE)
    out = {}
    with tone_renderer() as renderer:
        for name in ("none", "ocean", "rain", "drone"):
            options = session.Options(bed=name)
            prepared = session.prepare(str(base / "bedded.yaml"), options, renderer, base / "c")
            for fmt in ("wav", "mp3") if name in ("none", "ocean") else ("wav",):
                result = export.export(prepared, base / f"{name}.{fmt}")
                out[name, fmt] = (prepared, result, decoded(result.path))
    return out


def expected_bed(prepared, result) -> np.ndarray:
    """The bed as it should be in the file: the source, calibrated, at the envelope's gain
    plus the session's."""
    frames = round(prepared.plan.length * RATE)
    source = beds.open_bed(prepared.plan.bed.sound, None, prepared.plan.length)
    samples = source.read(0, frames).astype(np.float64)
    gains = prepared.plan.bed.gains(0, frames, RATE) * np.ones(frames)
    return samples * gains * gain(result.level.gain_db)


@pytest.mark.parametrize("name", ["ocean", "rain", "drone"])
@pytest.mark.slow
def test_the_export_minus_the_bedless_one_is_exactly_the_bed_at_its_envelope(exported, name):
    prepared, result, bedded = exported[name, "wav"]
    _, plain_result, plain = exported["none", "wav"]
    assert result.level.gain_db == plain_result.level.gain_db  # the bed moves no gain
    alone = bedded - plain
    assert np.abs(alone - expected_bed(prepared, result)).max() <= 1.5 * LSB


@pytest.mark.parametrize("name", ["ocean", "rain", "drone"])
@pytest.mark.slow
def test_between_words_the_bed_is_its_level_under_the_speech(exported, name):
    """The bed's source is calibrated to the speech's loudness over the session, and sits
    ``level`` dB under it between words. (Over one short session a swell more or less in the
    gaps moves their loudness by a dB either way; bench/bench_bed_export.py measures whole
    sessions against the 1 LU target.)"""
    prepared, result, bedded = exported[name, "wav"]
    _, _, plain = exported["none", "wav"]
    envelope = prepared.plan.bed
    meter = pyloudnorm.Meter(RATE)
    source = beds.open_bed(name, None, prepared.plan.length).read(0, len(plain))
    assert meter.integrated_loudness(source) == pytest.approx(beds.REFERENCE_LUFS, abs=0.3)
    assert result.level.lufs == pytest.approx(beds.REFERENCE_LUFS, abs=0.1)  # the speech
    gaps = envelope.db_at(np.arange(len(plain)) / RATE) == -envelope.level
    assert gaps.sum() > 20 * RATE
    heard = meter.integrated_loudness((bedded - plain)[gaps])
    written = meter.integrated_loudness(source[gaps].astype(np.float64))
    assert heard - written == pytest.approx(-envelope.level + result.level.gain_db, abs=0.1)


@pytest.mark.slow
def test_under_every_word_the_bed_is_duck_db_lower_than_between_words(exported):
    prepared, result, bedded = exported["ocean", "wav"]
    _, _, plain = exported["none", "wav"]
    alone = bedded - plain
    envelope = prepared.plan.bed
    source = beds.open_bed("ocean", None, prepared.plan.length).read(0, len(alone))
    ducked = -envelope.level - envelope.duck
    measured = []
    for event in (e for e in prepared.plan.events if e.kind == "speech"):
        first, last = round(event.at * RATE), round(event.end * RATE)
        if not np.all(envelope.db_at(np.arange(first, last) / RATE) == ducked):
            continue  # a word in the fade-in: the bed is lower still there
        heard, unit = alone[first:last], source[first:last].astype(np.float64)
        fit = np.dot(heard, unit) / np.dot(unit, unit)  # least squares: the gain in the file
        measured.append(20 * np.log10(fit) - result.level.gain_db)
    assert len(measured) >= 6
    assert measured == pytest.approx([ducked] * len(measured), abs=0.05)


@pytest.mark.slow
def test_the_bed_changes_no_other_sound_and_leaves_the_end_chime_alone(exported):
    prepared, result, bedded = exported["ocean", "wav"]
    _, _, plain = exported["none", "wav"]
    stop = round(prepared.plan.bed.stop * RATE)
    assert np.abs(bedded[stop:] - plain[stop:]).max() <= LSB  # the end chime as it was
    end = [e for e in prepared.plan.events if e.kind == "chime"][-1]
    assert end.sound.name == "end" and end.at >= prepared.plan.bed.stop
    first_second = np.abs(bedded[: RATE // 10] - plain[: RATE // 10]).max()
    assert first_second < 10 ** (-60 / 20)  # fading in from silence
    assert result.level.lufs == pytest.approx(-16.0, abs=0.1)


@pytest.mark.parametrize("fmt", ["wav", "mp3"])
@pytest.mark.slow
def test_the_true_peak_of_the_whole_file_stays_under_minus_1(exported, fmt):
    _, result, bedded = exported["ocean", fmt]
    assert reference_true_peak_db(bedded) <= -1.0
    assert result.peak_db <= -1.0


@pytest.mark.slow
def test_the_tracks_of_a_split_hold_the_bed_without_a_seam(exported, tmp_path):
    prepared, result, whole = exported["ocean", "wav"]
    tracks = export.export_split(prepared, tmp_path / "split", "flac")
    joined = np.concatenate([decoded(t.path) for t in tracks])
    assert len(joined) == len(whole)
    assert np.abs(joined - whole).max() <= 1.5 * LSB  # FLAC is 24-bit, the WAV 16


@pytest.mark.slow
def test_a_short_file_is_looped_under_a_longer_session(tmp_path, renderer, write_routine):
    tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(12 * 44_100) / 44_100)
    noise = np.random.default_rng(3).standard_normal(len(tone)) * 0.05
    sf.write(tmp_path / "mine.flac", np.column_stack([tone + noise, tone - noise]), 44_100)
    path = write_routine(
        "title: Mine\nbed: {sound: mine.flac, level: 20}\n"
        "steps:\n  - {name: Rest, say: Rest., duration: 60s}\n"
    )
    prepared = session.prepare(str(path), session.Options(), renderer, tmp_path / "c")
    result = export.export(prepared, tmp_path / "out.wav")
    plain = session.prepare(str(path), session.Options(bed="none"), renderer, tmp_path / "c")
    without = export.export(plain, tmp_path / "plain.wav")
    alone = decoded(result.path) - decoded(without.path)
    assert prepared.plan.bed.sound == "mine.flac" and prepared.plan.bed.level == 20
    # 60 s of a 12 s file: it loops; each second of the bed between words is there
    seconds = alone[10 * RATE : 50 * RATE].reshape(40, RATE)
    rms_db = 20 * np.log10(np.sqrt((seconds**2).mean(axis=1)))
    assert rms_db.min() > -60


@pytest.mark.parametrize("kind", ["dc", "clicks"])
@pytest.mark.slow
def test_a_file_whose_loudness_hides_its_peaks_never_clips_the_mix(tmp_path, exported, kind):
    """A DC offset (K-weighting removes it, so calibration raises the file a lot) or sparse
    clicks: the bed is held under -1 dBFS where it would push the mix past it (that the
    clips are never touched is tests/audio/test_add_under.py's)."""
    from voiceguide.testing.fakes import tone_renderer

    rng = np.random.default_rng(5)
    frames = 10 * 44100
    if kind == "dc":
        samples = 0.1 + rng.normal(0, 0.01, frames)
    else:
        samples = np.zeros(frames)
        samples[:: 44100 // 3] = 0.9
    sf.write(tmp_path / f"{kind}.wav", samples, 44100)
    (tmp_path / "bedded.yaml").write_text(ROUTINE)
    with tone_renderer() as renderer:
        prepared = session.prepare(str(tmp_path / "bedded.yaml"),
                                   session.Options(bed=str(tmp_path / f"{kind}.wav"), bed_level=6,
                                                   duck=0), renderer, tmp_path / "c")  # fmt: skip
        result = export.export(prepared, tmp_path / "out.wav")
    mixed = decoded(result.path)
    none = exported["none", "wav"][2]
    assert np.max(np.abs(mixed)) <= 10 ** (-1 / 20) + 1 / 32768  # was 1.0: clipped
    gaps = np.abs(none) == 0
    assert np.sqrt(np.mean(mixed[gaps] ** 2)) > 1e-3  # the bed still plays between words

"""How speech and chimes become clips; the cache's recipe follows what makes them."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from voiceguide import resources
from voiceguide.audio import RATE, clips, fade, resample
from voiceguide.audio.limiter import Gain
from voiceguide.audio.loudness import loudness
from voiceguide.testing.signals import reference_true_peak_db, speechlike

# What the clip recipes make of three fixed inputs: length in frames, then the RMS of 16 equal
# parts. If the code makes something else, bump clips.VERSION (cached clips are then made
# again) and record the new fingerprint under it.
GOLDEN = {
    9: {
        "speech": [185221, 0.108445, 0.1037434, 0.04391382, 0.09533131, 0.1020109, 0.09879176,
                   0.03450309, 0.1085233, 0.102919, 0.06714634, 0.07845901, 0.1051639,
                   0.1091753, 0.02677648, 0.0979168, 0.1081919],
        "chime": [86400, 0.2821583, 0.2451634, 0.200508, 0.1647381, 0.1353313, 0.111549,
                  0.09209050, 0.07611156, 0.06294723, 0.05211549, 0.04314953, 0.03569567,
                  0.02956076, 0.02449053, 0.02030086, 0.01302952],
        "pace": [10560, 0.5943158, 0.4583979, 0.3343169, 0.2311451, 0.1704217, 0.118205,
                 0.08638793, 0.06125765, 0.04419851, 0.03193725, 0.02313913, 0.01673265,
                 0.01223917, 0.008409312, 0.003687473, 0.0006581438],
    },
}  # fmt: skip


def fingerprint(samples: np.ndarray) -> list[float]:
    parts = np.array_split(samples.astype(np.float64), 16)
    return [len(samples)] + [float(np.sqrt(np.mean(p**2))) for p in parts]


def engine_output(seed: int = 3) -> np.ndarray:
    """Speech-like noise at espeak-ng's 22.05 kHz, band-limited like its output."""
    return scipy.signal.resample_poly(speechlike(4.0, seed) * 3, 147, 320).astype(np.float32)


def test_the_clips_made_match_the_fingerprint_recorded_for_this_version():
    assert clips.VERSION in GOLDEN, "record the fingerprint of this VERSION in GOLDEN"
    made = {
        "speech": fingerprint(clips.speech_clip(engine_output(), 22050, -2.0)),
        "chime": fingerprint(clips.chime_clip(resources.sounds_dir() / "bell.wav").samples),
        "pace": fingerprint(clips.pace_clip(resources.sounds_dir() / "pulse.wav").samples),
    }
    for name, expected in GOLDEN[clips.VERSION].items():
        assert made[name][0] == expected[0], f"{name}: bump clips.VERSION"
        assert made[name][1:] == pytest.approx(expected[1:], rel=1e-4), (
            f"{name}: the clips changed; bump clips.VERSION and record them"
        )


def test_the_recipe_names_every_setting_that_changes_a_clip(monkeypatch):
    before = clips.recipe()
    monkeypatch.setattr(clips, "SPEECH_LUFS", -18.0)
    assert clips.recipe() != before


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.slow
def test_speech_prepared_at_22k_meets_loudness_and_ceiling_at_48k(seed):
    clip = clips.speech_clip(engine_output(seed), 22050, volume_db=-2.0)
    assert 3.5 * RATE < len(clip) <= 4.0 * RATE  # silence at the ends trimmed
    assert loudness(clip) == pytest.approx(clips.SPEECH_LUFS - 2.0, abs=0.2)
    assert reference_true_peak_db(clip) <= clips.CLIP_CEILING_DB + 0.1


def test_a_gain_curve_is_stretched_exactly_like_linear_interpolation():
    rng = np.random.default_rng(3)
    for _ in range(200):
        frames = int(rng.integers(1, 3000))
        rate = int(rng.choice([16_000, 22_050, 24_000, 44_100]))
        top = float(rng.uniform(0.5, 2.0))
        dips, at = [], int(rng.integers(0, 3))  # dips at least two frames apart
        while at < frames and len(dips) < 5:
            stop = min(frames, at + int(rng.integers(1, 50)))
            dips.append((at, rng.uniform(0.2, 1.0, stop - at).astype(np.float32) * top))
            at = stop + int(rng.integers(2, 400))
        level = Gain(top, dips, frames)
        count = int(rng.integers(1, 3 * frames * RATE // rate + 2))
        expected = np.interp(np.arange(count) * (rate / RATE), np.arange(frames), level.curve())
        stretched = clips.stretch_gain(level, count, rate)
        assert np.allclose(stretched.curve(), expected, atol=1e-6)


def test_trim_keeps_a_millisecond_before_the_first_sound():
    signal = np.zeros(RATE, dtype=np.float32)
    signal[10_000:20_000] = 0.5
    trimmed = clips.trim(signal)
    assert np.flatnonzero(trimmed)[0] == RATE // 1000


def test_fades_start_and_end_at_zero_without_a_step():
    faded = fade(np.ones(4800, dtype=np.float32), 0.002, 0.01)
    assert faded[0] == 0 and faded[-1] == 0
    assert np.abs(np.diff(faded)).max() < 0.02


def test_resampling_goes_through_a_real_resampler():
    t = np.arange(22050) / 22050
    tone = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    up = resample(tone, 22050, RATE)
    assert len(up) == RATE
    spectrum = np.abs(np.fft.rfft(up[4800:-4800] * np.hanning(len(up) - 9600)))
    peak = np.argmax(spectrum) * RATE / (len(up) - 9600)
    assert peak == pytest.approx(1000, abs=2)
    # no images of the 1 kHz tone above the old Nyquist frequency
    image = spectrum[int(12000 * (len(up) - 9600) / RATE) :].max()
    assert 20 * np.log10(image / spectrum.max()) < -80


@pytest.mark.parametrize("bad", ["nan", "silent"])
def test_a_chime_that_is_not_a_number_or_silent_is_refused(tmp_path, bad):
    import soundfile

    samples = np.zeros(RATE, np.float32)
    if bad == "nan":
        samples[100] = np.nan
    path = tmp_path / f"{bad}.wav"
    soundfile.write(str(path), samples, RATE, subtype="FLOAT")
    with pytest.raises(ValueError):
        clips.chime_clip(path)


def test_a_short_pace_sound_is_leveled_over_400_ms_whatever_quiet_tail_its_file_has(tmp_path):
    """A tick's level is its momentary loudness (one 400 ms gating block, silence after it):
    measured over its own length, a 0.1 s tick came out 6 dB quieter than a 0.4 s file of the
    same tick, and the shipped 0.22 s tick 2.6 LU under its level."""
    import soundfile

    tick = fade(
        (0.3 * np.sin(2 * np.pi * 800 * np.arange(RATE // 10) / RATE)).astype(np.float32),
        0.003,
        0.02,
    )
    made = {}
    for name, tail in (("short", 0), ("long", RATE * 3 // 10)):
        path = tmp_path / f"{name}.wav"
        soundfile.write(str(path), np.concatenate([tick, np.zeros(tail, np.float32)]), RATE,
                        subtype="FLOAT")  # fmt: skip
        made[name] = clips.pace_clip(path).samples
    body = len(tick) - round(clips.CHIME_FADE_OUT * RATE)  # the short one's end is faded
    np.testing.assert_allclose(made["short"][:body], made["long"][:body], atol=1e-6)
    block = np.concatenate([made["short"], np.zeros(RATE * 4 // 10 - len(tick), np.float32)])
    assert loudness(block) == pytest.approx(clips.PACE_LUFS, abs=0.05)


def test_the_shipped_tick_is_leveled_without_touching_its_peaks():
    """The tick's true peak at its level stays under the pace clips' ceiling, which is the
    clips' ceiling where a beat is loudest (6 LU under the speech): nothing limits it."""
    from voiceguide.audio.loudness import BLOCK
    from voiceguide.routine.fields import PACE_LEVEL_RANGE

    assert clips.PACE_HEADROOM == PACE_LEVEL_RANGE[0]
    made = clips.pace_clip(resources.sounds_dir() / "pulse.wav").samples
    assert reference_true_peak_db(made) < clips.PACE_CEILING_DB
    padded = np.concatenate([made, np.zeros(round(BLOCK * RATE) - len(made), np.float32)])
    assert loudness(padded) == pytest.approx(clips.PACE_LUFS, abs=0.05)


def test_a_chime_made_quieter_is_scaled_and_one_made_louder_is_limited_under_the_ceiling():
    from voiceguide.audio.leveling import CLIP_CEILING_DB
    from voiceguide.routine.fields import CHIME_LEVEL

    assert CHIME_LEVEL == clips.SPEECH_LUFS - clips.CHIME_LUFS  # the default moves nothing
    made = clips.chime_clip(resources.sounds_dir() / "bell.wav")
    assert clips.chime_at(made, 0.0) is made
    quieter = clips.chime_at(made, -10.0).samples
    np.testing.assert_allclose(quieter, made.samples * 10 ** (-10 / 20), rtol=1e-6)
    louder = clips.chime_at(made, 8.0).samples
    # within 0.3 LU: the bell's peaks 8 dB over the ceiling, the limiter's make-up rounds
    # (leveling.ROUNDS) leave 0.2 LU untaken back, as for any clip that peaky
    assert loudness(louder) == pytest.approx(clips.CHIME_LUFS + 8.0, abs=0.3)
    assert reference_true_peak_db(louder) <= CLIP_CEILING_DB + 0.1
    assert reference_true_peak_db(made.samples) + 8.0 > CLIP_CEILING_DB + 3  # it had to be


def test_a_pace_beat_is_its_sound_stretched_to_its_length_at_its_gain():
    breath = clips.pace_clip(resources.sounds_dir() / "breath.wav")
    beat = clips.beat(breath, 2.5, -12.0)
    assert beat.frames == round(2.5 * RATE)
    np.testing.assert_allclose(
        beat.samples,
        clips.stretched(breath.samples, round(2.5 * RATE)) * np.float32(10 ** (-12 / 20)),
        rtol=1e-6,
    )
    tick = clips.pace_clip(resources.sounds_dir() / "pulse.wav")
    same = clips.beat(tick, tick.duration, 0.0)
    np.testing.assert_array_equal(same.samples, tick.samples)
    assert same.samples is not tick.samples  # a new clip: the caller may keep it

"""Measure the shipped chimes in ``sounds/`` with numpy."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
SOUNDS = ROOT / "sounds"
SCRIPT = ROOT / "tools" / "make_chimes.py"
RATE = 48_000

# name: (min seconds, max seconds)
DURATIONS = {"bell": (1.6, 2.0), "soft": (0.6, 0.9), "end": (3.5, 5.0)}
CHIMES = sorted(DURATIONS)

# A sample-to-sample jump bigger than this fraction of the peak is a click.
# For reference, a clean sine moves at most 2*pi*f/48000 of its peak per
# sample: 0.08 at the bell's 587 Hz; the bells (with partials up to ~7 kHz)
# reach ~0.17. A discontinuity of a quarter of full scale is clearly audible.
CLICK_LIMIT = 0.25


def load(name):
    samples, rate = sf.read(SOUNDS / f"{name}.wav", dtype="float64", always_2d=True)
    return samples, rate


def mono(name):
    return load(name)[0][:, 0]


def db(x):
    return 20 * np.log10(x)


def rms(x):
    return np.sqrt(np.mean(np.square(x)))


def peak(x):
    return np.max(np.abs(x))


def max_jump(x):
    return np.max(np.abs(np.diff(x)))


def ms(n):
    return round(n * RATE / 1000)


@pytest.fixture(scope="module")
def chime_script():
    spec = importlib.util.spec_from_file_location("make_chimes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", CHIMES)
def test_every_chime_is_a_48khz_mono_24bit_wav(name):
    info = sf.info(SOUNDS / f"{name}.wav")
    assert info.samplerate == RATE
    assert info.channels == 1
    assert info.format == "WAV"
    assert info.subtype == "PCM_24"


@pytest.mark.parametrize("name", CHIMES)
def test_every_chime_lasts_as_long_as_its_role_needs(name):
    low, high = DURATIONS[name]
    assert low <= len(mono(name)) / RATE <= high


@pytest.mark.parametrize("name", CHIMES)
def test_every_chime_peaks_between_minus_8_and_minus_1_dbfs(name):
    assert -8.0 <= db(peak(mono(name))) <= -1.0


@pytest.mark.parametrize("name", CHIMES)
def test_no_chime_clips(name):
    x = mono(name)
    assert np.count_nonzero(np.abs(x) >= 0.999) == 0


@pytest.mark.parametrize("name", CHIMES)
def test_every_chime_starts_at_its_first_sample(name):
    x = mono(name)
    assert db(rms(x[: ms(5)])) > -50.0


@pytest.mark.parametrize("name", CHIMES)
def test_every_chime_fades_in_rather_than_starting_with_a_jump(name):
    x = mono(name)
    assert abs(x[0]) < 1e-3
    assert rms(x[: ms(1)]) < rms(x[ms(9) : ms(11)])


@pytest.mark.parametrize("name", CHIMES)
def test_every_chime_fades_out_to_silence(name):
    assert np.all(np.abs(mono(name)[-ms(5) :]) < 1e-3)


@pytest.mark.parametrize("name", CHIMES)
def test_no_chime_has_a_dc_offset(name):
    assert abs(np.mean(mono(name))) < 1e-3


@pytest.mark.parametrize("name", CHIMES)
def test_no_chime_has_a_click(name):
    x = mono(name)
    assert max_jump(x) < CLICK_LIMIT * peak(x)


def test_the_click_check_would_catch_a_real_click():
    x = mono("bell").copy()
    middle = len(x) // 2
    x[middle:] += 0.3 * peak(x)  # a step, as from a splice or a truncated sample
    assert max_jump(x) >= CLICK_LIMIT * peak(x)


def test_the_click_limit_leaves_room_above_a_clean_sine():
    t = np.arange(RATE) / RATE
    sine = np.sin(2 * np.pi * 587.33 * t)
    assert max_jump(sine) < CLICK_LIMIT / 2


def test_the_end_chime_is_much_longer_than_the_bell():
    assert len(mono("end")) >= 1.8 * len(mono("bell"))


def test_the_soft_chime_is_quieter_than_the_bell():
    assert db(rms(mono("bell"))) - db(rms(mono("soft"))) >= 2.0


def test_the_script_reproduces_the_shipped_files(chime_script):
    assert chime_script.SAMPLE_RATE == RATE
    synthesized = chime_script.synthesize()
    assert sorted(synthesized) == CHIMES
    for name, samples in synthesized.items():
        shipped = mono(name)
        assert samples.shape == shipped.shape, name
        np.testing.assert_allclose(samples, shipped, rtol=0, atol=1e-5, err_msg=name)


# -- the pace guide's sounds (tools/make_pace_sounds.py) ---------------------------------------

PACE_SCRIPT = ROOT / "tools" / "make_pace_sounds.py"


@pytest.fixture(scope="module")
def pace_script():
    spec = importlib.util.spec_from_file_location("make_pace_sounds", PACE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def spectrum(x):
    power = np.abs(np.fft.rfft(x, 1 << 16)) ** 2
    return np.fft.rfftfreq(1 << 16, 1 / RATE), power / power.sum()


def test_the_pace_script_reproduces_the_shipped_files(pace_script):
    synthesized = pace_script.synthesize()
    assert sorted(synthesized) == ["breath", "pulse"]
    for name, samples in synthesized.items():
        np.testing.assert_allclose(samples, mono(name), rtol=0, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("name, share", [("pulse", 0.85), ("breath", 0.99)])
def test_the_pace_sounds_carry_their_energy_where_a_small_speaker_plays(name, share):
    """A phone's or laptop's speaker plays next to nothing under 300 Hz: the old tick, a
    145 Hz thump, had 4 % of its energy above it and vanished under every bed there."""
    freqs, power = spectrum(mono(name))
    assert power[freqs >= 300].sum() >= share


def test_the_tick_is_calm_a_soft_wooden_tok_not_a_click_or_a_beep():
    """Its spectral centroid under 1.5 kHz (a beep or a click sits higher), nothing above
    5 kHz, a crest factor (peak over the RMS of the 99 % of its energy) of at most 12 dB, a
    3 ms onset, silent ends, and short: 99 % of its energy within 0.12 s."""
    x = mono("pulse")
    freqs, power = spectrum(x)
    centroid = (freqs * power).sum()
    energy = np.cumsum(x**2) / np.sum(x**2)
    active = int(np.searchsorted(energy, 0.99))
    assert 500 <= centroid <= 1500
    assert power[freqs > 5000].sum() < 1e-3
    assert db(peak(x) / rms(x[:active])) <= 12.0
    assert active / RATE <= 0.12
    assert abs(x[0]) < 1e-3 and np.all(np.abs(x[-ms(5) :]) < 1e-3)
    assert rms(x[: ms(1)]) < 0.1 * rms(x[ms(3) : ms(6)])  # rises over 3 ms
    assert max_jump(x) < CLICK_LIMIT * peak(x)


@pytest.mark.parametrize("name", sorted(p.stem for p in SOUNDS.glob("*.wav")))
def test_a_built_in_sound_lasts_as_its_header_says_once_prepared(name, tmp_path):
    # a session is planned from the built-in sounds' headers (session.chimes), prepared
    # only when first played: the plan is exact only if preparing keeps every frame
    from voiceguide.session import chimes

    path = SOUNDS / f"{name}.wav"
    kind = "pace" if name in ("breath", "pulse") else "chime"
    made = chimes.prepared(path, kind, tmp_path)
    assert chimes._built_in_seconds(path) == len(made.samples) / RATE


def test_the_built_in_chimes_are_measured_not_prepared_before_the_first_sound(
    tmp_path, monkeypatch
):
    from voiceguide import routine
    from voiceguide.session import chimes

    loaded = routine.read(ROOT / "scripts" / "back-massage.yaml").routine
    monkeypatch.setattr(chimes, "prepared", lambda *a, **k: pytest.fail("prepared"))
    found = chimes.chime_durations(loaded, tmp_path)
    assert {p.stem for p in found} >= {"soft", "bell", "end"}
    assert found[SOUNDS / "soft.wav"] == sf.info(SOUNDS / "soft.wav").frames / RATE

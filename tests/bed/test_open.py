"""open_bed: what the user wrote becomes a calibrated bed, or one line saying what is wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from voiceguide.audio import RATE
from voiceguide.audio.loudness import loudness
from voiceguide.bed import BUILT_IN, REFERENCE_LUFS, bed_name, calibrate, open_bed
from voiceguide.errors import BedError
from voiceguide.testing import soundfiles


def refused(spec, **options) -> str:
    """The message of the ``BedError`` opening ``spec`` raises: one line, exit status 2."""
    with pytest.raises(BedError) as caught:
        open_bed(str(spec), **options)
    assert caught.value.exit_status == 2
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- built-ins and names ------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILT_IN)
@pytest.mark.slow
def test_a_built_in_reads_at_the_reference_loudness(name):
    bed = open_bed(name, length=60.0)
    assert bed.description == f"{name} (built in)"
    assert loudness(bed.read(0, 60 * RATE)) == pytest.approx(REFERENCE_LUFS, abs=0.5)


def test_a_built_in_name_is_read_in_any_case_and_wins_over_a_file_of_that_name(tmp_path):
    soundfiles.write(tmp_path / "rain.wav", 8.0)
    (tmp_path / "rain").write_bytes((tmp_path / "rain.wav").read_bytes())
    assert open_bed(" Rain ", base=tmp_path, length=10).name == "rain"
    assert open_bed("./rain", base=tmp_path, length=10).name == "./rain"


def test_a_bed_is_known_by_its_name_before_it_is_opened(tmp_path):
    """``bed_name`` (what a plan is built with, before the bed is opened) is the opened
    source's ``name``: a built-in's in lower case, a file's as written, not UTF-8 escaped."""
    name = os.fsdecode(b"caf\xe9.wav")  # a file name that is no UTF-8
    made = soundfiles.write(tmp_path / "made.wav", 8.0)
    (tmp_path / "rain").write_bytes(made.read_bytes())
    made.rename(tmp_path / name)
    for spec in (" Ocean ", "./rain", name, f" {name} "):
        assert open_bed(spec, base=tmp_path, length=10).name == bed_name(spec), spec
    assert bed_name(name) == "caf\\xe9.wav" and bed_name(" Ocean ") == "ocean"


def test_an_unknown_name_suggests_the_nearest_built_in():
    assert refused("ocen") == (
        "unknown bed 'ocen': did you mean 'ocean'? the built-in beds are ocean, rain, "
        "drone; or give a sound file's path"
    )
    assert "did you mean" not in refused("waves")
    assert refused("  ") == "no bed given: name a built-in (ocean, rain, drone) or a sound file"


# -- files --------------------------------------------------------------------------------


def test_a_relative_path_is_found_in_the_routines_folder_and_a_tilde_at_home(tmp_path, monkeypatch):
    soundfiles.write(tmp_path / "music.ogg", 8.0)
    assert open_bed("music.ogg", base=tmp_path, length=5).description == "music.ogg (8s)"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert open_bed("~/music.ogg", length=30).description == "~/music.ogg, looped every 5s"


@pytest.mark.parametrize("db", [-40.0, -20.0, -3.0])
@pytest.mark.slow
def test_a_file_of_any_level_reads_at_the_reference_loudness(tmp_path, db):
    """Quiet, dynamic music too: the level breathes 8 dB and each chord starts softly."""
    path = soundfiles.write(tmp_path / "music.flac", 45.0, level=10 ** (db / 20))
    bed = open_bed(str(path), length=60.0)
    assert loudness(bed.read(0, 60 * RATE)) == pytest.approx(REFERENCE_LUFS, abs=0.5)


def test_a_long_session_is_measured_on_stretches_spread_over_it():
    assert calibrate.stretches(300 * RATE) == [(0, 300 * RATE)]
    spread = calibrate.stretches(3600 * RATE)
    assert len(spread) == calibrate.WINDOWS and spread[0] == (0, 30 * RATE)
    assert spread[-1][0] + spread[-1][1] == 3600 * RATE
    assert sum(frames for _, frames in spread) == round(calibrate.WHOLE * RATE)


def test_a_missing_file_is_named(tmp_path):
    assert refused("gone.mp3", base=tmp_path) == f"bed file {tmp_path}/gone.mp3 does not exist"


def test_a_folder_a_device_and_a_text_file_are_not_sounds(tmp_path):
    assert refused(tmp_path) == f"bed file {tmp_path} is a folder, not a sound file"
    assert refused("/dev/null") == "bed file /dev/null is a device, not a sound file"
    (tmp_path / "notes.mp3").write_text("not a sound\n" * 100)
    assert refused(tmp_path / "notes.mp3").startswith(
        f"bed file {tmp_path}/notes.mp3 is not a sound file voiceguide can read "
        "(WAV, FLAC, Ogg, MP3): "
    )


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: a hang, were it opened."""
    fifo = tmp_path / "music.wav"
    os.mkfifo(fifo)
    code = f"from voiceguide.bed import open_bed\nopen_bed({str(fifo)!r})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert f"bed file {fifo} is a FIFO (a named pipe), not a sound file" in done.stderr


def test_a_file_too_short_to_loop_is_refused(tmp_path):
    path = soundfiles.write(tmp_path / "short.wav", 4.0)
    assert refused(path) == (
        f"bed file {path} lasts 4 s; a bed file must last at least 6 s "
        "(it loops with a 3 s crossfade)"
    )


@pytest.mark.slow
def test_a_silent_file_is_refused_and_so_is_one_silent_for_as_long_as_the_session(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(10 * 44_100, np.float32), 44_100)
    assert refused(path) == f"bed file {path} is silent; choose a file with sound in it"
    late = tmp_path / "late.wav"
    samples = soundfiles.musiclike(0, 40 * 44_100, 44_100)
    samples[: 20 * 44_100] = 0.0
    sf.write(late, samples, 44_100)
    assert refused(late, length=15.0) == (
        f"bed file {late} is silent over its first 15 s; choose a file with sound in it"
    )
    assert open_bed(str(late), length=30.0).read(25 * RATE, RATE).any()


def test_a_damaged_file_is_refused_when_opened(tmp_path):
    path = tmp_path / "nan.wav"
    samples = soundfiles.musiclike(0, 10 * 44_100, 44_100)
    samples[3 * 44_100 : 3 * 44_100 + 10] = np.inf
    sf.write(path, samples, 44_100, subtype="FLOAT")
    assert "holds samples that are not numbers (NaN or infinite) at 3.00 s" in refused(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_says_so(tmp_path):
    path = soundfiles.write(tmp_path / "locked.wav", 8.0)
    path.chmod(0)
    assert refused(path) == f"bed file {path} cannot be read (Permission denied)"


# -- the cache of measurements ------------------------------------------------------------


def entries(cache_dir):
    return sorted(cache_dir.glob("bed-loudness-*.json"))


def test_a_measurement_is_remembered_and_used_again(tmp_path, cache_dir, monkeypatch):
    path = soundfiles.write(tmp_path / "music.wav", 20.0)
    first = open_bed(str(path), length=60.0)
    [entry] = entries(cache_dir)
    assert json.loads(entry.read_text())["lufs"] == pytest.approx(-16 - 20 * np.log10(first.scale))

    def measured_again(*args):
        raise AssertionError("measured again")

    monkeypatch.setattr(calibrate, "measure", measured_again)
    assert open_bed(str(path), length=60.0).scale == first.scale


def test_a_changed_file_is_measured_again(tmp_path):
    path = soundfiles.write(tmp_path / "music.wav", 20.0, level=0.1)
    quiet = open_bed(str(path), length=60.0).scale
    soundfiles.write(path, 20.0, level=0.4)
    os.utime(path, ns=(1, 1))  # a new modification time even on a coarse clock
    assert open_bed(str(path), length=60.0).scale == pytest.approx(quiet / 4, rel=0.02)


@pytest.mark.slow
def test_a_damaged_measurement_is_measured_again_and_replaced(tmp_path, cache_dir):
    path = soundfiles.write(tmp_path / "music.wav", 20.0)
    scale = open_bed(str(path), length=60.0).scale
    [entry] = entries(cache_dir)
    for damage in ('{"key": "x", "lufs": -3.0}', "{not json", '{"lufs": "loud"}', ""):
        entry.write_text(damage)
        assert open_bed(str(path), length=60.0).scale == scale
        assert json.loads(entry.read_text())["lufs"] == pytest.approx(-16 - 20 * np.log10(scale))


@pytest.mark.slow
def test_an_absurd_measurement_is_measured_again(tmp_path, cache_dir):
    path = soundfiles.write(tmp_path / "music.wav", 20.0)
    scale = open_bed(str(path), length=60.0).scale
    [entry] = entries(cache_dir)
    key = json.loads(entry.read_text())["key"]
    for lufs in (-1e308, 200.0, 1e308, -120.0):  # parse as finite floats; no sound is that
        entry.write_text(json.dumps({"key": key, "lufs": lufs}))
        assert open_bed(str(path), length=60.0).scale == scale


def test_something_foreign_at_a_measurements_name_is_left_alone(tmp_path, cache_dir):
    path = soundfiles.write(tmp_path / "music.wav", 20.0)
    scale = open_bed(str(path), length=60.0).scale
    [entry] = entries(cache_dir)
    entry.unlink()
    os.mkfifo(entry)
    assert open_bed(str(path), length=60.0).scale == scale  # measured, no hang
    assert entry.is_fifo()


def test_an_unwritable_cache_is_no_error(tmp_path, monkeypatch):
    path = soundfiles.write(tmp_path / "music.wav", 20.0)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(blocked / "cache"))
    assert open_bed(str(path), length=60.0).scale > 0

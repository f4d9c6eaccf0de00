"""Hostile bed files (voiceguide/testing/hostile_beds.py): each ends in a bed or in one line,
never a traceback, in bounded memory whatever its header says.

Each is opened in a child process limited to 1 GB of address space (a header claiming
400 MHz made 6 GB windows: a MemoryError traceback there), and its peak RSS is read back:
~35-50 MB here, 239 MB for a 10 MHz file before its windows were streamed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from voiceguide.audio import RATE
from voiceguide.bed import open_bed
from voiceguide.bed.decode import MAX_CHANNELS, RATES
from voiceguide.errors import BedError
from voiceguide.testing import hostile_beds

ADDRESS_SPACE = 1 << 30  # bytes the child may map (python, numpy and soxr take ~160 MB)
MOST_RSS = 150 << 20  # bytes of peak RSS a bed may cost here (measured: 35-50 MB)

CHILD = """
import json, sys
from voiceguide.audio import RATE
from voiceguide.bed import open_bed
from voiceguide.errors import VoiceguideError
try:
    bed = open_bed(sys.argv[1], length=60.0)
    for first in range(0, 60 * RATE, RATE // 2):
        bed.read(first, RATE // 2)
except VoiceguideError as error:
    answer = {"refused": str(error)}
else:
    answer = {"ok": bed.description}
with open("/proc/self/status") as status:  # this program's own peak, not its parent's
    answer["rss"] = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) * 1024
print(json.dumps(answer))
"""


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def opened(path, cache_dir) -> tuple[dict, str, int]:
    """What opening ``path`` as a bed gives in a limited child: its answer, its stderr and
    its peak RSS (bytes, that program's own: its ``VmHWM``; ``wait4``'s ``ru_maxrss``
    counts the forked parent's pages from before ``exec``, so it grows with the suite)."""
    with tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path)],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            preexec_fn=limited,
            env={**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache_dir)},
        )
        out = child.stdout.read()
        child.stdout.close()
        child.wait()
        err.seek(0)
        said = err.read()
    assert child.returncode == 0, said
    answer = json.loads(out)
    return answer, said, answer.pop("rss")


@pytest.mark.parametrize("name", hostile_beds.CORPUS)
@pytest.mark.slow
def test_a_hostile_bed_file_ends_in_a_bed_or_one_line_in_bounded_memory(name, tmp_path, cache_dir):
    path = hostile_beds.make(name, tmp_path)
    expected = hostile_beds.CORPUS[name][1]
    answer, err, rss = opened(path, cache_dir)
    assert "Traceback" not in err
    if expected == "ok":
        assert "ok" in answer, answer
    else:
        assert "refused" in answer, answer
        message = answer["refused"]
        assert message.startswith(f"bed file {path} {expected}"), message
        assert "\n" not in message
    assert rss < MOST_RSS


def test_a_rate_or_channel_count_no_sound_file_has_is_refused_naming_what_is_allowed(
    tmp_path, cache_dir
):
    path = hostile_beds.make("rate-400MHz.wav", tmp_path)
    assert opened(path, cache_dir)[0] == {
        "refused": f"bed file {path} has a sample rate of 400,000,000 Hz; a bed file's rate "
        f"must be {RATES[0]:,} to {RATES[1]:,} Hz (its header may be damaged)"
    }
    path = hostile_beds.make("channels-1024.wav", tmp_path)
    assert opened(path, cache_dir)[0] == {
        "refused": f"bed file {path} has 1024 channels; a bed file may have 1 to "
        f"{MAX_CHANNELS} (its header may be damaged)"
    }


def test_a_2_mhz_file_is_resampled_in_pieces_to_the_same_sound_at_48_khz(tmp_path):
    """The same chord written at 2 MHz and at 48 kHz: the same bed, across segment joins
    and the loop's join (past the first 0.1 s, where the resampler's filter starts up)."""
    high = open_bed(str(hostile_beds.make("rate-2MHz.wav", tmp_path)), length=20.0)
    native = open_bed(str(hostile_beds.chord_wav(tmp_path / "48k.wav", RATE, 7.0)), length=20.0)
    assert high.description.endswith("rate-2MHz.wav, looped every 4s")
    assert native.description.endswith("48k.wav, looped every 4s")
    got, want = high.read(0, 12 * RATE), native.read(0, 12 * RATE)
    assert np.abs(want).max() > 0.1
    assert np.abs(got - want)[RATE // 10 :].max() < 1e-4


@pytest.mark.parametrize(
    ("name", "at"),
    [("mp3-zeros-in-middle.mp3", 6.0), ("flac-zeros-in-middle.flac", 6.0)],
)
def test_a_file_damaged_in_its_middle_is_refused_saying_where(name, at, tmp_path):
    path = hostile_beds.make(name, tmp_path)
    with pytest.raises(BedError) as caught:
        open_bed(str(path), length=60.0)
    message = str(caught.value)
    assert message.startswith(f"bed file {path} is damaged at ")
    assert message.endswith("): repair it (export it again) or choose another file")
    seconds = float(message.split(" is damaged at ")[1].split(" s ")[0])
    assert at - 1.0 < seconds <= at  # the last good frame before the damage


def test_an_mp3_whose_decoding_stops_halfway_is_refused_not_played_as_half(tmp_path):
    path = hostile_beds.make("mp3-foreign-frames.mp3", tmp_path)
    with pytest.raises(BedError) as caught:
        open_bed(str(path), length=60.0)
    assert "% of the file unread" in str(caught.value)

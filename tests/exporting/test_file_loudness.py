"""The export's summary states what the file measures: its integrated loudness as a
whole-file meter (BS.1770) reads it, beds, beats and silences included, measured while it is
mixed; and the speech's loudness beside it. Checked on the decoded files with pyloudnorm and
ffmpeg's ebur128 filter."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pyloudnorm
import pytest

from voiceguide import exporting as export
from voiceguide.audio import RATE
from voiceguide.audio.loudness import Meter, loudness
from voiceguide.testing.signals import decoded

HAVE_FFMPEG = shutil.which("ffmpeg") is not None


def ebur128(path) -> float:
    """ffmpeg's integrated loudness of ``path`` (LUFS, to 0.1 as it prints it)."""
    command = ["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-af", "ebur128"]
    said = subprocess.run(command + ["-f", "null", "-"], capture_output=True, text=True).stderr
    return float(re.search(r"I:\s+(-?[\d.]+) LUFS", said[said.rfind("Summary:") :]).group(1))


def test_the_meter_fed_blocks_reads_what_a_whole_signal_meter_reads():
    rng = np.random.default_rng(3)
    signal = np.zeros(90 * RATE, np.float32)
    signal[10 * RATE : 20 * RATE] = 0.1 * rng.standard_normal(10 * RATE)  # then silence:
    signal[60 * RATE : 61 * RATE] = 0.3 * np.sin(np.arange(RATE) * 0.05)  # skipped, unfiltered
    meter = Meter()
    for first in range(0, len(signal), 100_003):  # odd blocks: hops carried across
        meter.add(signal[first : first + 100_003])
    assert meter.lufs() == pytest.approx(loudness(signal), abs=1e-9)
    # pyloudnorm reads a few hundredths lower (its filter's design and block grid)
    assert meter.lufs() == pytest.approx(
        pyloudnorm.Meter(RATE).integrated_loudness(signal.astype(np.float64)), abs=0.06
    )
    assert Meter().lufs() == -np.inf


@pytest.fixture(scope="module")
def bedded(tmp_path_factory):
    """neck-stretch at 3 minutes with the ocean bed and its pace guide, as WAV and MP3."""
    from voiceguide import session
    from voiceguide.testing.fakes import tone_renderer

    folder = tmp_path_factory.mktemp("loudness")
    with tone_renderer() as renderer:
        prepared = session.prepare("neck-stretch", session.Options(180.0, bed="ocean"), renderer)
        yield {fmt: export.export(prepared, folder / f"s.{fmt}") for fmt in ("wav", "mp3")}


@pytest.mark.parametrize(("fmt", "within"), [("wav", 1e-4), ("mp3", 0.2)])
@pytest.mark.slow
def test_the_file_loudness_reported_is_what_a_meter_reads_in_the_decoded_file(bedded, fmt, within):
    result = bedded[fmt]
    samples = decoded(result.path)  # at 48 kHz, an MP3 resampled
    assert result.lufs == pytest.approx(loudness(samples), abs=within)  # the 16-bit rounding
    assert result.lufs == pytest.approx(
        pyloudnorm.Meter(RATE).integrated_loudness(samples), abs=within + 0.06
    )
    assert result.level.lufs == pytest.approx(-16.0, abs=0.1)  # the speech stays at -16
    assert result.lufs < result.level.lufs - 1.0  # the bed between words: the file reads lower
    if HAVE_FFMPEG:
        assert result.lufs == pytest.approx(ebur128(result.path), abs=within + 0.1)


def test_the_summary_line_says_the_file_s_loudness_and_the_speech_s(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from voiceguide.cli import main

    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")
    target = tmp_path / "s.wav"
    args = ["export", "neck-stretch", "-l", "3m", "--bed", "ocean", "-o", str(target)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    match = re.fullmatch(
        rf"wrote {re.escape(str(target))} \(3:00\.000, wav, (-\d+\.\d) LUFS, speech at "
        r"(-\d+\.\d) LUFS, true peak -\d\.\d dBTP\)\n",
        result.output,
    )
    assert match, result.output
    assert float(match[1]) == pytest.approx(loudness(decoded(target)), abs=0.051)
    assert float(match[2]) == -16.0

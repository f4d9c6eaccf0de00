"""End to end through a private PulseAudio null sink: simpleaudio -> ALSA -> vsink -> WAV."""

import time

import numpy as np
import pytest
import soundfile as sf

from voiceguide.testing import pulse
from voiceguide.testing.onsets import find_onsets, last_sound, onset_errors

pytestmark = [
    pytest.mark.audio_device,
    pytest.mark.skipif(
        not pulse.available(),
        reason="needs pulseaudio, pactl, parec and parecord (pulseaudio-utils)",
    ),
]
simpleaudio = pytest.importorskip("simpleaudio", reason="simpleaudio (simpleaudio-patched) missing")

RATE = 48000
# simpleaudio's stop() only sets a flag: its thread notices it after the blocking
# snd_pcm_writei of a whole ALSA buffer (100 ms) returns, then calls snd_pcm_drain (another
# <= 100 ms), plus PulseAudio's own buffering. Measured over 20 stops: 190-294 ms, median
# 231 ms, so 0.25 s would fail about a third of the runs.
STOP_TAIL_MAX = 0.35  # seconds of sound in the recording after stop()


def _tone(seconds: float, freq: float = 1000.0, amp: float = 0.5, ramp: float = 0.01):
    """Float tone with raised-cosine attack and release of ``ramp`` seconds."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = amp * np.sin(2 * np.pi * freq * t)
    r = int(ramp * RATE)
    env = 0.5 - 0.5 * np.cos(np.pi * np.arange(r) / r)
    x[:r] *= env
    x[-r:] *= env[::-1]
    return x


def _pcm(x: np.ndarray) -> bytes:
    return np.round(np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()


@pytest.fixture
def sink(tmp_path):
    with pulse.null_sink(tmp_path) as s:
        yield s


def test_beep_intervals_in_real_time(sink, tmp_path):
    planned = [0.5, 1.7, 3.2]
    buf = np.zeros(4 * RATE)
    beep = _tone(0.1)
    for p in planned:
        buf[int(p * RATE) : int(p * RATE) + beep.size] = beep

    rec = sink.record(tmp_path / "beeps.wav")
    t0 = time.monotonic()
    simpleaudio.play_buffer(_pcm(buf), 1, 2, RATE).wait_done()
    played = time.monotonic() - t0
    time.sleep(0.5)
    data, rate = sf.read(rec.stop(), dtype="float32")

    assert rate == RATE and data.ndim == 2
    found = find_onsets(data, rate)
    errors_ms = [e * 1000 for e in onset_errors(planned, found)]
    print(f"\nonsets {found} errors_ms {errors_ms} 4 s buffer played in {played:.3f} s")
    assert len(found) == 3, found
    assert np.diff(found) == pytest.approx([1.2, 1.5], abs=0.005)
    assert 3.95 < played < 4.3  # ~2 s late if the sink's startup block is not flushed


def test_play_buffer_takes_real_time(sink):
    buf = _pcm(_tone(3.0, amp=0.1))
    t0 = time.monotonic()
    simpleaudio.play_buffer(buf, 1, 2, RATE).wait_done()
    took = time.monotonic() - t0
    print(f"\nplay_buffer of 3.000 s took {took:.3f} s")
    assert 2.95 < took < 3.3


def test_stop_silences_quickly(sink, tmp_path):
    rec = sink.record(tmp_path / "stop.wav")
    t_play = time.monotonic()
    play = simpleaudio.play_buffer(_pcm(_tone(5.0)), 1, 2, RATE)
    time.sleep(1.5)
    t_stop = time.monotonic()
    play.stop()
    play.wait_done()
    time.sleep(0.7)
    data, rate = sf.read(rec.stop(), dtype="float32")

    onsets = find_onsets(data, rate)
    assert len(onsets) == 1, onsets
    expected_end = onsets[0] + (t_stop - t_play)  # where the tone should end in the recording
    tail = last_sound(data, rate) - expected_end
    print(f"\nsound after stop(): {tail * 1000:+.1f} ms (stop called {t_stop - t_play:.3f} s in)")
    assert -0.25 < tail <= STOP_TAIL_MAX

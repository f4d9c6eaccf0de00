"""The real engine: pyttsx3 + espeak-ng, wrapped against its races (runs in CI)."""

from __future__ import annotations

import shutil

import pytest

from voiceguide import audio, speech
from voiceguide.cli import make_renderer
from voiceguide.routine import Voice

pytestmark = [
    pytest.mark.engine,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"),
]


@pytest.fixture(scope="module")
def real():
    with make_renderer() as renderer:
        yield renderer


def test_every_text_is_rendered_to_its_own_verified_clip(real, tmp_path):
    voice = speech.resolve_voice(Voice("en-us", 160), real)
    cache = speech.SpeechCache(real, voice, tmp_path)
    texts = [f"Cue number {n}, slow and steady." for n in range(12)]
    seconds = cache.durations(texts)
    assert set(seconds) == set(texts)
    for text in texts:
        clip = cache.clip(text)
        assert 1.0 < clip.duration < 5.0
        assert audio.loudness(clip.samples) == pytest.approx(audio.SPEECH_LUFS, abs=1.0)


@pytest.mark.xfail(
    strict=False,
    reason="OPEN BUG: a rate set right before a render is sometimes not applied (the clip "
    "comes out at the worker's previous rate, ~1 run in 4 under load); waiting for espeak "
    "idle, pyttsx3 not busy, or a warm-up render did not fix it. See the issue-2 note.",
)
def test_the_rate_set_before_each_render_is_honoured(real, tmp_path):
    text = "Glide both flat hands slowly from the lower back up to the neck."
    lengths = {}
    for rate in (100, 300, 100):
        voice = speech.resolve_voice(Voice("en-us", rate), real)
        cache = speech.SpeechCache(real, voice, tmp_path / str(rate) / str(len(lengths)))
        lengths.setdefault(rate, []).append(cache.durations([text])[text])
    assert lengths[100][0] == pytest.approx(lengths[100][1], rel=0.02)
    assert lengths[100][0] > 2.0 * lengths[300][0]


def test_unknown_voices_are_refused_instead_of_failing_silently(real):
    with pytest.raises(Exception, match="unknown voice 'xx-nowhere'"):
        speech.resolve_voice(Voice("xx-nowhere"), real)
    assert speech.resolve_voice(Voice("de"), real).name.endswith("/de")

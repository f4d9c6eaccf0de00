"""Speech rendering through the Synthesizer protocol, and the content-addressed cache."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from voiceguide import audio, clipcache, speech
from voiceguide.audio import clips, leveling, peaks
from voiceguide.audio import loudness as meter
from voiceguide.errors import RoutineError
from voiceguide.routine import Voice
from voiceguide.testing.fakes import ToneSynth

VOICE = Voice("fake/en-us", 160, None)


def cache_for(renderer, directory, voice=VOICE) -> speech.SpeechCache:
    return speech.SpeechCache(renderer, voice, directory)


def test_the_cache_key_changes_with_every_input_that_changes_the_audio():
    base = speech.cache_key("e1", VOICE, "Slow down.")
    assert base.startswith("slow-down-") and base.endswith(".wav")
    others = {
        speech.cache_key("e2", VOICE, "Slow down."),
        speech.cache_key("e1", Voice("fake/de", 160, None), "Slow down."),
        speech.cache_key("e1", Voice("fake/en-us", 170, None), "Slow down."),
        speech.cache_key("e1", Voice("fake/en-us", 160, 0.5), "Slow down."),
        speech.cache_key("e1", VOICE, "Slow down!"),
    }
    assert base not in others and len(others) == 5


def test_a_second_request_is_served_from_the_cache_without_rendering(renderer, tmp_path):
    cache = cache_for(renderer, tmp_path)
    first = cache.durations(["One.", "Two words."])
    synth = renderer._synth()
    assert synth.rendered == ["One.", "Two words."]
    assert cache.durations(["One.", "Two words."]) == first
    assert synth.rendered == ["One.", "Two words."]


def test_rendered_clips_are_48k_speech_level_with_a_safe_true_peak(renderer, tmp_path):
    cache = cache_for(renderer, tmp_path)
    cache.durations(["A sentence of moderate length for the meter."])
    clip = cache.clip("A sentence of moderate length for the meter.")
    info = sf.info(str(cache.path("A sentence of moderate length for the meter.")))
    assert (info.samplerate, info.channels) == (48000, 1)
    assert meter.loudness(clip.samples) == pytest.approx(clips.SPEECH_LUFS, abs=0.5)
    assert peaks.true_peak_db(clip.samples) <= leveling.CLIP_CEILING_DB + 0.05
    assert abs(clip.samples[0]) < 1e-3 and abs(clip.samples[-1]) < 1e-3  # faded edges


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "nan"])
def test_a_corrupt_cache_entry_is_detected_and_rendered_again(renderer, tmp_path, damage):
    cache = cache_for(renderer, tmp_path)
    expected = cache.durations(["Heal me."])["Heal me."]
    path = cache.path("Heal me.")
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        samples, _ = sf.read(str(path), dtype="float32")
        samples[10] = np.nan
        sf.write(str(path), samples, audio.RATE, subtype="FLOAT")
    if damage != "nan":
        assert clipcache.verified_frames(path) is None
        assert cache.durations(["Heal me."])["Heal me."] == expected
    clip = cache.clip("Heal me.")
    assert np.all(np.isfinite(clip.samples)) and clip.duration == pytest.approx(expected)
    assert renderer._synth().rendered.count("Heal me.") == 2


def test_no_temporary_files_are_left_in_the_cache(renderer, tmp_path):
    cache_for(renderer, tmp_path).durations(["One.", "Two."])
    assert sorted(p.name.split("-")[0] for p in tmp_path.iterdir()) == ["one", "two"]


def test_voices_resolve_by_id_language_or_name_and_unknown_ones_name_the_line(renderer, tmp_path):
    assert speech.resolve_voice(Voice("en-us"), renderer).name == "fake/en-us"
    assert speech.resolve_voice(Voice("Fake German"), renderer).name == "fake/de"
    assert speech.resolve_voice(Voice("fake/de"), renderer).name == "fake/de"
    with pytest.raises(RoutineError) as caught:
        speech.resolve_voice(Voice("klingon", line=4), renderer, tmp_path / "r.yaml")
    assert str(caught.value) == (
        f"{tmp_path / 'r.yaml'}:4: unknown voice 'klingon'; use a "
        "voice id or language code such as de, en-us (list them: "
        "voiceguide voices)"
    )


def test_the_voice_list_is_remembered_so_a_warm_start_needs_no_engine(tmp_path):
    calls = []

    class Counting(ToneSynth):
        def voices(self):
            calls.append(1)
            return super().voices()

    with speech.Renderer(Counting, "counting-1") as renderer:
        renderer.voices()
        renderer.voices()
    assert calls == [1]

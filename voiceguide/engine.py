"""The real speech engine: pyttsx3 driving espeak-ng, wrapped against its known races.

Measured traps of pyttsx3 2.99 with espeak-ng, and what this wrapper does about each:

* a second ``Engine`` in a process breaks the first -> one engine per process (``_engine``);
* several ``save_to_file`` calls queued before one ``runAndWait`` write only the last -> one
  text per render;
* ``runAndWait`` can return before the file exists -> wait until the WAV is complete and
  parses, render once more if it never appears;
* rate and volume set right before a render are sometimes dropped -> wait until espeak
  reports idle before setting them; ``getProperty('rate')`` is wrong, so it is never read;
* an unknown voice fails silently -> voices are resolved against the list first
  (``speech.resolve_voice``);
* very long texts take quadratic time (the driver appends bytes) -> routines cap text length;
* its run loop sleeps 10 ms per render -> that module's sleep is shortened (see below);
* the driver prints "Audio saved to ..." on stdout -> silenced, the library never prints.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
import wave
from importlib import metadata
from pathlib import Path

from voiceguide.errors import SpeechError
from voiceguide.routine import Voice
from voiceguide.speech import DEFAULT_RATE, VoiceInfo

WAIT_SECONDS = 5.0
_engine = None
_espeak = None


def _espeak_version() -> str:
    for folder in (
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib",
        "/usr/local/lib",
    ):
        link = Path(folder) / "libespeak-ng.so.1"
        if link.exists():
            return Path(os.path.realpath(link)).name.removeprefix("libespeak-ng.so.")
    return "unknown"


def _get_engine():
    """The process's one pyttsx3 engine, made on first use."""
    global _engine, _espeak
    if _engine is None:
        try:
            import pyttsx3
            from pyttsx3.drivers import _espeak as espeak_lib
        except (ImportError, RuntimeError, OSError) as exc:
            raise SpeechError(
                "espeak-ng is not installed; install it with "
                "'sudo apt-get install espeak-ng' (or run ./setup.sh)"
            ) from exc
        try:
            _engine = pyttsx3.init("espeak")
        except Exception as exc:  # pyttsx3 raises bare RuntimeError/OSError variants
            raise SpeechError(
                f"the speech engine failed to start ({exc}); check that 'espeak-ng hello' works"
            ) from exc
        _espeak = espeak_lib
        _shorten_driver_poll()
    return _engine


def _shorten_driver_poll() -> None:
    """The espeak driver sleeps 10 ms per loop turn after each (synchronous) render, which
    caps rendering at ~80 texts a second. Give that module a ``time`` whose ``sleep`` polls
    every 0.5 ms instead; nothing else in the process is affected."""
    import types

    from pyttsx3.drivers import espeak as driver

    driver.time = types.SimpleNamespace(
        sleep=lambda seconds: time.sleep(min(seconds, 0.0005)),
        time=time.time,
        monotonic=time.monotonic,
    )


class Pyttsx3Synth:
    """``Synthesizer`` backed by pyttsx3 + espeak-ng (22050 Hz mono WAV renders)."""

    def __init__(self) -> None:
        self.engine_id = f"pyttsx3-{metadata.version('pyttsx3')}/espeak-ng-{_espeak_version()}"

    def voices(self) -> list[VoiceInfo]:
        engine = _get_engine()
        found = []
        for v in engine.getProperty("voices"):
            languages = tuple(str(lang) for lang in (v.languages or ()) if lang)
            found.append(VoiceInfo(v.id, v.name, languages, v.gender))
        return found

    def render(self, text: str, voice: Voice, path: Path) -> None:
        engine = _get_engine()
        for _attempt in range(2):
            self._wait_idle()
            if voice.name:
                engine.setProperty("voice", voice.name)
            engine.setProperty("rate", voice.rate or DEFAULT_RATE)
            engine.setProperty("volume", 1.0)  # the level is set afterwards, in dB
            path.unlink(missing_ok=True)
            with contextlib.redirect_stdout(io.StringIO()):
                engine.save_to_file(text, str(path))
                engine.runAndWait()
            if _wait_for_wav(path):
                return
        raise SpeechError(
            f"espeak-ng wrote no audio for {text!r} after 2 tries; "
            "check that 'espeak-ng hello' works"
        )

    @staticmethod
    def _wait_idle() -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while _espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.001)


def _wait_for_wav(path: Path) -> bool:
    """Wait until ``path`` is a complete WAV (header and data agree); False on time-out."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            with wave.open(str(path), "rb") as handle:
                frames = handle.getnframes()
                expected = 44 + frames * handle.getsampwidth() * handle.getnchannels()
            if frames > 0 and path.stat().st_size >= expected:
                return True
        except (OSError, EOFError, wave.Error):
            pass
        time.sleep(0.002)
    return False


def make_synth() -> Pyttsx3Synth:
    """Factory for the process pool (module-level, so it pickles)."""
    return Pyttsx3Synth()

"""The real speech engine: pyttsx3 driving espeak-ng, wrapped against its known races.

Measured traps of pyttsx3 2.99 with espeak-ng, and what this wrapper does about each:

* a second ``Engine`` in a process breaks the first -> one engine per process (``_engine``);
* several ``save_to_file`` calls queued before one ``runAndWait`` write only the last -> one
  text per render;
* ``runAndWait`` can return before the file exists: espeak-ng's RETRIEVAL mode synthesizes on
  its own thread, and the driver's loop ends as soon as it has queued the text. Worse, the
  callback clears its "speaking" flag *after* writing the file, so a render started the
  moment the file appears can have that late clear land on it, and then its audio is
  silently dropped; and now and then espeak answers a text with an empty message (measured:
  about one render in a hundred, after a 0.3 s pause) -> wait for the driver's
  ``finished-utterance`` notification, then require a complete WAV with frames; render
  again (up to ``ATTEMPTS`` times) when either fails;
* rate and volume set right before a render are sometimes dropped. Cause (traced): in
  espeak's asynchronous mode a parameter is a command queued to espeak's own thread, and the
  ``endLoop`` that ``runAndWait`` queues calls the driver's ``stop()``, which cancels espeak
  whenever it is still busy -- busy applying our parameters. ``espeak_Cancel`` drops them
  and restores the parameters of the previous text, so the clip comes out at the previous
  rate (measured: 1 to 4 renders in 300 with alternating rates), and the ``_stopping`` flag
  it leaves cancels the next synthesis too (one cause of empty renders) -> set voice, rate
  and volume on the driver directly, then wait until espeak reports idle before queueing
  the text: 0 cancels and 0 wrong rates in 4,000 renders, half of them under full CPU load.
  ``getProperty('rate')`` is wrong, so it is never read;
* the proxy pumps its command queue from whichever thread clears "busy", ours or espeak's
  event thread finishing the previous text; two pumps could run a render's commands out of
  order -> nothing: since voice, rate and volume are set on the driver directly, only the
  text goes through the queue, one per render (a lock around the pump, tried, made no
  difference in 4,000 renders and was dropped);
* an unknown voice fails silently -> voices are resolved against the list first
  (``speech.resolve_voice``);
* very long texts take quadratic time (the driver appends bytes) -> routines cap text length;
* its run loop sleeps 10 ms per render -> that module's sleep is shortened (the one patch
  of pyttsx3's internals left, pinned with pyttsx3 == 2.99: 40 texts render in 0.35 s
  instead of 0.60 s, measured twice each; see ``_shorten_driver_poll``);
* the driver prints "Audio saved to ..." on stdout -> silenced, the library never prints;
* the driver writes the WAV inside espeak's callback, where an error (a full disk) is only
  printed as "Exception ignored on calling ctypes callback": the render never finishes, the
  driver is left busy, and a later ``runAndWait`` loops forever (measured: the third render
  after a failed save) -> the failure is caught (``sys.unraisablehook``) and raised at once
  as the ``OSError`` it was, without retrying; after that the engine refuses to render
  (``SpeechError``) instead of hanging (the render pool stops its workers at the first error
  anyway).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
import time
import wave
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiceguide.errors import SpeechError
from voiceguide.routine import Voice
from voiceguide.speech.render import Renderer
from voiceguide.speech.synth import DEFAULT_RATE, VoiceInfo

if TYPE_CHECKING:
    from voiceguide.speech.engines import Described

WAIT_SECONDS = 5.0
ATTEMPTS = 3
_engine: Any = None  # pyttsx3's Engine (pyttsx3 has no type information)
_espeak: Any = None  # pyttsx3.drivers._espeak, the ctypes binding


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


def _get_engine() -> Any:
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


def _catch_save_failures(report: Callable[[BaseException], None]) -> None:
    """Call ``report(exception)`` for an exception raised in the driver's synthesis callback
    (on espeak's thread, where Python can only print it) instead of printing it. Other
    unraisable exceptions go to the previous hook."""
    from pyttsx3.drivers.espeak import EspeakDriver

    previous = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        failure = unraisable.exc_value
        if (
            getattr(unraisable.object, "__func__", None) is EspeakDriver._onSynth
            and failure is not None
        ):
            report(failure)
        else:
            previous(unraisable)

    sys.unraisablehook = hook


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
        self._finished = threading.Event()
        self._failure: BaseException | None = None
        self._connected = False

    def voices(self) -> list[VoiceInfo]:
        engine = _get_engine()
        found = []
        for v in engine.getProperty("voices"):
            languages = tuple(str(lang) for lang in (v.languages or ()) if lang)
            found.append(VoiceInfo(v.id, v.name, languages, v.gender))
        return found

    def render(self, text: str, voice: Voice, path: Path) -> None:
        if self._failure is not None:  # the driver is stuck busy: runAndWait would never end
            raise SpeechError(
                f"the speech engine cannot render {text!r}: it failed earlier ({self._failure})"
            )
        engine = _get_engine()
        if not self._connected:
            engine.connect("finished-utterance", lambda **_: self._finished.set())
            _catch_save_failures(self._save_failed)
            self._connected = True
        for _attempt in range(ATTEMPTS):
            self._wait_idle()
            # Set on the driver directly, not through the proxy's queue, and wait until
            # espeak's own thread has applied them: see the module docstring.
            driver = engine.proxy._driver
            if voice.name:
                driver.setProperty("voice", voice.name)
            driver.setProperty("rate", voice.rate or DEFAULT_RATE)
            driver.setProperty("volume", 1.0)  # the level is set afterwards, in dB
            self._wait_idle()
            path.unlink(missing_ok=True)
            self._finished.clear()
            with contextlib.redirect_stdout(io.StringIO()):
                engine.save_to_file(text, str(path))
                engine.runAndWait()
                finished = self._finished.wait(WAIT_SECONDS)
            if self._failure is not None:
                raise _save_error(self._failure, text, path) from self._failure
            # the driver writes the file before it notifies, so one look is enough
            if finished and _complete_wav(path):
                return
            engine.stop()
        raise SpeechError(
            f"espeak-ng wrote no audio for {text!r} after {ATTEMPTS} tries; "
            "check that 'espeak-ng hello' works"
        )

    def _save_failed(self, failure: BaseException) -> None:
        self._failure = failure
        self._finished.set()

    @staticmethod
    def _wait_idle() -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while _espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.0002)


def _save_error(failure: BaseException, text: str, path: Path) -> Exception:
    """The driver's failure to save ``path``: the ``OSError`` behind it (a full disk, an
    unwritable directory), else a ``SpeechError``."""
    cause = failure.__context__
    if isinstance(cause, OSError):
        return OSError(cause.errno, cause.strerror, str(path))
    return SpeechError(f"espeak-ng could not save the audio for {text!r} ({failure})")


def _complete_wav(path: Path) -> bool:
    """True when ``path`` is a WAV with frames whose size matches its header."""
    try:
        with wave.open(str(path), "rb") as handle:
            frames = handle.getnframes()
            expected = 44 + frames * handle.getsampwidth() * handle.getnchannels()
        return frames > 0 and path.stat().st_size >= expected
    except (OSError, EOFError, wave.Error):
        return False


def make_synth() -> Pyttsx3Synth:
    """Factory for the process pool (module-level, so it pickles)."""
    return Pyttsx3Synth()


# -- the engine module (speech.engines.EngineModule) ---------------------------------------
LICENCE = "espeak-ng: GPL-3.0-or-later, a system library loaded by pyttsx3 (MPL-2.0)"


def renderer(processes: int) -> Renderer:
    """espeak-ng's ``Renderer``: ``processes`` workers, each with its own engine."""
    return Renderer(make_synth, Pyttsx3Synth().engine_id, processes)


def voice_files() -> tuple[dict[str, Described], list[object]]:
    """None: espeak-ng's voices come with it, under its licence."""
    return {}, []

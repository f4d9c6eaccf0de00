"""A private PulseAudio server with a null sink: a real, real-time audio path without a sound card.

Usage::

    with null_sink(tmp_path) as sink:
        rec = sink.record(tmp_path / "out.wav")
        simpleaudio.play_buffer(...).wait_done()
        rec.stop()                      # SIGINT -> parecord writes the WAV header

Inside the ``with`` block ``PULSE_SERVER`` (and the XDG/PULSE/HOME variables) are set in
``os.environ``, so child processes and ALSA clients in this process (simpleaudio opens ALSA
``default``, which Debian's pulseaudio package routes to the server) play into ``vsink``.
Everything played can be recorded from ``vsink.monitor`` (48000 Hz, 2 channels, s16).

Traps handled here (measured on a machine without a sound card):

* An idle null sink renders in ~2 s blocks, so the first stream may start up to 2 s late.
  A low-latency reader (``parec --latency-msec=20``) is kept on ``vsink.monitor`` for the
  whole block so the sink keeps rendering in small blocks; the reader alone is not enough
  (the block rendered at server start still delays the first stream by ~1.3-1.9 s), so the
  sink is then suspended and resumed, and its latency is polled until it is below 0.1 s.
* ``parec``/``parecord`` default to 2 s of latency and lose buffered audio when killed:
  recordings use ``--latency-msec=20`` and are stopped with SIGINT.
* ALSA caches its configuration at the first open in a process; a process that opened ALSA
  before the server started stays on "no card". ``snd_config_update_free_global()`` is called
  on entry and on exit. Do not enter/leave while an ALSA stream of this process is playing.
* The wall-clock time at which a recording really starts capturing is not knowable, so
  recordings carry no time base: align a recording on its first onset
  (see ``voiceguide.testing.onsets.onset_errors``).
* Unix socket paths are limited to ~107 bytes: keep ``tmpdir`` short.

A virtual microphone (``NullSink.microphone``): ``module-pipe-source`` reads 16 kHz mono s16
from a FIFO this process writes, 20 ms at a time in real time (silence between what is
``say``-ed: written ahead, the FIFO's buffer would delay every word by up to 2 s). While
it is open, ``PULSE_SOURCE`` names it, so ALSA's ``default`` capture device (and every child
process) hears it. Measured: what is written reaches a capture stream within ~0.1 s.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import math
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar, cast

import numpy as np

T = TypeVar("T")

SINK = "vsink"
MONITOR = f"{SINK}.monitor"
RATE = 48000  # Hz, sink and recording sample rate
CHANNELS = 2
_LATENCY_MSEC = "20"


class PulseStartError(RuntimeError):
    """The private PulseAudio server (or its keep-awake reader) did not come up."""


def available() -> bool:
    """True if the ``pulseaudio`` server and ``pactl``/``parec``/``parecord`` clients exist."""
    return all(shutil.which(b) for b in ("pulseaudio", "pactl", "parec", "parecord"))


def reset_alsa_config() -> bool:
    """Drop libasound's cached configuration so the next open in this process re-reads it.

    Returns False if libasound cannot be loaded (then there is nothing to reset).
    """
    name = ctypes.util.find_library("asound") or "libasound.so.2"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return False
    lib.snd_config_update_free_global()
    return True


@dataclass
class Recording:
    """A running ``parecord`` writing a 48 kHz stereo s16 WAV of ``vsink.monitor``."""

    path: Path
    proc: subprocess.Popen[bytes]

    def stop(self, timeout: float = 5.0) -> Path:
        """Send SIGINT (so the WAV header is finalized), wait up to ``timeout`` s; return path."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(f"parecord ignored SIGINT for {timeout} s") from None
        return self.path


@dataclass
class NullSink:
    """A running private server. ``env`` is the full environment for subprocesses."""

    dir: Path
    env: dict[str, str]
    server: subprocess.Popen[bytes]
    _children: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def pactl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10
        )

    def _source_outputs(self) -> int:
        return len(self.pactl("list", "short", "source-outputs").stdout.splitlines())

    def _spawn_reader(
        self, cmd: list[str], stdout: int | IO[bytes], timeout: float = 5.0
    ) -> subprocess.Popen[bytes]:
        """Start a monitor reader and wait until the server lists its stream."""
        before = self._source_outputs()
        proc = subprocess.Popen(cmd, env=self.env, stdout=stdout, stderr=subprocess.PIPE)
        self._children.append(proc)
        deadline = time.monotonic() + timeout
        while self._source_outputs() <= before:
            if proc.poll() is not None or time.monotonic() > deadline:
                err = ""
                if proc.poll() is not None and proc.stderr is not None:
                    err = proc.stderr.read().decode(errors="replace")
                raise PulseStartError(f"{cmd[0]} did not connect to {MONITOR}: {err.strip()}")
            time.sleep(0.01)
        return proc

    def sink_latency(self, sink: str = SINK) -> float:
        """Current latency of ``sink`` in seconds (audio rendered ahead of real time)."""
        for block in self.pactl("list", "sinks").stdout.split("Sink #")[1:]:
            if re.search(rf"^\s*Name: {re.escape(sink)}$", block, re.M):
                m = re.search(r"^\s*Latency: (\d+) usec", block, re.M)
                return int(m.group(1)) / 1e6 if m else math.inf
        return math.inf

    def _flush_startup_block(self, sink: str = SINK, timeout: float = 5.0) -> None:
        """Drop the ~2 s block the idle sink rendered before the reader connected.

        Without this the first stream starts up to 2 s late. Suspending and resuming the sink
        restarts its clock with the reader's 20 ms latency.
        """
        self.pactl("suspend-sink", sink, "1")
        self.pactl("suspend-sink", sink, "0")
        deadline = time.monotonic() + timeout
        while (latency := self.sink_latency(sink)) > 0.1:
            if time.monotonic() > deadline:
                raise PulseStartError(f"{sink} latency stays at {latency:.3f} s")
            time.sleep(0.05)

    def add_sink(self, name: str) -> None:
        """A second null sink ``name`` (48 kHz, 2 ch), kept rendering in small blocks as
        ``vsink`` is; record it with ``record(..., monitor=f"{name}.monitor")``."""
        loaded = self.pactl(
            "load-module",
            "module-null-sink",
            f"sink_name={name}",
            f"rate={RATE}",
            f"channels={CHANNELS}",
        )
        if loaded.returncode != 0:
            raise PulseStartError(f"module-null-sink did not load: {loaded.stderr.strip()}")
        self._spawn_reader(
            ["parec", f"--latency-msec={_LATENCY_MSEC}", "-d", f"{name}.monitor"],
            subprocess.DEVNULL,
        )
        self._flush_startup_block(name)

    def record_timed(self, monitor: str = MONITOR) -> TimedRecording:
        """Record ``monitor`` with the clock time each piece arrived (``TimedRecording``):
        recordings of two sinks can then be compared on one clock."""
        cmd = [
            "parec",
            f"--latency-msec={_LATENCY_MSEC}",
            "--raw",
            f"--rate={RATE}",
            f"--channels={CHANNELS}",
            "--format=s16le",
            "-d",
            monitor,
        ]
        return TimedRecording(self._spawn_reader(cmd, subprocess.PIPE))

    def capture(
        self, play: Callable[[], T], path: str | os.PathLike[str], margin: float = 0.3
    ) -> tuple[T, np.ndarray]:
        """Record the monitor while ``play()`` runs, with ``margin`` seconds of it on either
        side; returns ``(play's result, the recording as float32 frames)``. Raises
        ``ValueError`` if the recording is not at the sink's rate."""
        import soundfile

        recording = self.record(path)
        time.sleep(margin)
        try:
            result = play()
        finally:
            time.sleep(margin)
            data, rate = soundfile.read(recording.stop(), dtype="float32")
        if rate != RATE:
            raise ValueError(f"recorded at {rate} Hz, expected {RATE}")
        return result, data

    @contextmanager
    def microphone(self, name: str = "vmic") -> Iterator[VirtualMic]:
        """A virtual microphone named ``name`` (``PULSE_SOURCE`` set to it inside)."""
        fifo = self.dir / f"{name}.fifo"
        loaded = self.pactl(
            "load-module",
            "module-pipe-source",
            f"source_name={name}",
            f"file={fifo}",
            "format=s16le",
            f"rate={MIC_RATE}",
            "channels=1",
        )
        if loaded.returncode != 0:
            raise PulseStartError(f"module-pipe-source did not load: {loaded.stderr.strip()}")
        saved = os.environ.get("PULSE_SOURCE")
        mic = VirtualMic(os.open(fifo, os.O_WRONLY))
        os.environ["PULSE_SOURCE"] = name
        self.env["PULSE_SOURCE"] = name
        try:
            yield mic
        finally:
            mic.close()
            self.env.pop("PULSE_SOURCE", None)
            if saved is None:
                os.environ.pop("PULSE_SOURCE", None)
            else:
                os.environ["PULSE_SOURCE"] = saved
            self.pactl("unload-module", loaded.stdout.strip())

    def record(self, path: str | os.PathLike[str]) -> Recording:
        """Start recording ``vsink.monitor`` to a WAV file; returns once the stream is connected.

        The file's time 0 is some unknown moment shortly before this returns: align on onsets.
        """
        path = Path(path)
        cmd = [
            "parecord",
            f"--latency-msec={_LATENCY_MSEC}",
            "--file-format=wav",
            f"--rate={RATE}",
            f"--channels={CHANNELS}",
            "--format=s16le",
            "-d",
            MONITOR,
            str(path),
        ]
        return Recording(path, self._spawn_reader(cmd, subprocess.DEVNULL))


class TimedRecording:
    """A running ``parec --raw`` read by a thread that notes ``time.monotonic()`` as each
    piece arrives. A frame is captured before it arrives, so the earliest of ``arrival -
    frames / RATE`` over the pieces is when frame 0 was captured, plus the recorder's
    constant latency (the same for two recorders of one server: it cancels between them)."""

    def __init__(self, proc: subprocess.Popen[bytes]):
        self.proc = proc
        self._pieces: list[bytes] = []
        self._zero = math.inf
        self._frames = 0
        self._thread = threading.Thread(target=self._read, name="timed-recording", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        size = CHANNELS * 2
        while True:
            piece = cast(io.BufferedReader, self.proc.stdout).read1(65536)  # stdout=PIPE
            now = time.monotonic()
            if not piece:
                return
            self._pieces.append(piece)
            self._frames += len(piece) // size
            self._zero = min(self._zero, now - self._frames / RATE)

    def stop(self, timeout: float = 5.0) -> tuple[np.ndarray, float]:
        """Stop; return the first channel as float32 and the clock time of frame 0."""
        _stop(self.proc, signal.SIGINT)
        self._thread.join(timeout)
        cast(io.BufferedReader, self.proc.stdout).close()  # stdout=PIPE: never None
        data = b"".join(self._pieces)
        data = data[: len(data) // (CHANNELS * 2) * CHANNELS * 2]
        samples = np.frombuffer(data, "<i2").reshape(-1, CHANNELS)[:, 0]
        return samples.astype(np.float32) / 32768, self._zero


MIC_RATE = 16000  # Hz, the virtual microphone's rate
_MIC_CHUNK = 320  # samples written at a time: 20 ms


class VirtualMic:
    """Writes a FIFO that a ``module-pipe-source`` reads, in real time: silence, and the
    samples given to ``say`` as soon as they are given."""

    def __init__(self, fd: int):
        self._fd = fd
        self._queue: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.said: list[float] = []  # time.monotonic() when each say's first sample was written
        self._thread = threading.Thread(target=self._feed, name="virtual-mic", daemon=True)
        self._thread.start()

    def say(self, samples: np.ndarray) -> None:
        """Queue ``samples`` (float, 16 kHz mono) to be heard next."""
        pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
        with self._lock:
            self._queue.append(pcm)

    def _feed(self) -> None:
        began, written = time.monotonic(), 0
        current, position = None, 0
        while not self._stop.is_set():
            if current is None:
                with self._lock:
                    if self._queue:
                        current, position = self._queue.pop(0), 0
                        self.said.append(time.monotonic())
            if current is not None:
                chunk = current[position : position + _MIC_CHUNK]
                position += _MIC_CHUNK
                if position >= len(current):
                    current = None
            else:
                chunk = np.zeros(_MIC_CHUNK, "<i2")
            try:
                os.write(self._fd, chunk.tobytes())
            except OSError:
                return
            written += len(chunk)
            time.sleep(max(0.0, began + written / MIC_RATE - time.monotonic()))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        os.close(self._fd)


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


# long: one server's life, start to kill, reads best in order
@contextmanager
def null_sink(tmpdir: str | os.PathLike[str], start_timeout: float = 10.0) -> Iterator[NullSink]:
    """Run a private PulseAudio server with null sink ``vsink`` (48 kHz, 2 ch) in ``tmpdir``.

    Sets ``PULSE_SERVER`` etc. in ``os.environ`` and resets ALSA's cached configuration for the
    duration; on exit kills the server and every reader/recorder and restores the environment.
    Raises ``PulseStartError`` (with the server's stderr) if it does not answer within
    ``start_timeout`` seconds.
    """
    base = Path(tmpdir).resolve()
    socket = base / "native"
    if len(str(socket)) > 100:
        raise ValueError(f"socket path too long for AF_UNIX (>100 bytes): {socket}")
    for sub in ("runtime", "state", "home"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "runtime").chmod(0o700)
    overrides = {
        "XDG_RUNTIME_DIR": str(base / "runtime"),
        "PULSE_RUNTIME_PATH": str(base / "runtime" / "pulse"),
        "PULSE_STATE_PATH": str(base / "state"),
        "HOME": str(base / "home"),
        "PULSE_SERVER": f"unix:{socket}",
    }
    env = {**os.environ, **overrides}
    cmd = [
        "pulseaudio",
        "-n",
        "--daemonize=no",
        "--system=no",
        "--exit-idle-time=-1",
        "--disallow-exit=yes",
        "--use-pid-file=no",
        "--disable-shm=yes",
        "-L",
        f"module-native-protocol-unix socket={socket} auth-anonymous=1",
        "-L",
        f"module-null-sink sink_name={SINK} rate={RATE} channels={CHANNELS}",
    ]
    log_path = base / "pulseaudio.log"
    saved = {k: os.environ.get(k) for k in overrides}
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    sink = NullSink(base, env, server)
    try:
        deadline = time.monotonic() + start_timeout
        while sink.pactl("info").returncode != 0:
            if server.poll() is not None or time.monotonic() > deadline:
                state = (
                    f"exited with {server.returncode}"
                    if server.poll() is not None
                    else f"no answer after {start_timeout} s"
                )
                raise PulseStartError(
                    f"pulseaudio {state}; its output:\n" + log_path.read_text(errors="replace")
                )
            time.sleep(0.05)
        if SINK not in sink.pactl("list", "short", "sinks").stdout.split():
            raise PulseStartError(
                f"pulseaudio runs without {SINK}; its output:\n"
                + log_path.read_text(errors="replace")
            )
        # Keep the null sink rendering in small blocks (an idle one renders ~2 s blocks).
        sink._spawn_reader(
            ["parec", f"--latency-msec={_LATENCY_MSEC}", "-d", MONITOR], subprocess.DEVNULL
        )
        sink._flush_startup_block()
        os.environ.update(overrides)
        reset_alsa_config()
        yield sink
    finally:
        for proc in reversed(sink._children):
            _stop(proc, signal.SIGINT)
        _stop(server)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_alsa_config()

"""Making speech clips: the engine's output processed (``audio.clips.speech_clip``) and
stored in the cache, in worker processes that hold one engine each.

Cold renders are spread over worker processes (``workers.Pool``) that stop at the first
failure and die with their parent. ``SpeechCache`` is the clips of one voice: it renders
what the cache lacks and reads what it has.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import soundfile as sf

from voiceguide import atomic, audio, store
from voiceguide.audio import clips
from voiceguide.errors import SpeechError
from voiceguide.routine import Voice
from voiceguide.speech import cache as clipcache
from voiceguide.speech import workers
from voiceguide.speech.cache import speech_key, speech_name
from voiceguide.speech.lexicon import MAX_SPOKEN, Lexicon
from voiceguide.speech.synth import EngineKilled, Synthesizer, SynthFactory, VoiceInfo

JOB_SECONDS = 120.0  # a render taking longer has hung (600 characters at 80 wpm: 0.2 s)
CRASH_RETRIES = 1  # times the renders left are tried again in new workers after a crash
RETRIED = (workers.WorkerLost, EngineKilled)  # deaths tried again: a worker, an engine process


def volume_db(voice: Voice) -> float:
    """The voice's ``volume`` (0..1) as a gain on the speech level, in dB."""
    return audio.db(voice.volume) if voice.volume is not None else 0.0


def render_clip(synth: Synthesizer, text: str, voice: Voice, target: Path, key: str) -> int:
    """Render ``text`` with ``synth``, process it and store it at ``target`` (atomically,
    carrying ``key``). Returns the clip's frames.

    Raises ``SpeechError`` when the engine writes nothing usable, and the cache's own
    ``SpeechError`` (``store.storage_error``) when the disk is full or the cache is not
    writable: ``Synthesizer.render`` raises ``OSError`` when it cannot write its file.
    """
    try:
        with _scratch(target) as folder:
            raw = folder / "raw.wav"
            synth.render(text, voice, raw)
            data, rate = sf.read(os.fsencode(raw), dtype="float32", always_2d=True)
    except OSError as exc:
        raise store.storage_error(target.parent, exc) from exc
    except (RuntimeError, sf.LibsndfileError) as exc:
        if store.no_room(target.parent):
            raise store.storage_error(target.parent, exc) from exc
        raise SpeechError(f"the speech engine wrote no readable audio for {text!r}") from exc
    samples = clips.speech_clip(data.mean(axis=1), rate, volume_db(voice))
    if len(samples) < audio.RATE // 50:
        raise SpeechError(
            f"the speech engine produced silence for {text!r}; check the "
            "voice and that the engine works: voiceguide say hello"
        )
    store.write(samples, target, key)
    return len(samples)


@contextlib.contextmanager
def _scratch(target: Path) -> Iterator[Path]:
    """A hidden directory beside ``target`` for the engine's raw file, removed afterwards.

    Named as ``atomic`` names its temporary entries (``.NAME.partial-PID-HEX``), so that
    ``atomic.cleanup_stale`` removes it when this process was killed before it could."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic.scratch(target.with_suffix(".raw")) as folder:
        yield folder


class Renderer:
    """Runs a ``Synthesizer`` either in this process (``processes=0``, for fakes in tests) or
    in worker processes that each hold one engine (``workers.Pool``).

    The real engine runs only in workers: espeak-ng state copied into a forked child
    deadlocks, so the parent never touches it, and a crash of the engine cannot take the
    player down. The first failure stops every render at once (the workers are killed, what
    they were writing removed), and the workers die with this process. Use as a context
    manager, or call ``close``.
    """

    def __init__(
        self,
        factory: SynthFactory,
        engine_id: str,
        processes: int = 0,
        voices: Callable[[], list[VoiceInfo]] | None = None,
        missing_voice: Callable[[str, list[str]], Exception] | None = None,
    ):
        """``voices``: how to list the engine's voices in this process, for engines whose
        voices are files that change (Piper's); otherwise they are asked of the engine
        once and remembered in the cache. ``missing_voice(name, known)``: the error for a
        voice the engine does not have, for engines whose voices are installed apart (else
        a ``RoutineError`` at the voice's line)."""
        self.factory = factory
        self.engine_id = engine_id
        self.processes = processes
        self.missing_voice = missing_voice
        self._list_voices = voices
        self._voices: list[VoiceInfo] | None = None
        self._local: Synthesizer | None = None
        self._pool: workers.Pool | None = None
        self._stopped = False  # stop() was called: a render that fails is not retried

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._local is not None and hasattr(self._local, "close"):
            self._local.close()  # an engine with processes of its own (Piper)
            self._local = None

    def stop(self) -> None:
        """Stop the renders under way in another thread (a session that ends while its
        speech renders): the workers are killed, and that render fails at once instead of
        trying again. Then ``close``, once that thread has ended."""
        self._stopped = True
        if self._pool is not None:
            self._pool.interrupt()

    def _workers(self) -> workers.Pool:
        if self._pool is None:
            self._pool = workers.Pool(self.processes)
        return self._pool

    def voices(self) -> list[VoiceInfo]:
        """The engine's voices; remembered in the cache so a warm start needs no engine."""
        if self._voices is None:
            self._voices = self._list_voices() if self._list_voices else self._asked_voices()
        return self._voices

    def voice_engine_id(self, voice: Voice) -> str:
        """What ``voice``'s clips are keyed by: the engine id, and the fingerprint of the
        voice's data where the engine has one (a Piper model's; without a name, the first
        voice's, which the engine then speaks with)."""
        prints = [v for v in self.voices() if v.fingerprint]
        chosen = [v for v in prints if v.id == voice.name] or prints[:1] * (voice.name is None)
        return f"{self.engine_id}/{chosen[0].fingerprint[:16]}" if chosen else self.engine_id

    def _asked_voices(self) -> list[VoiceInfo]:
        name = clipcache.entry_name("voices", self.engine_id).replace(".wav", ".json")
        known = store.load_json(name)
        if isinstance(known, list):
            return [VoiceInfo(v[0], v[1], tuple(v[2]), v[3]) for v in known]
        if not self.processes:
            found = self._synth().voices()
        else:
            with _engine_errors(self.engine_id):
                found = self._workers().call(_voices_in_worker, self.factory, seconds=JOB_SECONDS)
        store.store_json(name, [[v.id, v.name, list(v.languages), v.gender] for v in found])
        return found

    def _synth(self) -> Synthesizer:
        if self._local is None:
            self._local = self.factory()
        return self._local

    def render(
        self, jobs: list[tuple[str, Voice, Path, str]], in_order: bool = False
    ) -> Iterator[tuple[int, int]]:
        """Render each ``(text, voice, target, key)``; yields ``(index in jobs, frames)`` as
        each is done. The longest texts go first (no worker is left with a long one at the
        end), or, ``in_order``, the first jobs first (a session that starts before its last
        texts are rendered).

        Refuses to start on a full disk; the first failure stops the others."""
        if not jobs:
            return
        directories = list(dict.fromkeys(job[2].parent for job in jobs))
        for directory in directories:
            store.ensure_space(directory)
            atomic.cleanup_stale(directory)  # what killed runs left behind
        if not self.processes:
            for index, job in enumerate(jobs):
                yield index, render_clip(self._synth(), *job)
            return
        ordered = list(range(len(jobs)))
        if not in_order:
            ordered.sort(key=lambda i: len(jobs[i][0]), reverse=True)
        crashes = 0
        with _engine_errors(self.engine_id):
            while ordered:
                calls = [(_render_in_worker, (self.factory, *jobs[i])) for i in ordered]
                done: set[int] = set()
                try:
                    for index, frames in self._workers().run(calls, JOB_SECONDS):
                        done.add(index)
                        yield ordered[index], frames
                    return
                except BaseException as exc:
                    for directory in directories:  # the killed workers' unfinished files
                        with contextlib.suppress(OSError):  # never hides the failure itself
                            atomic.cleanup_stale(directory)
                    # espeak-ng, racy, very rarely crashes a worker on a busy machine
                    # (SIGSEGV, once in ~20 suites under two CPU burners), and a Piper
                    # process can be killed (the OOM killer): the renders left are tried
                    # once more in new workers; a second death is reported
                    if not isinstance(exc, RETRIED) or crashes >= CRASH_RETRIES or self._stopped:
                        raise
                    crashes += 1
                    ordered = [i for n, i in enumerate(ordered) if n not in done]


@contextlib.contextmanager
def _engine_errors(engine_id: str) -> Iterator[None]:
    """The render pool's failures as the ``SpeechError`` a user sees."""
    check = "'espeak-ng hello'" if "espeak" in engine_id else "'voiceguide say hello'"
    try:
        yield
    except workers.WorkerLost as exc:
        if exc.exitcode == -signal.SIGKILL:  # nothing in voiceguide sends it to a busy worker
            raise SpeechError(
                "a speech worker process was killed (SIGKILL), what the system does when it "
                "runs out of memory; free some memory and run again"
            ) from exc
        raise SpeechError(f"the speech engine crashed ({exc}); check that {check} works") from exc
    except workers.WorkerTimeout as exc:
        raise SpeechError(
            f"the speech engine stopped responding ({exc}); check that {check} works"
        ) from exc
    except OSError as exc:  # the workers could not be started
        raise SpeechError(f"cannot start the speech engine's processes ({exc})") from exc


class SpeechCache:
    """Rendered clips of one voice, in ``directory``, made by ``renderer`` when missing.

    A ``lexicon`` respells words before rendering; a clip's key holds the text as spoken,
    so it changes exactly when an entry that applies to the text does."""

    def __init__(
        self,
        renderer: Renderer,
        voice: Voice,
        directory: Path | None = None,
        lexicon: Lexicon | None = None,
    ):
        self.renderer = renderer
        self.voice = voice
        self.directory = directory or store.cache_dir()
        self.lexicon = lexicon or Lexicon()
        self.engine_id = renderer.voice_engine_id(voice)

    def spoken(self, text: str) -> str:
        """``text`` as the engine is given it: the lexicon applied. A ``SpeechError`` when
        the lexicon makes it too long to speak (``Lexicon.too_long``; a session refuses
        that first, at the text's line)."""
        said = self.lexicon.apply(text)
        if len(said) > max(MAX_SPOKEN, len(text)):
            shortened = text if len(text) <= 40 else text[:37] + "..."
            raise SpeechError(f"cannot speak {shortened!r}: {self.lexicon.too_long(text)}")
        return said

    def path(self, text: str) -> Path:
        return self.directory / speech_name(self.engine_id, self.voice, self.spoken(text), text)

    def key(self, text: str) -> str:
        return speech_key(self.engine_id, self.voice, self.spoken(text))

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The texts whose cached clip is absent or does not verify (header and key)."""
        return [t for t in dict.fromkeys(texts) if self._frames(t) is None]

    def durations(
        self,
        texts: Iterable[str],
        progress: Callable[[int, int], None] | None = None,
        each: Callable[[str, float], None] | None = None,
    ) -> dict[str, float]:
        """Seconds of each text's clip, rendering what the cache lacks (longest first; with
        ``each``, in the order given); ``progress(done, total)`` before the first render
        (``done`` 0) and after each; ``each(text, seconds)`` as each is rendered.

        Checks each entry's header and key, not its samples' checksum (``clip`` does): a
        warm plan reads the first 4 kB of each clip."""
        texts = list(dict.fromkeys(texts))
        frames = {text: self._frames(text) for text in texts}
        todo = [text for text, n in frames.items() if n is None]
        rendered: dict[str, int] = {}
        jobs = [self._job(text) for text in todo]
        if progress and todo:
            progress(0, len(todo))
        made = self.renderer.render(jobs, in_order=each is not None)
        for done, (index, n) in enumerate(made, start=1):
            rendered[todo[index]] = n
            if each:
                each(todo[index], n / audio.RATE)
            if progress:
                progress(done, len(todo))
        return {
            text: (rendered[text] if n is None else n) / audio.RATE for text, n in frames.items()
        }

    def seconds(self, text: str) -> float | None:
        """Seconds of ``text``'s cached clip, None when the cache lacks it (as ``missing``)."""
        frames = self._frames(text)
        return None if frames is None else frames / audio.RATE

    def clip(self, text: str) -> audio.Clip:
        """The cached clip of ``text``, its checksum verified (rendered again if missing,
        corrupt or made from something else)."""
        path, key = self.path(text), self.key(text)
        samples = store.read(path, key)
        if samples is None:
            list(self.renderer.render([self._job(text)]))
            samples = store.read(path, key)
        if samples is None:
            raise SpeechError(
                f"speech for {text!r} could not be stored in {path.parent}; "
                "check that the cache directory is writable"
            )
        return audio.Clip(samples)

    def _job(self, text: str) -> tuple[str, Voice, Path, str]:
        return self.spoken(text), self.voice, self.path(text), self.key(text)

    def _frames(self, text: str) -> int | None:
        return store.verified_frames(self.path(text), self.key(text))


_WORKER_SYNTH: Synthesizer | None = None


def _worker_synth(factory: SynthFactory) -> Synthesizer:
    """The worker process's one engine, made on first use."""
    global _WORKER_SYNTH
    if _WORKER_SYNTH is None:
        # espeak's callback thread can print after runAndWait returned: a worker never prints,
        # nor holds the user's stdout (a pipe to `wc` would wait for it)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
        os.dup2(sys.stdout.fileno(), 1)
        _keep_freed_memory()
        _WORKER_SYNTH = factory()
    return _WORKER_SYNTH


def _keep_freed_memory() -> None:
    """Let this short-lived worker reuse the memory of freed arrays instead of handing it
    back to the kernel and faulting it in again for the next clip (glibc serves arrays over
    128 kB with fresh mmaps by default). Measured: a third of the workers' system time."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 256 << 20)
        libc.mallopt(m_trim_threshold, 512 << 20)
    except (OSError, AttributeError):
        pass  # not glibc: only slower


def _render_in_worker(
    factory: SynthFactory, text: str, voice: Voice, target: Path, key: str
) -> int:
    return render_clip(_worker_synth(factory), text, voice, target, key)


def _voices_in_worker(factory: SynthFactory) -> list[VoiceInfo]:
    return _worker_synth(factory).voices()

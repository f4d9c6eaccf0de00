"""espeak-ng beside Piper on the back-massage routine: rendering speed, intelligibility and
memory, one run each. Never part of CI (needs the piper and bench extras).

    python bench/bench_piper.py [--routine back-massage] [--out bench/results/piper.json]

* speed: the routine's texts rendered into an empty cache, in one worker process ("per
  core") and in the render pool (one worker per core); real-time factor = seconds of speech
  made / seconds of wall time. Starting the workers (Piper: loading the voice) is counted.
* intelligibility: the session exported to WAV, each spoken cue cut out at its planned time
  and heard by pocketsphinx (its default US English model, 16 kHz): word accuracy
  (1 - word error rate, over all cues) and cue classification (the plan's distinct text
  nearest to what was heard, by word edit distance, is the one planned).
* memory: the export's own process's peak RSS (``getrusage``), and every process under it
  polled (VmHWM, /proc) every 0.2 s: the render workers and the Piper processes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide import exporting, session, speech  # noqa: E402
from voiceguide.routine import Voice  # noqa: E402
from voiceguide.speech import engines  # noqa: E402


def speed(engine: str, routine: str, processes: int, folder: Path) -> dict:
    loaded = session.routine.load(session.find(routine))
    started = time.perf_counter()
    with engines.renderer(engine, processes) as renderer:
        voice = speech.resolve_voice(Voice(None, loaded.voice.rate), renderer)
        cache = speech.SpeechCache(renderer, voice, folder)
        seconds = sum(cache.durations(loaded.texts()).values())
    wall = time.perf_counter() - started
    return {
        "engine": engine,
        "processes": processes,
        "texts": len(loaded.texts()),
        "speech_seconds": round(seconds, 1),
        "wall_seconds": round(wall, 2),
        "real_time_factor": round(seconds / wall, 1),
    }


class Watch:
    """Peak RSS (VmHWM, MB) of every process under this one, polled in a thread."""

    def __init__(self) -> None:
        self.peaks: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        from voiceguide.testing import procs

        while not self._stop.is_set():
            todo = procs.children(os.getpid())
            while todo:
                pid = todo.pop()
                todo += procs.children(pid)
                self._sample(pid)
            time.sleep(0.2)

    def _sample(self, pid: int) -> None:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        if found:
            kind = "piper process" if "piper_worker" in command else "render worker"
            peak = max(int(found.group(1)) / 1024, self.peaks.get(pid, ("", 0.0))[1])
            self.peaks[pid] = (kind, peak)


def export(engine: str, routine: str, folder: Path) -> tuple[session.Session, Path, dict]:
    target = folder / f"{engine}.wav"
    with Watch() as watch, engines.Engines() as made:
        prepared = session.prepare(routine, session.Options(engine=engine), made, folder / "c")
        exporting.export(prepared, target)
    memory = {
        "main_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "children_peak_rss_mb": sorted(
            [kind, round(peak, 1)] for kind, peak in watch.peaks.values()
        ),
    }
    return prepared, target, memory


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def distance(a: list[str], b: list[str]) -> int:
    """Word edit distance (Levenshtein)."""
    row = list(range(len(b) + 1))
    for i, word in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, other in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1]


def intelligibility(prepared: session.Session, wav: Path) -> dict:
    import soxr
    from pocketsphinx import Decoder

    samples, rate = sf.read(str(wav), dtype="float32")
    decoder = Decoder(samprate=16000, loglevel="FATAL")
    spoken = [e for e in prepared.plan.events if e.kind == "speech"]
    texts = list(dict.fromkeys(e.text for e in spoken))
    errors = total = right = 0
    for event in spoken:
        cut = samples[int(event.at * rate) : int((event.end + 0.1) * rate)]
        pcm = (np.clip(soxr.resample(cut, rate, 16000), -1, 1) * 32767).astype("<i2")
        decoder.start_utt()
        decoder.process_raw(pcm.tobytes(), full_utt=True)
        decoder.end_utt()
        heard = words(decoder.hyp().hypstr if decoder.hyp() else "")
        errors += distance(words(event.text), heard)
        total += len(words(event.text))
        nearest = min(texts, key=lambda t: distance(words(t), heard) / max(1, len(words(t))))
        right += nearest == event.text
    return {
        "cues": len(spoken),
        "word_accuracy": round(1 - errors / total, 3),
        "cues_classified": round(right / len(spoken), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--routine", default="back-massage")
    parser.add_argument("--engines", default="espeak,piper")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report: dict = {"routine": args.routine, "speed": [], "export": {}}
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for engine in args.engines.split(","):
            for processes in (1, 2):
                found = speed(engine, args.routine, processes, base / f"{engine}-{processes}")
                report["speed"].append(found)
                print(json.dumps(found), flush=True)
        for engine in args.engines.split(","):  # each in its own process: RSS is per process
            found = run_export(engine, args.routine, base)
            report["export"][engine] = found
            print(json.dumps({engine: found}), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


def run_export(engine: str, routine: str, base: Path) -> dict:
    import subprocess

    done = subprocess.run(
        [sys.executable, __file__, "--export-only", engine, routine, str(base)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def export_only(engine: str, routine: str, base: Path) -> None:
    prepared, wav, memory = export(engine, routine, base / f"export-{engine}")
    result = {**memory, **intelligibility(prepared, wav)}
    result["seconds"] = round(prepared.plan.length, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--export-only":
        export_only(sys.argv[2], sys.argv[3], Path(sys.argv[4]))
    else:
        main()

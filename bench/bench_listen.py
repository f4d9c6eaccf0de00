"""Voice commands on the test set of ``bench/listen_set.py`` (issue 23): recognized, false
actions, reaction time, CPU and memory of the listener.

    python bench/listen_set.py /tmp/listen-set           # once: the test set
    nice -n 10 python bench/bench_listen.py /tmp/listen-set --out bench/results/listen.json

Every trial is streamed through the listener exactly as the live one runs (``Listener``:
the echo canceller fed with the session's output, Silero VAD stretches, Whisper tiny.en,
the rules of ``listen.listener``) in 0.1 s blocks, with the player's knowledge of when the
session sounds (``listen.reference`` on the session's own output). A trial counts as
recognized when the first command heard between the word's start and 2 s after its end is
the one spoken; any other command heard in it is a false action. The negatives (2 hours of
sessions with no command) count false actions only, and so does talk (``listen_set.py
--talk``, then ``--kinds talk --trials talk.json``: phrases that are no command, said
between cues).

A change on the model's side only (its input, its prompt, the rules) needs no new run: with
``--keep FILE`` every stretch judged is stored, and ``--rescore RUN.json --rehear FILE``
hears them again with the model as it is now (``--rescore`` alone: the rules only).

Reaction: the stream time at which the stretch ended, plus the model's CPU time for it
(the listener's process has a core to itself at 20 % use), less the word's end.
CPU: the whole listener's process time over the seconds of sound it heard.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import listen_set  # noqa: E402

from voiceguide.listen import listener as listening  # noqa: E402
from voiceguide.listen.echo import BLOCK as BLOCK_ECHO  # noqa: E402
from voiceguide.listen.echo import LOOKAHEAD  # noqa: E402
from voiceguide.listen.reference import Reference  # noqa: E402
from voiceguide.listen.whisper import Whisper  # noqa: E402

BLOCK = 1600  # samples per feed: 0.1 s, as the capture reads


def stream(listener: listening.Listener, samples: np.ndarray, output: Reference, at: float):
    """Feed ``samples`` (heard from ``at`` seconds) as the worker does: with the session's
    ``output`` read ``LOOKAHEAD`` ahead as the echo canceller's reference, and its flags."""
    heard = []
    for start in range(0, len(samples), BLOCK):
        block = samples[start : start + BLOCK]
        now = at + start / listen_set.RATE
        began = time.process_time()
        reference = output.read(now + LOOKAHEAD, len(block))
        heard += listener.feed(block, reference, output.flags(now, len(block)))
        COST["cpu"] += time.process_time() - began
        COST["seconds"] += len(block) / listen_set.RATE
    return heard


COST = {"cpu": 0.0, "seconds": 0.0}  # the listener's own CPU time, and the sound it heard
BED = [False]  # --bed-told: the listener is told the sound bed too (a tap on the mixer)


def played(samples: np.ndarray, at: float = 0.0, output: Reference | None = None) -> Reference:
    """The session's output as the player hands it to the listener."""
    output = Reference() if output is None else output
    output.add(at, samples)
    return output


def warm(listener: listening.Listener, heard: np.ndarray, told: np.ndarray) -> None:
    """The echo canceller hears what came before a trial (``listen_set.lead``), as live it
    has heard the session since its start; the VAD and the model do not (nothing to judge)."""
    if listener.canceller is None:
        return
    reference = played(told).read(LOOKAHEAD, len(told))
    for i in range(0, len(heard) // BLOCK_ECHO * BLOCK_ECHO, BLOCK_ECHO):
        listener.canceller.process(heard[i : i + BLOCK_ECHO], reference[i : i + BLOCK_ECHO])


def run_trials(
    out: Path,
    model: Whisper,
    kinds: set[str],
    every: int,
    echo_db: float,
    lead: float,
    listed_in: str,
) -> list[dict]:
    listed = json.loads((out / listed_in).read_text())
    trials = [listen_set.Trial(**t) for t in listed]
    trials = [t for t in trials if t.kind in kinds][::every]
    rows = []
    for trial in trials:
        CURRENT[0] = trial.index
        samples, _, reference, (start, end) = listen_set.mic(out, trial, echo_db, BED[0])
        listener = listening.Listener(model.hear)
        listener.log = []
        output = Reference()
        if lead > 0:
            before, told = listen_set.lead(out, trial, lead, echo_db, BED[0])
            warm(listener, before, told)
            # told too, as live: "loud" is relative to the loudest the player has played
            # (its speech); knowing the trial's 19 s only, the pace guide's beats in a gap
            # were the loudest, so "sounding": 12 words of 84 between cues (a sample) missed
            played(told, -len(told) / listen_set.RATE, output)
        heard = stream(listener, samples, played(reference, 0.0, output), 0.0)
        window = [h for h in heard if start <= h.end <= end + 2.0]
        first = window[0] if window and trial.kind != "talk" else None
        # talk (no command said): right when nothing at all is acted on
        right = (
            not heard
            if trial.kind == "talk"
            else (first is not None and first.command.words == trial.word)
        )
        rows.append(
            {
                "index": trial.index,
                "kind": trial.kind,
                "command": trial.command,
                "word": trial.word,
                "heard": [h.command.words for h in heard],
                "texts": [h.text for h in heard],
                "right": right,
                "false": sum(h is not first for h in heard),
                "reaction": (first.end + first.thought - end) if right and first else None,
                "judged": judged(listener.log, start, end),
                "word_end": end,
            }
        )
        mark = "ok " if right else "MISS"
        print(f"{mark} {trial.kind:7s} {trial.command:32s} {rows[-1]['heard']}", flush=True)
    return rows


def run_negatives(out: Path, model: Whisper, echo_db: float, minutes: float | None):
    found, seconds = [], 0.0
    for name, *_ in listen_set.NEGATIVE:
        listener, output = listening.Listener(model.hear), Reference()
        listener.log = []
        pieces = listen_set.negative(out, name, echo_db, BED[0])
        for index, (samples, _, reference) in enumerate(pieces):
            CURRENT[0] = (name, index)
            played(reference, index * 60.0, output)
            heard = stream(listener, samples, output, index * 60.0)
            JUDGED.extend(judged(listener.log, -1.0, -1.0))
            listener.log.clear()
            for h in heard:
                found.append({"session": name, "at": h.end, "word": h.command.words,
                              "text": h.text, "chance": h.chance})  # fmt: skip
                print(f"FALSE {found[-1]}", flush=True)
            seconds += len(samples) / listen_set.RATE
            if minutes is not None and seconds >= minutes * 60:
                return found, seconds
    return found, seconds


JUDGED: list[dict] = []  # every stretch of the negatives, as judged
# with --keep: every stretch judged, (trial index or (session, minute), on the word?,
# sounding?, samples, end sample), in the order of the rows' and the negatives' "judged"
KEPT: list[tuple] = []
CURRENT: list = [None]  # the trial (or the negative's piece) being streamed


def judged(log: list, start: float, end: float) -> list[dict]:
    """Every stretch the model heard (and every tail of one heard again, ``tail`` > 0): when
    (stream seconds), whether it held the word (``start``..``end``), whether the session
    sounded, the chances: enough to score other rules (``listener.accept``) without running
    the model again."""
    rows = []
    for stretch, sounding, hearing, thought, tail in log:
        seconds = stretch.end / listen_set.RATE
        on = seconds >= start and seconds - len(stretch.samples) / listen_set.RATE <= end
        KEPT.append((CURRENT[0], on, sounding, stretch.samples, stretch.end))
        rows.append(
            {
                "end": seconds,
                "on": on,
                "sounding": sounding,
                "tail": tail,
                **_heard(hearing, thought),
                "seconds": round(len(stretch.samples) / listen_set.RATE, 3),
                "voiced": round(stretch.voiced, 3),
            }
        )
    return rows


def _heard(hearing, thought: float) -> dict:
    return {
        "chances": [round(c, 6) for c in hearing.chances],
        "text": hearing.text,
        "top": round(hearing.top, 6),
        "score": round(hearing.score, 4),
        "no_speech": round(hearing.no_speech, 6),
        "thought": round(thought, 4),
    }


def stored(result: dict, kept: list[tuple]) -> list[tuple[dict | None, dict, np.ndarray]]:
    """Every stretch judged in a stored run (``--out``) with its samples (its ``--keep``
    file): (the trial's row, None in the negatives; the judged entry; the samples)."""
    entries = [(row, j) for row in result.get("rows", []) for j in row["judged"]]
    entries += [(None, j) for j in result.get("negative", {}).get("judged", [])]
    if len(entries) != len(kept):
        raise SystemExit(f"{len(kept)} stretches kept for {len(entries)} judged: not this run's")
    return [(row, j, k[3]) for (row, j), k in zip(entries, kept, strict=True)]


def rehear(result: dict, kept: list[tuple], model: Whisper) -> dict:
    """A stored run (``--out``, with its stretches from ``--keep``) with the model run again
    on the very same stretches, then ``rescore``d: what a new run gives when only the model's
    side changed (its input, its prompt), the echo canceller and the segmenter being
    untouched. The reaction takes the new model's CPU time."""
    pad = np.zeros(round(listening.PAD * listen_set.RATE), np.float32)
    for _, entry, samples in stored(result, kept):
        began = time.process_time()
        hearing = model.hear(np.concatenate([pad, samples, pad]))
        entry.update(_heard(hearing, time.process_time() - began))
    return rescore(result)


def summary(rows: list[dict], kind: str) -> dict:
    chosen = [r for r in rows if r["kind"] == kind]
    if not chosen:
        return {}
    if kind == "talk":
        acted = [r for r in chosen if r["false"]]
        return {
            "trials": len(chosen),
            "acted_on": len(acted),
            "false_actions": sum(r["false"] for r in chosen),
            "found": [(r["word"], r["command"], r["heard"], r["texts"]) for r in acted],
        }
    right = [r for r in chosen if r["right"]]
    by_word: dict[str, list[int]] = {}
    for r in chosen:
        by_word.setdefault(r["word"], []).append(r["right"])
    return {
        "trials": len(chosen),
        "recognized": len(right),
        "share": len(right) / len(chosen),
        "false_in_trials": sum(r["false"] for r in chosen),
        "reaction_median": statistics.median(r["reaction"] for r in right) if right else None,
        "by_word": {w: f"{sum(v)}/{len(v)}" for w, v in by_word.items()},
    }


def rescore(result: dict) -> dict:
    """The figures of a stored run (``--out``) under the rules as they are now
    (``listener.accept`` on every stretch judged, a stretch's tails after it): the model and
    the segmenter do not depend on the rules, so this is what a new run would give, without
    running the model again; except that a tail the run did not hear (its stretch counted
    whole) cannot count now."""
    for row in result.get("rows", []):
        kept = [j for j in _decided(row["judged"]) if _accepted(j) is not None]
        first = next((j for j in kept if j["on"]), None) if row["kind"] != "talk" else None
        row["right"] = first is not None and _accepted(first) == row["word"]
        row["false"] = sum(not j["on"] for j in kept)
        if row["kind"] == "talk":
            row["right"], row["false"] = not kept, len(kept)
        row["heard"] = [_accepted(j) for j in kept]
        if not row["right"] or first is None:  # talk has no reaction
            row["reaction"] = None
        elif "word_end" in row:
            row["reaction"] = first["end"] + first.get("thought", 0.0) - row["word_end"]
        else:  # a run stored before the reaction could be recomputed
            row["reaction"] = float("nan")
    for kind in ("between", "during", "talk"):
        if result.get(kind):
            result[kind] = summary(result["rows"], kind)
    if "negative" in result:
        decided = _decided(result["negative"]["judged"])
        false = [j for j in decided if _accepted(j) is not None]
        result["negative"]["false_actions"] = len(false)
        result["negative"]["found"] = [dict(j, word=_accepted(j)) for j in false]
    return result


def _decided(entries: list[dict]) -> list[dict]:
    """Per stretch, the hearing that decides it: the first of the stretch and its tails (as
    ``listener.Listener`` hears them) that is a command, else the whole stretch's."""
    groups: list[list[dict]] = []
    for entry in entries:
        if entry.get("tail", 0.0) and groups:
            groups[-1].append(entry)
        else:
            groups.append([entry])
    return [next((j for j in g if _accepted(j) is not None), g[0]) for g in groups]


def _brief(result: dict) -> dict:
    """A run's figures without its rows and stretches."""
    brief = {k: v for k, v in result.items() if k != "rows"}
    if "negative" in brief:
        brief["negative"] = {k: v for k, v in brief["negative"].items() if k != "judged"}
    return brief


def _accepted(judged: dict) -> str | None:
    from voiceguide.listen.whisper import Hearing

    hearing = Hearing(
        judged["text"],
        tuple(judged["chances"]),
        top=judged.get("top", 1.0),
        score=judged.get("score", 0.0),
        no_speech=judged.get("no_speech", 0.0),
    )
    command = listening.accept(hearing, judged["sounding"])
    return None if command is None else command.words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("set", type=Path)
    parser.add_argument("--kinds", default="between,during,negative")
    parser.add_argument("--every", type=int, default=1, help="every Nth trial only (a sample)")
    parser.add_argument("--minutes", type=float, help="at most this much negative sound")
    parser.add_argument("--echo-db", type=float, default=listen_set.ECHO_DB)
    parser.add_argument(
        "--lead",
        type=float,
        default=listen_set.LEAD,
        help="seconds of the session heard before a trial by the canceller (0: as the first round)",
    )
    parser.add_argument("--trials", default="trials.json", help="the trial list in the set")
    parser.add_argument(
        "--bed-told", action="store_true", help="tell the listener the sound bed too"
    )
    parser.add_argument(
        "--talk-db",
        type=float,
        default=listening.TALK_DB,
        help="while the session sounds, voice only this far over what its echo would leave",
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--rescore", type=Path, help="a stored run: its figures under the rules now"
    )
    parser.add_argument("--keep", type=Path, help="store every stretch judged here (pickle)")
    parser.add_argument(
        "--rehear", type=Path, help="with --rescore: the run's --keep file, heard again"
    )
    args = parser.parse_args()
    if args.rescore:
        result = json.loads(args.rescore.read_text())
        if args.rehear:
            result = rehear(result, pickle.loads(args.rehear.read_bytes()), Whisper())
        else:
            result = rescore(result)
        if args.out:
            args.out.write_text(json.dumps(result, indent=1))
        print(json.dumps(_brief(result), indent=1))
        return
    kinds = set(args.kinds.split(","))
    BED[0] = args.bed_told
    listening.TALK_DB = args.talk_db  # read by every Listener's feed
    began, cpu = time.time(), time.process_time()
    model = Whisper()
    rows = run_trials(
        args.set, model, kinds - {"negative"}, args.every, args.echo_db, args.lead, args.trials
    )
    result = {k: summary(rows, k) for k in ("between", "during", "talk")}
    trial_seconds = len(rows) * (listen_set.BEFORE + listen_set.AFTER + 0.5)
    if "negative" in kinds:
        false, seconds = run_negatives(args.set, model, args.echo_db, args.minutes)
        result["negative"] = {
            "hours": seconds / 3600,
            "false_actions": len(false),
            "found": false,
            "judged": JUDGED,
        }
    result["listener_cpu_share"] = COST["cpu"] / max(COST["seconds"], 1e-9)
    result["heard_seconds"] = COST["seconds"]
    result["echo_db"] = args.echo_db
    result["lead"] = args.lead
    result["bed_told"] = args.bed_told
    result["talk_db"] = args.talk_db
    result["trials"] = args.trials
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["wall_s"] = time.time() - began
    result["cpu_s"] = time.process_time() - cpu
    result["trial_seconds"] = trial_seconds
    result["load"] = Path("/proc/loadavg").read_text().split()[:3]
    result["rows"] = rows
    if args.keep:
        args.keep.write_bytes(pickle.dumps(KEPT))
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(json.dumps(_brief(result), indent=1))


if __name__ == "__main__":
    main()

"""Which tails of a stretch to hear again over the session (``listener.TAILS``), chosen on
stored runs of ``bench/bench_listen.py`` (``--out RUN.json --keep RUN.kept``).

    python bench/listen_tails.py /tmp/during.json /tmp/negative.json --tails 0.5,0.6,0.7,0.8

Every stretch judged while the session sounded is heard again by its last ``t`` seconds for
each tail given (when it is ``listener.CUT`` longer than that), then every combination of
the tails is scored as the listener would decide: the whole stretch first, then its tails in
order, the first that is "pause" or "stop" by ``listener.accept``. Printed per combination:
"pause" over speech (trials of kind ``during`` whose stretch on the word is "pause") and the
stretches of the session's own sound taken for a command (anywhere off a trial's word, and a
trial between cues whose word is heard as "pause" or "stop" by a tail).
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_listen  # noqa: E402

from voiceguide.listen import listener as listening
from voiceguide.listen.segmenter import RATE
from voiceguide.listen.whisper import Hearing, Whisper


def sounding_stretches(run: Path) -> list[dict]:
    """The stretches of a stored run heard while the session sounded (whole ones: the run's
    own tails are left out), with their samples from the run's ``.kept`` file."""
    result = json.loads(run.read_text())
    kept = pickle.loads(run.with_suffix(".kept").read_bytes())
    found = []
    for row, judged, samples in bench_listen.stored(result, kept):
        if judged["sounding"] and not judged.get("tail"):
            kind = row["kind"] if row else "negative"
            trial = row["index"] if row else None
            found.append({"kind": kind, "trial": trial, "on": judged["on"], "whole": judged,
                          "samples": samples})  # fmt: skip
    return found


def hearing(judged: dict) -> Hearing:
    return Hearing(judged["text"], tuple(judged["chances"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", type=Path, nargs="+")
    parser.add_argument("--tails", default="0.5,0.6,0.7,0.8")
    args = parser.parse_args()
    tails = [float(t) for t in args.tails.split(",")]
    model = Whisper()
    pad = np.zeros(round(listening.PAD * RATE), np.float32)
    stretches = [s for run in args.runs for s in sounding_stretches(run)]
    for s in stretches:
        s["tails"] = {}
        for tail in tails:
            if len(s["samples"]) - round(tail * RATE) >= round(listening.CUT * RATE):
                part = s["samples"][-round(tail * RATE) :]
                s["tails"][tail] = model.hear(np.concatenate([pad, part, pad]))
    during = {s["trial"] for s in stretches if s["kind"] == "during"}
    print(f"{len(stretches)} stretches while the session sounded; {len(during)} trials over speech")
    for count in range(len(tails) + 1):
        for chosen in itertools.combinations(tails, count):
            heard, false = set(), 0
            for s in stretches:
                said = [hearing(s["whole"])] + [s["tails"][t] for t in chosen if t in s["tails"]]
                command = next(
                    (c for c in (listening.accept(h, True) for h in said) if c is not None), None
                )
                if command is None:
                    continue
                if s["kind"] == "during" and s["on"]:
                    if command.words == "pause":
                        heard.add(s["trial"])
                elif not s["on"] or s["kind"] == "between":
                    false += 1
            named = ", ".join(f"{t:g} s" for t in chosen) or "none"
            print(f"tails {named:28s} pause over speech {len(heard):3d}   false {false}")


if __name__ == "__main__":
    main()

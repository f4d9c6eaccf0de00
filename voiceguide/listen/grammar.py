"""The words the listener obeys, and the player's action each one becomes.

=========  ==========  =========================================================
word       action      what the session does (the keys' ``live.keys`` actions)
=========  ==========  =========================================================
pause      ``hold``    pauses (nothing if already paused: unlike space, no toggle)
go on      ``resume``  resumes (nothing if playing)
next       ``next``    the next step (and ends a step that waits for the giver)
back       ``previous`` restarts the step (twice quickly: the step before)
longer     ``longer``  the step lasts 30 s more
shorter    ``shorter`` 30 s less
slower     ``slower``  the pace guide 10 % slower
faster     ``faster``  10 % faster
stop       ``quit``    ends the session
=========  ==========  =========================================================

Each word has the Whisper token ids of its spellings (" pause", " Pause", ...), fixed by the
model's vocabulary (``tests/listen/test_grammar.py`` checks them against the model's own
``vocabulary.txt``), so no tokenizer library is needed at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceguide.live import keys


@dataclass(frozen=True)
class Command:
    """A spoken command: its words, the action it becomes, its spellings as token ids."""

    words: str
    action: str
    spellings: tuple[tuple[int, ...], ...]
    sounding: bool  # also obeyed while the session itself speaks (a stricter test then)


COMMANDS = (
    Command("pause", keys.HOLD, ((14985,), (350, 682)), True),
    Command("go on", keys.RESUME, ((467, 319), (1514, 319)), False),
    Command("next", keys.NEXT, ((1306,), (7406,)), False),
    Command("back", keys.PREVIOUS, ((736,), (5157,)), False),
    Command("longer", keys.LONGER, ((2392,), (5882, 263)), False),
    Command("shorter", keys.SHORTER, ((12238,), (911, 4337)), False),
    Command("slower", keys.SLOWER, ((13611,), (3454, 789)), False),
    Command("faster", keys.FASTER, ((5443,), (38996,)), False),
    Command("stop", keys.QUIT, ((2245,), (13707,)), True),
)
WORDS = tuple(c.words for c in COMMANDS)
# How the session names them at its start, and what the model is told to expect.
SPOKEN_LIST = ", ".join(WORDS[:-1]) + " or " + WORDS[-1]
PROMPT = " " + ", ".join(WORDS) + "."


def normalized(text: str) -> str:
    """Lower case, letters and single spaces only: "  Go on!" -> "go on"."""
    return " ".join(re.sub(r"[^a-z]+", " ", text.lower()).split())


def command(text: str) -> Command | None:
    """The command ``text`` is, if it is one and nothing else. Whisper repeats a short word
    on a short stretch ("Stop! Stop! Stop!") until its token limit cuts it ("go on, go on,
    go"): words after the command may only be the command's own words, or their start."""
    said = normalized(text).split()
    for found in COMMANDS:
        words = found.words.split()
        if said[: len(words)] == words and all(
            any(w.startswith(rest) for w in words) for rest in said[len(words) :]
        ):
            return found
    return None

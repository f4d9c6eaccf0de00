"""The command words: what text is a command, and their Whisper tokens (checked against the
model's own vocabulary when the listen extra is installed)."""

from __future__ import annotations

import pytest

from voiceguide.listen import grammar
from voiceguide.live import keys


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (" Pause.", "pause"),
        (" Stop! Stop! Stop!", "stop"),
        (" go on, go on, go", "go on"),  # Whisper's repetition, cut by its token limit
        (" Go on!", "go on"),
        (" NEXT", "next"),
        (" slower slower slow", "slower"),
        (" Back to the basic rub", None),  # the word, then other words: not a command
        (" pause the music", None),
        (" go", None),
        ("", None),
        (" Longer? longer.", "longer"),
    ],
)
def test_a_text_is_a_command_only_when_it_says_nothing_else(text, words):
    found = grammar.command(text)
    assert (found.words if found else None) == words


def test_every_command_is_an_action_the_player_knows_and_only_pause_and_stop_while_it_sounds():
    assert {c.action for c in grammar.COMMANDS} <= set(keys.ACTIONS)
    assert [c.words for c in grammar.COMMANDS if c.sounding] == ["pause", "stop"]
    assert grammar.command(" pause").action == keys.HOLD  # never a toggle: said twice, paused
    assert grammar.command(" go on").action == keys.RESUME
    assert grammar.command(" back").action == keys.PREVIOUS
    assert grammar.command(" stop").action == keys.QUIT


def test_the_spellings_and_the_prompt_are_the_models_own_tokens():
    whisper = pytest.importorskip("voiceguide.listen.whisper")
    try:
        path = whisper.model_path()
    except whisper.ModelMissing:
        pytest.skip("needs the listen extra")
    vocabulary = (path / "vocabulary.txt").read_text(encoding="utf-8").split("\n")

    def text(ids) -> str:
        return "".join(vocabulary[i] for i in ids).replace("\u0120", " ")

    for command in grammar.COMMANDS:
        spelled = [text(s) for s in command.spellings]
        assert spelled == [" " + command.words, " " + command.words.capitalize()]
    assert text(whisper.PROMPT_IDS) == grammar.PROMPT
    assert [vocabulary[i] for i in (whisper.END, whisper.START, whisper.PREVIOUS)] == [
        "<|endoftext|>",
        "<|startoftranscript|>",
        "<|startofprev|>",
    ]
    assert vocabulary[whisper.NO_TIMESTAMPS] == "<|notimestamps|>"

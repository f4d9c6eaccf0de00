"""What the parent process knows of espeak-ng without starting it (the engine runs only in
render workers: tests/speech/test_espeak.py runs it, in the engine tier)."""

from __future__ import annotations

from importlib import metadata

from voiceguide.speech import espeak


def test_the_engine_id_names_both_versions_and_making_it_starts_no_engine():
    """Clips are keyed by it, so a new pyttsx3 or espeak-ng renders them anew."""
    synth = espeak.Pyttsx3Synth()
    version = espeak._espeak_version()
    assert synth.engine_id == f"pyttsx3-{metadata.version('pyttsx3')}/espeak-ng-{version}"
    assert version == "unknown" or version[0].isdigit()
    assert espeak._engine is None  # pyttsx3's engine: in a worker, never here

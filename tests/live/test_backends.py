"""The playback backends without a sound device (tests/live/test_player_e2e.py plays through
them, in the audio_device tier)."""

from __future__ import annotations

import sys

import pytest

from voiceguide.errors import PlaybackError
from voiceguide.live.backends.simpleaudio import SimpleaudioBackend


def test_simpleaudio_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "simpleaudio", None)  # as if not installed
    with pytest.raises(PlaybackError) as caught:
        SimpleaudioBackend()
    assert str(caught.value) == "live playback needs simpleaudio: pip install 'voiceguide[play]'"

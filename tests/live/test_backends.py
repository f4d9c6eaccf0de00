"""Playback backends chosen by name (``live.backends.BACKENDS``): a new output is one module and
one line; the default is the first usable one; what the player may ask of every backend is
declared (``base.Backend``), and a wrapper passes all of it through. Without a sound device:
tests/live/test_player_e2e.py plays through them, in the audio_device tier."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from click.testing import CliRunner

from voiceguide import cli
from voiceguide.audio import RATE, Clip
from voiceguide.errors import PlaybackError, UsageError
from voiceguide.listen.source import TappedBackend
from voiceguide.live import backends
from voiceguide.live.backends.base import Backend
from voiceguide.live.backends.simpleaudio import SimpleaudioBackend
from voiceguide.plan import BedLevels
from voiceguide.plan.bed import envelope
from voiceguide.testing.fakes import FakeBackend, FakeClock, FakeStreamBackend

SINK = """\
from voiceguide.testing.fakes import FakeClock, FakeStreamBackend

opened = []


def usable():
    return {usable}


def open_backend(routine, clock):
    sink = FakeStreamBackend(FakeClock())
    opened.append((routine, sink))
    return sink
"""


@pytest.fixture
def registered(tmp_path, monkeypatch):
    """Register sink modules written in ``tmp_path``: ``registered(name, usable=True)``."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def register(name: str, usable: bool = True, first: bool = False):
        module = f"vg_test_sink_{name.replace('-', '_')}"
        (tmp_path / f"{module}.py").write_text(SINK.format(usable=usable))
        entries = {name: module, **backends.BACKENDS} if first else {**backends.BACKENDS}
        entries[name] = module
        monkeypatch.setattr(backends, "BACKENDS", entries)
        return module

    yield register
    for name in [m for m in sys.modules if m.startswith("vg_test_sink_")]:
        del sys.modules[name]


def test_a_new_backend_is_one_module_and_one_line(registered, monkeypatch):
    module = registered("test-sink")
    device = backends.open_backend("test-sink", "my-routine")
    opened = sys.modules[module].opened
    assert opened == [("my-routine", device)]
    monkeypatch.setenv("VOICEGUIDE_BACKEND", "test-sink")
    assert backends.open_backend() is sys.modules[module].opened[-1][1]


def test_the_default_is_the_first_backend_usable_here(registered, monkeypatch):
    monkeypatch.delenv("VOICEGUIDE_BACKEND", raising=False)
    registered("unusable", usable=False, first=True)
    usable = registered("usable", first=True)
    assert list(backends.BACKENDS)[:2] == ["usable", "unusable"]
    device = backends.open_backend()
    assert sys.modules[usable].opened == [(None, device)]


def test_an_unknown_backend_is_refused_naming_the_choices(monkeypatch):
    with pytest.raises(ValueError, match="backend must be one of alsa, simpleaudio, got 'oss'"):
        backends.open_backend("oss")
    monkeypatch.setenv("VOICEGUIDE_BACKEND", "oss")
    with pytest.raises(UsageError, match="one of alsa, simpleaudio \\(or unset\\), got 'oss'"):
        backends.open_backend()


def test_the_command_line_offers_the_registered_backends():
    for command in (["play", "neck-stretch"], ["serve"]):
        result = CliRunner().invoke(cli.main, [*command, "--backend", "oss"])
        assert result.exit_code == 2
        assert "'oss' is not one of 'alsa', 'simpleaudio'" in result.output


def test_every_registered_module_offers_what_the_registry_calls():
    for name in backends.BACKENDS:
        found = backends.module(name)
        assert callable(found.usable) and callable(found.open_backend), name


def test_a_tapped_backend_passes_the_bed_and_the_counters_of_the_device_it_wraps():
    clock = FakeClock()
    device = FakeStreamBackend(clock, latency=0.05)

    class Listening:
        def tell(self, message: dict) -> None:
            pass

    tap = TappedBackend(device, Listening(), clock=clock)
    tapped: Backend = tap  # all the player may ask, passed through
    level = envelope(BedLevels("level", 0.0, 0.0), [], 100.0)

    class Source:
        name = "level"

        def read(self, first: int, frames: int) -> np.ndarray:
            return np.full(frames, 0.01, np.float32)

    bed = tapped.carry_bed(Source(), level)
    assert bed is not None and device.mixer.bed is bed
    bed.start(clock() + 0.05, 10.0)
    tapped.play(Clip(np.full(RATE, 0.25, np.float32)), at=clock() - 1.0)  # late
    clock.sleep(1.0)
    assert np.abs(device.out).max() > 0.25  # the clip, and the bed under it
    assert (tapped.late, tapped.shifts, tapped.lead) == (1, 0, 0.05)
    plain = TappedBackend(FakeBackend(clock), Listening())
    assert plain.carry_bed(Source(), level) is None
    tap.close_tap()
    plain.close_tap()


def test_simpleaudio_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "simpleaudio", None)  # as if not installed
    with pytest.raises(PlaybackError) as caught:
        SimpleaudioBackend()
    assert str(caught.value) == "live playback needs simpleaudio: pip install 'voiceguide[play]'"

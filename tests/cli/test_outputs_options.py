"""``play --device/--bed-device/--lead-in/--resume`` and ``voiceguide devices`` on the command
line: the lines printed at a session's start and stop, and every refusal in one line. The
device is a fake one (a session of a few seconds in real time)."""

from __future__ import annotations

import json
import time

import pytest

from voiceguide.audio import Clip
from voiceguide.live import devices, player, resume
from voiceguide.testing.fakes import FakeBackend

TINY = """\
title: Tiny
steps:
  - {name: One, say: One., duration: 3s, fixed: true}
  - {name: Two, say: Two., duration: 3s, fixed: true}
"""


class Device(FakeBackend):
    """A fake device on the real clock; ``interrupt_on`` (a count of plays): the signal
    that ends the process arrives then."""

    def __init__(self, interrupt_on: int | None = None):
        super().__init__(time.monotonic)
        self.interrupt_on = interrupt_on

    def play(self, clip: Clip, at=None):
        if self.interrupt_on is not None and len(self.calls) >= self.interrupt_on:
            raise KeyboardInterrupt
        return super().play(clip, at)


@pytest.fixture
def tiny(write_routine):
    return write_routine(TINY, "tiny.yaml")


def opened(device, seen=None):
    def open_backend(name=None, routine=None, clock=None, outputs=None):
        if seen is not None:
            seen.append(outputs)
        return device

    return open_backend


@pytest.mark.slow  # 11.8 s: a session played in real time (quick tier's --durations)
def test_a_live_session_starts_with_one_line_naming_it_and_ends_forgetting_it(
    run, tiny, monkeypatch
):
    seen = []
    monkeypatch.setattr(player, "open_backend", opened(Device(), seen))
    result = run("play", str(tiny), "--device", "earbuds", "--bed-device", "room")
    lines = result.output.splitlines()
    assert lines[0] == (
        "Tiny (" + str(tiny) + "): 0:11 - no keys (standard input is not a terminal)"
    )
    assert lines[-1] == "0:11 end of session"  # played to its end: nothing to resume
    assert (seen[0].device, seen[0].bed_device, seen[0].lead_in) == ("earbuds", "room", "auto")
    assert not list(resume.state_dir().glob("*.json"))


@pytest.mark.slow  # 11.8 s: a session played in real time (quick tier's --durations)
def test_a_signal_prints_how_to_go_on_and_resume_goes_on_there(run, tiny, monkeypatch):
    monkeypatch.setattr(player, "open_backend", opened(Device(interrupt_on=2)))
    result = run("play", str(tiny), "--lead-in", "on")
    assert result.exit_code == 130
    stopped = result.stderr.splitlines()
    assert stopped[-2] == (
        f"stopped at 0:03 of 0:11; to go on from there: voiceguide play {tiny} --lead-in on "
        "--resume"
    )
    assert stopped[-1] == "interrupted"
    [kept] = resume.state_dir().glob("*.json")
    assert json.loads(kept.read_text())["step_name"] == "Two"
    device = Device()
    monkeypatch.setattr(player, "open_backend", opened(device))
    again = run("play", str(tiny), "--lead-in", "on", "--resume")
    assert again.exit_code == 0
    assert ", resumed at 0:03 - " in again.output.splitlines()[0]
    assert len(device.calls) == 2  # part Two's chime and words, not part One's
    assert not kept.exists()


def test_resume_with_nothing_kept_or_with_start_at_is_one_line(run, tiny):
    nothing = run("play", str(tiny), "--resume")
    assert (nothing.exit_code, nothing.output) == (
        2,
        f"--resume: no stopped session of {tiny} to resume (one is kept when a session "
        "stops before its end)\n",
    )
    both = run("play", str(tiny), "--resume", "--start-at", "2")
    assert (both.exit_code, both.output) == (
        2,
        "--resume and --start-at: choose one (--resume goes on where it stopped)\n",
    )


def test_devices_lists_the_outputs_the_default_marked(run, monkeypatch):
    found = devices.parse_sinks(
        "Sink #1\n\tName: room\n\tDescription: Room speaker\n"
        "Sink #2\n\tName: bluez_sink.AA.a2dp_sink\n\tDescription: Earbuds\n",
        "room",
    )
    monkeypatch.setattr(devices, "outputs", lambda: found)
    result = run("devices")
    assert (result.exit_code, result.output) == (
        0,
        "* room                     Room speaker\n"
        "  bluez_sink.AA.a2dp_sink  Earbuds [bluetooth: lead-in]\n",
    )
    monkeypatch.setattr(devices, "outputs", lambda: [])
    assert run("devices").output.count("\n") == 1


def test_device_options_with_simpleaudio_are_refused_before_any_work(run, tiny):
    result = run("play", str(tiny), "--backend", "simpleaudio", "--device", "x")
    assert result.exit_code == 2
    assert (
        result.output == "--device, --bed-device and --lead-in need the alsa backend (libasound)\n"
    )


def test_a_device_name_with_a_line_break_is_refused_in_one_line():
    from voiceguide.errors import UsageError
    from voiceguide.live.backends import routed

    pytest.importorskip("voiceguide.live.backends.alsa")
    with pytest.raises(UsageError) as refused:
        routed.open_outputs("alsa", None, routed.Outputs(device="x\ny"))
    message = str(refused.value)
    assert "\n" not in message and message.startswith("--device 'x\\ny': cannot play there")

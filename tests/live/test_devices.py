"""Outputs by name (``live.devices``), the lead-in's signal (``live.wake``) and the cues and
bed on two devices (``backends.routed.Pair``), without a sound server."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.audio import RATE, Clip
from voiceguide.errors import UsageError
from voiceguide.live import devices, player, wake
from voiceguide.live.backends import routed
from voiceguide.live.backends.routed import Outputs, Pair
from voiceguide.testing.fakes import FakeBackend, FakeClock, FakeSession, FakeStreamBackend

from .test_player import PARTS, make_plan

LISTING = """\
Sink #0
\tState: SUSPENDED
\tName: alsa_output.pci-0000_00_1f.3.analog-stereo
\tDescription: Built-in Audio Analog Stereo
\tDriver: module-alsa-card.c
\tProperties:
\t\tdevice.bus = "pci"
Sink #3
\tState: RUNNING
\tName: bluez_sink.00_1A_7D_DA_71_13.a2dp_sink
\tDescription: JBL Flip 5
\tDriver: module-bluez5-device.c
\tProperties:
\t\tdevice.bus = "bluetooth"
Sink #7
\tName: bluez_output.00_1A_7D_DA_71_14.1
\tDescription: Earbuds
\tProperties:
\t\tdevice.api = "bluez5"
"""


def test_pactls_sinks_are_read_with_the_default_and_bluetooth_marked():
    found = devices.parse_sinks(LISTING, "bluez_sink.00_1A_7D_DA_71_13.a2dp_sink")
    assert [(o.name, o.description, o.default, o.bluetooth) for o in found] == [
        ("alsa_output.pci-0000_00_1f.3.analog-stereo", "Built-in Audio Analog Stereo", False,
         False),
        ("bluez_sink.00_1A_7D_DA_71_13.a2dp_sink", "JBL Flip 5", True, True),
        ("bluez_output.00_1A_7D_DA_71_14.1", "Earbuds", False, True),
    ]  # fmt: skip


def test_a_sink_name_opens_through_the_pulse_plugin_and_other_names_as_alsa_names():
    sinks = devices.parse_sinks(LISTING, "alsa_output.pci-0000_00_1f.3.analog-stereo")
    earbuds = devices.target("bluez_output.00_1A_7D_DA_71_14.1", sinks)
    assert earbuds.pcm == 'pulse:"bluez_output.00_1A_7D_DA_71_14.1"' and earbuds.bluetooth
    assert devices.target("hw:1,0", sinks) == devices.Target("hw:1,0", "hw:1,0", False)
    assert devices.target("bluealsa", None).bluetooth  # BlueALSA, without a server
    assert devices.target(None, sinks) == devices.Target("default", "default", False)
    default_bt = devices.parse_sinks(LISTING, "bluez_sink.00_1A_7D_DA_71_13.a2dp_sink")
    assert devices.target(None, default_bt).bluetooth  # the default is a speaker: lead-in
    assert devices.pulse_pcm('odd "name"') == 'pulse:"odd \\"name\\""'


def test_the_list_is_one_line_an_output_and_one_line_for_none():
    sinks = devices.parse_sinks(LISTING, "alsa_output.pci-0000_00_1f.3.analog-stereo")
    lines = devices.lines(sinks)
    assert lines[0] == (
        "* alsa_output.pci-0000_00_1f.3.analog-stereo  Built-in Audio Analog Stereo"
    )
    assert lines[1] == (
        "  bluez_sink.00_1A_7D_DA_71_13.a2dp_sink      JBL Flip 5 [bluetooth: lead-in]"
    )
    assert devices.lines([]) == [
        "no sound output found (no PulseAudio/PipeWire server answers, ALSA lists none)"
    ]


def test_without_a_server_pactl_says_nothing_and_alsa_is_asked(monkeypatch):
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/voiceguide-no-server")
    assert devices.pulse_sinks() is None
    names = [o.name for o in devices.alsa_outputs()]
    assert "null" not in names
    assert all(o.system == "alsa" for o in devices.outputs())


def test_the_wake_signal_is_a_quiet_deep_sine_continuous_across_blocks():
    signal = wake.Wake()
    whole = np.zeros(RATE, np.float32)
    signal.fill(whole, 1000)
    pieces = np.zeros(RATE, np.float32)
    for first in range(0, RATE, 480):
        signal.fill(pieces[first : first + 480], 1000 + first)
    assert np.max(np.abs(whole - pieces)) < 1e-6  # the same signal, block by block
    assert 20 * np.log10(np.max(np.abs(whole))) == pytest.approx(wake.LEVEL_DB, abs=0.01)
    spectrum = np.abs(np.fft.rfft(whole))
    assert np.argmax(spectrum) == round(wake.HERTZ)  # one second: bins of 1 Hz
    assert wake.wanted("auto", True) and not wake.wanted("auto", False)
    assert wake.wanted("on", False) and not wake.wanted("off", True)


def test_two_devices_clips_to_one_bed_to_the_other_latency_the_larger():
    from .test_player_bed import Frames, bedded_session

    clock = FakeClock()
    cues, bed = FakeStreamBackend(clock, 0.05), FakeStreamBackend(clock, 0.2)
    pair = Pair(cues, bed)
    assert pair.latency == 0.2 and pair.lead == 0.2
    pair.play(Clip(np.ones(10, np.float32)), at=1.0)
    session = bedded_session()
    carried = pair.carry_bed(Frames(), session.plan.bed)
    assert carried.frame_at == bed.frame_at  # anchored by the bed device's clock
    clock.advance_to(clock.now + 2.0)
    assert np.any(cues.out == 1.0) and not np.any(bed.out == 1.0)  # the clip on the cues'
    pair.stop_all()
    assert cues.stops and bed.stops


def test_a_session_on_two_devices_plays_every_sound_on_the_cues_device_on_the_clock():
    clock = FakeClock()
    cues, bed = FakeBackend(clock, 0.05), FakeBackend(clock, 0.3)
    plan = make_plan(PARTS)
    result = player.play(
        FakeSession(plan), Pair(cues, bed), clock=clock, sleep=clock.sleep, spin=0.0,
        preload=False,
    )  # fmt: skip
    origin = result.played[0].target - result.played[0].event.at
    assert origin - result.started == pytest.approx(0.3)  # the slower device's latency
    assert [h.at - origin for h in cues.handles] == pytest.approx([e.at for e in plan.events])
    assert not bed.handles


def test_simpleaudio_can_do_none_of_it_in_one_line():
    with pytest.raises(UsageError, match="^--device, --bed-device and --lead-in need the alsa"):
        routed.open_outputs("simpleaudio", "r", Outputs(device="x"))

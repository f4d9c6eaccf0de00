"""Outputs chosen by name, the bed on a device of its own, the lead-in, and a resumed
session, end to end through a private PulseAudio server with two null sinks (``vsink``, the
default, and ``vroom``), with the real clock.

Two sinks are two recordings with no common time base, so each is recorded with the clock
time its pieces arrived (``pulse.TimedRecording``): what is heard on either is compared
with the player's clock, on which the plan's times are set. Every session here has a
watchdog: keys that quit it a few seconds after its planned end.
"""

from __future__ import annotations

import statistics
import tempfile
import time

import numpy as np
import pytest
import scipy.signal

from voiceguide import session
from voiceguide.errors import UsageError
from voiceguide.live import player, wake
from voiceguide.live.backends.routed import Outputs
from voiceguide.live.resume import Keeper
from voiceguide.testing import pulse
from voiceguide.testing.fakes import ScriptedKeys, tone_session
from voiceguide.testing.onsets import find_onsets, mixed_clips

pytestmark = [
    pytest.mark.audio_device,
    pytest.mark.skipif(
        not pulse.available(),
        reason="needs pulseaudio, pactl, parec and parecord (pulseaudio-utils)",
    ),
]

RATE = 48000
THRESHOLD_DB = -40.0
MIN_GAP = 0.2
ROOM = "vroom"
ROUTINE = """\
title: Short
steps:
  - {name: Reach, say: Reach up high., duration: 6s, fixed: true}
  - {name: Fold, say: Fold forward slowly., duration: 6s, fixed: true}
  - {name: Rest, say: Rest now., duration: 6s, fixed: true}
"""


@pytest.fixture
def sinks():
    with tempfile.TemporaryDirectory(prefix="vg") as tmp, pulse.null_sink(tmp) as made:
        made.add_sink(ROOM)
        yield made


def _tones(tmp_path_factory, name: str, options: session.Options) -> session.Session:
    base = tmp_path_factory.mktemp(name)
    path = base / "short.yaml"
    path.write_text(ROUTINE)
    return tone_session(str(path), options, base / "cache")


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """Three 6 s parts over the ocean bed (tone engine: sharp onsets)."""
    return _tones(tmp_path_factory, "short", session.Options(bed="ocean"))


@pytest.fixture(scope="module")
def dry(tmp_path_factory):
    """The same routine without a bed."""
    return _tones(tmp_path_factory, "dry", session.Options())


def _origin(result) -> float:
    """The clock time of the session's 0:00 (the player's clock)."""
    first = result.played[0]
    return first.target - first.event.at


def _play(prepared, outputs: Outputs, recorders: list[str], keys: ScriptedKeys, keeper=None):
    """Play ``prepared`` on ``outputs`` while recording ``recorders`` (monitors); returns
    the result and, per monitor, (samples, clock time of frame 0)."""
    sink_recordings = [SINKS.record_timed(monitor) for monitor in recorders]
    time.sleep(0.3)
    try:
        result = player.play_live(
            lambda: prepared, "short", outputs=outputs, keys=keys, keeper=keeper
        )
    finally:
        time.sleep(0.3)
        heard = [recording.stop() for recording in sink_recordings]
    return result, heard


SINKS: pulse.NullSink  # set by the tests that record (the fixture's server)


def _onset_clock_errors(samples, zero, prepared, origin, start=0.0):
    """Per planned onset from ``start``: found clock time minus planned clock time (s)."""
    planned = find_onsets(mixed_clips(prepared, RATE, start), RATE, THRESHOLD_DB, MIN_GAP)
    found = [zero + f for f in find_onsets(samples, RATE, THRESHOLD_DB, MIN_GAP)]
    expected = [origin + start + p for p in planned]
    errors = []
    for due in expected:
        nearest = min(found, key=lambda f: abs(f - due), default=float("nan"))
        errors.append(nearest - due)
    return planned, found, errors


def test_a_device_chosen_by_name_plays_the_session_on_time_and_the_default_hears_nothing(
    sinks, dry
):
    global SINKS
    SINKS = sinks
    keys = ScriptedKeys([], watchdog=dry.plan.length + 8)
    result, [(room, room_zero), (default, _)] = _play(
        dry, Outputs(device=ROOM), [f"{ROOM}.monitor", pulse.MONITOR], keys
    )
    planned, found, errors = _onset_clock_errors(room, room_zero, dry, _origin(result))
    spread = [e - statistics.median(errors) for e in errors]
    print(f"\non {ROOM}: {len(found)} onsets, clock errors (ms): "
          + " ".join(f"{1000 * e:+.1f}" for e in errors))  # fmt: skip
    assert not result.quit  # it ended, not the watchdog
    assert max(abs(s) for s in spread) <= 0.02  # each planned onset heard, to 20 ms
    assert abs(statistics.median(errors)) <= 0.1  # the recorder's latency, no more
    assert np.max(np.abs(default)) < 10 ** (-60 / 20)  # nothing on the default sink


def test_an_unknown_device_is_one_line_naming_the_devices_command(sinks, dry):
    with pytest.raises(UsageError) as caught:
        player.play_live(lambda: dry, "short", outputs=Outputs(device="nosuch"))
    message = str(caught.value)
    assert message.startswith("--device nosuch: cannot play there (")
    assert message.endswith("'voiceguide devices' lists the outputs")


def _bed_offsets(samples: np.ndarray, zero: float, prepared, origin: float) -> list[float]:
    """Where the bed is heard against where the player's clock puts it (s, positive:
    late), one second of it every 3 s up to the closing's fade: each second of the expected
    bed (the plan's envelope) found in the recording within 0.25 s of its place."""
    frames = round(prepared.plan.length * RATE)
    bed = prepared.bed.read(0, frames) * prepared.plan.bed.gains(0, frames, RATE)
    found = []
    for second in range(2, int(prepared.plan.length) - 4, 3):
        piece = bed[second * RATE : (second + 1) * RATE]
        expected = round((origin + second - zero) * RATE)
        window = samples[expected - RATE // 4 : expected + RATE + RATE // 4]
        scores = scipy.signal.correlate(window, piece, "valid", "fft")
        found.append((int(np.argmax(scores)) - RATE // 4) / RATE)
    return found


def test_cues_and_bed_on_two_devices_are_both_on_the_plans_clock(sinks, short):
    """The voice and chimes on vsink (the earbuds), the bed on vroom (the room): each
    recorded with its clock, the cues' onsets and the bed's start both where the player's
    clock puts the plan."""
    global SINKS
    SINKS = sinks
    keys = ScriptedKeys([], watchdog=short.plan.length + 8)
    outputs = Outputs(device=pulse.SINK, bed_device=ROOM)
    result, [(cues, cues_zero), (room, room_zero)] = _play(
        short, outputs, [pulse.MONITOR, f"{ROOM}.monitor"], keys
    )
    origin = _origin(result)
    planned, found, errors = _onset_clock_errors(cues, cues_zero, short, origin)
    bed = _bed_offsets(room, room_zero, short, origin)
    print(f"\ncues on {pulse.SINK}: onset clock errors (ms) "
          + " ".join(f"{1000 * e:+.1f}" for e in errors)
          + f"; bed on {ROOM}, every 3 s (ms): " + " ".join(f"{1000 * b:+.1f}" for b in bed)
          + f"; the streams shifted {result.shifts} times")  # fmt: skip
    assert not result.quit and result.late == 0
    assert max(abs(e - statistics.median(errors)) for e in errors) <= 0.02
    # both recorders have the same latency: the bed is where the cues say the plan is
    assert max(abs(b - statistics.median(errors)) for b in bed) <= 0.02
    room_db = 20 * np.log10(np.sqrt(np.mean(room**2)) + 1e-12)
    assert room_db > -50  # the bed plays on the room's device
    # between the cues (50 ms clear of them), the cues' device is silent: no bed there
    mix = mixed_clips(short, RATE)
    near = np.convolve(np.abs(mix) > 0, np.ones(int(0.05 * RATE)), "same") > 0
    offset = round((origin + statistics.median(errors) - cues_zero) * RATE)
    span = cues[offset : offset + len(mix)]
    assert np.max(np.abs(span[~near[: len(span)]])) < 10 ** (-50 / 20)


def test_the_lead_in_plays_under_everything_and_the_first_sound_waits_for_it(sinks, dry):
    global SINKS
    SINKS = sinks
    keys = ScriptedKeys([], watchdog=dry.plan.length + 10)
    opened = time.monotonic()
    result, [(heard, zero)] = _play(dry, Outputs(lead_in="on"), [pulse.MONITOR], keys)
    origin = _origin(result)
    planned, found, errors = _onset_clock_errors(heard, zero, dry, origin)
    # the keep-awake signal: nonzero from before the first sound to the end, at its level
    silent = np.flatnonzero(mixed_clips(dry, RATE)[: 12 * RATE] != 0)
    gap = int(np.argmax(np.diff(silent)))  # the longest silence between two sounds
    middle = (silent[gap] + silent[gap + 1]) / 2 / RATE  # seconds into the session
    windows = {
        "before the first sound": (-1.5, -0.1),
        "between sounds": (middle - 0.5, middle + 0.5),
    }
    for name, (first, last) in windows.items():
        piece = heard[round((origin + first - zero) * RATE) : round((origin + last - zero) * RATE)]
        peak_db = 20 * np.log10(np.max(np.abs(piece)))
        hertz = np.argmax(np.abs(np.fft.rfft(piece))) * RATE / len(piece)
        print(f"\nlead-in {name}: {peak_db:.1f} dBFS at {hertz:.1f} Hz")
        assert abs(peak_db - wake.LEVEL_DB) <= 1.0
        assert abs(hertz - wake.HERTZ) <= 1.5
    print(f"first sound {origin - opened:.2f} s after the device was asked for")
    assert origin - opened >= wake.LEAD_IN - 0.05
    assert max(abs(e - statistics.median(errors)) for e in errors) <= 0.02


def test_a_session_quit_between_cues_resumes_where_it_stopped(sinks, dry, tmp_path):
    """Quit a second after the second part's words, resume: the
    resumed session starts within a second of where it stopped, and what is heard is the
    plan from there, on time."""
    global SINKS
    SINKS = sinks
    keeper = Keeper("short", {}, "voiceguide play short --resume", tmp_path / "state")
    said = [e for e in dry.plan.events if e.kind == "speech" and e.step == 1][0]
    assert said.end + 1.5 < dry.plan.steps[1].end  # a quiet second and a half to quit in
    keys = ScriptedKeys([(said.end + 1.0, "quit")], watchdog=dry.plan.length + 8)
    first, _ = _play(dry, Outputs(), [pulse.MONITOR], keys, keeper)
    stopped = first.position
    assert first.quit and keeper.last is not None
    again = Keeper("short", {}, "voiceguide play short --resume", tmp_path / "state")
    assert again.stopped is not None
    start = again.start(dry.plan)
    keys = ScriptedKeys([], watchdog=dry.plan.length - start + 8)
    second, [(heard, zero)] = _play(dry, Outputs(), [pulse.MONITOR], keys, again)
    origin = _origin(second)
    planned, found, errors = _onset_clock_errors(heard, zero, dry, origin, start)
    first_heard = found[0] - origin  # seconds into the session of the first onset heard
    next_planned = start + planned[0]
    print(f"\nquit at {stopped:.3f} s, resumed from {start:.3f} s; first onset heard at "
          f"{first_heard:.3f} s of the session (planned {next_planned:.3f}); errors (ms) "
          + " ".join(f"{1000 * e:+.1f}" for e in errors))  # fmt: skip
    assert abs(start - stopped) <= 1.0
    assert not second.quit
    assert abs(first_heard - next_planned) <= 0.1
    assert max(abs(e - statistics.median(errors)) for e in errors) <= 0.02
    assert again.last is None and not again.path.exists()  # played to its end: forgotten

"""The live player end to end, through a private PulseAudio null sink, with the real clock.

A real routine (scripts/neck-stretch.yaml at 1 minute) is played through each backend and the
sink's monitor is recorded. Onsets are found in the recording and in a reference mix of the
plan (every clip at its ``at``), with the same threshold, so a speech clip's own pauses are
onsets in both and each compares like with like; the recording is aligned on its first onset.
"""

from __future__ import annotations

import io
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.signal

from voiceguide import session, speech
from voiceguide.errors import PlaybackError
from voiceguide.live import backends, player, timeline
from voiceguide.testing import pulse
from voiceguide.testing.fakes import ScriptedKeys, tone_renderer, tone_session
from voiceguide.testing.onsets import find_onsets, last_sound, mixed_clips, onset_errors

pytestmark = [
    pytest.mark.audio_device,
    pytest.mark.skipif(
        not pulse.available(),
        reason="needs pulseaudio, pactl, parec and parecord (pulseaudio-utils)",
    ),
]

RATE = 48000
THRESHOLD_DB = -40.0
MIN_GAP = 0.2  # under the plan's shortest silence between sounds (0.25 s after a chime)
ESPEAK = shutil.which("espeak-ng") is not None
# Per backend: (median, worst, drift) onset error limits in seconds, and pause-to-silence.
# The player's targets hold for "alsa", the default. simpleaudio opens a stream per clip and
# the server starts each one up to ~20 ms late (measured on this null sink: +-10 ms around
# the median, worst 18-25 ms from the first onset), so its limits only guard against a
# broken scheduler.
ONSET_LIMITS = {"alsa": (0.005, 0.020, 0.005), "simpleaudio": (0.025, 0.060, 0.040)}
PAUSE_SILENT_WITHIN = {"alsa": 0.25, "simpleaudio": 0.35}


def _backends():
    names = ["alsa"]
    try:
        import simpleaudio  # noqa: F401

        names.append("simpleaudio")
    except ImportError:
        pass
    return names


@pytest.fixture(scope="module")
def neck_stretch():
    """neck-stretch fitted to 1 minute: with espeak-ng if present, else the tone engine."""
    with tempfile.TemporaryDirectory(prefix="vg-e2e-cache-") as cache:
        if ESPEAK:
            from voiceguide.speech.espeak import Pyttsx3Synth, make_synth

            renderer = speech.Renderer(make_synth, Pyttsx3Synth().engine_id, processes=2)
        else:
            renderer = tone_renderer()
        with renderer:
            prepared = session.prepare(
                "neck-stretch", session.Options(length=60.0), renderer, cache_dir=Path(cache)
            )
            for event in prepared.plan.events:  # read every clip while the cache exists
                prepared.clip(event)
            yield prepared


@pytest.fixture
def sink():
    # a short directory: the server's socket path must fit in ~107 bytes
    with tempfile.TemporaryDirectory(prefix="vg") as tmp, pulse.null_sink(tmp) as made:
        yield made


@pytest.mark.parametrize("name", _backends())
def test_onsets_follow_the_plan(sink, neck_stretch, name, tmp_path):
    start_at = None if name == "alsa" else "chin"  # simpleaudio: the last half, to save time
    plan = neck_stretch.plan
    start = plan.steps[timeline.find_step(plan, start_at)].start if start_at else 0.0

    def play():  # as the CLI does it, hands-free (stdin is not a terminal)
        return player.play_live(
            lambda: neck_stretch,
            "neck-stretch",
            start_at=start_at,
            backend_name=name,
            stdin=io.StringIO(),
        )

    result, data = sink.capture(play, tmp_path / "r.wav")
    planned = find_onsets(mixed_clips(neck_stretch, RATE, start), RATE, THRESHOLD_DB, MIN_GAP)
    found = find_onsets(data, RATE, THRESHOLD_DB, MIN_GAP)
    errors = onset_errors(planned, found)
    print(f"\n{name}: {len(planned)} onsets planned, {len(found)} found; errors (ms):")
    print(" ".join(f"{e * 1000:+.2f}" for e in errors))
    print(f"late: {result.late}, stream shifts: {result.shifts}, misses: {result.misses}")
    assert len(found) == len(planned)
    assert not np.isnan(errors).any()
    median_limit, worst_limit, drift_limit = ONSET_LIMITS[name]
    assert statistics.median(abs(e) for e in errors) <= median_limit, errors
    assert max(abs(e) for e in errors) <= worst_limit, errors
    assert abs(errors[-1] - errors[0]) <= drift_limit, errors
    assert result.misses == 0 and not result.quit
    assert name != "alsa" or result.late == 0  # every clip handed over before its frame
    assert len(result.played) == len([e for e in neck_stretch.plan.events if e.at >= start])


NO_INTRO = """\
title: Straight in
steps:
  - {name: Reach, say: Reach up high., duration: 8s, fixed: true}
  - {name: Fold, say: Fold forward slowly., duration: 8s, fixed: true}
"""


def test_a_first_sound_at_zero_is_on_time_when_the_device_was_just_opened(sink, tmp_path):
    """The CLI opens the device and plays at once when the cache is warm: the first sound
    (a chime at 0:00) must not wait for the stream's warm-up."""
    path = tmp_path / "straight.yaml"
    path.write_text(NO_INTRO)
    prepared = tone_session(str(path), session.Options(), tmp_path / "c")
    assert prepared.plan.events[0].at == 0.0

    def play():
        return player.play_live(lambda: prepared, backend_name="alsa", stdin=io.StringIO())

    result, data = sink.capture(play, tmp_path / "s.wav")
    planned = find_onsets(mixed_clips(prepared, RATE), RATE, THRESHOLD_DB, MIN_GAP)
    found = find_onsets(data, RATE, THRESHOLD_DB, MIN_GAP)
    errors = onset_errors(planned, found)
    print("\nerrors (ms): " + " ".join(f"{e * 1000:+.2f}" for e in errors))
    assert len(found) == len(planned)
    # aligned on the first onset: a late first sound makes every later one look early
    assert max(abs(e) for e in errors) <= ONSET_LIMITS["alsa"][1], errors
    assert statistics.median(abs(e) for e in errors) <= ONSET_LIMITS["alsa"][0], errors


PACED = """\
title: Paced
steps:
  - {name: Strokes, say: Long strokes., duration: 30s, fixed: true, pace: 30 to 20}
  - {name: Faster, say: A little faster., duration: 25s, fixed: true, pace: 24 to 36}
"""


def test_the_pace_guides_beats_are_on_time_like_chimes(sink, tmp_path):
    """A paced minute through the null sink: every beat, chime and word at its planned
    time (the same limits as the player's other sounds), the first sound aligning both."""
    path = tmp_path / "paced.yaml"
    path.write_text(PACED)
    prepared = tone_session(str(path), session.Options(), tmp_path / "c")
    beats = [e for e in prepared.plan.events if e.kind == "pulse"]
    assert len(beats) > 20

    def play():
        return player.play_live(lambda: prepared, backend_name="alsa", stdin=io.StringIO())

    result, data = sink.capture(play, tmp_path / "p.wav")
    planned = find_onsets(mixed_clips(prepared, RATE), RATE, THRESHOLD_DB, MIN_GAP)
    found = find_onsets(data, RATE, THRESHOLD_DB, MIN_GAP)
    errors = onset_errors(planned, found)
    print(f"\n{len(planned)} onsets, errors (ms): " + " ".join(f"{e * 1000:+.2f}" for e in errors))
    assert len(found) == len(planned) and len(planned) > 20
    median_limit, worst_limit, drift_limit = ONSET_LIMITS["alsa"]
    assert statistics.median(abs(e) for e in errors) <= median_limit, errors
    assert max(abs(e) for e in errors) <= worst_limit, errors
    assert abs(errors[-1] - errors[0]) <= drift_limit, errors
    assert sum(p.event.kind == "pulse" for p in result.played) == len(beats)


@pytest.mark.parametrize("name", _backends())
def test_pause_silences_at_once_and_resume_replays_the_cut_sentence(
    sink, neck_stretch, name, tmp_path
):
    plan = neck_stretch.plan
    index = timeline.find_step(plan, "chin")
    chime, said = [e for e in plan.events if e.step == index][:2]
    offset = said.at - chime.at  # the instruction, seconds after the part starts
    keys = ScriptedKeys([(offset + 1.0, "pause"), (offset + 2.5, "pause"), (offset + 5.0, "quit")])
    with backends.open_backend(name, "neck-stretch") as device:
        result, data = sink.capture(
            lambda: player.play(neck_stretch, device, keys=keys, start_at="chin"),
            tmp_path / "p.wav",
        )
    (paused, _), (resumed, _), _ = keys.pressed
    found = find_onsets(data, RATE, THRESHOLD_DB, MIN_GAP)
    first = result.played[0].target  # heard at found[0] in the recording

    def where(clock: float) -> int:
        return round((found[0] + clock - first) * RATE)

    # the sentence starts again at `resumed` (+ latency); the time base is only as good as
    # the first onset (simpleaudio: +-20 ms), so look until 100 ms before
    gap = data[where(paused) : where(resumed - 0.1)]
    tail = last_sound(gap, RATE, THRESHOLD_DB)
    print(f"\n{name}: sound for {1000 * (tail or 0):.0f} ms after pause")
    assert tail is not None  # the instruction was playing
    assert tail <= PAUSE_SILENT_WITHIN[name]
    again = [p for p in result.played if p.event == said]
    assert len(again) == 2  # the cut sentence, heard again from its start on resume
    heard_again = found[0] + again[1].target - first
    # simpleaudio starts each clip with its own call (no shared clock: docs/performance.md),
    # measured 20.6 ms once in a full run; ALSA's one stream keeps 20 ms
    assert min(abs(f - heard_again) for f in found) <= (0.02 if name == "alsa" else 0.04)
    assert result.quit


def test_interrupt_and_close_silence_the_stream_at_once(sink, neck_stretch, tmp_path):
    plan = neck_stretch.plan
    index = timeline.find_step(plan, "chin")
    chime, said = [e for e in plan.events if e.step == index][:2]
    keys = ScriptedKeys([(said.at - chime.at + 1.0, "interrupt")])
    device = backends.open_backend("alsa", "neck-stretch")

    def play():
        try:
            player.play(neck_stretch, device, keys=keys, start_at="chin")
        except KeyboardInterrupt:
            device.close()  # what the CLI's ``with`` does on Ctrl-C
            return time.monotonic()
        raise AssertionError("not interrupted")

    closed, data = sink.capture(play, tmp_path / "i.wav")
    found = find_onsets(data, RATE, THRESHOLD_DB, MIN_GAP)
    interrupted = keys.pressed[0][0]
    # the chime was heard at found[0], `latency` after the player's first read of the keys
    heard = found[0] + interrupted - (keys.began + device.latency)
    tail = last_sound(data, RATE, THRESHOLD_DB) - heard
    print(
        f"\nsound until {1000 * tail:.0f} ms after Ctrl-C (close took {closed - interrupted:.3f} s)"
    )
    assert tail <= 0.25


@pytest.mark.parametrize("name", _backends())
def test_without_a_sound_device_opening_fails_with_the_export_suggestion(monkeypatch, capfd, name):
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/voiceguide-no-server")
    pulse.reset_alsa_config()
    try:
        with pytest.raises(PlaybackError) as caught:
            backends.open_backend(name, "neck-stretch")
    finally:
        monkeypatch.undo()
        pulse.reset_alsa_config()
    message = str(caught.value)
    assert message.startswith("no sound device found: ")
    assert message.endswith("try 'voiceguide export neck-stretch -o session.mp3'")
    assert caught.value.exit_status == 1
    assert capfd.readouterr().err == ""  # ALSA's complaints are kept off the screen


# -- the sound bed -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bedded(tmp_path_factory):
    """neck-stretch at 1 minute over the ocean bed (tone engine: fast, and its onsets sharp)."""
    cache = tmp_path_factory.mktemp("bed-cache")
    return tone_session("neck-stretch", session.Options(length=60.0, bed="ocean"), cache)


def _bed_heard(prepared: session.Session, frames: int) -> np.ndarray:
    """The bed as the live stream plays it from the start: the plan's envelope, and the
    player's own fade-in from the stream's first frame."""
    from voiceguide.live import bed as live_bed

    samples = prepared.bed.read(0, frames) * prepared.plan.bed.gains(0, frames, RATE)
    ramp = np.minimum(1.0, np.arange(frames) / (live_bed.FADE * RATE))
    return (samples * ramp).astype(np.float32)


WIDE = 2400  # frames either side searched for the bed in each second: 50 ms


def _bed_lags(heard, bed, quiet, power) -> dict[int, tuple[int, float | None]]:
    """Per second of the session with a quarter second of bed between cues (from 5 s): the
    lag (frames, within ``WIDE``) at which the bed is in the recording over the longest such
    stretch, and how far what is left there is under ``power``, the bed's between cues (dB;
    a second's own power would be the noise floor's where the bed fades out), or None where
    it is not 10 dB under that second's bed (a faded bed is "found" at any lag). Least
    squares at every lag at once: the recording's energy, less twice its correlation with
    the bed, plus the bed's energy at each lag. ``bed`` runs ``WIDE`` frames past
    ``heard``."""
    lags = {}
    for second in range(5, len(heard) // RATE):
        inside = np.concatenate([[0], quiet[second * RATE : (second + 1) * RATE], [0]])
        edges = np.flatnonzero(np.diff(inside.astype(np.int8)))
        runs = zip(edges[::2], edges[1::2], strict=True)  # (start, end) of each quiet stretch
        start, end = max(runs, key=lambda r: r[1] - r[0], default=(0, 0))
        start, end = second * RATE + start, second * RATE + end
        if end - start < RATE // 4 or end + WIDE > len(bed) or not np.any(bed[start:end]):
            continue
        part = heard[start:end].astype(np.float64)
        near = bed[start - WIDE : end + WIDE].astype(np.float64)
        sums = np.concatenate([[0.0], np.cumsum(near**2)])
        left = part @ part - 2 * scipy.signal.correlate(near, part, "valid")
        left += sums[end - start :] - sums[: start - end]
        best = int(np.argmin(left))
        local = float(np.mean(bed[start:end].astype(np.float64) ** 2)) * (end - start)
        under = 10 * np.log10(max(left[best] / (end - start), 1e-20) / power)
        lags[second] = (WIDE - best, under if left[best] < local / 10 else None)
    return lags


def _clips_lag(found: list[float], planned: list[float]) -> int:
    """Frames by which the clips' onsets are late in the recording (the median over the
    planned ones, each matched to the nearest found; 0 when none is found: the onsets' own
    checks fail then)."""
    late = [min(found, key=lambda f: abs(f - p)) - p for p in planned] if found else [0.0]
    return round(statistics.median(late) * RATE)


def test_with_a_bed_the_bed_is_heard_between_cues_and_every_onset_stays_on_time(
    sink, bedded, tmp_path
):
    def play():
        return player.play_live(lambda: bedded, backend_name="alsa", stdin=io.StringIO())

    result, data = sink.capture(play, tmp_path / "b.wav")
    samples = data.astype(np.float32) / 32768 if data.dtype.kind == "i" else data
    samples = samples.reshape(len(samples), -1)[:, 0]
    reference = mixed_clips(bedded, RATE)
    planned = find_onsets(reference, RATE, THRESHOLD_DB, MIN_GAP)
    bed = _bed_heard(bedded, round(bedded.plan.length * RATE))
    # where the session starts in the recording: the bed fades in before the first sound,
    # so align the whole expected signal (clips and bed) on its first 20 s
    expected = (reference[: len(bed)] + bed)[: 20 * RATE]
    window = samples[: 22 * RATE]
    first = int(np.argmax(scipy.signal.correlate(window, expected, "valid", "fft")))
    length = min(len(samples) - first, len(bed) - WIDE)
    heard, whole, bed = samples[first : first + length], bed, bed[:length]
    # between cues (clips silent there, past the fade-in) the recording is the bed; the bed
    # is anchored on the stream by its own rounding, so find it to the frame
    frames = np.arange(length)  # and clear of the end by the lags tried
    quiet = (np.abs(reference[:length]) == 0) & (frames > 5 * RATE) & (frames < length - 96)
    power = float(np.mean(bed[quiet] ** 2))

    def left(lag: int, where: np.ndarray) -> float:
        """What is not the bed in the recording at ``where`` (indices), the bed ``lag``
        frames late."""
        return float(np.mean((heard[where] - bed[where - lag]) ** 2))

    everywhere = np.flatnonzero(quiet)
    lag = min(range(-96, 97), key=lambda lag: left(lag, everywhere))
    print(f"\nbed between cues: {10 * np.log10(power):.1f} dBFS, {lag:+d} frames from the clips, "
          f"what is not the bed {10 * np.log10(left(lag, everywhere) / power):.1f} dB under it; "
          f"the stream shifted {result.shifts} times")  # fmt: skip
    assert 10 * np.log10(power) > -50.0  # audible: not faded away
    if result.shifts == 0:  # it never moved: one place, to the frame (measured: 1-4 frames)
        assert abs(lag) <= 48 and left(lag, everywhere) < power * 10 ** (-40 / 10)
    # second by second: when the sound server runs dry the stream plays later from then on
    # (result.shifts), and the bed must move with the clips; in the second it moves, no one
    # place is the bed (nor where a clip sounding through it was late). A shift in the first
    # 20 s moves the alignment too: so each second is searched 50 ms wide, and compared with
    # the clips' own lag
    lags = _bed_lags(heard, whole, quiet, power)
    found_in = {s: lg for s, (lg, db) in lags.items() if db is not None and db < -40.0}
    # the clips alone: the recording less the bed (where it was found), onsets as without one
    under = np.roll(bed, lag)
    for second, found_lag in found_in.items():
        where = np.arange(second * RATE, min((second + 1) * RATE, length))
        under[where] = whole[where - found_lag]
    found = find_onsets(heard - under, RATE, THRESHOLD_DB, MIN_GAP)
    median_limit, worst_limit, _ = ONSET_LIMITS["alsa"]
    moved = set(lags) - set(found_in)  # the stream's dropout there is the bed missing, no cue
    found = [f for f in found if int(f) not in moved or min(abs(f - p) for p in planned) < 0.25]
    clips = _clips_lag(found, planned)
    print(f"bed, second by second (frames, dB not the bed; the clips {clips:+d} frames): "
          + " ".join(f"{s}:{lg:+d}/{db if db is None else round(db)}"
                     for s, (lg, db) in lags.items()))  # fmt: skip
    assert all(abs(lg - clips) <= 48 for lg in found_in.values()), lags  # to 1 ms
    assert len(lags) - len(found_in) <= 2 * result.shifts, lags  # only where it moved
    assert len(found_in) >= len(lags) // 2, lags
    errors = onset_errors(planned, found)
    print("with a bed: onset errors (ms): " + " ".join(f"{e * 1000:+.2f}" for e in errors))
    assert len(found) == len(planned)
    assert statistics.median(abs(e) for e in errors) <= median_limit, errors
    assert max(abs(e) for e in errors) <= worst_limit, errors
    assert result.late == 0 and result.misses == 0


def test_with_a_bed_pause_silences_everything_within_half_a_second(sink, bedded, tmp_path):
    plan = bedded.plan
    index = timeline.find_step(plan, "chin")
    chime, said = [e for e in plan.events if e.step == index][:2]
    offset = said.at - chime.at + 1.0
    keys = ScriptedKeys([(offset, "pause"), (offset + 2.0, "quit")])
    with backends.open_backend("alsa", "neck-stretch") as device:
        result, data = sink.capture(
            lambda: player.play(bedded, device, keys=keys, start_at="chin"), tmp_path / "p.wav"
        )
    (paused, _), _ = keys.pressed
    found = find_onsets(data, RATE, THRESHOLD_DB, MIN_GAP)
    first = result.played[0].target

    def where(clock: float) -> int:
        return round((found[0] + clock - first) * RATE)

    after = data[where(paused) : where(paused + 1.9)]
    tail = last_sound(after, RATE, -60.0)  # the bed is quieter than speech: a lower threshold
    print(f"\nwith a bed: sound for {1000 * (tail or 0):.0f} ms after pause")
    assert tail is not None and tail <= 0.5


OPENING = """\
title: Opening chime
intro: {chime: soft, say: Settle in and warm your hands., duration: 6s, fixed: true}
steps:
  - {name: Rub, say: Rub slowly., duration: 5s, fixed: true, chime: bell}
"""


def test_a_cold_session_opens_with_its_chime_and_holds_exactly_for_its_words(
    sink, tmp_path, monkeypatch
):
    """A cold session that opens with a chime begins before any speech is rendered; each
    text takes 2 s to render here, so the words are late: the session holds after the
    chime and goes on when they are ready. Every sound is heard where the player put it
    (the first onset aligning both), in the whole plan's order: no drift through the holds."""
    path = tmp_path / "opening.yaml"
    path.write_text(OPENING)
    begun = []
    with tone_renderer() as renderer:
        render = renderer.render

        def slow(jobs, in_order=False):
            for done in render(jobs, in_order):
                time.sleep(2.0)
                yield done

        def prepare():  # as the command line does: once the device is open
            begun.append(session.begin(str(path), session.Options(), renderer, tmp_path / "c"))
            return begun[0]

        monkeypatch.setattr(renderer, "render", slow)
        play = lambda: player.play_live(prepare, backend_name="alsa", stdin=io.StringIO())  # noqa: E731
        result, data = sink.capture(play, tmp_path / "o.wav")
        whole = session.whole(begun[0])
    assert isinstance(begun[0], session.Staged)
    assert [p.event for p in result.played] == list(whole.plan.events)
    start = result.played[0].target
    heard = np.zeros(round((result.played[-1].target - start + 5) * RATE), dtype=np.float32)
    for played in result.played:  # every clip where the player put it: the reference
        clip, at = whole.clip(played.event).samples, round((played.target - start) * RATE)
        heard[at : at + len(clip)] += clip
    planned = find_onsets(heard, RATE, THRESHOLD_DB, MIN_GAP)
    found = find_onsets(data, RATE, THRESHOLD_DB, MIN_GAP)
    errors = onset_errors(planned, found)
    held = result.played[1].target - start - whole.plan.events[1].at
    print(f"\nheld {held:.3f} s; errors (ms): " + " ".join(f"{e * 1000:+.2f}" for e in errors))
    assert held > 0.5  # the words were held for ...
    # ... exactly: each sound where the player put it (nan: none heard there; a server that
    # ran dry under a heavy load can add a stray onset, which matches none and is ignored)
    assert all(abs(e) <= ONSET_LIMITS["alsa"][1] for e in errors), errors

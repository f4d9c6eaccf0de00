"""The block mixer and the session leveler, measured as audio with numpy."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pyloudnorm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voiceguide import audio
from voiceguide.audio import RATE, Clip, limiter, peaks
from voiceguide.audio import loudness as meter
from voiceguide.audio.leveling import leveled
from voiceguide.audio.loudness import Workspace
from voiceguide.exporting import mix
from voiceguide.plan import Event, Plan, PlanStep
from voiceguide.testing import signals

T = TypeVar("T")


def make_plan(length: float, events: list[tuple[float, str, float]]) -> Plan:
    """A plan of one step with speech events ``(at, text, duration)`` (seconds)."""
    made = tuple(Event(at, "speech", duration, 0, text=text) for at, text, duration in events)
    return Plan("Test", length, (PlanStep("Only", "step", 0.0, length),), made)


def tone(seconds: float, pitch: float = 220.0, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * pitch * t)).astype(np.float32)


def clips_for(clips: dict[str, np.ndarray]):
    return lambda event: Clip(clips[event.text])


def whole(plan: Plan, clip_for, **kwargs) -> np.ndarray:
    return np.concatenate([np.zeros(0, np.float32), *mix.blocks(plan, clip_for, **kwargs)])


def test_mix_at_adds_only_the_part_inside_the_window():
    buffer = np.ones(10, dtype=np.float32)
    mix.mix_at(buffer, np.arange(1, 5, dtype=np.float32), -2)
    mix.mix_at(buffer, np.full(4, 10, dtype=np.float32), 8)
    mix.mix_at(buffer, np.full(3, 7, dtype=np.float32), 20)
    assert buffer.tolist() == [4, 5, 1, 1, 1, 1, 1, 1, 11, 11]


@pytest.mark.parametrize("block_seconds", [0.01, 1.0, 4.0, 100.0])
def test_blocks_cover_the_plan_to_the_frame_and_place_each_clip_at_its_frame(block_seconds):
    clicks = {"a": np.array([0.5, 0.25], np.float32), "b": np.array([-0.5], np.float32)}
    plan = make_plan(10.000013, [(0.0, "a", 2 / RATE), (3.99999, "b", 1 / RATE)])
    out = whole(plan, clips_for(clicks), block_seconds=block_seconds)
    assert len(out) == round(10.000013 * RATE)
    assert np.flatnonzero(out).tolist() == [0, 1, round(3.99999 * RATE)]
    assert out[[0, 1, round(3.99999 * RATE)]].tolist() == [0.5, 0.25, -0.5]


def test_a_clip_crossing_block_boundaries_is_whole_in_the_mix():
    clip = tone(3.3)
    plan = make_plan(12.0, [(1.7, "x", 3.3)])
    out = whole(plan, clips_for({"x": clip}), block_seconds=0.5)
    at = round(1.7 * RATE)
    np.testing.assert_array_equal(out[at : at + len(clip)], clip)
    assert not out[:at].any() and not out[at + len(clip) :].any()


def test_windows_cut_at_any_times_concatenate_to_the_whole():
    clips = {"x": tone(2.0), "y": tone(1.0, 330)}
    plan = make_plan(9.0, [(0.5, "x", 2.0), (4.2, "y", 1.0)])
    cuts = [0.0, 1.2345, 4.5, 4.50001, 9.0]
    windows = list(zip(cuts, cuts[1:], strict=False))
    parts = [whole(plan, clips_for(clips), start=a, end=b) for a, b in windows]
    assert [len(p) for p in parts] == [mix.frames(b) - mix.frames(a) for a, b in windows]
    np.testing.assert_array_equal(np.concatenate(parts), whole(plan, clips_for(clips)))


def test_a_clip_running_past_the_plans_end_is_a_value_error_not_a_cut():
    plan = make_plan(3.0, [(2.5, "long", 1.0)])
    with pytest.raises(ValueError, match=r"'long' at 2\.500s lasts 1\.000s, past the plan's end"):
        whole(plan, clips_for({"long": tone(1.0)}))
    with pytest.raises(ValueError, match="past the plan's end"):
        mix.level(plan, clips_for({"long": tone(1.0)}))


def test_a_window_outside_the_plan_is_refused():
    with pytest.raises(ValueError, match="not inside the plan"):
        list(mix.blocks(make_plan(1.0, []), clips_for({}), start=0.5, end=2.0))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 9)), max_size=6),
    st.integers(1, 5000),
)
@pytest.mark.slow
def test_blocks_equal_a_naive_whole_mix(spans, block_frames):
    """Property: for any events and block size, the blocks are the naive sum of the clips."""
    length = 50 * 1000 / RATE
    events, clips = [], {}
    expected = np.zeros(mix.frames(length), np.float32)
    for number, (start, size) in enumerate(spans):
        text = f"e{number}"
        clips[text] = np.random.default_rng(number).uniform(-0.1, 0.1, size * 1000)
        clips[text] = clips[text].astype(np.float32)
        events.append((start * 1000 / RATE, text, size * 1000 / RATE))
        expected[start * 1000 : (start + size) * 1000] += clips[text]
    if any(start + size > 50 for start, size in spans):
        return  # past the end: covered by the ValueError test
    plan = make_plan(length, sorted(events))
    out = whole(plan, clips_for(clips), block_seconds=block_frames / RATE)
    np.testing.assert_allclose(out, expected, atol=1e-7)
    # refilled in place: the same values, provided each block is used before the next
    reused = mix.blocks(plan, clips_for(clips), block_seconds=block_frames / RATE, reuse=True)
    out = np.concatenate([np.zeros(0, np.float32), *(block.copy() for block in reused)])
    np.testing.assert_allclose(out, expected, atol=1e-7)


def speechlike(seconds: float, seed: int) -> np.ndarray:
    """Noise bursts with a syllable rhythm and a high crest factor, like speech."""
    return signals.speechlike(seconds, seed, rhythm=4.0, sharpness=3, level=1.0)


def sparse_session(level_lufs: float, peak_db: float):
    """A 60 s plan with a few clips at ``level_lufs``, limited to ``peak_db`` dBTP."""
    clips = {}
    for number in range(4):
        samples = speechlike(2.0 + number, number)
        samples *= np.float32(audio.gain(level_lufs - meter.loudness(samples)))
        clips[f"c{number}"] = limiter.limit(samples, peak_db)
    events = [(3.0 + 14 * n, f"c{n}", len(clips[f"c{n}"]) / RATE) for n in range(4)]
    return make_plan(60.0, events), clips_for(clips)


def test_measure_equals_a_meter_run_over_the_whole_session():
    plan, clip_for = sparse_session(-20.0, -1.5)
    full = whole(plan, clip_for)
    assert mix.measure(plan, clip_for) == pytest.approx(meter.loudness(full), abs=1e-6)
    reference = pyloudnorm.Meter(RATE).integrated_loudness(full.astype(np.float64))
    assert mix.measure(plan, clip_for) == pytest.approx(reference, abs=0.1)


def test_measure_sums_the_filter_tails_of_sounds_close_together():
    clips = {f"c{n}": speechlike(1.0 + 0.3 * n, 10 + n) * np.float32(0.2) for n in range(5)}
    starts = [2.0, 3.05, 4.4, 5.5, 20.0]  # a few ms to 0.3 s apart: their tails overlap
    events = [(at, f"c{n}", len(clips[f"c{n}"]) / RATE) for n, at in enumerate(starts)]
    plan, clip_for = make_plan(30.0, events), clips_for(clips)
    full = whole(plan, clip_for)
    assert mix.measure(plan, clip_for) == pytest.approx(meter.loudness(full), abs=1e-5)


def test_measure_is_not_disturbed_by_clips_leveled_while_it_streams():
    """Leveling a clip (a cache miss, inside the measurement's stream) runs its own filter
    stream in the measurement's workspace; the measurement's stream must not notice."""
    clips = {f"c{n}": speechlike(1.0 + 0.3 * n, 10 + n) * np.float32(0.2) for n in range(5)}
    starts = [2.0, 3.05, 4.4, 5.5, 20.0]  # close together: the filter's state carries over
    events = [(at, f"c{n}", len(clips[f"c{n}"]) / RATE) for n, at in enumerate(starts)]
    plan, limited, work = make_plan(30.0, events), [], Workspace()

    def leveling(event: Event) -> Clip:
        samples = leveled(clips[event.text].copy(), None, -24.0, work, in_place=True)
        limited.append(not np.array_equal(samples, clips[event.text]))
        return Clip(samples)

    full = whole(plan, leveling)
    assert all(limited)
    assert mix.measure(plan, leveling, work) == pytest.approx(meter.loudness(full), abs=1e-5)


def test_level_brings_a_quiet_session_to_minus_16_under_the_peak_ceiling():
    plan, clip_for = sparse_session(-22.0, -1.5)  # +6 dB of gain would clip without limiting
    leveled, report = mix.level(plan, clip_for, ceiling_db=-1.0)
    out = whole(plan, leveled)
    assert report.gain_db > 5.0 and report.limited == 4
    assert pyloudnorm.Meter(RATE).integrated_loudness(out.astype(np.float64)) == pytest.approx(
        -16.0, abs=0.5
    )
    assert peaks.true_peak_db(out) <= -1.0
    assert report.lufs == pytest.approx(meter.loudness(out), abs=0.01)


def voiced(number: int, bursts: int) -> np.ndarray:
    """3 s of a voiced tone at -16 LUFS with ``bursts`` 20 ms noise bursts (plosives)
    peaking near -2 dBTP: the more bursts, the more a limiter takes away."""
    t = np.arange(3 * RATE) / RATE
    x = np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 4 * t))
    x += 0.3 * np.sin(2 * np.pi * 720 * t)
    rng = np.random.default_rng(number)
    for start in rng.integers(0, len(t) - 960, bursts):
        x[start : start + 960] += 0.8 * rng.standard_normal(960)
    x *= audio.gain(-16.0 - meter.loudness(x))
    return limiter.limit(x.astype(np.float32), -2.0)


def test_limiting_keeps_every_clip_as_loud_as_the_others():
    """Clips with more peaks lose more loudness to the limiter; that loss is made up."""
    clips = {f"c{n}": voiced(n, bursts) for n, bursts in enumerate([2, 10, 30])}
    plan = make_plan(20.0, [(2.0 + 5 * n, f"c{n}", 3.0) for n in range(3)])
    leveled, report = mix.level(plan, clips_for(clips), ceiling_db=-5.0)
    assert report.gain_db > 0.0 and report.limited == 3
    out = [leveled(e).samples for e in plan.events]
    kept = [meter.loudness(samples) for samples in out]
    plain = [
        meter.loudness(limiter.limit(c * audio.gain(report.gain_db), -5.0)) for c in clips.values()
    ]
    assert max(plain) - min(plain) > 0.4  # what a plain limiter would do
    assert max(kept) - min(kept) < 0.2, kept
    assert max(peaks.true_peak_db(samples) for samples in out) <= -5.0


def test_a_small_gain_scales_every_clip_alike_without_limiting():
    plan, clip_for = sparse_session(-16.5, -6.0)
    leveled, report = mix.level(plan, clip_for)
    assert report.limited == 0
    assert report.gain_db == pytest.approx(-16.0 - report.measured)
    expected = whole(plan, clip_for) * np.float32(audio.gain(report.gain_db))
    np.testing.assert_allclose(whole(plan, leveled), expected, rtol=1e-6, atol=1e-9)


def test_a_silent_session_gets_no_gain():
    plan = make_plan(5.0, [(1.0, "quiet", 1.0)])
    leveled, report = mix.level(plan, clips_for({"quiet": np.zeros(RATE, np.float32)}))
    assert report.gain_db == 0.0 and report.measured == -np.inf
    assert not whole(plan, leveled).any()


def traced_peak(work: Callable[[], T]) -> tuple[T, int]:
    """``work()``'s result and the most memory (bytes) traced while it ran."""
    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_mixing_eight_hours_keeps_memory_bounded():
    """Structural: the live frames do not grow with the session (8 h would be 5.5 GB)."""
    clips = {"cue": speechlike(8.0, 1), "short": speechlike(2.0, 2)}
    events = [
        (60.0 * n + 5, "cue" if n % 2 else "short", 8.0 if n % 2 else 2.0) for n in range(480)
    ]
    plan = make_plan(8 * 3600.0, events)
    mixed = mix.blocks(plan, clips_for(clips))  # a generator: nothing is mixed yet
    frames, peak = traced_peak(lambda: sum(len(block) for block in mixed))
    assert frames == mix.total_frames(plan)
    assert peak < 20 * 2**20, f"{peak / 2**20:.1f} MiB traced while mixing 8 h"


def test_energies_summed_block_by_block_equal_those_of_the_whole():
    rng = np.random.default_rng(5)
    signal = meter.k_weight(rng.standard_normal(int(23.7 * RATE)) * 0.1).astype(np.float32)
    expected = meter.weighted_energies(signal)
    for size in (4 * RATE, RATE, 12_345):  # whole hops, and not
        parts = (signal[i : i + size] for i in range(0, len(signal), size))
        assert np.allclose(meter.streamed_energies(parts), expected, rtol=1e-6, atol=0)


def _level_traced_peak(hours: float, texts: int) -> float:
    """MB traced at most while leveling a session of ``hours`` that cycles through ``texts``
    distinct peaky cues (1-2 s; made on demand, as the clip cache reads them)."""
    events = [
        (30.0 * n + 3, f"cue {n % texts}", 1.0 + (n % texts) % 2) for n in range(int(hours * 120))
    ]
    plan = make_plan(hours * 3600.0, events)

    def clip_for(event: Event) -> Clip:
        number = int(event.text.split()[1])
        samples = speechlike(1.0 + number % 2, number) * np.float32(0.1)
        return Clip(samples)

    (_, report), peak = traced_peak(lambda: mix.level(plan, clip_for, ceiling_db=-12.0))
    assert report.limited == texts  # every cue needed the limiter: its memory is counted
    return peak / 2**20


@pytest.mark.slow
def test_leveling_a_long_session_needs_no_more_memory_than_a_short_one():
    """Structural: measuring, limiting and leveling hold fixed buffers and a few clips,
    whatever the session's length and its number of distinct cues."""
    short = _level_traced_peak(10 / 60, 10)
    long = _level_traced_peak(0.5, 30)
    assert long <= short + 0.25, f"{long:.1f} MB traced at 30 min, {short:.1f} MB at 10 min"


def _limiting_traced_peak(clip: np.ndarray, ceiling_db: float) -> int:
    out, peak = traced_peak(lambda: leveled(clip, None, ceiling_db, in_place=True))
    assert out is clip and peaks.true_peak_db(out) <= ceiling_db
    return peak


@pytest.mark.slow
def test_limiting_a_long_clip_needs_work_memory_of_a_few_copies_of_it():
    """Structural: the limiter's gain is sparse and applied in place, its peaks are read a
    piece at a time and the K-weighted signal is made again only around dips, all beside
    the K-weighting filter's fixed buffers (~2.2 MB). It took 14 copies once, then 3.6
    (deep) and 2.3 (light) beside the filter when it kept a K-weighted copy and the peaks."""
    clip = speechlike(13.0, 3) * np.float32(0.5)
    filter_bytes = 2.5 * 2**20
    peak = _limiting_traced_peak(clip.copy(), -6.0)  # deep: dips on 44 % of the frames
    assert peak <= 3 * clip.nbytes + filter_bytes, f"{peak / clip.nbytes:.1f} copies"
    ceiling = peaks.true_peak_db(clip) - 1.0  # as speech a little over the ceiling
    peak = _limiting_traced_peak(clip.copy(), ceiling)
    assert peak <= 0.6 * clip.nbytes + filter_bytes, f"{peak / clip.nbytes:.2f} copies"


def test_clips_known_under_their_ceiling_are_leveled_without_measuring_their_peaks_first(
    monkeypatch,
):
    """Issue 24: a served session's first byte waited for every clip's true peak. Clips made
    under a known ceiling, at a gain that cannot bring them near the mix's, are not measured
    before the first block: the same gain, the same samples."""
    plan, clip_for = sparse_session(-16.5, -6.0)
    before, report = mix.level(plan, clip_for)
    measured = []
    real = mix.true_peak_db
    monkeypatch.setattr(mix, "true_peak_db", lambda samples: measured.append(1) or real(samples))
    leveled, quick = mix.level(plan, clip_for, clip_ceiling_db=-6.0)  # made under -6 dBTP
    assert measured == []  # the first block needs the loudness alone
    assert (quick.gain_db, quick.lufs, quick.limited) == (report.gain_db, report.lufs, 0)
    assert quick.true_peak == pytest.approx(-6.0 + quick.gain_db)  # the bound
    np.testing.assert_array_equal(whole(plan, leveled), whole(plan, before))
    assert len(measured) == len(plan.events)  # each clip's peak taken as it is handed out


def test_a_clip_that_strays_over_its_known_ceiling_is_still_limited():
    plan, clip_for = sparse_session(-16.5, -1.5)  # said to be under -9 dBTP: they are not
    leveled, report = mix.level(plan, clip_for, ceiling_db=-1.5, clip_ceiling_db=-9.0)
    out = whole(plan, leveled)
    assert report.limited == 0 and leveled.limited  # found as they were handed out
    assert peaks.true_peak_db(out) <= -1.5


def test_an_island_that_recurs_is_k_weighted_once_and_measured_wherever_it_falls(monkeypatch):
    """Issue 24: the measurement (before a served session's first byte) K-weighted every
    island anew; one that recurs is weighted once now, its blocks taken at each place's own
    phase on the grid: the loudness a meter over the whole session reads."""
    clips = {"cue": speechlike(2.5, 3) * np.float32(0.2), "bell": speechlike(0.7, 4)}
    starts = [1.013, 9.5, 17.77731, 30.0, 41.2002]  # every phase of the 100 ms grid differs
    events = [(at, "cue", 2.5) for at in starts] + [(at + 2.6, "bell", 0.7) for at in starts]
    events.append((52.0, "bell", 0.7))  # alone: a shape of its own
    plan, clip_for = make_plan(60.0, sorted(events)), clips_for(clips)
    weighted = []
    real = mix.k_weight
    monkeypatch.setattr(mix, "k_weight", lambda *a, **k: weighted.append(1) or real(*a, **k))
    assert mix.measure(plan, clip_for) == pytest.approx(
        meter.loudness(whole(plan, clip_for)), abs=1e-6
    )
    assert len(weighted) == 2  # the cue and its bell, five times; the bell alone

"""What a cold render shows: texts done, and an estimate of the time it still needs, measured
after the engine has started."""

from __future__ import annotations

from voiceguide.cli.output import RenderProgress
from voiceguide.testing.fakes import FakeClock


def shown(capsys) -> list[str]:
    return [part.replace("\x1b[K", "") for part in capsys.readouterr().err.split("\r") if part]


def test_the_estimate_waits_for_texts_done_after_the_first_and_counts_from_it(capsys):
    clock = FakeClock(start=0.0)
    progress = RenderProgress(clock)
    progress(0, 4)
    clock.sleep(5.0)  # the engine starting, and the first text
    progress(1, 4)
    clock.sleep(1.0)
    progress(2, 4)
    clock.sleep(1.0)
    progress(3, 4)
    progress(4, 4)
    assert shown(capsys) == [
        "rendering speech 0/4",
        "rendering speech 1/4",  # nothing measured yet
        "rendering speech 2/4",  # one text after the first: not yet
        "rendering speech 3/4, done in about 1s",
        "rendering speech 4/4\n",
    ]


def test_a_slow_engine_start_does_not_make_a_long_estimate(capsys):
    """Piper's start (3 s here) counted per text made "about 2m24s" of a 10 s render."""
    clock = FakeClock(start=0.0)
    progress = RenderProgress(clock)
    progress(0, 49)
    clock.sleep(3.0)
    progress(1, 49)  # both workers' first texts end together
    progress(2, 49)
    for done in range(3, 11):
        clock.sleep(0.175)  # two workers: a text every 0.175 s from here on
        progress(done, 49)
    lines = shown(capsys)
    assert all("about" not in line for line in lines[:6])  # under a second measured
    assert lines[-1] == "rendering speech 10/49, done in about 6s"  # 39 more: 6.8 s


def test_a_long_render_says_it_happens_only_once(capsys):
    clock = FakeClock(start=0.0)
    progress = RenderProgress(clock)
    progress(0, 40)
    for done in range(1, 5):
        clock.sleep(1.0)
        progress(done, 40)
    assert shown(capsys)[-1] == (
        "rendering speech 4/40, done in about 36s (only the first time: clips are cached)"
    )

"""What a cold render shows: texts done, and an estimate of the time it still needs."""

from __future__ import annotations

from voiceguide.cli.output import RenderProgress
from voiceguide.testing.fakes import FakeClock


def shown(capsys) -> list[str]:
    return [part.replace("\x1b[K", "") for part in capsys.readouterr().err.split("\r") if part]


def test_the_progress_line_estimates_the_time_left_from_the_texts_done(capsys):
    clock = FakeClock(start=0.0)
    progress = RenderProgress(clock)
    progress(0, 4)
    clock.sleep(2.0)
    progress(1, 4)
    clock.sleep(2.0)
    progress(2, 4)
    progress(4, 4)
    assert shown(capsys) == [
        "rendering speech 0/4",
        "rendering speech 1/4, done in about 6s",
        "rendering speech 2/4, done in about 4s",
        "rendering speech 4/4\n",
    ]


def test_a_slow_first_render_says_it_happens_only_once(capsys):
    clock = FakeClock(start=0.0)
    progress = RenderProgress(clock)
    progress(0, 40)
    clock.sleep(3.0)
    progress(1, 40)
    assert shown(capsys)[-1] == (
        "rendering speech 1/40, done in about 1m57s (only the first time: clips are cached)"
    )

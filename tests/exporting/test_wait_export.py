"""An export of a routine with a waiting step (issue 22, 1): the step lasts its written
duration, decoded and measured; no hold, no reminder. And in rounds the file lasts the
asked length to the frame."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from tests.live.test_waiting import ROUTINE  # the held-out routine that waits
from voiceguide import exporting as export
from voiceguide.audio import RATE
from voiceguide.exporting import mix
from voiceguide.testing.onsets import onset_error


@pytest.mark.slow  # over 2 s (--durations)
@pytest.mark.parametrize("length", [None, 9 * 60.0])  # as written; in rounds
def test_the_waiting_step_lasts_its_written_duration_in_the_file(
    prepare, write_routine, tmp_path, length
):
    prepared = prepare(write_routine(ROUTINE), length=length)
    plan = prepared.plan
    (waits,) = [i for i, s in enumerate(plan.steps) if s.wait]
    turn, front = plan.steps[waits], plan.steps[waits + 1]
    assert turn.end - turn.start == 45.0
    target = tmp_path / "waits.wav"
    export.export(prepared, target)
    decoded, rate = sf.read(target, dtype="float32")
    assert rate == RATE
    assert len(decoded) == mix.frames(plan.length)
    if length is not None:
        assert len(decoded) == round(length * RATE)
    # Turn over's chime at its start, Front's exactly 45 s later: nothing held
    chimes = [e for e in plan.events if e.kind == "chime" and e.at in (turn.start, front.start)]
    assert [e.at for e in chimes] == [turn.start, front.start]
    for event in chimes:
        assert abs(onset_error(decoded, prepared.clip(event).samples, event.at)) <= 1e-3
    # silence between Turn over's words and Front's chime: no reminder in a file
    said = max(e.end for e in plan.events if e.step == waits)
    quiet = decoded[mix.frames(said) + 480 : mix.frames(front.start) - 480]
    assert len(quiet) > RATE and np.abs(quiet).max() < 1e-4

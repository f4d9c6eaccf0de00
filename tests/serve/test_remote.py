"""What the page reads of the live player: the ``state`` strings it compares (app.js)."""

from __future__ import annotations

import dataclasses
import json

from voiceguide.live.status import Reason, Status
from voiceguide.serve.remote import IDLE, State, status_json


def test_the_states_reach_the_page_as_the_strings_it_compares(prepare):
    plan = prepare("neck-stretch", 60.0).plan
    playing = Status(Reason.TICK, 1.0, plan.length, plan.steps[0], plan.steps[1], False, 3)
    seen = [
        json.loads(json.dumps(status_json(status, "neck-stretch")))["state"]
        for status in (
            playing,
            dataclasses.replace(playing, reason=Reason.PAUSED, paused=True),
            dataclasses.replace(playing, reason=Reason.QUIT),
            dataclasses.replace(playing, reason=Reason.END),
        )
    ]
    assert seen == ["playing", "paused", "stopped", "ended"]
    assert json.dumps(IDLE) == '{"state": "idle"}'
    assert [str(state) for state in State] == [
        "idle",
        "playing",
        "paused",
        "ended",
        "stopped",
        "error",
    ]

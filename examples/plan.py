"""Plan a session: fit a routine to the time you have and print when each part starts.

    python examples/plan.py [ROUTINE] [MINUTES]      # default: back-massage, 10

ROUTINE is a built-in's name (``voiceguide list``) or a routine file. Speech is rendered
first (into the cache: a second run is instant), because how long the instructions take is
part of the fit.
"""

from __future__ import annotations

import sys

import voiceguide


def main(name: str = "back-massage", minutes: float = 10.0) -> None:
    options = voiceguide.Options(length=minutes * 60)  # every time is in seconds
    with voiceguide.renderer() as engine:
        session = voiceguide.prepare(name, options, engine)
    plan = session.plan
    print(f"{plan.title}: {plan.length:.1f} s, {len(plan.steps)} parts")
    for part in plan.steps:
        print(f"{part.start:7.1f} s  {part.end - part.start:6.1f} s  {part.title}")
    spoken = [event for event in plan.events if event.kind == "speech"]
    print(f"{len(spoken)} spoken cues, {len(plan.events)} sounds in all")


if __name__ == "__main__":
    try:
        main(*sys.argv[1:2], *map(float, sys.argv[2:3]))
    except voiceguide.VoiceguideError as error:  # what a user can cause: one line
        sys.exit(f"{error}")

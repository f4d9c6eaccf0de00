"""Play a session live against a fake clock: the player starts every chime, cue and beat at
its second of the session, with no sound card and no waiting. This is how voiceguide's own
player tests run: the clock and the sound device are injected.

    python examples/live_fake_clock.py [ROUTINE] [MINUTES]   # default: neck-stretch, 2

For real sound, ``voiceguide.play_live(lambda: session)`` opens the sound device instead.
"""

from __future__ import annotations

import sys
import time

import voiceguide
from voiceguide.testing.fakes import FakeBackend, FakeClock


def main(name: str = "neck-stretch", minutes: float = 2.0) -> None:
    with voiceguide.renderer() as engine:
        session = voiceguide.prepare(name, voiceguide.Options(length=minutes * 60), engine)
    clock = FakeClock()  # moves only when slept on: a session lasts no real time
    backend = FakeBackend(clock)  # records what it is asked to play, and when
    began = time.monotonic()
    result = voiceguide.play(session, backend, clock=clock, sleep=clock.sleep)
    for played in result.played:
        event = played.event
        what = event.text if event.kind == "speech" else event.sound.name
        off = abs(played.called - played.target)  # seconds on the injected clock
        print(f"{event.at:8.3f} s  {event.kind:<6} off by {off * 1000:.2f} ms  {what}")
    seconds = time.monotonic() - began
    print(f"played {len(result.played)} sounds over {result.position:.1f} s in {seconds:.2f} s")


if __name__ == "__main__":
    try:
        main(*sys.argv[1:2], *map(float, sys.argv[2:3]))
    except voiceguide.VoiceguideError as error:
        sys.exit(f"{error}")

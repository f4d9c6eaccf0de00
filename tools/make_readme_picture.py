"""Write docs/back-massage.svg, the picture README.md shows: `voiceguide plan back-massage
--picture` at the routine's own length.

    .venv/bin/python tools/make_readme_picture.py [OUT.svg]

The speech comes from the fake tone engine (its lengths follow the text, within about a
second of espeak-ng's), in a throwaway cache: so the file is the same bytes on every machine
with the matplotlib of constraints.txt, and tests/picture/test_picture.py can tell when it is stale.
Run this after changing voiceguide/picture/, the routine or the planner, and commit the
result.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUTINE = "back-massage"
TARGET = ROOT / "docs" / f"{ROUTINE}.svg"


def make() -> bytes:
    """The SVG of the README's picture."""
    from voiceguide import fit, picture, session
    from voiceguide.testing.fakes import tone_renderer

    with (
        tempfile.TemporaryDirectory() as cache,
        tone_renderer() as renderer,
    ):
        prepared = session.prepare(ROUTINE, session.Options(), renderer, Path(cache))
    fits = fit.shown_range(*session.length_range(prepared))
    return picture.render(prepared.plan, "svg", fits)


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET
    target.write_bytes(make())
    print(f"wrote {target}")


if __name__ == "__main__":
    main()

"""Export a session with a sound bed under it: neck-stretch fitted to three minutes, over the
built-in ocean bed, as a FLAC file with a chapter per step at -16 LUFS.

    python examples/export_with_bed.py [OUT]          # default: neck-stretch-ocean.flac

The extension picks the format (.wav .flac .ogg .opus .mp3). The file is complete or
absent: it is written beside OUT and moved into place at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

import voiceguide


def main(target: Path = Path("neck-stretch-ocean.flac")) -> None:
    options = voiceguide.Options(length=180.0, bed="ocean")
    with voiceguide.renderer() as engine:
        session = voiceguide.prepare("neck-stretch", options, engine)
        written = voiceguide.export(session, target)
    print(
        f"wrote {written.path}: {written.seconds:.3f} s, {written.format}, "
        f"{written.level.lufs:.1f} LUFS, true peak {written.peak_db:.1f} dBTP, "
        f"bed {session.plan.bed.sound}"
    )


if __name__ == "__main__":
    try:
        main(*map(Path, sys.argv[1:2]))
    except voiceguide.VoiceguideError as error:
        sys.exit(f"{error}")

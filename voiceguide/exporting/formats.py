"""The formats exports are written in, in one table; and the sizes a file can hold.

Every file is mono at 48 kHz (the clips' rate, and the one Opus needs) but MP3, which is
written at 24 kHz: nothing voiceguide mixes has sound above 11 kHz (espeak-ng speaks at
22.05 kHz; the chimes' energy above 8 kHz is 1e-12 of the total), and LAME, most of an MP3
export's time, then has half the frames to encode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voiceguide import durations
from voiceguide.atomic import shown
from voiceguide.audio import RATE
from voiceguide.audio.leveling import MIX_CEILING_DB
from voiceguide.choices import ExportFormat
from voiceguide.errors import UsageError
from voiceguide.exporting.mix import frames
from voiceguide.plan import Plan

WAV_MAX_BYTES = 2**32 - 1 - 1024  # a RIFF file's sizes are 32-bit; keep room for the header


@dataclass(frozen=True)
class Format:
    """An output format: libsndfile ``container`` and ``subtype``, whether it is ``lossy``,
    the encoder's ``options``, the file's ``rate`` (frames per second) and the true-peak
    ceiling (dBTP) its mix is limited to before encoding (``leveling.MIX_CEILING_DB``)."""

    name: ExportFormat
    container: str
    subtype: str
    lossy: bool
    options: tuple[tuple[str, object], ...] = ()
    rate: int = RATE

    @property
    def ceiling_db(self) -> float:
        return MIX_CEILING_DB[self.name]


# Quality settings suit mono speech: MP3 LAME VBR ~V2 at 24 kHz (at V4 one cue decoded too
# close to -1 dBTP), Vorbis q4 (~65 kbit/s), Opus ~64 kbit/s.
FORMATS = {
    ExportFormat.WAV: Format(ExportFormat.WAV, container="WAV", subtype="PCM_16", lossy=False),
    ExportFormat.FLAC: Format(ExportFormat.FLAC, container="FLAC", subtype="PCM_24", lossy=False),
    ExportFormat.MP3: Format(
        ExportFormat.MP3,
        container="MP3",
        subtype="MPEG_LAYER_III",
        lossy=True,
        options=(("bitrate_mode", "VARIABLE"), ("compression_level", 0.2)),
        rate=24_000,  # MPEG-2 Layer III: see the module docstring
    ),
    ExportFormat.OGG: Format(
        ExportFormat.OGG,
        container="OGG",
        subtype="VORBIS",
        lossy=True,
        options=(("compression_level", 0.6),),
    ),
    ExportFormat.OPUS: Format(
        ExportFormat.OPUS,
        container="OGG",
        subtype="OPUS",
        lossy=True,
        options=(("compression_level", 0.8),),
    ),
}
EXTENSIONS = {
    ".wav": ExportFormat.WAV,
    ".flac": ExportFormat.FLAC,
    ".ogg": ExportFormat.OGG,
    ".oga": ExportFormat.OGG,
    ".opus": ExportFormat.OPUS,
    ".mp3": ExportFormat.MP3,
}
STDOUT = "-"  # the target that means standard output (a str: Path("-") is a file named "-")


def is_stdout(target: Path | str) -> bool:
    """``target`` is ``STDOUT``: exactly the string ``"-"``, never a ``Path``."""
    return isinstance(target, str) and target == STDOUT


def format_for(target: Path | str, fmt: str | None = None, format_option: bool = True) -> Format:
    """The format ``fmt`` names, else the one of ``target``'s extension (wav for
    ``STDOUT``); ``UsageError`` if neither is known, suggesting ``--format`` only when the
    command has it (``format_option``)."""
    names = ", ".join(FORMATS)
    if fmt is None and is_stdout(target):
        return FORMATS[ExportFormat.WAV]
    if fmt is not None:
        if fmt.lower().lstrip(".") not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}: use one of {names}")
        return FORMATS[ExportFormat(fmt.lower().lstrip("."))]
    suffix = Path(target).suffix.lower()
    if suffix not in EXTENSIONS:
        given = f", or give the format ({names})" if format_option else ""
        raise UsageError(
            f"cannot tell the format of '{shown(target)}' from its extension: "
            f"name it .wav, .flac, .ogg, .opus or .mp3{given}"
        )
    return FORMATS[EXTENSIONS[suffix]]


def check_size(plan: Plan, form: Format, track: int | None = None, name: str = "") -> None:
    """``UsageError`` when the file would not hold the audio (a WAV file holds 4 GiB), for
    the whole plan or its step ``track`` (an index: a split track, named ``name``). Called
    before any audio is mixed, once the plan is known."""
    step = None if track is None else plan.steps[track]
    span = (0.0, plan.length) if step is None else (step.start, step.end)
    count = frames(span[1]) - frames(span[0])
    if form.name != ExportFormat.WAV or count * 2 <= WAV_MAX_BYTES:
        return
    longest = durations.humanize(WAV_MAX_BYTES // 2 // RATE)
    lasts = durations.humanize(span[1] - span[0])
    if track is None:
        advice = f"export {lasts} to .flac instead"
    else:
        advice = f"track {name!r} would last {lasts}: split it as flac instead"
    raise UsageError(f"a .wav file holds at most {longest} of 48 kHz 16-bit audio; {advice}")

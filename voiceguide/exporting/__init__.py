"""Exports: the session mixed (``mix``) and encoded (``encode``) into files with chapters and
tags (``chapters``), subtitles (``subtitles``), one file per step with a playlist and a
manifest (``manifest``), or standard output (``stream``); targets checked before any work
(``targets``) in the formats of one table (``formats``). ``write`` holds the entry points.
"""

from voiceguide.exporting.formats import EXTENSIONS, FORMATS, STDOUT, Format, format_for, is_stdout
from voiceguide.exporting.mix import Level
from voiceguide.exporting.targets import (
    ELSE_EXPORT,
    EXPORT,
    PICTURE,
    SAY,
    Writer,
    check_file,
    check_split_target,
    check_target,
    length_targets,
)
from voiceguide.exporting.write import (
    PLAYLIST,
    Exported,
    Track,
    check_targets,
    export,
    export_many,
    export_split,
    export_stream,
    playlist,
    safe_name,
    session_tags,
    track_names,
    write_clip,
)

__all__ = [
    "ELSE_EXPORT",
    "EXPORT",
    "EXTENSIONS",
    "FORMATS",
    "PICTURE",
    "PLAYLIST",
    "SAY",
    "STDOUT",
    "Exported",
    "Format",
    "Level",
    "Track",
    "Writer",
    "check_file",
    "check_split_target",
    "check_target",
    "check_targets",
    "export",
    "export_many",
    "export_split",
    "export_stream",
    "format_for",
    "is_stdout",
    "length_targets",
    "playlist",
    "safe_name",
    "session_tags",
    "track_names",
    "write_clip",
]

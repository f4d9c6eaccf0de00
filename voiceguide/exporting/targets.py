"""May an export write here? The checks made before any work, one ``UsageError`` each.

A file target may be new, or an existing regular file the user may write (``os.access``: root
may, as with the shell's ``>``); a symbolic link is followed to the file it points to. A
directory, a FIFO, a device or a socket is refused: renaming a file over one would replace it
(as root, ``/dev/null`` itself). A split directory may be new, empty, or an earlier split whose
every entry is a verified file of its manifest (``manifest.py``). Messages show paths with
``atomic.shown``: a name that is not UTF-8 prints with its bytes escaped.

No target may be a file the session reads (``session.Inputs``: the routine, its bed, chimes,
pace sounds, the lexicon), under any name: files are compared by device and inode, so a
link, a hard link or another path to one is refused too; nor may it lie in the speech
cache. A ``Writer`` says what the command asking can write, so that advice is something it
can do (``play --else-export`` has no ``--format``; ``plan --picture`` cannot write ``-``).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voiceguide import atomic, durations, manifest
from voiceguide.atomic import shown
from voiceguide.errors import UsageError
from voiceguide.exporting import stream
from voiceguide.exporting.formats import STDOUT, Format, format_for, is_stdout
from voiceguide.exporting.inputs import check_inputs, check_split_inputs
from voiceguide.exporting.subtitles import vtt_for
from voiceguide.session import Inputs

NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems
PATH_MAX = 4096  # bytes in a path on Linux

_KINDS = {
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFIFO: "FIFO (named pipe)",
    stat.S_IFSOCK: "socket",
}


@dataclass(frozen=True)
class Writer:
    """A command's option that names a file to write, for messages that advise only what
    that command can do: the ``option`` as typed, an ``example`` of a name it writes,
    whether ``-`` (standard output) is one (``stdout``), and whether it has ``--format``."""

    option: str = "-o"
    example: str = "a.mp3"
    stdout: bool = True
    format_option: bool = True


EXPORT = Writer()
ELSE_EXPORT = Writer("--else-export", "session.mp3", stdout=False, format_option=False)
SAY = Writer("-o", "say.wav", stdout=False, format_option=False)
PICTURE = Writer("--picture", "plan.svg", stdout=False, format_option=False)
VTT = Writer("--vtt", "a.vtt", stdout=False, format_option=False)


def check_file(
    target: Path | str,
    advice: str | None = None,
    *,
    writer: Writer = EXPORT,
    reads: Inputs | None = None,
) -> Path:
    """Check that the file ``target`` may be written or replaced, and is none of the files
    ``reads`` lists (``check_inputs``); returns the path written (``target``, or the file
    its link points to). ``advice`` replaces what the message of a directory or special file
    there says to do; else it is ``writer``'s."""
    target = Path(target)
    real = atomic.resolve(target)
    info = _stat(target, target)  # through every link, /proc's of /dev/stdout too
    if info is None:
        check_inputs(target, reads, writer.option)  # a new file in the cache
        check_directory(real.parent)
        return real
    linked = real != target and os.path.lexists(real)
    named = f"{shown(target)} (a link to {shown(real)})" if linked else shown(target)
    if stat.S_ISDIR(info.st_mode):
        advice = advice or f"give a file name, such as {shown(target / writer.example)}"
        raise UsageError(f"{named} is a directory: {advice}")
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "special file")
        if stream.names_standard_output(target):
            kind = "pipe" if stat.S_ISFIFO(info.st_mode) else kind
            raise UsageError(
                f"{writer.option} {shown(target)} is standard output (a {kind} here), and this "
                f"command writes files only: give a file name, such as {writer.example}"
            )
        dash = " ('-' writes to standard output)" if writer.stdout else ""
        advice = advice or f"give a file name{dash}"
        raise UsageError(
            f"{named} is a {kind}, not a regular file: voiceguide writes only regular "
            f"files; {advice}"
        )
    check_inputs(target, reads, writer.option, info)
    if not os.access(real, os.W_OK):
        raise UsageError(f"{named} is read-only: make it writable (chmod u+w) or give another name")
    check_directory(real.parent)
    return real


def check_split_directory(directory: Path, reads: Inputs | None = None) -> Path:
    """Check that ``directory`` may receive a split export; returns the directory written
    (``directory``, or the one its link points to).

    It may be absent, empty, or an earlier split: every entry a verified file of its manifest,
    to be replaced. Anything else is refused naming the first foreign entry: voiceguide never
    deletes a file it did not write. It must have a name of its own (not ``.``, ``..``,
    ``-`` or the working directory: the split replaces the folder as a whole), leave room
    in its path for a track's name, and hold none of the files ``reads`` lists.
    """
    directory = Path(directory)
    _check_folder_name(directory)
    real = atomic.resolve(directory)
    info = _stat(real, directory)
    if info is not None:
        if not stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{shown(directory)} is not a directory: --split needs a directory")
        if _is_working_directory(info):
            raise UsageError(_unnamed(directory, "is the working directory"))
    check_split_inputs(real, directory, reads)
    if info is not None:
        _check_replaceable(real, directory)
    check_directory(real.parent)
    _check_room(real, directory)
    return real


def _is_working_directory(info: os.stat_result) -> bool:
    try:
        return os.path.samestat(info, os.stat("."))
    except OSError:  # the working directory was removed
        return False


def _check_folder_name(directory: Path) -> None:
    if str(directory) == STDOUT:
        raise UsageError(
            "--split -: tracks go into a folder, not to standard output (-o - streams one "
            "file); give a folder's name, such as tracks"
        )
    if directory.name in ("", ".", ".."):
        raise UsageError(_unnamed(directory, "names no folder of its own"))


def _unnamed(directory: Path, what: str) -> str:
    return (
        f"--split {shown(directory)} {what}: a split replaces its folder as a whole, so "
        "give a new folder's name, such as tracks"
    )


def _check_room(real: Path, directory: Path) -> None:
    """The longest track's path (in the temporary folder beside ``real``, where the link
    ``directory`` leads) fits ``PATH_MAX``."""
    folder = os.fsencode(os.path.abspath(real))
    longest = len(folder) + atomic.TEMP_ROOM + len("/") + name_max(real.parent)
    if longest >= PATH_MAX:
        raise UsageError(
            f"--split {shown(directory)}: the folder's path is too long for its tracks' names "
            f"({len(folder)} bytes; with a track's name it would pass {PATH_MAX}): give a "
            "shorter path"
        )


def name_max(directory: Path) -> int:
    """The longest file name (bytes) ``directory``'s file system takes, at most ``NAME_MAX``."""
    try:
        return min(NAME_MAX, os.pathconf(directory, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return NAME_MAX


def check_directory(directory: Path) -> None:
    """``directory`` exists and a file can be created in it (tried for real: read-only mounts
    and ACLs are caught too)."""
    directory = Path(directory)
    named = shown(directory) if str(directory) else "."
    info = _stat(directory, directory)
    if info is None or not stat.S_ISDIR(info.st_mode):
        raise UsageError(f"output directory {named} does not exist: create it first (mkdir -p)")
    try:
        atomic.probe(directory)
    except OSError as exc:
        raise UsageError(
            f"cannot write to {named}: {exc.strerror}; choose another output directory"
        ) from exc


def _check_replaceable(real: Path, directory: Path) -> None:
    foreign = manifest.foreign(real)
    if foreign is not None and manifest.listed(real) is None:
        raise UsageError(
            f"{shown(directory)} is not empty and holds no split written by voiceguide (no "
            f"valid {manifest.NAME}; first entry '{shown(foreign)}'): give a new or empty "
            "directory, or empty this one yourself"
        )
    if foreign is not None:
        raise UsageError(
            f"{shown(directory)} holds '{shown(foreign)}', which voiceguide did not write there "
            "or which changed since: move it out of the directory, or give a new or empty one"
        )
    if os.listdir(real) and not os.access(real, os.W_OK | os.X_OK):
        raise UsageError(
            f"{shown(directory)} is read-only: make it writable or give another directory"
        )


def _stat(path: Path, named: Path) -> os.stat_result | None:
    """``os.stat(path)``, ``None`` if nothing is there; a path that cannot be used at all (a
    name too long, a loop of links, a file where a directory should be) is a ``UsageError``."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise UsageError(_too_long(path)) from exc
        raise UsageError(f"cannot use {shown(named)}: {exc.strerror}; give another name") from exc


def _too_long(path: Path) -> str:
    longest = max(Path(path).parts, key=lambda part: len(os.fsencode(part)))
    size = len(os.fsencode(longest))
    start = shown(longest)[:40]
    if size > NAME_MAX:
        return (
            f"file name too long ({size} bytes, at most {NAME_MAX}): {start}...; "
            "give a shorter name"
        )
    return (
        f"path too long ({len(os.fsencode(path))} bytes): {shown(path)[:40]}...; give a shorter one"
    )


def check_target(
    target: Path | str,
    fmt: str | None = None,
    vtt: bool = False,
    *,
    writer: Writer = EXPORT,
    reads: Inputs | None = None,
) -> Format:
    """Check, before any rendering, that ``target`` can be written; returns its ``Format``.

    Raises ``UsageError`` (exit status 2) for an unknown format, a missing or unwritable
    directory, a target that is a directory, a device, a FIFO or a socket, or a read-only
    file (see ``targets.check_file``; a link is followed), or one of the files the session
    reads (``reads``; see ``inputs.check_inputs``). Writability is tried for real (a
    temporary file is created and removed), so read-only mounts and ACLs are caught too.
    ``STDOUT`` is refused when standard output is a terminal; a path to standard output that
    is no file (``/dev/stdout`` into a pipe) is taken as ``STDOUT`` when ``writer`` can
    write it (see ``as_target``). With ``vtt``, the WebVTT file beside it (``vtt_for``) is
    checked by the same rules, and must not be the audio file. Messages advise what
    ``writer`` can do.
    """
    target = as_target(target) if writer.stdout else target
    if is_stdout(target):
        if vtt:
            raise UsageError(
                "standard output ('-') carries the audio only: give a file name to write "
                "subtitles (vtt) beside it"
            )
        stream.check_open()
        if stream.is_terminal():
            raise UsageError(
                "standard output is a terminal, which plays no audio: pipe it to a player "
                "(... - | mpv -) or give a file name"
            )
        check_inputs(STDOUT, reads, writer.option, stream.output_stat())
        return format_for(target, fmt)
    written = check_file(target, writer=writer, reads=reads)
    form = format_for(target, fmt, writer.format_option)
    if not vtt:
        return form
    subtitles = vtt_for(target)
    advice = "the subtitles (--vtt) go there: move it away, or give the audio another name"
    if os.path.abspath(check_file(subtitles, advice, writer=VTT, reads=reads)) == os.path.abspath(
        written
    ):
        raise UsageError(
            f"the subtitles would be written over the audio: both are {shown(target)}; "
            f"name the audio file after its format (such as "
            f"{shown(subtitles.with_suffix('.' + form.name))})"
        )
    return form


def as_target(target: Path | str) -> Path | str:
    """``STDOUT`` for a path that names standard output and is no file (``/dev/stdout``
    into a pipe: ``stream.names_standard_output``), else ``target``."""
    if not is_stdout(target) and stream.names_standard_output(target):
        return STDOUT
    return target


def check_split_target(directory: Path, fmt: str, reads: Inputs | None = None) -> Format:
    """Check that ``directory`` can receive a split export; returns the ``Format``.

    ``directory`` may be absent, empty, or an earlier split: nothing in it but the files
    its manifest lists, unchanged (``manifest.py``), which are replaced. Anything else is a
    ``UsageError`` naming the first foreign entry: we never delete a user's files. Nor may
    it hold a file the session reads (``reads``), be ``.`` or ``-``: see
    ``check_split_directory``.
    """
    form = format_for(directory, fmt)
    check_split_directory(directory, reads)
    return form


def check_distinct(jobs: Sequence[tuple[float, Path | str]], vtt: bool = False) -> None:
    """``UsageError`` naming both lengths and the file when two jobs would write one file
    (``-l 2m -l 2m0.4s``: file names round to whole seconds), links followed; with ``vtt``
    their WebVTT files count too (``a.wav`` and ``a.flac`` share ``a.vtt``)."""
    seen: dict[Path | str, tuple[float, Path | str]] = {}
    outputs = [(length, target) for length, target in jobs]
    if vtt:
        outputs += [(length, vtt_for(target)) for length, target in jobs if not is_stdout(target)]
    for length, target in outputs:
        key = target if is_stdout(target) else Path(os.path.abspath(atomic.resolve(target)))
        if key not in seen:
            seen[key] = (length, target)
            continue
        first, second = _spelled(seen[key][0]), _spelled(length)
        where = "standard output" if is_stdout(target) else shown(target)
        if seen[key][1] != target:
            raise UsageError(
                f"lengths {first} and {second} would both be written to {shown(key)}, through "
                f"{shown(seen[key][1])} and {where}: give each length its own file"
            )
        if first == second:
            raise UsageError(
                f"length {first} is given twice, and both would be written to {where}: "
                "give each length once"
            )
        raise UsageError(
            f"lengths {first} and {second} would both be written to {where} (file names "
            "give whole seconds): give lengths at least a second apart"
        )


def _spelled(seconds: float) -> str:
    """``120`` -> ``"2m"``, ``120.4`` -> ``"2:00.400"``: a length as ``--length`` takes it."""
    if seconds == round(seconds):
        return durations.humanize(seconds)
    return durations.format(seconds, millis=True)


def length_targets(target: Path | str, lengths: Sequence[float | None]) -> list[Path | str]:
    """One target per length: ``target`` itself for one length, else ``NAME-10m.EXT``...

    ``STDOUT`` takes one length only (a ``UsageError`` otherwise)."""
    if is_stdout(target):
        if len(lengths) > 1:
            raise UsageError(
                "standard output ('-') takes one length: give one length, or a file name "
                "for one file per length"
            )
        return [STDOUT]
    target = Path(target)
    if len(lengths) == 1:
        return [target]
    return [  # several lengths are each given (None: the routine's, for one length only)
        target.with_name(f"{target.stem}-{durations.humanize(length)}{target.suffix}")
        for length in lengths
        if length is not None
    ]

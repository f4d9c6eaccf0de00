"""No command writes over what its session reads: the routine, its bed, its chimes, its pace
sounds, the lexicon (``session.Inputs``), nor into the speech cache.

Files are compared, not names: the same device and inode is the same file, whether the
target names it directly, through a symbolic link (followed, as the writes follow it), a
hard link or another path. A message names the option, the target and what it is to the
session, in one line: ``-o music.wav: that is the session's bed (music.wav); choose another
file``.
"""

from __future__ import annotations

import os
from pathlib import Path

from voiceguide import atomic
from voiceguide.atomic import shown
from voiceguide.errors import UsageError
from voiceguide.exporting.formats import is_stdout
from voiceguide.session import Inputs


def check_inputs(
    target: Path | str,
    reads: Inputs | None,
    option: str,
    info: os.stat_result | None = None,
) -> None:
    """``UsageError`` when ``target`` (``info``: its ``os.stat``, if known) is one of the
    files ``reads`` lists, by any name (the same device and inode: a link, a hard link,
    another path), or the speech cache, or in it, or one of its entries by a hard link.
    ``option`` names the option in the message."""
    if reads is None:
        return
    if info is None and not is_stdout(target):
        info = _quiet_stat(target)
    if info is not None:
        for role, path in reads.files:
            if not _same(info, _quiet_stat(path)):
                continue
            if is_stdout(target):  # the shell opened it: >> music.wav
                raise UsageError(
                    f"{option} -: standard output is {role} ({shown(path)}); send it elsewhere"
                )
            raise UsageError(
                f"{option} {shown(target)}: that is {role} ({shown(path)}); choose another file"
            )
    if reads.cache is not None and not is_stdout(target):
        _check_cache(Path(target), info, reads.cache, option)


def _check_cache(target: Path, info: os.stat_result | None, cache: Path, option: str) -> None:
    folder = _quiet_stat(cache)
    if folder is None:
        return  # not made yet: nothing in it to lose
    named = f"{option} {shown(target)}: that is"
    where = f"the speech cache ({shown(cache)})"
    if _same(info, folder):
        raise UsageError(f"{named} {where}; choose another folder")
    if _same(_quiet_stat(atomic.resolve(target).parent), folder):
        raise UsageError(
            f"{named} in {where}, whose files voiceguide manages; choose another folder"
        )
    if info is not None and info.st_nlink > 1 and info.st_dev == folder.st_dev:
        with os.scandir(cache) as entries:  # d_ino: no stat per entry
            if any(entry.inode() == info.st_ino for entry in entries):
                raise UsageError(
                    f"{named} an entry of {where}, through a hard link; choose another file"
                )


def _same(one: os.stat_result | None, other: os.stat_result | None) -> bool:
    if one is None or other is None:
        return False
    return (one.st_dev, one.st_ino) == (other.st_dev, other.st_ino)


def _quiet_stat(path: Path | str) -> os.stat_result | None:
    """``os.stat(path)`` through links, or ``None`` when it cannot be had (absent, a
    name too long...: the other checks name those)."""
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def check_split_inputs(real: Path, directory: Path, reads: Inputs | None) -> None:
    """``UsageError`` when the split folder ``directory`` (``real``: where its link leads) is
    the speech cache or lies in it, or holds one of the files ``reads`` lists: an earlier
    split's track used as the bed or a chime would be removed with that split."""
    if reads is None:
        return
    check_inputs(directory, reads, "--split")
    try:
        with os.scandir(real) as found:
            entries = [entry for entry in found if entry.is_file(follow_symlinks=False)]
    except OSError:  # absent: it holds nothing
        return
    for entry in entries:
        info = _quiet_stat(entry.path)
        for role, path in reads.files:
            if _same(info, _quiet_stat(path)):
                raise UsageError(
                    f"--split {shown(directory)}: it holds {role} ({shown(path)}), which the "
                    "split would replace; choose another folder"
                )

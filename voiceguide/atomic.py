"""Files and directories that appear complete or not at all.

Output goes to a hidden temporary entry beside the target (``.NAME.partial-PID-XXXX``), is
fsynced and then renamed over the target, so the target is either the previous one or the
complete new one. Any exception, ``KeyboardInterrupt`` included, removes the temporary entry.
A SIGKILL can leave one behind (never a partial target): ``cleanup_stale`` removes those of
dead processes on the next run.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

STALE_AGE = 6 * 3600.0  # seconds after which a temporary file is stale even if its pid lives
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<kind>partial|old)-(?P<pid>\d+)-[0-9a-f]+$")

# Turns an exception into the one to raise instead (decided while the temporary entry still
# exists, e.g. while a full disk is still full), or None to let it propagate unchanged.
Translate = Callable[[Path, BaseException], Exception | None]


def _untranslated(target: Path, exc: BaseException) -> Exception | None:
    return None


def temp_beside(target: Path) -> Path:
    """Create an empty hidden file next to ``target`` (mode from the umask) and return it."""
    while True:
        name = target.name[:200]  # room for the suffix within NAME_MAX (255)
        path = target.parent / f".{name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return path


@contextlib.contextmanager
def file(target: Path, translate: Translate = _untranslated) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    ``translate`` may turn a failure into the exception to raise instead."""
    temp = temp_beside(target)
    with _removed_on_failure(target, temp, translate):
        yield temp
        _fsync(temp)
        os.replace(temp, target)
    _fsync(target.parent)


@contextlib.contextmanager
def directory(target: Path, translate: Translate = _untranslated) -> Iterator[Path]:
    """Yield a hidden directory beside ``target``; on success it takes its place."""
    temp = temp_beside(target)
    temp.unlink()
    temp.mkdir()
    with _removed_on_failure(target, temp, translate):
        yield temp
        for entry in temp.iterdir():
            _fsync(entry)
        _fsync(temp)
        _swap_in(temp, target)
    _fsync(target.parent)


@contextlib.contextmanager
def _removed_on_failure(target: Path, temp: Path, translate: Translate) -> Iterator[None]:
    """Any failure (``KeyboardInterrupt`` too) removes ``temp``; ``translate`` may turn it
    into the exception to raise instead."""
    try:
        yield
    except BaseException as exc:
        failure = translate(target, exc)
        _remove(temp)
        if failure is not None:
            raise failure from exc
        raise


def _swap_in(new: Path, directory: Path) -> None:
    """Put ``new`` at ``directory``; an earlier ``directory`` is exchanged out and deleted."""
    if not directory.exists() or not any(directory.iterdir()):
        os.replace(new, directory)  # rename(2) replaces an empty directory
        return
    if _exchange(new, directory):
        _remove(new)  # now the old one
        return
    old = directory.parent / f".{directory.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(directory, old)
    os.rename(new, directory)
    _remove(old)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()


def _is_stale(path: Path, pid: int) -> bool:
    try:
        if time.time() - path.lstat().st_mtime > STALE_AGE:
            return True
    except FileNotFoundError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def cleanup_stale(directory: Path) -> list[Path]:
    """Remove what killed exports left in ``directory``; returns what was removed.

    A temporary file or directory (``.NAME.partial-PID-XXXX``) is stale when its process is
    gone or it is older than ``STALE_AGE``. A split's previous directory (``.NAME.old-...``,
    only there if a kill fell between the two renames of a swap) is put back when ``NAME``
    is missing, else removed.
    """
    removed = []
    for entry in Path(directory).iterdir() if Path(directory).is_dir() else ():
        match = _TEMP.match(entry.name)
        if match is None or not _is_stale(entry, int(match["pid"])):
            continue
        home = entry.parent / match["name"]
        if match["kind"] == "old" and not home.exists():
            entry.rename(home)
            continue
        _remove(entry)
        removed.append(entry)
    return removed

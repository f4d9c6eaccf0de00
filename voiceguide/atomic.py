"""Files and directories that appear complete or not at all.

Output goes to a hidden temporary entry beside the target (``.NAME.partial-PID-XXXXXXXX``),
is fsynced and then renamed over the target, so the target is either the previous one or the
complete new one. Any exception, ``KeyboardInterrupt`` included, removes the temporary entry.
A SIGKILL can leave one behind (never a partial target): ``cleanup_stale`` removes those of
dead processes on the next run.

A target that is a symbolic link is followed: the file it points to is replaced (created, for
a dangling link) and the link stays, as with the shell's ``>``. A replaced file keeps its
permission bits (and its owner and group, where the process may set them).

A directory written here carries a manifest (``manifest.py``) of the files in it. An earlier
directory is replaced only after checking that it holds nothing but the verified files of its
manifest, and it is then removed file by file: nothing here deletes recursively what it did
not write in this process.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from voiceguide import manifest

STALE_AGE = 6 * 3600.0  # seconds after which a temporary file is stale even if its pid lives
NAME_ROOM = 200  # bytes of the target's name kept in a temporary name (NAME_MAX is 255)
# bytes a temporary name adds around its target's: "." and ".partial-PID-XXXXXXXX" (pid_max is
# 2**22): a name this much under a file system's limit keeps its temporary names under it too
TEMP_ROOM = len(".") + len(".partial-4194304-") + 8
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<kind>partial|old)-(?P<pid>\d+)-[0-9a-f]{8}$")

# Turns an exception into the one to raise instead (decided while the temporary entry still
# exists, e.g. while a full disk is still full), or None to let it propagate unchanged.
Translate = Callable[[Path, BaseException], Exception | None]


def _untranslated(target: Path, exc: BaseException) -> Exception | None:
    return None


def shown(path: Path | str) -> str:
    """``path`` for a message: bytes that are not UTF-8 shown escaped (``\\xff``), so that
    printing it never fails (a file name is bytes; a terminal wants text)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def resolve(target: Path | str) -> Path:
    """The path written for ``target``: itself, or where its symbolic link(s) lead, existing
    or not (a dangling link's target is created, as the shell does)."""
    target = Path(target)
    try:
        linked = stat.S_ISLNK(os.lstat(target).st_mode)
    except OSError:  # absent, or unusable (a name too long): the checks say which
        linked = False
    return Path(os.path.realpath(target)) if linked else target


def _partial_prefix(target: Path) -> str:
    """The start of the names of this process's temporary entries for ``target``."""
    name = os.fsdecode(os.fsencode(target.name)[:NAME_ROOM])  # bytes: NAME_MAX counts bytes
    return f".{name}.partial-{os.getpid()}-"


def temp_beside(target: Path) -> Path:
    """Create an empty hidden file next to ``target`` (mode from the umask) and return it."""
    while True:
        path = target.parent / f"{_partial_prefix(target)}{secrets.token_hex(4)}"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return path


@contextlib.contextmanager
def file(target: Path, translate: Translate = _untranslated) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` (beside a link's target); on success it
    replaces ``target``, keeping its mode. Only a regular file is replaced: anything else
    there (a device, a FIFO, a directory) is an ``OSError`` and stays as it is.

    ``translate`` may turn a failure into the exception to raise instead."""
    target = resolve(target)
    with _removed_on_failure(target, translate):
        temp = temp_beside(target)
        yield temp
        _fsync(temp)
        if _keep_mode(temp, target, stat.S_ISREG):
            raise OSError(errno.EEXIST, "not a regular file, so it was not replaced", str(target))
        os.replace(temp, target)
    _fsync(target.parent)


def probe(directory: Path) -> None:
    """Create and remove a temporary entry in ``directory``: ``OSError`` if it cannot be
    written to (read-only mounts and ACLs included). Nothing stays, whatever interrupts it."""
    target = directory / "probe"
    with _removed_on_failure(target, _untranslated):
        temp_beside(target).unlink()


@contextlib.contextmanager
def scratch(target: Path) -> Iterator[Path]:
    """A temporary directory beside ``target``, removed afterwards whatever happens (not
    recursively: only files may be put in it); named as every temporary entry is, so that
    ``cleanup_stale`` removes it if this process is killed."""
    with _removed_on_failure(target, _untranslated):
        folder = temp_beside(target)
        folder.unlink()
        folder.mkdir()
        yield folder
        _remove_own(folder)


@contextlib.contextmanager
def directory(target: Path, translate: Translate = _untranslated) -> Iterator[Path]:
    """Yield a hidden directory beside ``target``; on success it takes its place.

    The files written into it are listed in its manifest. An earlier directory is replaced
    only if it holds nothing but the verified files of its own manifest (checked again right
    before the swap: else an ``OSError``, and it stays as it is); it is then removed file by
    file (``manifest.remove``). Only files may be written into the temporary directory.
    """
    target = resolve(target)
    with _removed_on_failure(target, translate):
        temp = temp_beside(target)
        temp.unlink()
        temp.mkdir()
        yield temp
        manifest.write(temp)
        for entry in temp.iterdir():
            _fsync(entry)
        _fsync(temp)
        if _keep_mode(temp, target, stat.S_ISDIR):
            raise OSError(errno.ENOTDIR, "not a directory, so it was not replaced", str(target))
        old = _swap_in(temp, target)
    _fsync(target.parent)
    if old is not None:
        manifest.remove(old)


def _keep_mode(temp: Path, target: Path, kind: Callable[[int], bool]) -> bool:
    """Give ``temp`` the mode (and owner, where allowed) of an existing ``target``; returns
    True when ``target`` exists but is not of ``kind`` (``stat.S_ISREG``...), so that it must
    not be replaced."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return False
    if not kind(info.st_mode):
        return True
    if (info.st_uid, info.st_gid) != (os.stat(temp).st_uid, os.stat(temp).st_gid):
        with contextlib.suppress(PermissionError):  # as the shell's > would keep them
            os.chown(temp, info.st_uid, info.st_gid)
    os.chmod(temp, stat.S_IMODE(info.st_mode))
    return False


@contextlib.contextmanager
def _removed_on_failure(target: Path, translate: Translate) -> Iterator[None]:
    """Any failure (``KeyboardInterrupt`` too) removes this process's temporary entries for
    ``target``: found by name, not by a variable, so that a signal that strikes between
    creating one and using it (the moment a test catches) leaves nothing either.
    ``translate`` may turn the failure into the exception to raise instead."""
    try:
        yield
    except BaseException as exc:
        failure = translate(target, exc)
        prefix = _partial_prefix(target)
        with contextlib.suppress(OSError):
            for entry in os.scandir(target.parent):
                if entry.name.startswith(prefix):
                    _remove_own(Path(entry.path))
        if failure is not None:
            raise failure from exc
        raise


def _swap_in(new: Path, directory: Path) -> Path | None:
    """Put ``new`` at ``directory``; returns where an earlier ``directory`` went (to be
    removed by its manifest), or ``None`` if there was none or it was empty."""
    if not directory.exists() or not any(directory.iterdir()):
        os.replace(new, directory)  # rename(2) replaces an empty directory
        return None
    foreign = manifest.foreign(directory)
    if foreign is not None:  # it changed since the checks before the export
        reason = f"'{shown(foreign)}' is not voiceguide's, so it was not replaced"
        raise OSError(errno.EEXIST, reason, str(directory))
    if _exchange(new, directory):
        return new  # now the old one
    old = directory.parent / f".{directory.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(directory, old)
    os.rename(new, directory)
    return old


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


def _remove_own(path: Path) -> bool:
    """Remove a temporary entry this process (or a dead one) made; returns True when gone.

    A directory holding a manifest (an earlier split parked here during a swap) loses only
    its verified files (``manifest.remove``). One without (a temporary directory being
    filled) loses the files in it, never recursing: voiceguide writes no folders there, so
    a folder found inside is not its own and stays, with the directory.
    """
    try:
        if not stat.S_ISDIR(path.lstat().st_mode):
            path.unlink()
            return True
        if manifest.listed(path) is not None:
            return not manifest.remove(path)
        for entry in os.scandir(path):
            if not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
        path.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def _is_stale(path: Path, pid: int) -> bool:
    if time.time() - path.lstat().st_mtime > STALE_AGE:
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # gone, or never a pid (more than pid_t holds)
        return True
    except PermissionError:
        return False
    return False


def cleanup_stale(directory: Path) -> list[Path]:
    """Remove what killed exports left in ``directory``; returns what was removed.

    Only entries named as voiceguide names its temporary ones (``.NAME.partial-PID-XXXXXXXX``)
    are looked at; one is stale when its process is gone or it is older than ``STALE_AGE``
    (which covers a pid reused since). A split's previous directory (``.NAME.old-...``, only
    there if a kill fell between the two renames of a swap) is put back when ``NAME`` is
    missing. Directories are removed as ``_remove_own`` says: what is not voiceguide's stays.
    Nothing here raises: an entry that cannot be looked at, removed or put back (another
    user's, in a shared folder; a forged manifest in it) is left as it is, and the export
    that asked goes on.
    """
    removed: list[Path] = []
    try:
        entries = list(Path(directory).iterdir()) if Path(directory).is_dir() else []
    except OSError:  # unreadable: the export's own checks say whether it may write there
        return removed
    for entry in entries:
        match = _TEMP.match(entry.name)
        with contextlib.suppress(OSError):
            if match is None or not _is_stale(entry, int(match["pid"])):
                continue
            home = entry.parent / match["name"]
            if match["kind"] == "old" and not home.exists() and not home.is_symlink():
                entry.rename(home)
                continue
            if _remove_own(entry):
                removed.append(entry)
    return removed


def disk_full(directory: Path, margin: int = 1 << 20) -> bool:
    """Less than ``margin`` bytes free where ``directory`` is (False when it cannot be asked
    about): libsndfile and espeak's callback report a full disk only as a failed write, so a
    failure is explained by asking."""
    import shutil

    try:
        return shutil.disk_usage(directory).free < margin
    except OSError:
        return False


def file_size_limit() -> int | None:
    """The largest file (bytes) this process may write (``ulimit -f``: ``RLIMIT_FSIZE``), or
    ``None`` without a limit. Python ignores SIGXFSZ, so a write past it fails with EFBIG,
    which libsndfile and espeak's callback report only as a failed write."""
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else soft


def size_limit_reached(limit: int) -> str:
    """How a message says that ``limit`` (bytes: ``file_size_limit``) stopped a write."""
    return (
        f"the file-size limit was reached (ulimit -f: {limit // 1024} kB per file); raise it "
        "(ulimit -f unlimited)"
    )

"""The routines a server may read: the built-ins and the ``.yaml`` files of ``--routines DIR``,
by name. Nothing else: a request names a routine, never a path, so ``../`` or an absolute
path is an unknown name, not a file read.

A routine of the folder is named by its file's stem (``my-stretch.yaml`` is ``my-stretch``);
one whose name a built-in already has is not served (``hidden`` says which, for the command
line to warn). The folder is read again when asked (``refresh``): a file added while the
server runs is found by the next ``GET /api/routines``.
"""

from __future__ import annotations

import difflib
import re
import stat
from pathlib import Path

from voiceguide import resources
from voiceguide.errors import UsageError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$")  # a file stem a URL can carry
SUFFIXES = (".yaml", ".yml")


class Routines:
    """Names to files: the built-ins first, then ``directory``'s (if any)."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory.resolve() if directory is not None else None
        self.builtin = {name: resources.scripts_dir() / f"{name}.yaml" for name in _builtins()}
        self.found: dict[str, Path] = {}
        self.hidden: list[Path] = []
        self.refresh()

    def refresh(self) -> None:
        """Read the folder again: its regular ``.yaml`` files, not links, not sub-folders."""
        found, hidden = {}, []
        for path in sorted(self._files()):
            if path.stem in self.builtin or path.stem in found:
                hidden.append(path)
            else:
                found[path.stem] = path
        self.found, self.hidden = found, hidden

    def _files(self) -> list[Path]:
        if self.directory is None:
            return []
        files = []
        for path in self.directory.iterdir():
            try:
                mode = path.lstat().st_mode
            except OSError:
                continue
            if stat.S_ISREG(mode) and path.suffix.lower() in SUFFIXES and NAME.match(path.stem):
                files.append(path)
        return files

    def names(self) -> list[str]:
        return [*self.builtin, *self.found]

    def is_builtin(self, name: str) -> bool:
        return name in self.builtin

    def path(self, name: str) -> Path:
        """The file of the routine ``name``; ``UsageError`` (the command line's words) if
        this server has none of that name."""
        if name in self.builtin:
            return self.builtin[name]
        if name not in self.found:
            self.refresh()
        if name in self.found:
            return self.found[name]
        near = difflib.get_close_matches(name.lower(), self.names(), n=3)
        hint = f"did you mean {' or '.join(near)}? " if near else ""
        raise UsageError(
            f"no routine {name!r}: {hint}give one of this server's routines "
            f"({', '.join(self.names()) or 'none'})"
        )


def _builtins() -> list[str]:
    return resources.routine_names()

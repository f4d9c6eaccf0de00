#!/usr/bin/env python3
"""Which installed versions differ from the lock: tools/test-newest.sh runs the suite a second
time only when one does (the first pass, ./test.sh, already ran it with constraints.txt's).

    tools/newer_versions.py constraints.txt FREEZE

FREEZE is ``pip freeze`` of the newest resolution. Prints each package whose version differs
(``  numpy 2.4.6 -> 2.5.0``; ``(not in constraints.txt)`` for one the lock lacks) and exits 1,
or prints nothing and exits 0 when every installed version is the locked one, like ``cmp``;
2 for a file it cannot read. A package of the lock that is not installed counts for nothing
(it changes no test run). Names compare as pip compares them (PEP 503: ``PyYAML`` is
``pyyaml``, ``typing_extensions`` is ``typing-extensions``). Standard library only.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_SPLIT = re.compile(r"\s*(===|==|@)\s*")


def normalized(name: str) -> str:
    """A distribution's name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def versions(text: str) -> dict[str, str]:
    """``{name: version}`` of ``pip freeze`` or constraints lines (comments, options and
    blank lines skipped; a direct reference ``name @ URL`` keeps the URL as its version)."""
    found = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "-")):
            continue
        parts = _SPLIT.split(line, maxsplit=1)
        if len(parts) == 3:
            name, _, version = parts
            found[normalized(name.split("[", 1)[0])] = version.split(";", 1)[0].strip()
    return found


def differing(locked: str, installed: str) -> list[str]:
    """One line per installed package whose version is not the locked one, by name."""
    lock, now = versions(locked), versions(installed)
    lines = []
    for name in sorted(now):
        if name not in lock:
            lines.append(f"  {name} {now[name]} (not in constraints.txt)")
        elif lock[name] != now[name]:
            lines.append(f"  {name} {lock[name]} -> {now[name]}")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: newer_versions.py CONSTRAINTS FREEZE", file=sys.stderr)
        return 2
    try:
        locked, installed = (Path(name).read_text(encoding="utf-8") for name in argv)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"newer_versions.py: {exc}", file=sys.stderr)
        return 2
    lines = differing(locked, installed)
    if lines:
        print("\n".join(lines))
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

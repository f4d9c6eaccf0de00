"""The pronunciation lexicon: words respelled before any engine speaks them.

Entries come from the user's file (``user_file``: ``~/.config/voiceguide/lexicon.yaml``, a
mapping of word to respelling, as a routine's ``lexicon:``) and from the routine, whose
entries win. A word matches whole and in any case (``shiatsu`` respells ``Shiatsu`` but not
``Shiatsus``); the respelling is spoken as written. Piper also takes IPA phonemes in double
brackets (``[[ʃiˈɑːtsuː]]``); espeak-ng would read the brackets' letters, so a routine for
both engines uses respellings.

"Any case" is Unicode's caseless matching, the same for keys and text (``fold``): case
folded and compatibility-normalized (NFKC), so ``istanbul`` matches "İstanbul", ``µg`` (the
micro sign) "μg" (mu) and ``shiatsu`` "ſhiatsu". Folding can change a string's length
("İ" folds to two characters, "ﬁ" to two): the text is folded a character (with its
combining marks) at a time, each folded piece remembering where it came from, so a match
replaces exactly the characters it was found in.

A respelling may not make a text longer than a written one may be (``MAX_SPOKEN``):
``too_long`` says which entry did it, and where it is written.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import platformdirs

from voiceguide.atomic import shown
from voiceguide.errors import RoutineError, UsageError
from voiceguide.routine import fields, yamlnodes

MAX_SPOKEN = fields.MAX_TEXT  # characters of a text as spoken: as a written one may have
_ASCII = re.compile(r"[\x00-\x7f]*")
_NOTHING = re.compile(rb"(?:\xef\xbb\xbf)?(?:[ \t\r]*(?:#[^\n]*)?(?:\n|$))*$")


class Entry(NamedTuple):
    """A word and its respelling; ``path`` and ``line``: where it is written (messages)."""

    word: str
    respelling: str
    path: Path | None = None
    line: int | None = None

    @property
    def place(self) -> str:
        """Where the entry is written, ``FILE:LINE`` (as much of it as is known)."""
        where = shown(self.path) if self.path is not None else "the lexicon"
        return f"{where}:{self.line}" if self.line is not None else where


@dataclass(frozen=True)
class Lexicon:
    """``entries``: ``Entry`` values (or ``(word, respelling)`` pairs); a later entry for
    the same word (in any case) wins."""

    entries: tuple[Entry, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(Entry(*entry) for entry in self.entries))

    @cached_property
    def _table(self) -> dict[str, Entry]:
        return {fold(entry.word): entry for entry in self.entries}

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self._table:
            return None
        words = sorted(self._table, key=len, reverse=True)  # the longest first: "Tui Na"
        return re.compile(r"(?<![\w'])(" + "|".join(map(re.escape, words)) + r")(?![\w'])")

    def apply(self, text: str) -> str:
        """``text`` with every lexicon word respelled."""
        return "".join(piece for piece, _entry in self._pieces(text))

    def too_long(self, text: str) -> str | None:
        """Why ``text`` cannot be spoken once respelled: longer than ``MAX_SPOKEN``
        characters (and than as written), naming the entry that adds the most and where
        it is written; ``None`` when it can be."""
        spoken = self.apply(text)
        if len(spoken) <= max(MAX_SPOKEN, len(text)):
            return None
        used = Counter(entry for _piece, entry in self._pieces(text) if entry is not None)
        entry, times = max(used.items(), key=lambda use: _growth(*use))
        others = len(used) - 1
        more = f" (and {others} other entr{'y' if others == 1 else 'ies'})" if others else ""
        return (
            f"with the lexicon it is {len(spoken)} characters ({len(text)} as written): the "
            f"entry {entry.word!r} at {entry.place} respells {times} word{'s' * (times > 1)} "
            f"as {len(entry.respelling)} characters{more}; at most {MAX_SPOKEN} are spoken, "
            "so shorten the text or the respelling"
        )

    def _pieces(self, text: str) -> Iterator[tuple[str, Entry | None]]:
        """``text`` cut into what stays (entry ``None``) and respellings (with their entry)."""
        if self._pattern is None:
            yield text, None
            return
        folded, origin = _folded(text)
        done = 0
        for found in self._pattern.finditer(folded):
            start, end = found.span()
            if not (_aligned(origin, start) and _aligned(origin, end)):
                continue  # inside what one character folded to: not a whole word
            yield text[done : origin[start]], None
            entry = self._table[found.group(0)]
            yield entry.respelling, entry
            done = origin[end]
        yield text[done:], None

    def __add__(self, other: Lexicon) -> Lexicon:
        """Both lexicons, ``other``'s entries winning."""
        return Lexicon(self.entries + other.entries)


def _growth(entry: Entry, times: int) -> int:
    """Characters ``entry`` adds to a text where it respells ``times`` words."""
    return (len(entry.respelling) - len(entry.word)) * times


def fold(text: str) -> str:
    """``text`` as the lexicon compares it: case folded and NFKC-normalized."""
    return _folded(text)[0]


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` folded, and for each folded character the index in ``text`` of the
    character it comes from (then ``len(text)``).

    A character is folded with its combining marks (so that "e" and a combining acute
    compose as "é" would); "İ" folds to "i" and a combining dot, which is dropped: an "i"
    has its dot already. Runs of ASCII (most texts) are only lower-cased: the same."""
    pieces: list[str] = []
    origin: list[int] = []
    index = 0
    while index < len(text):
        ascii_run = _ASCII.match(text, index)
        end = ascii_run.end() if ascii_run is not None else index  # it matches "" at least
        if end < len(text) and unicodedata.combining(text[end]):
            end -= 1  # that character is folded with its marks, below
        if end > index:
            pieces.append(text[index:end].lower())
            origin += range(index, end)
            index = end
            continue
        end = index + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        piece = unicodedata.normalize("NFKC", text[index:end]).casefold()
        piece = unicodedata.normalize("NFKC", piece).replace("i\u0307", "i")
        pieces.append(piece)
        origin += [index] * len(piece)
        index = end
    return "".join(pieces), [*origin, len(text)]


def _aligned(origin: list[int], at: int) -> bool:
    """Whether the folded position ``at`` falls between two characters of the text."""
    return at == 0 or origin[at - 1] != origin[at]


def user_file() -> Path:
    """The user-wide lexicon: ``$VOICEGUIDE_LEXICON`` (``~`` expanded), else
    ``~/.config/voiceguide/lexicon.yaml`` (``$XDG_CONFIG_HOME/voiceguide/lexicon.yaml``)."""
    env = os.environ.get("VOICEGUIDE_LEXICON")
    if env:
        return Path(os.path.expanduser(env))
    return Path(platformdirs.user_config_dir("voiceguide")) / "lexicon.yaml"


def load_user(path: Path | None = None) -> Lexicon:
    """The user's lexicon (``path``, else ``user_file``). The default file may be absent
    (no entries); a file ``$VOICEGUIDE_LEXICON`` names must exist (``UsageError``). A bad
    file is a ``RoutineError`` naming its line, as a routine's would be; only a regular
    file is read (a FIFO would block)."""
    named = path is None and bool(os.environ.get("VOICEGUIDE_LEXICON"))
    path = path or user_file()
    data = _read(path, named)
    if data is None or _NOTHING.match(data):  # absent, empty, or only comments
        return Lexicon()
    root = yamlnodes.parse(data, path)
    if root.is_null:
        return Lexicon()
    read = fields.FieldReader(path).lexicon(root, "lexicon")
    return Lexicon(tuple(Entry(*entry) for entry in read))


def _read(path: Path, named: bool) -> bytes | None:
    """The bytes of the lexicon file at ``path``, ``None`` when it is absent and not
    ``named`` by ``$VOICEGUIDE_LEXICON``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        if not named:
            return None
        raise UsageError(
            f"VOICEGUIDE_LEXICON names {shown(path)}, which does not exist; create it "
            "(word: respelling, a line each) or unset VOICEGUIDE_LEXICON"
        ) from exc
    except OSError as exc:
        raise RoutineError(path, None, f"cannot read the lexicon: {exc.strerror or exc}") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):  # before fdopen, which refuses a folder itself
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise RoutineError(path, None, f"the lexicon is {kind}; give a YAML file")
    with os.fdopen(fd, "rb") as handle:
        try:
            return handle.read(yamlnodes.MAX_BYTES + 1)  # parse refuses what is longer
        except OSError as exc:
            raise RoutineError(path, None, f"cannot read the lexicon: {exc.strerror}") from exc

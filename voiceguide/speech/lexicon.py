"""The pronunciation lexicon: words respelled before any engine speaks them.

Entries come from the user's file (``user_file``: ``~/.config/voiceguide/lexicon.yaml``, a
mapping of word to respelling, as a routine's ``lexicon:``) and from the routine, whose
entries win. A word matches whole and in any case (``shiatsu`` respells ``Shiatsu`` but not
``Shiatsus``); the respelling is spoken as written. Piper also takes IPA phonemes in double
brackets (``[[ʃiˈɑːtsuː]]``); espeak-ng would read the brackets' letters, so a routine for
both engines uses respellings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import platformdirs

from voiceguide.routine import fields, yamlnodes


@dataclass(frozen=True)
class Lexicon:
    """``entries``: ``(word, respelling)`` pairs; a later entry for the same word (in any
    case) wins."""

    entries: tuple[tuple[str, str], ...] = ()

    @cached_property
    def _table(self) -> dict[str, str]:
        return {word.lower(): respelling for word, respelling in self.entries}

    @cached_property
    def _pattern(self) -> re.Pattern | None:
        if not self._table:
            return None
        words = sorted(self._table, key=len, reverse=True)  # the longest first: "Tui Na"
        return re.compile(
            r"(?<![\w'])(" + "|".join(map(re.escape, words)) + r")(?![\w'])", re.IGNORECASE
        )

    def apply(self, text: str) -> str:
        """``text`` with every lexicon word respelled."""
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda found: self._table[found.group(0).lower()], text)

    def __add__(self, other: Lexicon) -> Lexicon:
        """Both lexicons, ``other``'s entries winning."""
        return Lexicon(self.entries + other.entries)


def user_file() -> Path:
    """The user-wide lexicon: ``$VOICEGUIDE_LEXICON``, else ``~/.config/voiceguide/lexicon.yaml``
    (``$XDG_CONFIG_HOME/voiceguide/lexicon.yaml``)."""
    env = os.environ.get("VOICEGUIDE_LEXICON")
    return Path(env) if env else Path(platformdirs.user_config_dir("voiceguide")) / "lexicon.yaml"


def load_user(path: Path | None = None) -> Lexicon:
    """The user's lexicon (empty when the file does not exist). A bad file is a
    ``RoutineError`` naming its line, as a routine's would be."""
    path = path or user_file()
    if not path.is_file():
        return Lexicon()
    root = yamlnodes.read_file(path)
    if root.is_null:
        return Lexicon()
    return Lexicon(fields.FieldReader(path).lexicon(root, "lexicon"))

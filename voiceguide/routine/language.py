"""The routine's language: how a language code is written, whether two codes name the same
language, and how a side is announced in it.

A language is a code as espeak-ng and Piper name their voices' languages: ``en``, ``en-us``,
``de``, ``fr-fr``, ``pt-br`` (lower case, ``-`` between the parts). Two codes speak the same
language when their first parts agree (``en`` and ``en-gb``): a regional accent is still the
language. Pure: no engine is asked here (``session`` decides a routine's language from its
voice when the routine does not state one).
"""

from __future__ import annotations

import re

# A language code as written: a 2- or 3-letter language, then region, script or variant
# parts (``en-us``, ``en-gb-x-rp``, ``pt_BR``): what engines list, not all of BCP 47.
CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
CODE_EXAMPLES = "en, en-us, de, fr, es, it, nl or pt-br"
PLACEHOLDERS = ("{side}", "{Side}")  # in a side's announcement: the side as written, capitalized

# How a step's side is announced before an instruction that does not name it ({side}), in
# the languages espeak-ng speaks well; written for the side names people use in each
# ([left, right]; [links, rechts]; [gauche, droit]; [izquierdo, derecho]; [sinistro,
# destro]; [links, rechts]; [esquerdo, direito]).
ANNOUNCEMENTS = {
    "en": "{Side} side.",
    "de": "Jetzt {side}.",
    "fr": "Côté {side}.",
    "es": "Lado {side}.",
    "it": "Lato {side}.",
    "nl": "Nu {side}.",
    "pt": "Lado {side}.",
}
ENGLISH = ANNOUNCEMENTS["en"]  # a routine that states no language, as before languages
OTHER = "{Side}."  # any other language: the side's own name, which the routine wrote


def normalized(code: str) -> str:
    """``code`` as engines write it: lower case, ``-`` between parts (``pt_BR`` -> ``pt-br``);
    ``ValueError`` for what is no language code."""
    text = code.strip()
    if not CODE.match(text):
        raise ValueError(f"must be a language code such as {CODE_EXAMPLES}, got {code!r}")
    return text.replace("_", "-").lower()


def base(code: str) -> str:
    """The language of ``code`` without its region or variant: ``en-gb-x-rp`` -> ``en``."""
    return code.replace("_", "-").split("-", 1)[0].lower()


def same(first: str, second: str) -> bool:
    """Whether two codes name the same language (``en-us`` and ``en``: yes; ``de``, ``en``:
    no)."""
    return base(first) == base(second)


def announcement(language: str | None) -> str:
    """The built-in wording of a side's announcement in ``language`` (``None``: a routine
    that states none, English as always); ``{Side}.`` where none is built in."""
    if language is None:
        return ENGLISH
    return ANNOUNCEMENTS.get(base(language), OTHER)


def announced(wording: str, side: str) -> str:
    """``wording`` with the side filled in: ``{side}`` as written, ``{Side}`` with its first
    letter in upper case (``"{Side} side."``, ``left`` -> ``"Left side."``)."""
    capital = f"{side[:1].upper()}{side[1:]}"
    return wording.replace("{Side}", capital).replace("{side}", side)

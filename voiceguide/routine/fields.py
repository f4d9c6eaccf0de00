"""Reading one value of a routine: each method checks one kind of value (text, a duration,
a number, a sound...) at its node and returns it, or raises a ``RoutineError`` naming the
file, the line, the value (``!r``) and what is allowed. ``routine.loader`` reads the
routine's structure with them, collecting the problems of independent values (``attempt``)
so that one run reports them all."""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from voiceguide import durations, resources
from voiceguide.choices import (
    BED_DUCK,
    BED_DUCK_RANGE,
    BED_LEVEL,
    BED_LEVEL_RANGE,
    CHIME_LEVEL,  # noqa: F401 (read as fields.CHIME_LEVEL)
    CHIME_LEVEL_RANGE,
)
from voiceguide.errors import RoutineError, combined
from voiceguide.routine.model import BedSpec, Pace, Sound
from voiceguide.routine.yamlnodes import TAG_BOOL, TAG_FLOAT, TAG_INT, TAG_NULL, TAG_STR, Node

MAX_TEXT = 600  # characters of a spoken text (the engine's time grows with its square)
MAX_LEXICON = 500  # entries of a lexicon
MAX_RESPELLING = 100  # characters
LEXICON_WORD = re.compile(r"^\w+(?:['-]\w+)*(?: \w+(?:['-]\w+)*)*$")  # words: Tui Na, t'ai-chi
MAX_SECONDS = 24 * 3600.0
BARE_SECONDS_WARNING = 60  # a bare number under this, as a length or duration, may mean minutes
BOOLEANS = ("true", "false")
# What YAML itself puts in a text: a tab and line breaks (folded to spaces). Every other
# control character, a noncharacter (U+FFFE, U+FDD0...) or a lone surrogate is no text: XML
# forbids most of them (the picture), and none means anything spoken, tagged or shown.
TEXT_CONTROLS = "\t\n\r\x85"
PACE_RANGE = (2.0, 60.0)  # strokes or breaths per minute a routine may ask for
PACE_LEVEL_RANGE = (6.0, 40.0)  # LU under the speech
PACE_LEVEL = 14.0  # the default: audible, calm
PACE_SOUNDS = resources.PACE_SOUNDS
PACE_OFF = ("none", "off")
BED_KEYS = ("sound", "level", "duck")
PACE_KEYS = ("from", "to", "sound", "level")
PACE_SYNTAX = (
    "a number of strokes or breaths per minute (2 to 60), 'A to B' for a glide (12 to 7), "
    "a mapping (from, to, sound, level) or none"
)
_GLIDE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:to|→)\s*(\d+(?:\.\d+)?)\s*$")
T = TypeVar("T")
FAILED = None  # what ``attempt`` returns for a value that was refused


class FieldReader:
    """Field-by-field checks of the routine at ``path``; ``warnings`` collects the
    ``FILE:LINE: message`` texts about valid values that look like slips, ``problems`` the
    refusals met so far that did not stop the reading (``attempt``, unknown keys)."""

    def __init__(self, path: Path):
        self.path = path
        self.warnings: list[str] = []
        self.problems: list[RoutineError] = []
        self.misspelt: set[tuple[int, str]] = set()  # (id of a mapping node, a key suggested)

    def fail(self, node_or_line: Node | int | None, message: str) -> RoutineError:
        line = node_or_line.line if isinstance(node_or_line, Node) else node_or_line
        return RoutineError(self.path, line, message)

    def attempt(self, read: Callable[..., T], *args: object) -> T | None:
        """``read(*args)``, or ``FAILED`` (None) with its refusal kept in ``problems``: for a
        value the rest of the routine can be checked without."""
        try:
            return read(*args)
        except _Misspelt:  # its unknown key is the problem reported
            return FAILED
        except RoutineError as exc:
            self.problems.append(exc)
            return FAILED

    def failed_since(self, count: int) -> bool:
        """Whether a problem was found since ``problems`` held ``count``."""
        return len(self.problems) > count

    # -- containers ------------------------------------------------------------------------
    def mapping(self, node: Node, what: str, allowed: tuple[str, ...]) -> dict[str, Node]:
        """The keys of ``node`` that are ``allowed``; each unknown one goes to ``problems``
        (with the nearest allowed key), so that the known ones are still checked."""
        if not node.is_mapping:
            raise self.fail(
                node, f"{what} must be a mapping of keys ({', '.join(allowed)}), got {shown(node)}"
            )
        known = {}
        for key, value in node.entries.items():
            if key in allowed:
                known[key] = value
                continue
            line = (node.key_lines or {}).get(key, node.line)
            keys = ", ".join(allowed)
            hint = did_you_mean(key, allowed)
            self.problems.append(
                self.fail(line, f"{what}: unknown key {key!r}; {hint}allowed keys: {keys}")
            )
            if nearest(key, allowed) is not None:
                self.misspelt.add((id(node), str(nearest(key, allowed))))
        return known

    def required(self, fields: dict[str, Node], key: str, where: Node, what: str) -> Node:
        """``fields[key]``; missing or empty is refused (at ``where``, the mapping), except
        that a key missing for want of a misspelt one is reported as that one only."""
        if key not in fields:
            self.unless_misspelt(where, key)
            raise self.fail(where, f"{what}: {key!r} is required")
        if fields[key].is_null:
            raise self.fail(fields[key], f"{what}: {key!r} is empty; it needs a value")
        return fields[key]

    def unless_misspelt(self, node: Node, *keys: str) -> None:
        """Stop (reporting nothing more) if one of ``keys`` is missing from the mapping
        ``node`` because an unknown key there is a misspelling of it, already reported."""
        if any((id(node), key) in self.misspelt for key in keys):
            raise _Misspelt(self.path, node.line, f"{', '.join(keys)} misspelt")

    # -- scalars ---------------------------------------------------------------------------
    def text(self, node: Node, what: str, limit: int = MAX_TEXT) -> str:
        if not node.is_scalar or node.tag == TAG_NULL:
            raise self.fail(node, f"{what} must be text, got {shown(node)}")
        bad = not_text(node.text)
        if bad is not None:
            raise self.fail(node, f"{what} contains {bad}; only printable text is allowed")
        value = " ".join(node.text.split())
        if not value:
            raise self.fail(node, f"{what} must not be empty")
        if len(value) > limit:
            raise self.fail(node, f"{what} is {len(value)} characters; at most {limit} allowed")
        return value

    def optional_text(self, fields: dict[str, Node], key: str, what: str) -> str | None:
        node = fields.get(key)
        return None if node is None or node.is_null else self.text(node, what)

    def check_speakable(
        self, node: Node | None, text: str | None, sides: tuple[str, ...], what: str
    ) -> None:
        """Refuse a text that says nothing (``...``, ``!!``): the engine renders silence."""
        if node is None or text is None:
            return
        for spoken in [text.replace("{side}", side) for side in sides] or [text]:
            if not any(ch.isalnum() for ch in spoken):
                raise self.fail(
                    node, f"{what}: {spoken!r} has no letter or digit to speak; write words"
                )

    def bare_seconds(self, node: Node, value: float | None, what: str) -> None:
        """Warn about ``length: 20``: a bare number under a minute is seconds, as written, but
        more often a slip for minutes (nothing for a ``value`` that was refused)."""
        raw = node.text.strip() if node.is_scalar else ""
        if value is not None and durations.is_bare_number(raw) and value < BARE_SECONDS_WARNING:
            self.warnings.append(
                f"{self.path}:{node.line}: {what} {raw} is read as {raw} seconds; write "
                f"{raw}s to say so, or {raw}m for minutes"
            )

    def seconds(self, node: Node, what: str, signed: bool = False) -> float:
        if not node.is_scalar or node.tag not in (TAG_STR, TAG_INT, TAG_FLOAT):
            raise self.fail(node, f"{what} must be {durations.SYNTAX}, got {shown(node)}")
        try:
            value = durations.parse(node.text)
        except ValueError as exc:
            raise self.fail(node, f"{what}: {exc}") from exc
        if value < 0 and not signed:
            raise self.fail(node, f"{what} must be > 0, got {node.value!r}")
        if abs(value) > MAX_SECONDS:
            raise self.fail(node, f"{what} must be at most 24h, got {node.value!r}")
        return value

    def positive_seconds(self, node: Node, what: str) -> float:
        value = self.seconds(node, what)
        if value <= 0:
            raise self.fail(node, f"{what} must be > 0, got {node.value!r}")
        return value

    def boolean(self, node: Node, what: str) -> bool:
        if node.tag != TAG_BOOL or not node.is_scalar:  # `!!bool [1]` is a list
            hint = did_you_mean(node.text, BOOLEANS) if node.is_scalar else ""
            raise self.fail(node, hinted(f"{what} must be true or false, got {shown(node)}", hint))
        return node.text.lower() in ("true", "yes", "on", "y")

    def number(self, node: Node, what: str, low: float, high: float) -> float:
        if node.tag not in (TAG_INT, TAG_FLOAT) or not node.is_scalar:  # `!!int {}` is none
            raise self.fail(
                node, f"{what} must be a number from {low:g} to {high:g}, got {shown(node)}"
            )
        try:
            value = float(node.text.replace("_", ""))
        except ValueError as exc:
            raise self.fail(
                node, f"{what} must be a number from {low:g} to {high:g}, got {node.value!r}"
            ) from exc
        if not (math.isfinite(value) and low <= value <= high):
            raise self.fail(
                node, f"{what} must be a number from {low:g} to {high:g}, got {node.value!r}"
            )
        return value

    def lexicon(self, node: Node, what: str) -> tuple[tuple[str, str, Path, int], ...]:
        """A mapping of word (or words) to respelling: ``{Shiatsu: shee-AHT-soo}``; each
        entry with where it is written: ``(word, respelling, file, line)``. A respelling
        must hold a letter or digit (``...`` would be rendered as silence)."""
        if not node.is_mapping:
            raise self.fail(
                node, f"{what} must be a mapping of word: respelling, got {shown(node)}"
            )
        if len(node.entries) > MAX_LEXICON:
            raise self.fail(node, f"{what}: {len(node.entries)} words; at most {MAX_LEXICON}")
        entries, problems = [], []
        for word, value in node.entries.items():
            line = (node.key_lines or {}).get(word, node.line)
            if not LEXICON_WORD.match(word):
                problems.append(
                    self.fail(
                        line, f"{what}: {word!r} is not a word; write whole words (Shiatsu, Tui Na)"
                    )
                )
            try:
                respelling = self.text(value, f"{what}: {word}", MAX_RESPELLING)
            except RoutineError as exc:
                problems.append(exc)
                continue
            if not any(ch.isalnum() for ch in respelling):
                problems.append(
                    self.fail(
                        value,
                        f"{what}: {word}: {respelling!r} has no letter or digit to speak; "
                        "write how the word sounds (shee-AHT-soo)",
                    )
                )
                continue
            entries.append((word, respelling, self.path, line))
        if problems:  # every bad entry at once
            raise combined(problems)
        return tuple(entries)

    def sound(self, node: Node, what: str) -> Sound | None:
        name = self.text(node, what, limit=300) if not node.is_null else "none"
        if name.lower() == "none":
            return None
        names = resources.sound_names()
        path = resources.find_sound(name, self.path.parent)
        if path is None or (resources.is_sound_name(name) and name not in names):
            hint = did_you_mean(name, (*names, "none")) if resources.is_sound_name(name) else ""
            if name in PACE_SOUNDS:
                hint = f"{name!r} is a sound of the pace guide (pace: {{sound: {name}}}); "
            raise self.fail(
                node,
                f"{what}: no sound {name!r}; {hint}use one of {', '.join(names)}, none, or a "
                "path to a .wav/.flac/.ogg file relative to the routine",
            )
        return Sound(name, path, node.line)

    def chime_level(self, fields: dict[str, Node]) -> float | None:
        """The routine's ``chime_level``: how far under the speech every chime sits, in LU
        (negative: over it), in ``CHIME_LEVEL_RANGE``; None when it gives none."""
        node = fields.get("chime_level")
        if node is None:
            return None
        return self.number(node, "chime_level (LU under the speech)", *CHIME_LEVEL_RANGE)

    # -- the sound bed --------------------------------------------------------------------
    def bed(self, node: Node, what: str) -> BedSpec:
        """``bed: ocean``, ``bed: music/calm.mp3``, ``bed: none`` or ``bed: {sound, level,
        duck}``. Whether the sound exists and plays is checked when the session is prepared
        (a file is opened then, not when the routine is read)."""
        level, duck, sound_node = BED_LEVEL, BED_DUCK, node
        if node.is_mapping:
            fields = self.mapping(node, what, BED_KEYS)
            sound_node = self.required(fields, "sound", node, what)
            if "level" in fields:
                level = self.number(fields["level"], f"{what}: level (LU under the speech)",
                                    *BED_LEVEL_RANGE)  # fmt: skip
            if "duck" in fields:
                duck = self.number(fields["duck"], f"{what}: duck (dB under speech)",
                                   *BED_DUCK_RANGE)  # fmt: skip
        off = sound_node.is_scalar and sound_node.tag == TAG_BOOL  # `!!bool [1]`: a list
        off = off and sound_node.text.strip().lower() in ("off", "no")
        if sound_node.is_null or off:  # `bed: off` unquoted is YAML's false: no bed
            return BedSpec(None, level, duck, sound_node.line)
        named = f"{what}: sound" if node.is_mapping else what
        if sound_node.is_scalar and sound_node.tag != TAG_STR:
            raise self.fail(
                sound_node,
                f"{named} must be ocean, rain, drone, a sound file or none, "
                f"got {shown(sound_node)}",
            )
        name = self.text(sound_node, named, limit=300)
        sound = None if name.strip().lower() in ("none", "off") else name.strip()
        return BedSpec(sound, level, duck, sound_node.line)

    # -- the pace guide -------------------------------------------------------------------
    def pace(self, node: Node, what: str, sound: Sound, level: float) -> Pace | None:
        """A pace (``12``, ``12 to 7``, ``{from, to, sound, level}``) or ``None`` for
        ``none``; ``sound`` and ``level`` are what the routine gives when the pace does not."""
        if node.is_null or (node.is_scalar and node.text.strip().lower() in PACE_OFF):
            return None
        if node.is_mapping:
            fields = self.mapping(node, what, PACE_KEYS)
            start = self.rate(self.required(fields, "from", node, what), f"{what}: from")
            end = self.rate(fields["to"], f"{what}: to") if "to" in fields else start
            if "sound" in fields:
                sound = self.pace_sound(fields["sound"], f"{what}: sound")
            if "level" in fields:
                level = self.number(fields["level"], f"{what}: level (LU under the speech)",
                                    *PACE_LEVEL_RANGE)  # fmt: skip
            return Pace(start, end, sound, level)
        if node.tag in (TAG_INT, TAG_FLOAT):
            rate = self.rate(node, what)
            return Pace(rate, rate, sound, level)
        glide = _GLIDE.match(node.text) if node.is_scalar and node.tag == TAG_STR else None
        if glide is None:
            hint = did_you_mean(node.text.strip(), PACE_OFF) if node.is_scalar else ""
            raise self.fail(node, hinted(f"{what} must be {PACE_SYNTAX}, got {shown(node)}", hint))
        start, end = (self.rate_value(node, float(g), what) for g in glide.groups())
        return Pace(start, end, sound, level)

    def rate(self, node: Node, what: str) -> float:
        """Strokes or breaths per minute, in ``PACE_RANGE``."""
        return self.number(node, f"{what} (per minute)", *PACE_RANGE)

    def rate_value(self, node: Node, value: float, what: str) -> float:
        low, high = PACE_RANGE
        if not low <= value <= high:
            raise self.fail(
                node, f"{what}: {value:g} per minute is out of range; a pace is {low:g} to {high:g}"
            )
        return value

    def pace_sound(self, node: Node, what: str) -> Sound:
        """``pulse`` or ``breath``: a built-in sound of the pace guide."""
        name = self.text(node, what, 40).lower()
        if name not in PACE_SOUNDS:
            allowed = f"{what} must be one of {', '.join(PACE_SOUNDS)}, got {name!r}"
            raise self.fail(node, hinted(allowed, did_you_mean(name, PACE_SOUNDS)))
        path = resources.find_sound(name, self.path.parent)
        if path is None:  # a broken installation, not the routine
            raise self.fail(node, f"{what}: the built-in sound {name!r} is missing")
        return Sound(name, path, node.line)


class _Misspelt(RoutineError):
    """A required key missing because it is misspelt: the unknown key is the problem, already
    reported (``attempt`` keeps no second one)."""


def nearest(value: str, choices: tuple[str, ...]) -> str | None:
    """The one of ``choices`` that ``value`` comes close to (any case), if any."""
    lowered = {choice.lower(): choice for choice in choices}
    near = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[near[0]] if near else None


def did_you_mean(value: str, choices: tuple[str, ...]) -> str:
    """``"did you mean 'bell'? "`` when ``value`` comes close to one of ``choices``, else
    ``""``: the hint every closed choice gives."""
    near = nearest(value, choices)  # str(): a choice may be a StrEnum's member
    return f"did you mean {str(near)!r}? " if near is not None else ""


def hinted(message: str, hint: str) -> str:
    """``message`` and, if there is one, ``did_you_mean``'s ``hint`` after a semicolon."""
    return f"{message}; {hint.strip()}" if hint else message


def not_text(value: str) -> str | None:
    """What in ``value`` is no text (``"a noncharacter (U+FFFE)"``), or None: a control
    character but a tab or line break (``TEXT_CONTROLS``), a lone surrogate (PyYAML's own
    parser makes one of ``"\\ud800"``), or a noncharacter (U+FDD0 to U+FDEF, and the last
    two code points of every plane)."""
    for ch in value:
        code = ord(ch)
        if code & 0xFFFE == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
            return f"a noncharacter (U+{code:04X})"
        category = unicodedata.category(ch)
        if category == "Cs":
            return f"a lone surrogate (U+{code:04X})"
        if category == "Cc" and ch not in TEXT_CONTROLS:
            return f"a control character (U+{code:04X})"
    return None


def shown(node: Node) -> str:
    if node.is_mapping:
        return "a mapping"
    if node.is_sequence:
        return "a list"
    if node.is_null:
        return "nothing"
    text = node.text
    return repr(text if len(text) <= 40 else text[:37] + "...")

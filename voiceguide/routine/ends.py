"""Reading how a routine begins and ends, and what language it speaks (``routine.loader``
reads the rest).

``intro`` and ``outro`` are a text (spoken in the fixed time they always took) or a mapping:
a part of its own, the get-ready before the first step or the rest after the last, whose
``duration`` (the whole part, its words included) the fitter scales within ``min`` and
``max`` like a step's; the get-ready may ring a ``chime`` at 0:00 (its words follow it, as a
step's instruction follows its chime: the session sounds before any speech is rendered).
``language`` is a language code; ``side_announcement`` words how a
side is announced (``{side}``/``{Side}``).
"""

from __future__ import annotations

import re

from voiceguide.routine import language as languages
from voiceguide.routine.fields import shown
from voiceguide.routine.model import Step
from voiceguide.routine.steps import MAX_NAME, StepReader
from voiceguide.routine.yamlnodes import Node

ENDING_KEYS = ("name", "say", "duration", "min", "max", "fixed", "pace")
OPENING_KEYS = (*ENDING_KEYS, "chime")  # the get-ready may open with a chime at 0:00
NAMES = {"intro": "Get ready", "outro": "Rest"}  # shown in the plan and the player
MAX_ANNOUNCEMENT = 100  # characters of a side's announcement


class EndsReader(StepReader):
    """The intro, the outro, the language and the side's announcement; the routine's pace
    (``pace_default``) is read before them."""

    def ending(self, fields: dict[str, Node], key: str) -> tuple[str | None, Step | None]:
        """``intro`` or ``outro`` (``key``): the words spoken, and the part they open or
        close when written as a mapping (else None)."""
        node = fields.get(key)
        allowed = OPENING_KEYS if key == "intro" else ENDING_KEYS
        if node is not None and not node.is_scalar and not node.is_mapping:
            self.problems.append(
                self.fail(
                    node,
                    f"{key} must be text or a mapping of {', '.join(allowed)}, got {shown(node)}",
                )
            )
            return None, None
        if node is None or not node.is_mapping:
            return self.spoken(fields, key), None
        before = len(self.problems)
        parts = self.mapping(node, key, allowed)
        name: str | None = NAMES[key]
        if "name" in parts:
            name = self.attempt(self.text, parts["name"], f"{key}: name", MAX_NAME)
        say = self.spoken(parts, "say", f"{key}: say")
        duration_node = self.attempt(self.required, parts, "duration", node, key)
        duration = None
        if duration_node is not None:
            duration = self.duration(duration_node, f"{key}: duration")
        fixed = self.flag(parts, "fixed", key, False)
        bounds = self.attempt(self.bounds, parts, key, duration, fixed)
        pace = self.attempt(self.step_pace, parts, key) if "pace" in parts else None
        chime = None
        if "chime" in parts:
            chime = self.attempt(self.sound, parts["chime"], f"{key}: chime")
        if self.failed_since(before):
            return say, None
        # nothing refused since ``before``: every field read (as ``StepReader.step``)
        assert name is not None and duration is not None and bounds is not None
        assert fixed is not None
        part = Step(
            name=name,
            say=say,
            duration=duration,
            min=bounds[0],
            max=bounds[1],
            fixed=fixed,
            sides=(),
            interlude_after=False,
            cues=(),
            chime=chime,
            side_chime=None,
            line=node.line,
            pace=pace,
        )
        return say, part

    def spoken(self, fields: dict[str, Node], key: str, what: str | None = None) -> str | None:
        """An intro's or outro's words: text without placeholders (there is no side)."""
        what = what or key
        text = self.attempt(self.optional_text, fields, key, what)
        self.attempt(self.check_placeholders, fields.get(key), text, (), what)
        self.attempt(self.check_speakable, fields.get(key), text, (), what)
        return text

    def language(self, node: Node) -> str:
        """``language: de``: a language code, as engines write it."""
        text = self.text(node, "language", 40)
        try:
            return languages.normalized(text)
        except ValueError as exc:
            raise self.fail(node, f"language {exc}") from exc

    def side_announcement(self, node: Node) -> str:
        """``side_announcement: "{Side} Seite."``: words with ``{side}`` or ``{Side}`` (the
        side as written, or its first letter in upper case), and no other placeholder."""
        what = "side_announcement"
        text = self.text(node, what, MAX_ANNOUNCEMENT)
        found = re.findall(r"\{[^{}]*\}", text)
        unknown = [f for f in found if f not in languages.PLACEHOLDERS]
        if unknown:
            raise self.fail(
                node, f"{what}: unknown placeholder {unknown[0]}; write {{side}} or {{Side}}"
            )
        if not found:
            raise self.fail(
                node, f"{what} must name the side with {{side}} or {{Side}}, got {shown(node)}"
            )
        if re.search(r"[{}]", re.sub(r"\{[sS]ide\}", "", text)):
            raise self.fail(node, f"{what}: unbalanced brace; write {{side}} or {{Side}}")
        return text

"""Reading a routine's steps, the interlude and their cues (``routine.loader`` reads the rest).

Each value is read with ``FieldReader.attempt``, so a step reports every problem it has; a
value that depends on a refused one is not checked (a cue's time without its step's
duration, a ``{side}`` without the sides), so that no problem is reported twice.
"""

from __future__ import annotations

import math
import re

from voiceguide import durations, resources
from voiceguide.routine.fields import PACE_LEVEL, FieldReader, shown
from voiceguide.routine.model import Cue, CueKind, Pace, Sound, Step
from voiceguide.routine.yamlnodes import Node

MAX_CUES = 50
MAX_NAME = 120
MIN_EVERY = 2.0
# A flexible step without min/max may shrink to a quarter or grow to four times its duration.
DEFAULT_MIN_SCALE = 0.25
DEFAULT_MAX_SCALE = 4.0
STEP_KEYS = (
    "name",
    "say",
    "duration",
    "min",
    "max",
    "fixed",
    "sides",
    "between",
    "cues",
    "chime",
    "pace",
    "wait",
    "repeat",
    "optional",
)
BETWEEN_KEYS = ("name", "say", "duration", "min", "max", "fixed", "cues", "chime", "pace")
CUE_KEYS = ("at", "every", "say", "chime")
SIDE_CHIME = "soft"  # rung at a side switch (a built-in sound)


class StepReader(FieldReader):
    """A step, the interlude and their cues; ``pace_default`` and ``pace_sound_default``
    (the routine's) are set by the loader before the first step is read."""

    pace_default: Pace | None = None
    pace_sound_default: Sound

    def duration(self, node: Node, what: str) -> float | None:
        """A ``length`` or a ``duration``, with the warning for a bare number that may mean
        minutes; None (its problem kept) if refused. (Not ``min`` and ``max``: beside
        ``duration: 10s``, ``min: 5`` is plainly seconds.)"""
        value = self.attempt(self.positive_seconds, node, what)
        self.bare_seconds(node, value, what)
        return value

    def step(self, node: Node, number: int | None, chime: Sound | None) -> Step | None:
        """Step ``number`` (None: the interlude); None when ``problems`` holds why."""
        before = len(self.problems)
        what = "between" if number is None else f"step {number}"
        fields = self.mapping(node, what, BETWEEN_KEYS if number is None else STEP_KEYS)
        name: str | None = "Interlude"
        if number is not None or "name" in fields:
            name = self.attempt(self.named, fields, node, what)
        what = f"{what} {name!r}" if name is not None else what
        duration_node = self.attempt(self.required, fields, "duration", node, what)
        duration = None
        if duration_node is not None:
            duration = self.duration(duration_node, f"{what}: duration")
        fixed = self.flag(fields, "fixed", what, False)
        wait = self.flag(fields, "wait", what, False) if number is not None else False
        bounds = self.attempt(self.bounds, fields, what, duration, fixed, wait)
        sides = self.attempt(self.sides, fields["sides"], what) if "sides" in fields else ()
        say = self.attempt(self.optional_text, fields, "say", f"{what}: say")
        if sides is not None:
            self.attempt(self.check_placeholders, fields.get("say"), say, sides, what)
            if say is None and not sides and name is not None:  # the name is spoken instead
                spoken_name = f"{what}: name (spoken: no say)"
                self.attempt(self.check_speakable, fields.get("name"), name, (), spoken_name)
            self.attempt(self.check_speakable, fields.get("say"), say, sides, f"{what}: say")
        segment = None
        if duration is not None and sides is not None:
            segment = duration / max(1, len(sides))
        if "chime" in fields:
            chime = self.attempt(self.sound, fields["chime"], f"{what}: chime")
        cues: tuple[Cue, ...] | None = ()
        if "cues" in fields and not fields["cues"].is_null:
            cues = self.attempt(self.cues, fields["cues"], what, segment, sides)
        interlude_after = self.flag(fields, "between", what, True)
        pace = self.attempt(self.step_pace, fields, what)
        repeat = self.flag(fields, "repeat", what, False) if number is not None else False
        optional = self.flag(fields, "optional", what, False) if number is not None else False
        if self.failed_since(before):
            return None
        # nothing refused since ``before``: every value read is there
        assert name is not None and duration is not None and bounds is not None and wait is not None
        assert fixed is not None and interlude_after is not None and repeat is not None
        assert sides is not None and cues is not None and optional is not None
        return Step(
            name=name,
            say=say,
            duration=duration,
            min=bounds[0],
            max=bounds[1],
            fixed=fixed or wait,  # a waiting step is fitted as written
            sides=sides,
            interlude_after=interlude_after,
            cues=cues,
            chime=chime,
            side_chime=self.side_chime(chime) if sides else None,
            line=node.line,
            pace=pace,
            wait=wait,
            repeat=repeat,
            optional=optional,
        )

    def named(self, fields: dict[str, Node], node: Node, what: str) -> str:
        return self.text(self.required(fields, "name", node, what), f"{what} name", MAX_NAME)

    def flag(self, fields: dict[str, Node], key: str, what: str, default: bool) -> bool | None:
        """``fixed`` or ``between``: ``default`` when absent, None when refused."""
        if key not in fields:
            return default
        return self.attempt(self.boolean, fields[key], f"{what}: {key}")

    def step_pace(self, fields: dict[str, Node], what: str) -> Pace | None:
        if "pace" not in fields:
            return self.pace_default
        default = self.pace_default
        sound = default.sound if default else self.pace_sound_default
        level = default.level if default else PACE_LEVEL
        return self.pace(fields["pace"], f"{what}: pace", sound, level)

    def side_chime(self, chime: Sound | None) -> Sound | None:
        """The chime of a side switch: the built-in ``SIDE_CHIME`` if the step rings one."""
        if chime is None:
            return None
        path = resources.find_sound(SIDE_CHIME, self.path.parent)
        return Sound(SIDE_CHIME, path) if path else chime

    def bounds(
        self,
        fields: dict[str, Node],
        what: str,
        duration: float | None,
        fixed: bool | None,
        wait: bool | None = False,
    ) -> tuple[float, float] | None:
        """``(min, max)`` in seconds; each refused key is a problem of its own. None (a
        problem kept) when they cannot be known or compared. A waiting step is fitted as
        written, as a fixed one."""
        if fixed or wait:
            for key in ("min", "max"):
                if key in fields:
                    fix = "or set fixed: false" if fixed else "(it lasts its written duration)"
                    kind = "fixed" if fixed else "waiting"
                    self.problems.append(
                        self.fail(
                            fields[key],
                            f"{what}: a {kind} step takes no {key}; remove {key!r} {fix}",
                        )
                    )
            return (duration, duration) if duration is not None else None
        low = high = None
        if "min" in fields:
            low = self.attempt(self.positive_seconds, fields["min"], f"{what}: min")
        if "max" in fields:
            high = self.attempt(self.positive_seconds, fields["max"], f"{what}: max")
        if duration is None or fixed is None or ("min" in fields) != (low is not None):
            return None
        if ("max" in fields) != (high is not None):
            return None
        low = low if low is not None else duration * DEFAULT_MIN_SCALE
        high = high if high is not None else duration * DEFAULT_MAX_SCALE
        if low > high:
            raise self.fail(
                fields["min"] if "min" in fields else fields["max"],
                f"{what}: min ({durations.humanize(low)}) must not exceed max "
                f"({durations.humanize(high)})",
            )
        if not low <= duration <= high:
            bad = fields["min"] if duration < low else fields["max"]
            raise self.fail(
                bad,
                f"{what}: duration {durations.humanize(duration)} must lie "
                f"between min {durations.humanize(low)} and max "
                f"{durations.humanize(high)}",
            )
        return low, high

    def sides(self, node: Node, what: str) -> tuple[str, ...]:
        if not node.is_sequence or not 1 <= len(node.items) <= 8:
            raise self.fail(
                node,
                f"{what}: sides must be a list of 1 to 8 names, like "
                f"[left, right], got {shown(node)}",
            )
        names = tuple(self.text(item, f"{what}: side", 40) for item in node.items)
        if len(set(names)) != len(names):
            raise self.fail(node, f"{what}: sides must be different, got {list(names)}")
        return names

    def check_placeholders(
        self, node: Node | None, text: str | None, sides: tuple[str, ...], what: str
    ) -> None:
        if node is None or text is None:
            return
        for found in re.findall(r"\{([^{}]*)\}", text):
            if found != "side":
                raise self.fail(
                    node, f"{what}: unknown placeholder {{{found}}}; only {{side}} is allowed"
                )
            if not sides:
                raise self.fail(node, f"{what}: {{side}} is used but the step has no sides")
        if re.search(r"[{}]", re.sub(r"\{side\}", "", text)):
            raise self.fail(node, f"{what}: unbalanced brace; write {{side}} or no braces")

    # -- cues ------------------------------------------------------------------------------
    def cues(
        self, node: Node, what: str, segment: float | None, sides: tuple[str, ...] | None
    ) -> tuple[Cue, ...] | None:
        """The cues of a step whose sides last ``segment`` seconds each (None: unknown, so
        their times are not checked; ``sides`` None: unknown, so ``{side}`` is not)."""
        if not node.is_sequence:
            raise self.fail(node, f"{what}: cues must be a list, got {shown(node)}")
        if len(node.items) > MAX_CUES:
            raise self.fail(node, f"{what}: {len(node.items)} cues; at most {MAX_CUES} allowed")
        before = len(self.problems)
        read = [
            self.attempt(self.cue, item, f"{what} cue {i + 1}", segment, sides)
            for i, item in enumerate(node.items)
        ]
        if self.failed_since(before):
            return None
        return tuple(cue for cue in read if cue is not None)

    def cue(
        self, node: Node, what: str, segment: float | None, sides: tuple[str, ...] | None
    ) -> Cue | None:
        before = len(self.problems)
        fields = self.mapping(node, what, CUE_KEYS)
        if ("at" in fields) == ("every" in fields):
            if "at" not in fields:
                self.unless_misspelt(node, "at", "every")
            raise self.fail(
                node, f"{what}: give exactly one of 'at' (50%, 1m, -15s) or 'every' (40s)"
            )
        if "say" not in fields and "chime" not in fields:
            self.unless_misspelt(node, "say", "chime")
            raise self.fail(node, f"{what}: a cue needs 'say', 'chime' or both")
        say = self.attempt(self.optional_text, fields, "say", f"{what}: say")
        if sides is not None:
            self.attempt(self.check_placeholders, fields.get("say"), say, sides, what)
            self.attempt(self.check_speakable, fields.get("say"), say, sides, f"{what}: say")
        chime = None
        if "chime" in fields:
            chime = self.attempt(self.sound, fields["chime"], f"{what}: chime")
        if chime is None and say is None and not self.failed_since(before):
            raise self.fail(node, f"{what}: a cue needs 'say' text or a chime, not neither")
        timed = self.attempt(self.cue_when, fields, what, segment, sides)
        if self.failed_since(before) or timed is None:
            return None
        when, value = timed
        return Cue(when=when, value=value, say=say, chime=chime, line=node.line)

    def cue_when(
        self,
        fields: dict[str, Node],
        what: str,
        segment: float | None,
        sides: tuple[str, ...] | None,
    ) -> tuple[CueKind, float] | None:
        """``(when, value)`` of a cue (see ``model.Cue``); inside the step when ``segment``
        (seconds of a step or side) is known."""
        if "every" not in fields:
            return self.cue_time(fields["at"], what, segment, sides)
        node = fields["every"]
        value = self.positive_seconds(node, f"{what}: every")
        if value < MIN_EVERY or (segment is not None and value >= segment):
            span = f"the step{' side' if sides else ''}"
            if segment is not None:
                span += f" ({durations.humanize(segment)})"
            raise self.fail(
                node, f"{what}: every must be at least {MIN_EVERY:g}s and shorter than {span}"
            )
        return CueKind.EVERY, value

    def cue_time(
        self, node: Node, what: str, segment: float | None, sides: tuple[str, ...] | None
    ) -> tuple[CueKind, float]:
        raw = node.text.strip() if node.is_scalar else ""
        if raw.endswith("%"):
            try:
                percent = float(raw[:-1])
            except ValueError:
                percent = math.nan
            if not 0 <= percent < 100:
                raise self.fail(
                    node, f"{what}: at must be a percentage from 0% to 99.9%, got {raw!r}"
                )
            return CueKind.FRACTION, percent / 100
        value = self.seconds(node, f"{what}: at", signed=True)
        kind = CueKind.BEFORE_END if raw.startswith("-") else CueKind.FROM_START
        if segment is not None:
            span = f"the step{' side' if sides else ''} ({durations.humanize(segment)})"
            inside = 0 < -value <= segment if kind is CueKind.BEFORE_END else value < segment
            if not inside:
                raise self.fail(node, f"{what}: at {raw!r} lies outside {span}")
        return kind, -value if kind is CueKind.BEFORE_END else value

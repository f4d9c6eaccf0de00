"""The strict routine loader: YAML -> a checked ``Routine`` (``routine.model``).

A routine is read once, checked field by field, and returned as a ``Routine``. Every duration is
a float number of seconds. Every rejection is a ``RoutineError`` with the file, the line and
what is allowed; unknown keys are rejected with a "did you mean" suggestion. The format is
documented in docs/routines.md and published as a JSON Schema (``routine.schema.json`` beside
this module).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from voiceguide import durations, resources
from voiceguide.routine.fields import MAX_SECONDS, PACE_LEVEL, FieldReader, shown
from voiceguide.routine.model import Cue, Pace, Routine, Sound, Step, Voice
from voiceguide.routine.yamlnodes import (
    Node,
    read_file,
)

MAX_STEPS = 200
MAX_CUES = 50
MAX_NAME = 120
MIN_EVERY = 2.0
# A flexible step without min/max may shrink to a quarter or grow to four times its duration.
DEFAULT_MIN_SCALE = 0.25
DEFAULT_MAX_SCALE = 4.0

ROUTINE_KEYS = (
    "title",
    "description",
    "length",
    "voice",
    "chime",
    "intro",
    "outro",
    "between",
    "pace",
    "pace_sound",
    "lexicon",
    "bed",
    "chime_level",
    "steps",
)
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
)
BETWEEN_KEYS = ("name", "say", "duration", "min", "max", "fixed", "cues", "chime", "pace")
CUE_KEYS = ("at", "every", "say", "chime")
VOICE_KEYS = ("engine", "name", "rate", "volume")
ENGINES = ("espeak", "piper")
RATE_RANGE = (80, 450)
# Speech is leveled to -16 LUFS plus 20*log10(volume) dB; 0.01 (-40 dB, -56 LUFS) stays above
# the -70 LUFS gate under which loudness cannot be measured. 0 would only make silence.
VOLUME_RANGE = (0.01, 1.0)
SIDE_CHIME = "soft"  # rung at a side switch (a built-in sound)


def load(path: str | Path) -> Routine:
    """Load and check the routine at ``path`` (a file path)."""
    path = Path(path)
    root = read_file(path)
    return _Reader(path).routine(root)


class _Reader(FieldReader):
    """The routine's structure: each method reads one part of it."""

    # -- the routine -----------------------------------------------------------------------
    def routine(self, root: Node) -> Routine:
        fields = self.mapping(root, "the routine", ROUTINE_KEYS)
        title = self.text(self.required(fields, "title", root, "the routine"), "title", MAX_NAME)
        length = None
        if "length" in fields and not fields["length"].is_null:
            length = self.positive_seconds(fields["length"], "length")
            self.bare_seconds(fields["length"], length, "length")
        voice = self.voice(fields["voice"]) if "voice" in fields else Voice()
        chime = self.sound(fields["chime"], "chime") if "chime" in fields else self._bell()
        self.routine_pace(fields)
        steps_node = self.required(fields, "steps", root, "the routine")
        if not steps_node.is_sequence or not steps_node.value:
            raise self.fail(steps_node, "steps must be a list with at least one step")
        if len(steps_node.value) > MAX_STEPS:
            raise self.fail(
                steps_node, f"{len(steps_node.value)} steps; at most {MAX_STEPS} allowed"
            )
        steps = tuple(self.step(node, i + 1, chime) for i, node in enumerate(steps_node.value))
        interlude = None
        if "between" in fields and not fields["between"].is_null:
            interlude = self.step(fields["between"], None, chime)
        total = sum(step.duration for step in steps)
        if total > MAX_SECONDS:
            raise self.fail(
                steps_node,
                f"the steps last {durations.humanize(total)} in all; at most 24h allowed",
            )
        return Routine(
            path=self.path,
            title=title,
            description=self.optional_text(fields, "description", "description"),
            length=length,
            voice=voice,
            chime=chime,
            intro=self.spoken(fields, "intro"),
            outro=self.spoken(fields, "outro"),
            interlude=interlude,
            steps=steps,
            length_line=fields["length"].line if "length" in fields else None,
            warnings=tuple(self.warnings),
            lexicon=self.lexicon(fields["lexicon"], "lexicon") if "lexicon" in fields else (),
            bed=self.bed(fields["bed"], "bed") if "bed" in fields else None,
            chime_level=self.chime_level(fields),
        )

    def routine_pace(self, fields: dict[str, Node]) -> None:
        """The routine's ``pace`` and ``pace_sound``: what a step without a pace of its own
        gets (``self.pace_default``), and the sound a step's pace has unless it says."""
        if "pace_sound" in fields and not fields["pace_sound"].is_null:
            self.pace_sound_default = self.pace_sound(fields["pace_sound"], "pace_sound")
        else:
            self.pace_sound_default = self.pace_sound_named("pulse")
        self.pace_default = None
        if "pace" in fields:
            self.pace_default = self.pace(
                fields["pace"], "pace", self.pace_sound_default, PACE_LEVEL
            )

    def step_pace(self, fields: dict[str, Node], what: str) -> Pace | None:
        if "pace" not in fields:
            return self.pace_default
        default = self.pace_default
        sound = default.sound if default else self.pace_sound_default
        level = default.level if default else PACE_LEVEL
        return self.pace(fields["pace"], f"{what}: pace", sound, level)

    def pace_sound_named(self, name: str) -> Sound:
        return Sound(name, resources.find_sound(name, self.path.parent))

    def spoken(self, fields: dict[str, Node], key: str) -> str | None:
        """An intro or outro: text without placeholders (there is no side to fill in)."""
        text = self.optional_text(fields, key, key)
        self.check_placeholders(fields.get(key), text, (), key)
        self.check_speakable(fields.get(key), text, (), key)
        return text

    def _bell(self) -> Sound:
        return Sound("bell", resources.find_sound("bell", self.path.parent), None)

    def voice(self, node: Node) -> Voice:
        if node.is_scalar and not node.is_null:
            return Voice(name=self.text(node, "voice", 100), line=node.line)
        fields = self.mapping(node, "voice", VOICE_KEYS)
        rate = fields.get("rate")
        volume = fields.get("volume")
        return Voice(
            name=self.optional_text(fields, "name", "voice name"),
            rate=int(self.number(rate, "voice rate (words per minute)", *RATE_RANGE))
            if rate is not None
            else None,
            volume=self.number(volume, "voice volume", *VOLUME_RANGE)
            if volume is not None
            else None,
            line=(fields["name"].line if "name" in fields else node.line),
            engine=self.engine(fields["engine"]) if "engine" in fields else None,
        )

    def engine(self, node: Node) -> str:
        name = self.text(node, "voice engine", 20).lower()
        if name not in ENGINES:
            raise self.fail(node, f"voice engine must be one of {', '.join(ENGINES)}, got {name!r}")
        return name

    def step(self, node: Node, number: int | None, chime: Sound | None) -> Step:
        what = "between" if number is None else f"step {number}"
        fields = self.mapping(node, what, BETWEEN_KEYS if number is None else STEP_KEYS)
        if number is None and "name" not in fields:
            name = "Interlude"
        else:
            name = self.text(self.required(fields, "name", node, what), f"{what} name", MAX_NAME)
        what = f"{what} {name!r}"
        duration_node = self.required(fields, "duration", node, what)
        duration = self.positive_seconds(duration_node, f"{what}: duration")
        self.bare_seconds(duration_node, duration, f"{what}: duration")
        fixed = self.boolean(fields["fixed"], f"{what}: fixed") if "fixed" in fields else False
        low, high = self.bounds(fields, what, duration, fixed)
        sides = self.sides(fields["sides"], what) if "sides" in fields else ()
        say = self.optional_text(fields, "say", f"{what}: say")
        self.check_placeholders(fields.get("say"), say, sides, what)
        if say is None and not sides:  # the name alone is spoken instead
            self.check_speakable(fields.get("name"), name, (), f"{what}: name (spoken: no say)")
        self.check_speakable(fields.get("say"), say, sides, f"{what}: say")
        segment = duration / max(1, len(sides))
        step_chime = self.sound(fields["chime"], f"{what}: chime") if "chime" in fields else chime
        cues = ()
        if "cues" in fields and not fields["cues"].is_null:
            cues = self.cues(fields["cues"], what, segment, sides)
        return Step(
            name=name,
            say=say,
            duration=duration,
            min=low,
            max=high,
            fixed=fixed,
            sides=sides,
            interlude_after=self.boolean(fields["between"], f"{what}: between")
            if "between" in fields
            else True,
            cues=cues,
            chime=step_chime,
            side_chime=self.side_chime(step_chime) if sides else None,
            line=node.line,
            pace=self.step_pace(fields, what),
        )

    def side_chime(self, chime: Sound | None) -> Sound | None:
        """The chime of a side switch: the built-in ``SIDE_CHIME`` if the step rings one."""
        if chime is None:
            return None
        path = resources.find_sound(SIDE_CHIME, self.path.parent)
        return Sound(SIDE_CHIME, path) if path else chime

    def bounds(
        self, fields: dict[str, Node], what: str, duration: float, fixed: bool
    ) -> tuple[float, float]:
        if fixed:
            for key in ("min", "max"):
                if key in fields:
                    raise self.fail(
                        fields[key],
                        f"{what}: a fixed step takes no {key}; remove {key!r} or set fixed: false",
                    )
            return duration, duration
        low = (
            self.positive_seconds(fields["min"], f"{what}: min")
            if "min" in fields
            else duration * DEFAULT_MIN_SCALE
        )
        high = (
            self.positive_seconds(fields["max"], f"{what}: max")
            if "max" in fields
            else duration * DEFAULT_MAX_SCALE
        )
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
        if not node.is_sequence or not 1 <= len(node.value) <= 8:
            raise self.fail(
                node,
                f"{what}: sides must be a list of 1 to 8 names, like "
                f"[left, right], got {shown(node)}",
            )
        names = tuple(self.text(item, f"{what}: side", 40) for item in node.value)
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

    def cues(self, node: Node, what: str, segment: float, sides: tuple[str, ...]) -> tuple:
        if not node.is_sequence:
            raise self.fail(node, f"{what}: cues must be a list, got {shown(node)}")
        if len(node.value) > MAX_CUES:
            raise self.fail(node, f"{what}: {len(node.value)} cues; at most {MAX_CUES} allowed")
        return tuple(
            self.cue(item, f"{what} cue {i + 1}", segment, sides)
            for i, item in enumerate(node.value)
        )

    def cue(self, node: Node, what: str, segment: float, sides: tuple[str, ...]) -> Cue:
        fields = self.mapping(node, what, CUE_KEYS)
        if ("at" in fields) == ("every" in fields):
            raise self.fail(
                node, f"{what}: give exactly one of 'at' (50%, 1m, -15s) or 'every' (40s)"
            )
        if "say" not in fields and "chime" not in fields:
            raise self.fail(node, f"{what}: a cue needs 'say', 'chime' or both")
        say = self.optional_text(fields, "say", f"{what}: say")
        self.check_placeholders(fields.get("say"), say, sides, what)
        self.check_speakable(fields.get("say"), say, sides, f"{what}: say")
        chime = self.sound(fields["chime"], f"{what}: chime") if "chime" in fields else None
        if say is None and chime is None:
            raise self.fail(node, f"{what}: a cue needs 'say' text or a chime, not neither")
        if "every" in fields:
            when, value = "every", self.positive_seconds(fields["every"], f"{what}: every")
            if value < MIN_EVERY or value >= segment:
                raise self.fail(
                    fields["every"],
                    f"{what}: every must be at least "
                    f"{MIN_EVERY:g}s and shorter than the step"
                    f"{' side' if sides else ''} ({durations.humanize(segment)})",
                )
        else:
            when, value = self.cue_time(fields["at"], what, segment, sides)
        return Cue(when=when, value=value, say=say, chime=chime, line=node.line)

    def cue_time(
        self, node: Node, what: str, segment: float, sides: tuple[str, ...]
    ) -> tuple[str, float]:
        raw = node.value.strip() if node.is_scalar else ""
        span = f"the step{' side' if sides else ''} ({durations.humanize(segment)})"
        if raw.endswith("%"):
            try:
                percent = float(raw[:-1])
            except ValueError:
                percent = math.nan
            if not 0 <= percent < 100:
                raise self.fail(
                    node, f"{what}: at must be a percentage from 0% to 99.9%, got {raw!r}"
                )
            return "fraction", percent / 100
        value = self.seconds(node, f"{what}: at", signed=True)
        if raw.startswith("-"):
            if not 0 < -value <= segment:
                raise self.fail(node, f"{what}: at {raw!r} lies outside {span}")
            return "before_end", -value
        if value >= segment:
            raise self.fail(node, f"{what}: at {raw!r} lies outside {span}")
        return "from_start", value

"""The strict routine loader: YAML -> a checked ``Routine`` (``routine.model``).

A routine is read once, checked field by field, and returned as a ``Routine``. Every duration is
a float number of seconds. Every rejection is a ``RoutineError`` with the file, the line and
what is allowed; unknown keys are rejected with a "did you mean" suggestion. The problems of
independent values are collected, so that one run reports them all (``read``; ``load``
raises them together, in line order). The format is documented in docs/routines.md and
published as a JSON Schema (``routine.schema.json`` beside this module).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voiceguide import durations, resources
from voiceguide.choices import RATE_RANGE, Engine
from voiceguide.errors import RoutineError, combined
from voiceguide.resources import PaceSound
from voiceguide.routine.ends import ENDING_KEYS, OPENING_KEYS, EndsReader
from voiceguide.routine.fields import MAX_SECONDS, PACE_LEVEL, did_you_mean, hinted, shown
from voiceguide.routine.model import BedSpec, Routine, Sound, Step, Voice
from voiceguide.routine.steps import (
    BETWEEN_KEYS,
    CUE_KEYS,
    DEFAULT_MAX_SCALE,
    DEFAULT_MIN_SCALE,
    MAX_CUES,
    MAX_NAME,
    MIN_EVERY,
    SIDE_CHIME,
    STEP_KEYS,
)
from voiceguide.routine.yamlnodes import Node, read_file

__all__ = [
    "BETWEEN_KEYS",
    "CUE_KEYS",
    "DEFAULT_MAX_SCALE",
    "DEFAULT_MIN_SCALE",
    "ENDING_KEYS",
    "OPENING_KEYS",
    "MAX_CUES",
    "MAX_NAME",
    "MAX_STEPS",
    "MIN_EVERY",
    "RATE_RANGE",
    "ROUTINE_KEYS",
    "SIDE_CHIME",
    "STEP_KEYS",
    "VOICE_KEYS",
    "VOLUME_RANGE",
    "Reading",
    "load",
    "read",
]

MAX_STEPS = 200
ROUTINE_KEYS = (
    "title",
    "description",
    "length",
    "voice",
    "language",
    "chime",
    "intro",
    "outro",
    "between",
    "pace",
    "pace_sound",
    "lexicon",
    "bed",
    "chime_level",
    "side_announcement",
    "steps",
)
VOICE_KEYS = ("engine", "name", "rate", "volume")
# Speech is leveled to -16 LUFS plus 20*log10(volume) dB; 0.01 (-40 dB, -56 LUFS) stays above
# the -70 LUFS gate under which loudness cannot be measured. 0 would only make silence.
VOLUME_RANGE = (0.01, 1.0)


@dataclass(frozen=True)
class Reading:
    """What ``read`` made of a routine file: the checked ``routine``, or None and the
    ``problems`` that keep it from being one (each a one-line ``RoutineError``, in the
    order found); the ``warnings`` either way. ``sounds`` (every chime read) and ``bed`` are
    what the routine names that only the session can check (does the file play?): they are
    read even when other parts are wrong, so that their problems are reported with the
    rest."""

    path: Path
    routine: Routine | None
    problems: tuple[RoutineError, ...]
    warnings: tuple[str, ...]
    sounds: tuple[Sound, ...]
    bed: BedSpec | None

    def error(self) -> RoutineError:
        """The problems (there must be some) as one error, in line order, with the
        warnings."""
        return combined(list(self.problems), self.warnings)


def load(path: str | Path) -> Routine:
    """Load and check the routine file at ``path``.

    Only the file itself is read: the sounds it names are checked by ``prepare``.

    Args:
        path: The routine's YAML file (a path, not a built-in's name: ``session.find``
            turns a name into its file).

    Returns:
        The routine as written: durations in seconds, not yet fitted to a length.

    Raises:
        RoutineError: The file cannot be read or parsed, or it breaks a rule of the format
            (docs/routines.md). Every problem found is in it, each ``FILE:LINE: what is
            wrong, what is allowed``: a ``RoutineErrors`` when there are several.
    """
    reading = read(path)
    if reading.routine is None:
        raise reading.error()
    return reading.routine


def read(path: str | Path) -> Reading:
    """Read and check the routine at ``path``, collecting the problems of independent
    values. A file that cannot be read or parsed at all raises its ``RoutineError``."""
    path = Path(path)
    reader = _Reader(path)
    made = reader.routine(read_file(path, reader.problems))
    problems = tuple(error for problem in reader.problems for error in problem.errors)
    return Reading(
        path,
        None if problems else made,
        problems,
        tuple(reader.warnings),
        tuple(reader.sounds),
        reader.bed_read,
    )


class _Reader(EndsReader):
    """The routine's structure: each method reads one part of it."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.sounds: list[Sound] = []  # every chime read, for the session to check
        self.bed_read: BedSpec | None = None

    def sound(self, node: Node, what: str) -> Sound | None:
        found = super().sound(node, what)
        if found is not None:
            self.sounds.append(found)
        return found

    def routine(self, root: Node) -> Routine | None:
        """The routine, or None when ``problems`` holds why not."""
        fields = self.attempt(self.mapping, root, "the routine", ROUTINE_KEYS)
        if fields is None:
            return None
        title = self.attempt(self.title, fields, root)
        length = None
        if "length" in fields and not fields["length"].is_null:
            length = self.duration(fields["length"], "length")
        voice = self.attempt(self.voice, fields["voice"]) if "voice" in fields else Voice()
        chime: Sound | None = self._bell()
        if "chime" in fields:
            chime = self.attempt(self.sound, fields["chime"], "chime")
        self.routine_pace(fields)
        steps = self.attempt(self.steps, fields, root, chime)
        interlude = None
        if "between" in fields and not fields["between"].is_null:
            interlude = self.attempt(self.step, fields["between"], None, chime)
        description = self.attempt(self.optional_text, fields, "description", "description")
        intro, get_ready = self.ending(fields, "intro")
        outro, rest = self.ending(fields, "outro")
        language = self.attempt(self.language, fields["language"]) if "language" in fields else None
        announcement = None
        if "side_announcement" in fields:
            announcement = self.attempt(self.side_announcement, fields["side_announcement"])
        lexicon: tuple[tuple[str, str, Path, int], ...] | None = ()
        if "lexicon" in fields:
            lexicon = self.attempt(self.lexicon, fields["lexicon"], "lexicon")
        if "bed" in fields:
            self.bed_read = self.attempt(self.bed, fields["bed"], "bed")
        chime_level = self.attempt(self.chime_level, fields)
        if self.problems:
            return None
        # nothing refused: every value read is there
        assert title is not None and voice is not None and steps is not None
        assert lexicon is not None
        return Routine(
            path=self.path,
            title=title,
            description=description,
            length=length,
            voice=voice,
            chime=chime,
            intro=intro,
            outro=outro,
            interlude=interlude,
            steps=steps,
            length_line=fields["length"].line if "length" in fields else None,
            warnings=tuple(self.warnings),
            lexicon=lexicon,
            bed=self.bed_read,
            chime_level=chime_level,
            get_ready=get_ready,
            rest=rest,
            language=language,
            side_announcement=announcement,
        )

    def title(self, fields: dict[str, Node], root: Node) -> str:
        return self.text(self.required(fields, "title", root, "the routine"), "title", MAX_NAME)

    def steps(self, fields: dict[str, Node], root: Node, chime: Sound | None) -> tuple[Step, ...]:
        """Every step, each checked whatever the others hold; then their total."""
        node = fields.get("steps")
        if node is not None and (node.is_null or (node.is_sequence and not node.value)):
            line = (root.key_lines or {}).get("steps", node.line)
            raise self.fail(line, "the routine: 'steps' is empty; list at least one step")
        node = self.required(fields, "steps", root, "the routine")
        if not node.is_sequence:
            raise self.fail(node, f"steps must be a list of steps, got {shown(node)}")
        if len(node.items) > MAX_STEPS:
            self.problems.append(
                self.fail(node, f"{len(node.items)} steps; at most {MAX_STEPS} allowed")
            )
        before = len(self.problems)
        read = [
            self.attempt(self.step, item, number, chime)
            for number, item in enumerate(node.items, start=1)
        ]
        if self.failed_since(before):
            return ()
        steps = tuple(step for step in read if step is not None)
        total = sum(step.duration for step in steps)
        if total > MAX_SECONDS:
            raise self.fail(
                node, f"the steps last {durations.humanize(total)} in all; at most 24h allowed"
            )
        return steps

    def routine_pace(self, fields: dict[str, Node]) -> None:
        """The routine's ``pace`` and ``pace_sound``: what a step without a pace of its own
        gets (``self.pace_default``), and the sound a step's pace has unless it says."""
        self.pace_sound_default = self.pace_sound_named(PaceSound.PULSE.value)
        if "pace_sound" in fields and not fields["pace_sound"].is_null:
            sound = self.attempt(self.pace_sound, fields["pace_sound"], "pace_sound")
            self.pace_sound_default = sound or self.pace_sound_default
        self.pace_default = None
        if "pace" in fields:
            self.pace_default = self.attempt(
                self.pace, fields["pace"], "pace", self.pace_sound_default, PACE_LEVEL
            )

    def pace_sound_named(self, name: str) -> Sound:
        return Sound(name, resources.builtin_sound(name))

    def _bell(self) -> Sound:
        return Sound("bell", resources.builtin_sound("bell"), None)

    def voice(self, node: Node) -> Voice | None:
        if node.is_scalar and not node.is_null:
            return Voice(name=self.text(node, "voice", 100), line=node.line)
        fields = self.mapping(node, "voice", VOICE_KEYS)
        rate, volume = fields.get("rate"), fields.get("volume")
        return Voice(
            name=self.attempt(self.optional_text, fields, "name", "voice name"),
            rate=self.attempt(self.words_per_minute, rate) if rate is not None else None,
            volume=self.attempt(self.number, volume, "voice volume", *VOLUME_RANGE)
            if volume is not None
            else None,
            line=(fields["name"].line if "name" in fields else node.line),
            engine=self.attempt(self.engine, fields["engine"]) if "engine" in fields else None,
        )

    def words_per_minute(self, node: Node) -> int:
        return int(self.number(node, "voice rate (words per minute)", *RATE_RANGE))

    def engine(self, node: Node) -> Engine:
        name = self.text(node, "voice engine", 20).lower()
        engines = tuple(Engine)
        if name not in engines:
            allowed = f"voice engine must be one of {', '.join(engines)}, got {name!r}"
            raise self.fail(node, hinted(allowed, did_you_mean(name, engines)))
        return Engine(name)

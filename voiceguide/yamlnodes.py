"""Read YAML safely into plain values that remember their line.

The routine loader needs a line number for every value it rejects, which ``yaml.safe_load``
throws away. This module composes the document with PyYAML's safe machinery and turns it into
``Node`` values (mapping -> ``dict[str, Node]``, sequence -> ``list[Node]``, scalar -> ``str``
with its resolved YAML tag). Hostile input is refused before any expansion happens: files
over ``MAX_BYTES``, aliases (the "billion laughs" bomb needs them; routines never do),
nesting deeper than ``MAX_DEPTH`` and more than ``MAX_EVENTS`` parser events.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from voiceguide.errors import RoutineError

MAX_BYTES = 1_000_000
MAX_DEPTH = 12
MAX_EVENTS = 200_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TAG_STR = "tag:yaml.org,2002:str"
TAG_INT = "tag:yaml.org,2002:int"
TAG_FLOAT = "tag:yaml.org,2002:float"
TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_NULL = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class Node:
    """A YAML value and the 1-based line it starts on.

    ``value`` is ``dict[str, Node]`` for a mapping, ``list[Node]`` for a sequence, and the
    scalar's source text for a scalar (``tag`` says how YAML would have typed it).
    ``key_lines`` maps each mapping key to the line the key is written on.
    """

    value: object
    line: int
    tag: str
    key_lines: dict[str, int] | None = None

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return isinstance(self.value, str)

    @property
    def is_null(self) -> bool:
        return self.tag == TAG_NULL


def read_file(path: Path) -> Node:
    """Read and compose ``path``. Every failure is a ``RoutineError`` naming file and line."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise RoutineError(
                path, None, f"file is {size} bytes; a routine may be at most {MAX_BYTES} bytes"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise RoutineError(path, None, f"cannot read the file: {exc.strerror or exc}") from exc
    return parse(data, path)


def parse(data: bytes, path: Path) -> Node:
    """Compose YAML ``data`` (at most ``MAX_BYTES``) read from ``path`` into a ``Node``."""
    if len(data) > MAX_BYTES:
        raise RoutineError(
            path, None, f"file is {len(data)} bytes; a routine may be at most {MAX_BYTES} bytes"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RoutineError(path, line, "the file is not UTF-8 text; save it as UTF-8") from exc
    _screen_events(text, path)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, text) from exc
    if root is None:
        raise RoutineError(
            path, 1, "the file is empty; a routine needs at least 'title' and 'steps'"
        )
    return _convert(root, path)


def _screen_events(text: str, path: Path) -> None:
    """Walk the parser events once: refuse aliases, deep nesting and huge documents early."""
    depth = 0
    try:
        for count, event in enumerate(yaml.parse(text, Loader=_Loader)):
            line = event.start_mark.line + 1
            if count > MAX_EVENTS:
                raise RoutineError(
                    path,
                    line,
                    f"the document has over {MAX_EVENTS} values; a routine is much smaller",
                )
            if isinstance(event, yaml.AliasEvent):
                raise RoutineError(
                    path,
                    line,
                    f"YAML aliases (*{event.anchor}) are not "
                    "allowed in routines; write the value out",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise RoutineError(
                        path,
                        line,
                        f"values are nested deeper than {MAX_DEPTH} "
                        "levels; a routine needs at most 5",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.DocumentStartEvent) and count > 2:
                raise RoutineError(
                    path, line, "the file holds several YAML documents; a routine is one document"
                )
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, text) from exc


def _yaml_error(exc: yaml.YAMLError, path: Path, text: str) -> RoutineError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        line = mark.line + 1
    elif isinstance(exc, yaml.reader.ReaderError):  # has a character position, no mark
        line = text[: exc.position].count("\n") + 1
    else:
        line = 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return RoutineError(
        path, line, f"invalid YAML: {problem}; check indentation, colons and quotes"
    )


def _convert(node: yaml.Node, path: Path) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        values: dict[str, Node] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise RoutineError(path, key_line, "a key must be a plain word")
            key = key_node.value
            if key in values:
                raise RoutineError(path, key_line, f"key {key!r} is given twice")
            values[key] = _convert(value_node, path)
            key_lines[key] = key_line
        return Node(values, line, node.tag, key_lines)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(item, path) for item in node.value], line, node.tag)
    return Node(node.value, line, node.tag)

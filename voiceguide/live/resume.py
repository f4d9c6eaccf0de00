"""Where a stopped session stopped, kept so that ``play ROUTINE --resume`` continues it.

One small JSON file per routine and options (``user_state_dir/sessions/KEY.json``, ``KEY``
a hash of the routine file's real path and every session option: the same routine with
another length is another session). It is written atomically while the session plays, at
most every ``SAVE_EVERY`` seconds, and when the session stops (``q``, a signal, a crash);
a session played to its end removes it. A SIGKILL loses at most ``SAVE_EVERY`` seconds.

The place is kept as a part and the seconds into it (``step``, ``into``), not as a session
time: parts lengthened or shortened by ``+``/``-`` are back at their planned lengths when
resumed, and the same part continues at the same point of it (at most at its end). A
stop inside a sentence or a chime keeps that sound's start, as a pause does, so it is
heard whole. The pace keys' factor and the bed turned off with ``b`` come back too.

Only files named as this module names them (``KEY.json``) are read or removed; at most
``KEEP`` are kept, the oldest removed first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiceguide import atomic, durations, store
from voiceguide.errors import UsageError

if TYPE_CHECKING:
    from voiceguide.live.player import Player
    from voiceguide.live.status import PlayResult, Status
    from voiceguide.plan import Plan

SAVE_EVERY = 3.0  # seconds of session between two writes while it plays
KEEP = 50  # stopped sessions kept (one per routine and options)
VERSION = 1
MAX_BYTES = 64 * 1024  # a state file is ~500 bytes; anything bigger was not written here
_NAME = re.compile(r"^[0-9a-f]{16}\.json$")


def state_dir() -> Path:
    """``$XDG_STATE_HOME/voiceguide/sessions`` on Linux (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_state_dir("voiceguide")) / "sessions"


@dataclasses.dataclass(frozen=True)
class Stopped:
    """A stopped session: ``position`` seconds into it as played (``length`` then), in
    part ``step`` (index into the plan's parts, named ``step_name``) ``into`` seconds after
    its start. ``command`` is the command line that resumes it; ``saved`` a Unix time."""

    identity: str
    options: dict[str, Any]
    command: str
    position: float
    length: float
    step: int
    step_name: str
    into: float
    pace_factor: float = 1.0
    bed_on: bool = True
    saved: float = 0.0
    version: int = VERSION

    @property
    def where(self) -> str:
        """``12:34 of 45:00``."""
        return f"{durations.format(self.position)} of {durations.format(self.length)}"


def key(identity: str, options: dict[str, Any]) -> str:
    text = json.dumps([identity, options], sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read(path: Path) -> Stopped | None:
    """The state in ``path``, or None if it is not one this version wrote."""
    try:
        with store.opened(path) as handle:  # a FIFO would block a plain open(): not read
            text = handle.read(MAX_BYTES + 1) if handle is not None else b""
        if not text or len(text) > MAX_BYTES:
            return None
        found = Stopped(**json.loads(text))
        numbers = (found.position, found.length, found.into, found.pace_factor)
        if found.version != VERSION or not all(math.isfinite(n) for n in numbers):
            return None
        step: object = found.step  # as the file says: its fields are typed only by the file
        name: object = found.step_name
        if not isinstance(step, int) or not isinstance(name, str):
            return None
    except (OSError, ValueError, TypeError, AttributeError, store.ForeignEntry):  # not ours
        return None
    return found


def _foreign(path: Path) -> bool:
    """Whether something voiceguide did not write (a link, a FIFO, a folder) is at ``path``:
    it is neither written through nor removed."""
    return path.is_symlink() or (path.exists() and not path.is_file())


def _own_files(directory: Path) -> list[Path]:
    try:
        return [p for p in directory.iterdir() if _NAME.match(p.name) and p.is_file()]
    except OSError:
        return []


class Keeper:
    """Keeps where the session of ``identity`` (a routine file's real path) with
    ``options`` (JSON-able) is; ``command`` resumes it. ``stopped``: the state found (what
    ``--resume`` continues), None if there is none."""

    def __init__(
        self, identity: str, options: dict[str, Any], command: str, directory: Path | None = None
    ):
        self.identity, self.options, self.command = identity, options, command
        self.directory = directory or state_dir()
        self.path = self.directory / f"{key(identity, options)}.json"
        self.stopped = _read(self.path)
        self.last: Stopped | None = None  # what was written last
        self.error: str | None = None  # why it could not be written, if it could not
        self._written_at: float | None = None  # session position of the last write
        self._player: Player | None = None

    def others(self) -> list[Stopped]:
        """Stopped sessions of the same routine with other options, the latest first."""
        found = [_read(p) for p in _own_files(self.directory) if p != self.path]
        same = [s for s in found if s is not None and s.identity == self.identity]
        return sorted(same, key=lambda s: s.saved, reverse=True)

    def missing(self, routine: str) -> UsageError:
        """``--resume`` with nothing to resume: what there is, if anything."""
        others = self.others()
        if not others:
            return UsageError(
                f"--resume: no stopped session of {routine} to resume (one is kept when a "
                "session stops before its end)"
            )
        latest = others[0]
        return UsageError(
            f"--resume: no stopped session of {routine} with these options; one stopped at "
            f"{latest.where}: {latest.command}"
        )

    def start(self, plan: Plan) -> float:
        """Seconds into ``plan`` where the stopped session continues: its part, the same
        seconds into it (at most its end). ``UsageError`` if the routine changed so that
        the part is not there any more."""
        found = self.stopped
        assert found is not None  # asked only with --resume, which found a stopped session
        steps = plan.steps
        if found.step >= len(steps) or steps[found.step].name != found.step_name:
            raise UsageError(
                f"--resume: the routine changed since the session stopped ({found.step_name!r} "
                "is not where it was); play it from a step with --start-at"
            )
        step = steps[found.step]
        return min(step.start + max(0.0, found.into), step.end)

    # -- while it plays

    def run(self, player: Player, start: float) -> PlayResult:
        """``player.run(start)``, its place kept while it plays and where it stops (also on
        an interrupt or a crash)."""
        player.on_status = self.watching(player.on_status)
        self.follow(player)
        try:
            return player.run(start)
        finally:
            self.stopped_at()

    def follow(self, player: Player) -> None:
        """Keep ``player``'s place from now on; bring back the stopped session's pace
        factor and bed (when resuming)."""
        self._player = player
        found = self.stopped
        if found is None:
            return
        if found.pace_factor != 1.0 and player.timeline.paced:
            player.timeline.set_pace(found.pace_factor, 0.0)
        if not found.bed_on and player.bed is not None:
            player.bed.toggle()

    def watching(self, on_status: Callable[[Status], None] | None) -> Callable[[Status], None]:
        """``on_status`` that also writes the place every ``SAVE_EVERY`` seconds."""

        def watch(status: Status) -> None:
            if on_status is not None:
                on_status(status)
            last = self._written_at
            if not status.final and (last is None or abs(status.position - last) >= SAVE_EVERY):
                self._written_at = status.position
                self.save()

        return watch

    def stopped_at(self) -> Stopped | None:
        """The session stopped: write where (or, played to its end, remove the state);
        returns what was written."""
        player = self._player
        if player is None or self._written_at is None:  # it never started
            return None
        if player.finished and not player.result.quit:
            self._remove()
            self.last = None  # nothing to go on with
            return None
        return self.save()

    def save(self) -> Stopped | None:
        """Write the player's place (``Player.resume_point``); a failure is kept in
        ``error``, never raised (the session goes on)."""
        player = self._player
        assert player is not None  # set by ``follow`` before the first status
        position = player.controls.resume_point()
        timeline = player.timeline
        index = timeline.step_index(position)
        step = timeline.steps[index]
        bed = player.bed
        state = Stopped(
            self.identity,
            self.options,
            self.command,
            position,
            timeline.length,
            index,
            step.name,
            position - step.start,
            timeline.pace_factor,
            bed is None or bed.on,
            time.time(),
        )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if _foreign(self.path):  # atomic.file would write through a link
                self.error = (
                    f"cannot keep where the session is: {atomic.shown(self.path)} "
                    "is not a file voiceguide wrote; remove it"
                )
                return None
            with atomic.file(self.path) as temp:
                temp.write_text(json.dumps(dataclasses.asdict(state), ensure_ascii=True))
        except OSError as exc:
            self.error = f"cannot keep where the session is ({exc.strerror or exc})"
            return None
        self.last = state
        self._prune()
        return state

    def _remove(self) -> None:
        if _foreign(self.path):
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.error = f"cannot remove {atomic.shown(self.path)} ({exc.strerror or exc})"

    def _prune(self) -> None:
        """At most ``KEEP`` states: the oldest go."""
        files = _own_files(self.directory)
        if len(files) <= KEEP:
            return
        by_age = sorted(files, key=lambda p: p.stat().st_mtime if p.exists() else 0.0)
        for path in by_age[: len(files) - KEEP]:
            if path != self.path:
                try:
                    os.unlink(path)
                except OSError:
                    pass

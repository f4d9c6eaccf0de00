"""The live player: a session's plan played against a clock, hands-free or steered by keys.

Timing is drift-free: the position (seconds from the session start) is ``clock() - origin``,
an event sounds at clock time ``origin + event.at``, waited for each time (short slices, the
keys read meanwhile, the last ``spin`` seconds spun), never by adding sleeps up; ``origin``
changes only when the listener acts, so errors cannot accumulate over hours. The clock, the
sleep, the keys and the backend are injected and ``Timeline`` (what is due) is pure, so the
whole player runs in tests against a fake clock and backend. The keys: ``live.controls``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import IO, Protocol, TypeVar, cast

from voiceguide.audio import Clip
from voiceguide.bed.source import BedSource
from voiceguide.errors import PlaybackError
from voiceguide.live.backends import open_backend
from voiceguide.live.backends.base import Backend, Handle
from voiceguide.live.backends.routed import Outputs
from voiceguide.live.bed import live_bed
from voiceguide.live.controls import Controls
from voiceguide.live.follow import Follower, Staging
from voiceguide.live.keys import KeySource, terminal_keys
from voiceguide.live.preload import Preloader
from voiceguide.live.resume import Keeper
from voiceguide.live.status import Played, PlayResult, Reason, Status
from voiceguide.live.timeline import Timeline, start_position
from voiceguide.live.waiting import Waiting
from voiceguide.plan import Event, Plan, Timing, bed_envelope

SPIN = 0.002  # seconds before an instant that are spun rather than slept
SLICE = 0.25  # longest single wait (keys are read during waits, so they act at once anyway)
AHEAD = 4  # events whose clips are loaded ahead of time
EPSILON = 1e-9


class SessionLike(Protocol):
    """What the player needs of a ``session.Session`` (``timing`` None: the plan's own)."""

    @property
    def plan(self) -> Plan: ...

    @property
    def bed(self) -> BedSource | None: ...

    @property
    def timing(self) -> Timing | None: ...

    def clip(self, event: Event) -> Clip: ...


S = TypeVar("S", bound=SessionLike)


class Player(Waiting):
    """Plays one session; ``run`` returns when it ends or the listener quits. The keys act
    through ``controls`` (a ``controls.Controls``, to which the player is ``Steered``); the
    holds of waiting parts are ``Waiting``'s."""

    def __init__(
        self,
        session: SessionLike,
        backend: Backend,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        keys: KeySource | None = None,
        on_status: Callable[[Status], None] | None = None,
        spin: float = SPIN,
        preload: bool = True,
    ):
        timing = session.timing  # a pulse's length, for new beats
        self.timeline = Timeline(session.plan, timing.of if timing else None)
        self._clip_of = session.clip  # the reminder's clip, while a waiting part holds
        self.backend = backend
        self.clock = clock
        self.sleep = sleep
        self.keys = keys
        self.on_status = on_status
        self.spin = spin
        self.loader = Preloader(session.clip, backend.preload, preload)
        self.result = PlayResult()
        self.origin = 0.0
        self._floor = 0.0
        self.paused_at: float | None = None  # the frozen position while paused
        self.finished = False
        self.sounding: list[tuple[Event, Handle]] = []  # handed over, still to be heard
        self._shown: tuple[int, int] | None = None  # (part, whole second) last reported
        self.bed, self.no_bed = live_bed(session, backend)
        self._ducked = self.timeline.events  # the events the bed's ducking was made from
        self.controls = Controls(self, clock)
        staged = getattr(session, "horizon", None) is not None  # still rendering: live.follow
        self.follow = Follower(cast(Staging, session)) if staged else None  # a session.Staged

    # -- the loop

    def run(self, start: float = 0.0) -> PlayResult:
        """Play from ``start`` seconds into the session to its end (or until quit)."""
        self.result.started = self.clock()
        self.timeline.seek(start)
        upcoming = self.timeline.upcoming(AHEAD)
        try:
            self.loader.want(upcoming[1:])
            if upcoming:
                self.loader.get(upcoming[0], miss=False)  # before the clock starts
            self.start_from(start)
            self.report(Reason.START, start, self.no_bed)
            while not self.finished:
                self._turn()
        finally:
            self.backend.stop_all()
            self.loader.close()
        self.result.misses = self.loader.misses
        self.result.late = self.backend.late
        self.result.shifts = self.backend.shifts
        self.result.length = self.timeline.length
        return self.result

    def position(self) -> float:
        """Seconds from the session start, now (frozen while paused; not before the point
        the session last started from, during the backend's latency)."""
        if self.paused_at is not None:
            return self.paused_at
        if self.held_at is not None:
            return self.held_at
        return max(self.clock() - self.origin, self._floor)

    def start_from(self, position: float) -> None:
        """Run from ``position``: its first sound is heard ``latency`` seconds from now."""
        # read the latency first: a backend still warming up waits there, and the clock
        # must be read after that wait (read before it, a sound due at once came late)
        latency = self.backend.latency
        self.origin = self.clock() + latency - position
        self._floor = position
        self._next_hold(position)
        if self.bed is not None:
            self.bed.start(self.origin + position, position)

    def _act(self, actions: list[str]) -> None:
        if self.follow is not None:  # a staged session defers keys that move time
            actions = self.follow.keys(self, actions)
        self.controls.act(actions)
        self._retime_bed()

    def _retime_bed(self) -> None:
        """After a key that moved events (a step made longer or shorter), the bed ducks
        under the words where they now are."""
        events = self.timeline.events
        if self.bed is None or events is self._ducked:
            return
        self._ducked = events
        levels = self.bed.envelope.levels
        self.bed.retime(bed_envelope(levels, events, self.timeline.length))

    def _turn(self) -> None:
        if self.follow is not None:
            self.follow.turn(self)
        failed = self.bed.failure if self.bed is not None else None
        if failed is not None:
            self.bed, self.no_bed = None, f"the sound bed stopped ({failed})"
            self.report(Reason.BEDDED, self.position(), f"{self.no_bed}; the session goes on")
        if self.paused_at is not None:
            self._act(self._wait(SLICE))
            return
        if self.held_at is not None:
            self._while_held()
            return
        position = self.clock() - self.origin
        for event in self.timeline.pop_due(self._due_limit(position + self.backend.lead + EPSILON)):
            self._sound(event)
        if self._holds_now(position):
            return
        if position >= self.timeline.length - EPSILON:
            self.finish(Reason.END, self.timeline.length)
            return
        self._tick(max(position, self._floor))
        self._wait_until(self._deadline(max(position, self._floor)))

    def _deadline(self, position: float) -> float:
        """Clock time of the next thing to do: call play, report a second, end."""
        times = [self.timeline.length if self._hold is None else self._hold]
        event = self.timeline.next_event()
        if event is not None and (self._hold is None or event.at < self._hold - EPSILON):
            times.append(event.at - self.backend.lead)
        if self.follow is not None:  # where the staged plan ends
            times.append(self.follow.horizon - self.backend.lead)
        if self.on_status is not None:
            times.append(int(position + EPSILON) + 1.0)
        return self.origin + min(times)

    def _wait_until(self, deadline: float) -> None:
        left = deadline - self.clock()
        if left > self.spin and left > EPSILON:
            self._act(self._wait(min(left - self.spin, SLICE)))
            return
        while self.clock() < deadline - EPSILON:  # the last moment: spin (yielding), not sleep
            self.sleep(0)

    def _wait(self, seconds: float) -> list[str]:
        if self.keys is not None:
            return self.keys.read(seconds)
        self.sleep(seconds)
        return []

    def _sound(self, event: Event) -> None:
        clip = self.loader.get(event)
        target = self.origin + event.at
        called = self.clock()
        handle = self.backend.play(clip, at=target)
        position = called - self.origin
        self.sounding = [(e, h) for e, h in self.sounding if e.end > position]
        self.sounding.append((event, handle))
        self.result.played.append(Played(event, target, called))
        self.loader.want(self.timeline.upcoming(AHEAD))

    def finish(self, reason: Reason, position: float) -> None:
        """End the session at ``position`` (``reason``: ``Reason.END``, ``QUIT``)."""
        self.silence()
        self.finished = True
        self.result.position = position
        self.report(reason, position)

    # -- what the controls act on (``controls.Steered``)

    def silence(self) -> None:
        self.backend.stop_all()
        self.sounding = []

    # -- status

    def _status(self, reason: Reason, position: float, message: str | None = None) -> Status:
        timeline = self.timeline
        held = self.held_at is not None  # at a waiting part's end: that part is shown
        index = timeline.step_index(position - (2 * EPSILON if held else 0.0))
        following = timeline.steps[index + 1] if index + 1 < len(timeline.steps) else None
        return Status(
            reason,
            position,
            timeline.length,
            timeline.steps[index],
            following,
            self.paused_at is not None,
            timeline.count,
            message,
            timeline.pace_rate(position),
            timeline.pace_factor,
            None if self.bed is None else (self.bed.name if self.bed.on else "off"),
            waiting=held,
        )

    def report(self, reason: Reason, position: float, message: str | None = None) -> None:
        self._shown = (self.timeline.step_index(position), int(position + EPSILON))
        if self.on_status is not None:
            self.on_status(self._status(reason, position, message))

    def _tick(self, position: float) -> None:
        if self.on_status is None:
            return
        index = self.timeline.step_index(position)
        if self._shown is None or index != self._shown[0]:
            self.report(Reason.STEP, position)
        elif int(position + EPSILON) != self._shown[1]:
            self.report(Reason.TICK, position)


def play(
    session: SessionLike,
    backend: Backend,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    keys: KeySource | None = None,
    on_status: Callable[[Status], None] | None = None,
    start_at: str | int | None = None,
    spin: float = SPIN,
    preload: bool = True,
) -> PlayResult:
    """Play ``session`` through ``backend`` to its end, or until the listener quits.

    Each event is started at ``start + event.at`` on ``clock``, never by adding up sleeps,
    so nothing drifts. Every sound is stopped on the way out, also on
    ``KeyboardInterrupt``.

    Args:
        session: What to play: a ``Session`` (or any ``SessionLike``).
        backend: The sound device (``live.backends.open_backend``), or a fake.
        clock: Seconds, monotonic: the backend's clock (a fake clock with a fake backend).
        sleep: Waits that many seconds on ``clock``.
        keys: Where actions come from (``None``: hands-free).
        on_status: Called with a ``Status`` at the start, every second, on each part change
            and key action, and at the end.
        start_at: A step number or name prefix (see ``find_step``); the session then starts
            at that part's boundary.
        spin: The last seconds before an instant that are spun, not slept.
        preload: Load clips in a thread before they are due.

    Returns:
        What was played, and when (``clock`` times).

    Raises:
        UsageError: A bad ``start_at``, before any sound.
        PlaybackError: The device failed.
    """
    start = start_position(session.plan, start_at)
    player = Player(session, backend, clock, sleep, keys, on_status, spin, preload)
    return player.run(start)


# long: its docstring is the library API's reference (Args, Returns, Raises: 30 lines)
def play_live(
    prepare: Callable[[], S],
    routine: str | None = None,
    *,
    start_at: str | int | None = None,
    on_status: Callable[[Status], None] | None = None,
    backend_name: str | None = None,
    stdin: IO[str] | None = None,
    without_device: Callable[[S, float], object] | None = None,
    keys: KeySource | None = None,
    listen: Callable[[KeySource | None, Backend], tuple[KeySource, Backend]] | None = None,
    outputs: Outputs | None = None,
    keeper: Keeper | None = None,
) -> PlayResult | None:
    """What ``voiceguide play`` does: open the sound device, ``prepare()`` the session meanwhile
    (the device warms up while speech renders), check ``start_at``, then play with the keys
    of ``stdin`` if it is a terminal. The terminal and the sound are restored and stopped on
    the way out, also on ``KeyboardInterrupt``.

    Args:
        prepare: Makes the session (``voiceguide.prepare`` with its arguments bound).
        routine: The ``voiceguide export`` arguments for the same session (the name the
            user typed and the options): only for the no-device message.
        start_at: A step number or name prefix, as for ``play``.
        on_status: As for ``play``.
        backend_name: A name in ``choices.BACKENDS``; default ``$VOICEGUIDE_BACKEND``, else
            the first usable (alsa where libasound loads, else simpleaudio).
        stdin: The terminal whose keys steer the session; default ``sys.stdin`` (keys are
            read only if it is a terminal).
        without_device: Called as ``without_device(session, start_seconds)`` when there is
            no sound device (the CLI's ``--else-export``).
        keys: Where actions come from instead of the terminal (``voiceguide serve``'s
            remote); then the terminal is left alone.
        listen: Voice commands (``voiceguide.listen.attach``): given the keys and the
            device once the session is ready, it returns the key source and the backend to
            play with.
        outputs: The devices by name and the lead-in (``backends.routed.Outputs``).
        keeper: Keeps where the session is while it plays and where it stopped
            (``live.resume.Keeper``); with a stopped session in it, the session goes on
            there instead of at ``start_at``.

    Returns:
        What was played, or ``None`` when ``without_device`` was called instead.

    Raises:
        PlaybackError: No sound device and no ``without_device``, raised only once the
            session is prepared and ``start_at`` checked (a bad routine or step is
            reported first); or the device failed.
        UsageError: A bad ``start_at``, before any sound.
        RoutineError: As ``prepare`` raises it.
    """
    try:
        device, missing = open_backend(backend_name, routine, outputs=outputs), None
    except PlaybackError as exc:
        device, missing = None, exc
    session = None
    try:
        session = prepare()
        start = start_position(session.plan, start_at)
        start = keeper.start(session.plan) if keeper and keeper.stopped else start  # --resume
        if device is None:
            if without_device is None:
                raise missing or PlaybackError("no sound device found")
            without_device(session, start)
            return None
        reading = contextlib.nullcontext(keys) if keys is not None else terminal_keys(stdin)
        with reading as source:
            output: Backend = device
            if listen is not None:
                source, output = listen(source, device)
            played = Player(session, output, keys=source, on_status=on_status)
            return played.run(start) if keeper is None else keeper.run(played, start)
    finally:
        if session is not None and hasattr(session, "close"):  # session.Staged: stop it
            session.close()
        if device is not None:
            device.close()

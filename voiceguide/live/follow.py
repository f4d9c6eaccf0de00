"""Playing a session that begins before its speech is all rendered (``session.staged``).

The player plays the staged plan, exact up to its ``horizon`` (seconds from the session
start), and takes the whole plan as soon as it is ready: the events already played are the
whole plan's first ones, so the next one is the whole plan's next, on the same clock. If the
session reaches the horizon first (rendering fell behind: Piper on a busy machine), the
player holds as a pause does, says so, and goes on when the plan is ready: the session
waits, it never drifts. A staged plan that grows (the get-ready's words rendered after the
opening chime began the session) is taken the same way, and followed to its new horizon.
Keys that move the session's time (next, previous, longer, shorter, slower, faster) act once
the whole plan is there, since the parts after the horizon are not placed yet; pause,
resume, the bed and quit act at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from voiceguide.live import keys as keynames
from voiceguide.live.status import PAUSED, REFUSED, RESUMED
from voiceguide.live.timeline import Timeline
from voiceguide.plan import Plan, Timing

if TYPE_CHECKING:
    from voiceguide.live.player import Player

EPSILON = 1e-9
MOVING = {
    keynames.NEXT,
    keynames.PREVIOUS,
    keynames.LONGER,
    keynames.SHORTER,
    keynames.SLOWER,
    keynames.FASTER,
}
HELD = "waiting for the speech to render ({done}/{total}): the session goes on when it is ready"
GOES_ON = "the speech is ready: the session goes on"


class Whole(Protocol):
    """The whole session a staged one becomes (a ``session.Session``)."""

    @property
    def plan(self) -> Plan: ...

    @property
    def timing(self) -> Timing: ...


class Staging(Protocol):
    """What the follower needs of a staged session (a ``session.Staged``)."""

    @property
    def horizon(self) -> float: ...

    @property
    def plan(self) -> Plan: ...

    @property
    def timing(self) -> Timing: ...

    @property
    def rendered(self) -> tuple[int, int]: ...

    def ready(self) -> Whole | None: ...

    def grown(self) -> bool: ...


class Follower:
    """The player's side of a staged session (``Player.follow`` while it lasts)."""

    def __init__(self, staged: Staging):
        self.staged = staged
        self.horizon: float = staged.horizon
        self.deferred: list[str] = []
        self.holding = False  # paused by the horizon (not by the listener)

    def turn(self, player: Player) -> None:
        """Take the whole plan if it is ready; else hold when the session reaches the
        horizon (the first event the whole plan may hold would be handed over then).
        Raises what rendering or planning raised."""
        whole = self.staged.ready()
        if whole is not None:
            self._take(player, whole)
            return
        if self.staged.grown():  # its plan reaches further: play on to the new horizon
            self._swap(player, self.staged)
            self.horizon = self.staged.horizon
            self._go_on(player)
        if self.holding or player.paused_at is not None:
            return
        if player.position() + player.backend.lead + EPSILON >= self.horizon:
            self._hold(player)

    def keys(self, player: Player, actions: list[str]) -> list[str]:
        """The actions to do now; those that move time wait for the whole plan. A pause
        while held keeps the session paused once the plan is ready; resume waits."""
        now = []
        for action in actions:
            if action in MOVING:
                self.deferred.append(action)
                done, total = self.staged.rendered
                said = f"{action}: once the speech is rendered ({done}/{total})"
                player.report(REFUSED, player.position(), said)
            elif self.holding and action in (keynames.PAUSE, keynames.HOLD):
                self.holding = False  # the listener's pause from now on
                player.report(PAUSED, player.position(), "paused")
            elif self.holding and action == keynames.RESUME:
                self._say_held(player)
            else:
                now.append(action)
        return now

    def _hold(self, player: Player) -> None:
        """Freeze the session's time as a pause does, but let what sounds ring out (a chime
        just before the horizon): it is the whole plan's, and nothing after it is handed
        over yet."""
        position = player.position()
        if player.bed is not None:
            player.bed.hold()
        player.paused_at = position
        player.timeline.seek(position)
        self.holding = True
        self._say_held(player)

    def _say_held(self, player: Player) -> None:
        done, total = self.staged.rendered
        player.report(PAUSED, player.position(), HELD.format(done=done, total=total))

    def _take(self, player: Player, whole: Whole) -> None:
        """Play on with ``whole``'s plan: the staged events are its first ones."""
        self._swap(player, whole)
        player.follow = None
        self._go_on(player)
        player._act(self.deferred)

    def _swap(self, player: Player, larger: Whole) -> None:
        """Play ``larger``'s plan from where the player is: the events it played so far
        are ``larger``'s first ones (the same clock: nothing moves)."""
        old = player.timeline
        new = Timeline(larger.plan, larger.timing.of)
        if new.events[: len(old.events)] != old.events:
            raise ValueError("the staged plan is not the start of the whole plan")
        new.cursor = old.cursor
        player.timeline = new
        player._ducked = new.events
        if player.bed is not None and larger.plan.bed is not None:
            player.bed.retime(larger.plan.bed)
        player.loader.want(new.upcoming(4))

    def _go_on(self, player: Player) -> None:
        """Go on from the hold at the horizon, if the session was held there: the next
        sound's clip loaded first (it was not in the plan held, so not loaded ahead; loaded
        after the clock restarts, it came 0.1 s late), as ``Player.run`` loads the first."""
        if not self.holding:
            return
        self.holding = False
        position, player.paused_at = player.paused_at, None
        assert position is not None  # holding: paused at the horizon (``_hold``)
        upcoming = player.timeline.upcoming(1)
        if upcoming:
            player.loader.get(upcoming[0], miss=False)
        player.start_from(position)
        player.report(RESUMED, position, GOES_ON)

"""``play --listen``: the listener started before the session is prepared (its model loads
while the speech renders), or one line saying why not, and the session plays on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from voiceguide.errors import VoiceguideError

if TYPE_CHECKING:  # loaded when a command runs
    from voiceguide.audio import Clip
    from voiceguide.listen import Listening
    from voiceguide.live.backends.base import Backend
    from voiceguide.live.keys import KeySource


class Ears:
    """A started listener, as the play command uses it: ``spoken`` is the announcement's
    clip (rendered with the session's voice), ``attached`` what ``play_live`` calls."""

    def __init__(self, listening: Listening):
        from voiceguide import listen

        self.listening = listening
        self.announcement = listen.ANNOUNCEMENT
        self.spoken: Clip | None = None

    def attached(self, keys: KeySource | None, device: Backend) -> tuple[KeySource, Backend]:
        from voiceguide import listen

        return listen.attach(self.listening, self.spoken)(keys, device)


@contextmanager
def voice_commands(wanted: bool, mic: str | None, quiet: bool = False) -> Iterator[Ears | None]:
    """An ``Ears`` if listening was ``wanted`` and can start, else None (and, if wanted, one
    line on stderr saying why not). The listener's process ends on the way out."""
    if not wanted:
        yield None
        return
    from voiceguide import listen

    try:
        listening = listen.start(mic)
    except VoiceguideError as exc:
        click.echo(f"not listening: {exc}; the session plays on without voice commands", err=True)
        yield None
        return
    if not quiet:
        click.echo(f"listening for: {', '.join(listen.WORDS)}", err=True)
    try:
        yield Ears(listening)
    finally:
        listening.close()
    if listening.stopped is not None:  # the session played on, deaf from then on: said
        click.echo(f"listening stopped during the session: {listening.stopped}", err=True)

"""Signals that end the process become an exception, so that every ``with`` and ``finally``
on the way out runs: the terminal gets its echo back, temporary files are removed, the sound
stops and the render workers are ended.

Python turns only SIGINT into ``KeyboardInterrupt``; SIGTERM (``kill``, a service manager),
SIGHUP (the terminal closed) and SIGQUIT (Ctrl-\\) would end the process on the spot, leaving
all that behind. Inside ``as_interrupts()`` each of them raises ``Interrupted``, a
``KeyboardInterrupt`` that remembers the signal, so code that already cleans up after Ctrl-C
cleans up after them too. The exit status is ``128 + signal``, as the shell reports a process
the signal killed.

A signal that arrives while a C library calls back into Python (libsndfile reading through
cffi) raises inside the callback, where cffi prints the exception and drops it. So the
handler also leaves the signal *pending*, and long loops call ``check()`` (the export's mix,
once per block), which raises it again if it was lost.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator

ENDING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
REPEAT_AFTER = 3.0  # seconds: a second signal sooner than this lets the cleanup finish
_pending: list[int] = []  # the signal the handler raised, until check() or the block's end


class Interrupted(KeyboardInterrupt):
    """The process was asked to end by ``signum``."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_status(exc: BaseException) -> int:
    """``128 + signal`` for an ``Interrupted``; 130 (SIGINT's) for a plain Ctrl-C."""
    return 128 + getattr(exc, "signum", signal.SIGINT)


@contextlib.contextmanager
def as_interrupts(signums: tuple[int, ...] = ENDING) -> Iterator[None]:
    """Within the block, each of ``signums`` raises ``Interrupted`` in the main thread.

    A repeat of a signal within ``REPEAT_AFTER`` seconds of the first is ignored, so that a
    second Ctrl-C does not cut the cleanup the first one started; later ones raise again.
    Only the main thread can install handlers: elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    first: list[float] = []

    def handler(signum: int, frame: object) -> None:
        now = time.monotonic()
        if first and now - first[0] < REPEAT_AFTER:
            return
        first[:] = [now]
        _pending[:] = [signum]
        raise Interrupted(signum)

    previous = {number: signal.signal(number, handler) for number in signums}
    try:
        yield
    finally:
        _pending.clear()
        for number, old in previous.items():
            signal.signal(number, old)


def check() -> None:
    """Raise ``Interrupted`` again for a signal whose exception was lost (see above); once."""
    if _pending:
        raise Interrupted(_pending.pop())

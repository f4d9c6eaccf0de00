"""Keys for the live player: bytes from a terminal (or a USB foot pedal, which types keys too)
become actions.

========================  ============
key                       action
========================  ============
space                     ``pause`` (toggles pause and resume)
``n``, right arrow, PgDn  ``next`` (the next step)
``p``, left arrow, PgUp   ``previous`` (restart the step; twice quickly: the step before)
``+`` (or ``=``)          ``longer`` (the current step lasts 30 s more)
``-`` (or ``_``)          ``shorter`` (30 s less)
``[``                      ``slower`` (the pace guide 10 % slower, from the next beat)
``]``                      ``faster`` (10 % faster)
``q``, Esc                ``quit``
========================  ============

Two actions no key sends, for sources that know which they mean (the voice commands of
``voiceguide.listen``: "pause" said twice must not resume): ``hold`` pauses if playing and
``resume`` resumes if paused; otherwise each does nothing.

The terminal is put in cbreak mode (no echo, no line buffering; Ctrl-C still raises
``KeyboardInterrupt``) inside ``KeyReader``'s ``with`` block and is ALWAYS restored on the way
out, also on exceptions. Reads never block longer than the timeout given (``select``).
"""

from __future__ import annotations

import os
import select
import sys
import termios
import time
import tty
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Protocol

PAUSE, NEXT, PREVIOUS, LONGER, SHORTER, SLOWER, FASTER, BED, QUIT = (
    "pause",
    "next",
    "previous",
    "longer",
    "shorter",
    "slower",
    "faster",
    "bed",
    "quit",
)
HOLD, RESUME = "hold", "resume"
ACTIONS = (PAUSE, NEXT, PREVIOUS, LONGER, SHORTER, SLOWER, FASTER, BED, QUIT, HOLD, RESUME)

_PLAIN = {
    b" ": PAUSE,
    b"n": NEXT,
    b"N": NEXT,
    b"p": PREVIOUS,
    b"P": PREVIOUS,
    b"+": LONGER,
    b"=": LONGER,
    b"-": SHORTER,
    b"_": SHORTER,
    b"[": SLOWER,
    b"]": FASTER,
    b"b": BED,
    b"B": BED,
    b"q": QUIT,
    b"Q": QUIT,
}
# CSI (ESC [) and SS3 (ESC O, arrows in "application cursor" mode) sequences.
_SEQUENCES = {
    b"\x1b[C": NEXT,
    b"\x1bOC": NEXT,
    b"\x1b[D": PREVIOUS,
    b"\x1bOD": PREVIOUS,
    b"\x1b[6~": NEXT,  # Page Down: what presenter remotes and many pedals send
    b"\x1b[5~": PREVIOUS,  # Page Up
}
_ESC = 0x1B


class KeySource(Protocol):
    """What the player reads actions from."""

    def read(self, timeout: float) -> list[str]:
        """Actions typed so far, waiting up to ``timeout`` seconds for the first one."""
        ...


class Decoder:
    """Turns bytes into actions; keeps an escape sequence split across reads until it is whole.

    Unknown keys and sequences are ignored. A lone Esc is ``quit`` when ``flush`` is called
    (the reader flushes when no more bytes follow within its read).
    """

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[str]:
        buffer = self._pending + data
        self._pending = b""
        actions: list[str] = []
        i = 0
        while i < len(buffer):
            if buffer[i] != _ESC:
                action = _PLAIN.get(buffer[i : i + 1])
                if action:
                    actions.append(action)
                i += 1
                continue
            length = _sequence_length(buffer, i)
            if length is None:  # incomplete: wait for more bytes
                self._pending = buffer[i:]
                break
            action = _SEQUENCES.get(buffer[i : i + length])
            if action:
                actions.append(action)
            elif length == 1:
                actions.append(QUIT)
            i += length
        return actions

    def flush(self) -> list[str]:
        """End of input for now: a pending lone Esc is ``quit``; a broken sequence is dropped."""
        pending, self._pending = self._pending, b""
        return [QUIT] if pending == b"\x1b" else []


def _sequence_length(buffer: bytes, start: int) -> int | None:
    """Bytes in the escape sequence at ``start`` (1 for a lone Esc), None if incomplete."""
    rest = buffer[start + 1 :]
    if not rest:
        return None
    if rest[:1] == b"O":
        return 3 if len(rest) >= 2 else None
    if rest[:1] != b"[":
        return 1  # Esc followed by an ordinary key: the Esc alone
    for offset, byte in enumerate(rest[1:], start=2):
        if 0x40 <= byte <= 0x7E:  # a CSI sequence ends with a byte in @..~
            return offset + 1
    return None


def decode(data: bytes) -> list[str]:
    """All actions in ``data`` (a complete burst of input)."""
    decoder = Decoder()
    return decoder.feed(data) + decoder.flush()


class KeyReader:
    """Reads actions from a terminal file descriptor in cbreak mode.

    Use as a context manager: entering saves the terminal's settings and sets cbreak mode,
    leaving restores them exactly (also when an exception, e.g. ``KeyboardInterrupt``, passes).
    """

    def __init__(self, fd: int):
        self.fd = fd
        self._saved: list[Any] | None = None
        self._decoder = Decoder()
        self._ended = False

    def __enter__(self) -> KeyReader:
        self._saved = termios.tcgetattr(self.fd)
        try:
            tty.setcbreak(self.fd, termios.TCSANOW)
        except BaseException:
            self.restore()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def restore(self) -> None:
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def read(self, timeout: float) -> list[str]:
        """Actions typed, waiting up to ``timeout`` seconds (0: only what is already there)."""
        if self._ended:  # a closed terminal stays "readable": do not spin on it
            time.sleep(max(0.0, timeout))
            return []
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return self._decoder.flush()
        try:
            data = os.read(self.fd, 256)
        except (BlockingIOError, InterruptedError):
            return []
        except OSError:  # EIO: the terminal hung up
            self._ended = True
            return []
        if not data:  # end of file (the terminal went away): nothing more will come
            self._ended = True
            return self._decoder.flush()
        actions = self._decoder.feed(data)
        # an escape sequence arrives in one write; if nothing follows at once, Esc is alone
        if self._decoder._pending and not select.select([self.fd], [], [], 0.02)[0]:
            actions += self._decoder.flush()
        return actions


@contextmanager
def terminal_keys(stream: IO[str] | None = None) -> Iterator[KeyReader | None]:
    """A ``KeyReader`` on ``stream`` (default ``sys.stdin``) if it is a terminal, else None.

    Without a terminal (piped input, a service) the player runs hands-free to the end.
    """
    stream = sys.stdin if stream is None else stream
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        yield None
        return
    if not os.isatty(fd):
        yield None
        return
    with KeyReader(fd) as reader:
        yield reader

"""Keys: bytes -> actions, and the terminal is always given back as it was (through a pty)."""

from __future__ import annotations

import os
import termios
import time

import pytest

from voiceguide.live import keys
from voiceguide.live.keys import FASTER, LONGER, NEXT, PAUSE, PREVIOUS, QUIT, SHORTER, SLOWER


@pytest.mark.parametrize(
    ("data", "actions"),
    [
        (b" ", [PAUSE]),
        (b"n", [NEXT]),
        (b"p", [PREVIOUS]),
        (b"+-=_", [LONGER, SHORTER, LONGER, SHORTER]),
        (b"q", [QUIT]),
        (b"[]]", [SLOWER, FASTER, FASTER]),
        (b"\x1b[C", [NEXT]),  # right arrow
        (b"\x1b[D", [PREVIOUS]),  # left arrow
        (b"\x1bOC\x1bOD", [NEXT, PREVIOUS]),  # arrows in application cursor mode
        (b"\x1b[6~\x1b[5~", [NEXT, PREVIOUS]),  # Page Down / Page Up (pedals, presenters)
        (b"\x1b[A\x1b[B", []),  # up and down mean nothing
        (b"\x1b", [QUIT]),  # a lone Esc
        (b"x\r\n7", []),
        (b"n \x1b[Cp", [NEXT, PAUSE, NEXT, PREVIOUS]),
        (b"\x1bq", [QUIT, QUIT]),  # Esc then q
    ],
)
def test_bytes_are_decoded_to_actions(data, actions):
    assert keys.decode(data) == actions


def test_an_escape_sequence_split_across_reads_is_decoded_whole():
    decoder = keys.Decoder()
    assert decoder.feed(b"n\x1b") == [NEXT]
    assert decoder.feed(b"[") == []
    assert decoder.feed(b"D ") == [PREVIOUS, PAUSE]
    assert decoder.feed(b"\x1b[6") == []
    assert decoder.feed(b"~") == [NEXT]


def test_a_broken_sequence_is_dropped_on_flush_and_a_lone_escape_quits():
    decoder = keys.Decoder()
    assert decoder.feed(b"\x1b[1;") == [] and decoder.flush() == []
    assert decoder.feed(b"\x1b") == [] and decoder.flush() == [QUIT]
    assert decoder.flush() == []


@pytest.fixture
def pty():
    master, slave = os.openpty()
    yield master, slave
    os.close(master)
    os.close(slave)


def test_the_reader_sets_cbreak_mode_and_restores_the_terminal(pty):
    master, slave = pty
    before = termios.tcgetattr(slave)
    assert before[3] & termios.ICANON and before[3] & termios.ECHO
    with keys.KeyReader(slave):
        inside = termios.tcgetattr(slave)
        assert not inside[3] & termios.ICANON and not inside[3] & termios.ECHO
        assert inside[3] & termios.ISIG  # Ctrl-C still interrupts
    assert termios.tcgetattr(slave) == before


def test_the_terminal_is_restored_when_an_exception_passes(pty):
    master, slave = pty
    before = termios.tcgetattr(slave)
    with pytest.raises(KeyboardInterrupt), keys.KeyReader(slave):
        raise KeyboardInterrupt
    assert termios.tcgetattr(slave) == before


def test_keys_typed_on_the_terminal_are_read_without_enter(pty):
    master, slave = pty
    with keys.KeyReader(slave) as reader:
        assert reader.read(0) == []
        os.write(master, b" \x1b[C")
        assert reader.read(1.0) == [PAUSE, NEXT]
        os.write(master, b"\x1b")
        assert reader.read(1.0) == [QUIT]  # nothing followed the Esc at once


def test_read_waits_at_most_its_timeout(pty):
    master, slave = pty
    with keys.KeyReader(slave) as reader:
        began = time.monotonic()
        assert reader.read(0.05) == []
        assert 0.04 <= time.monotonic() - began < 0.5


def test_a_key_ends_the_wait_at_once(pty):
    master, slave = pty
    with keys.KeyReader(slave) as reader:
        os.write(master, b"q")
        began = time.monotonic()
        assert reader.read(5.0) == [QUIT]
        assert time.monotonic() - began < 0.5


def test_without_a_terminal_there_are_no_keys(tmp_path):
    read, write = os.pipe()
    try:
        with os.fdopen(read, closefd=False) as stream, keys.terminal_keys(stream) as reader:
            assert reader is None
    finally:
        os.close(read)
        os.close(write)


def test_on_a_terminal_keys_are_read_and_it_is_restored(pty):
    master, slave = pty
    before = termios.tcgetattr(slave)
    with os.fdopen(slave, closefd=False) as stream, keys.terminal_keys(stream) as reader:
        assert isinstance(reader, keys.KeyReader)
        os.write(master, b"n")
        assert reader.read(1.0) == [NEXT]
    assert termios.tcgetattr(slave) == before

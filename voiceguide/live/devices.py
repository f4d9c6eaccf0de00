"""Where a live session can play: the outputs (``voiceguide devices``), and what a name given
to ``play --device`` opens.

Two kinds of name are taken. When a PulseAudio (or PipeWire's pulse) server answers, its
sinks are listed by ``pactl`` and a sink's name opens as ALSA's ``pulse:"NAME"`` (the pulse
plugin's device argument): the same path as ALSA's ``default``, which Debian and most
distributions route to that server. Any other name is an ALSA PCM name, opened as given
(``hw:1,0``, ``plughw:CARD=USB``, ``bluealsa``, a name of ``~/.asoundrc``); without a
server, ALSA's own hints are listed instead.

A Bluetooth output swallows the first 0.3-2 s after silence (``bluetooth`` below: a bluez
sink, or a BlueALSA PCM), which is what ``--lead-in auto`` keys on (see ``live.wake``).

``pactl`` runs with ``LC_ALL=C`` (its long listing is translated otherwise) and a time
limit; a missing or silent ``pactl`` means no server, never an error.
"""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
from dataclasses import dataclass

PACTL_SECONDS = 3.0  # the longest a pactl call may take (a hung server must not hang play)


@dataclass(frozen=True)
class Output:
    """A place to play: ``name`` is what ``--device`` takes, ``default`` where a session
    goes without ``--device``; ``system`` is ``"pulse"`` or ``"alsa"``."""

    name: str
    description: str
    default: bool
    bluetooth: bool
    system: str


@dataclass(frozen=True)
class Target:
    """What a ``--device`` name opens: the ALSA PCM name ``pcm``, and whether it is a
    Bluetooth output (``--lead-in auto``). ``name`` is the name as the user gave it."""

    name: str
    pcm: str
    bluetooth: bool


def _pactl(*args: str) -> str | None:
    """pactl's output, or None when it is missing, fails or takes too long (no server)."""
    env = {**os.environ, "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["pactl", *args],
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=PACTL_SECONDS,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def parse_sinks(listing: str, default: str | None) -> list[Output]:
    """``pactl list sinks`` (LC_ALL=C) as outputs; ``default``: the default sink's name."""
    outputs = []
    for block in re.split(r"^Sink #\d+\s*$", listing, flags=re.M)[1:]:
        name = re.search(r"^\s*Name: (.*)$", block, re.M)
        if name is None:
            continue
        described = re.search(r"^\s*Description: (.*)$", block, re.M)
        bus = re.search(r'^\s*device\.(?:bus|api) = "(bluetooth|bluez5?)"', block, re.M)
        sink = name.group(1).strip()
        outputs.append(
            Output(
                sink,
                described.group(1).strip() if described else "",
                sink == default,
                bus is not None or sink.startswith(("bluez_sink.", "bluez_output.")),
                "pulse",
            )
        )
    return outputs


def pulse_sinks() -> list[Output] | None:
    """The sinks of the PulseAudio/PipeWire server that answers, or None if none does.
    The default is ``$PULSE_SINK`` when it names a sink (where this process's streams
    go), else the server's."""
    info = _pactl("info")
    listing = _pactl("list", "sinks") if info is not None else None
    if info is None or listing is None:
        return None
    found = re.search(r"^Default Sink: (.*)$", info, re.M)
    default = found.group(1).strip() if found else None
    chosen = os.environ.get("PULSE_SINK")
    sinks = parse_sinks(listing, default)
    if chosen and any(s.name == chosen for s in sinks):
        sinks = parse_sinks(listing, chosen)
    return sinks


def _libasound() -> ctypes.CDLL | None:
    from voiceguide.live.backends.alsa import load_libasound

    lib = load_libasound()
    if lib is None:
        return None
    lib.snd_device_name_hint.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p)),
    ]
    lib.snd_device_name_get_hint.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.snd_device_name_get_hint.restype = ctypes.c_void_p  # malloc'ed: freed below
    lib.snd_device_name_free_hint.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    return lib


def alsa_outputs() -> list[Output]:
    """ALSA's PCM hints that can play (not capture-only, not ``null``); ``default`` is
    the default. Empty where libasound cannot be loaded."""
    lib = _libasound()
    if lib is None:
        return []
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]

    def hint(entry: int | None, key: bytes) -> str | None:
        pointer = lib.snd_device_name_get_hint(entry, key)
        if not pointer:
            return None
        text = ctypes.string_at(pointer).decode(errors="replace")
        libc.free(pointer)
        return text

    hints = ctypes.POINTER(ctypes.c_void_p)()
    if lib.snd_device_name_hint(-1, b"pcm", ctypes.byref(hints)) < 0:
        return []
    outputs = []
    try:
        index = 0
        while hints[index]:
            entry = hints[index]
            index += 1
            name, direction = hint(entry, b"NAME"), hint(entry, b"IOID")
            if not name or name == "null" or direction == "Input":
                continue
            description = " - ".join((hint(entry, b"DESC") or "").split("\n"))
            bluetooth = name.startswith("bluealsa")
            outputs.append(Output(name, description, name == "default", bluetooth, "alsa"))
    finally:
        lib.snd_device_name_free_hint(hints)
    return outputs


def outputs() -> list[Output]:
    """Where a session can play: the server's sinks when one answers, else ALSA's."""
    sinks = pulse_sinks()
    return sinks if sinks is not None else alsa_outputs()


def pulse_pcm(sink: str) -> str:
    """The ALSA name that plays into the PulseAudio sink ``sink`` (the pulse plugin)."""
    quoted = sink.replace("\\", "\\\\").replace('"', '\\"')
    return f'pulse:"{quoted}"'


def target(name: str | None, sinks: list[Output] | None = None) -> Target:
    """What ``--device name`` opens (None: ALSA's ``default``). ``sinks``: the server's
    sinks (default: asked now; None when no server answers)."""
    sinks = pulse_sinks() if sinks is None else sinks
    if name is None:
        default = next((s for s in sinks or () if s.default), None)
        return Target("default", "default", default is not None and default.bluetooth)
    sink = next((s for s in sinks or () if s.name == name), None)
    if sink is not None:
        return Target(name, pulse_pcm(name), sink.bluetooth)
    return Target(name, name, name.startswith("bluealsa"))


def lines(found: list[Output]) -> list[str]:
    """``voiceguide devices``: one output a line, the default marked ``*``, Bluetooth
    outputs marked (they get the lead-in); one line when there is none."""
    if not found:
        return ["no sound output found (no PulseAudio/PipeWire server answers, ALSA lists none)"]
    width = max(len(o.name) for o in found)
    shown = []
    for output in found:
        mark = "*" if output.default else " "
        extra = " [bluetooth: lead-in]" if output.bluetooth else ""
        shown.append(f"{mark} {output.name:<{width}}  {output.description}{extra}".rstrip())
    return shown

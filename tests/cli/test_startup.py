"""The command line answers at once: ``--help``, ``--version`` and every ``CMD --help`` load
click and the command line's own light modules, never the library (numpy, YAML, the
encoders, the engines, the server). Checked from ``sys.modules`` in a fresh interpreter, not
by timing (bench/bench_startup.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from voiceguide.cli import main

# What a user's --help may load besides click and the command line (voiceguide.cli.*): these,
# each of which imports nothing outside the standard library.
LIGHT = {
    "voiceguide",
    "voiceguide.choices",
    "voiceguide.durations",
    "voiceguide.errors",
    "voiceguide.interrupts",
}

# Runs ``voiceguide ARGS`` in this fresh interpreter as the console script does, then prints
# its output and the modules it loaded from outside the standard library.
PROBE = """
import contextlib, io, json, sys
before = set(sys.modules)
from voiceguide.cli import run
sys.argv = ["voiceguide", *json.loads(sys.argv[1])]
shown = io.StringIO()
with contextlib.redirect_stdout(shown), contextlib.suppress(SystemExit):
    run()
new = [m for m in set(sys.modules) - before if m.split(".")[0] not in sys.stdlib_module_names]
print(json.dumps({"output": shown.getvalue(), "modules": sorted(new)}))
"""


def loaded_by(*args: str) -> tuple[str, set[str]]:
    """What ``voiceguide ARGS`` printed, and the non-standard modules it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(done.stdout)
    return found["output"], set(found["modules"])


def heavy(modules: set[str]) -> list[str]:
    """The modules of ``modules`` that a help text must not need: any library but click, any
    of voiceguide's but the command line's and ``LIGHT``."""
    ours = {m for m in modules if m.split(".")[0] == "voiceguide"}
    theirs = {m.split(".")[0] for m in modules - ours} - {"click"}
    return sorted(theirs | {m for m in ours - LIGHT if not m.startswith("voiceguide.cli")})


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["-h"]], ids=" ".join)
def test_the_top_level_help_and_version_load_no_library(args):
    output, modules = loaded_by(*args)
    assert output.startswith(("Usage: voiceguide [OPTIONS] COMMAND", "voiceguide, version"))
    assert heavy(modules) == []


@pytest.mark.parametrize("command", sorted(main.commands))
def test_each_commands_help_is_whole_and_loads_no_library(command):
    output, modules = loaded_by(command, "--help")
    assert output.startswith(f"Usage: voiceguide {command} ")
    options = [p for p in main.commands[command].params if isinstance(p, click.Option)]
    for option in options:  # every option, and its help, is there
        assert option.opts[-1] in output and option.help, (command, option.opts)
    assert heavy(modules) == []


def test_the_probe_sees_the_library_when_a_command_runs():
    """The checks above can fail: running a command, not its help, loads the library."""
    _, modules = loaded_by("plan", "no-such-routine")
    assert {"numpy", "yaml", "voiceguide.session"} <= set(heavy(modules))

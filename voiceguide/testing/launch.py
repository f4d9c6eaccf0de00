"""The command line in a process of its own, as a user starts it: ``python -m voiceguide ARGS``
with this interpreter, for the tests that need a real process (signals, a terminal, a pipe,
a file-size limit, exit at a full standard output, a server).

Every such test starts it through here, so that what a launch is (the interpreter, the
engine, the environment) is written once. The environment is the test's own (the suite's
``VOICEGUIDE_CACHE_DIR`` and lexicon included) with ``env`` over it, and by default the tone
engine (``VOICEGUIDE_ENGINE=tone``); ``engine=None`` leaves the engine as the environment
says (espeak-ng unless it names one).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

TONE = "tone"
Arg = str | bytes | os.PathLike[str]  # bytes: a file name that is not UTF-8


def command(*args: Arg) -> list[str | bytes]:
    """``[python, "-m", "voiceguide", *args]`` (paths as ``os.fspath`` gives them)."""
    return [sys.executable, "-m", "voiceguide", *(os.fspath(arg) for arg in args)]


def environment(env: Mapping[str, str] | None = None, engine: str | None = TONE) -> dict[str, str]:
    """This process's environment, ``VOICEGUIDE_ENGINE=engine`` (unless None), then ``env``."""
    made = dict(os.environ)
    if engine is not None:
        made["VOICEGUIDE_ENGINE"] = engine
    made.update(env or {})
    return made


def run(
    *args: Arg,
    env: Mapping[str, str] | None = None,
    engine: str | None = TONE,
    timeout: float = 120.0,
    **options: Any,
) -> subprocess.CompletedProcess[Any]:
    """Run ``voiceguide ARGS`` to its end (at most ``timeout`` seconds, then
    ``subprocess.TimeoutExpired``: a test never hangs). ``options`` go to ``subprocess.run``;
    unless they say where stdout or stderr go, both are captured, and as text unless
    ``text=False``."""
    if not {"stdout", "stderr", "capture_output"} & options.keys():
        options["capture_output"] = True
    options.setdefault("text", True)
    return subprocess.run(
        command(*args), env=environment(env, engine), timeout=timeout, check=False, **options
    )


def start(
    *args: Arg, env: Mapping[str, str] | None = None, engine: str | None = TONE, **options: Any
) -> subprocess.Popen[Any]:
    """Start ``voiceguide ARGS`` and return its ``Popen`` (the caller waits for it, or kills
    it); ``options`` go to ``subprocess.Popen`` as they are."""
    return subprocess.Popen(command(*args), env=environment(env, engine), **options)

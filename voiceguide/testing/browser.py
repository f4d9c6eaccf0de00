"""A ``voiceguide serve`` in a subprocess, and headless Chromium (Debian's ``chromium`` and
``chromium-driver``) driven by selenium, for the page's tests, screenshots and benchmark.

Usage::

    with serving(tmp_path, "--lan") as server, chromium() as browser:
        browser.get(server.url)             # the URL the server printed (token included)

Traps handled here:

* The network is closed: Chromium is told not to reach out (no component updates, sync,
  background networking) and gets a fresh profile; selenium is given the driver's path, so
  Selenium Manager never tries to download one.
* As root, Chromium needs ``--no-sandbox``.
* Autoplay: a page plays audio without a user gesture only with
  ``--autoplay-policy=no-user-gesture-required`` (the tests press Play from script).
* ``--port 0``: the server takes a free port and prints the URL; the URL is read from its
  output, through the loopback address (with ``--lan`` too: nothing else is ever asked).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from voiceguide.testing import launch

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

T = TypeVar("T")

CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
PHONE = (390, 844)  # CSS pixels of a common phone
DESKTOP = (1280, 900)


def available() -> bool:
    """Chromium, its driver and selenium are installed."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists() and Path(DRIVER).exists()


@dataclass
class Server:
    """A running ``voiceguide serve``: its ``url`` (loopback; with the token for ``--lan``),
    ``port``, ``token`` and everything it printed so far (``output``)."""

    process: subprocess.Popen[str]
    url: str
    port: int
    token: str | None
    cache: Path
    lines: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        return "".join(self.lines)


def _read_lines(stream: Iterable[str], lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


@contextlib.contextmanager
def serving(
    tmp: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 30.0
) -> Iterator[Server]:
    """Start ``voiceguide serve --port 0 ARGS`` (the tone engine unless ``env`` says
    otherwise, a cache in ``tmp``); stop it (SIGINT, then SIGKILL) on the way out."""
    environment = {
        "VOICEGUIDE_CACHE_DIR": str(tmp / "cache"),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    process = launch.start(
        *("serve", "--port", "0", *args),
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        deadline = time.monotonic() + timeout
        while not (found := re.search(r"open (http://\S+)", "".join(lines))):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"voiceguide serve did not start:\n{''.join(lines)}")
            time.sleep(0.05)
        printed = found.group(1)
        port_found = re.search(r":(\d+)/", printed)
        if port_found is None:
            raise RuntimeError(f"voiceguide serve printed no port: {printed}")
        port = int(port_found.group(1))
        token = re.search(r"token=([\w-]+)", printed)
        url = f"http://127.0.0.1:{port}/" + (f"?token={token.group(1)}" if token else "")
        cache = Path(environment["VOICEGUIDE_CACHE_DIR"])
        yield Server(process, url, port, token.group(1) if token else None, cache, lines)
    finally:
        stop(process)


def stop(process: subprocess.Popen[str], timeout: float = 10.0) -> int:
    """Ctrl-C ``process`` (SIGKILL if it has not ended in ``timeout`` s); its exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@contextlib.contextmanager
def chromium(size: tuple[int, int] = DESKTOP, mobile: bool = False) -> Iterator[WebDriver]:
    """A headless Chromium (selenium ``webdriver.Chrome``) at ``size`` CSS pixels; with
    ``mobile``, a phone's (touch, device pixel ratio 2). Quit on the way out."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="vg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run",
        "--no-default-browser-check",
        "--mute-audio",
        "--autoplay-policy=no-user-gesture-required",
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    try:
        width, height = size
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": width,
                "height": height,
                "deviceScaleFactor": 2 if mobile else 1,
                "mobile": mobile,
            },
        )
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(
    condition: Callable[[], T | None], timeout: float = 15.0, interval: float = 0.05, what: str = ""
) -> T:
    """Poll ``condition()`` until it is truthy (its value), at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)

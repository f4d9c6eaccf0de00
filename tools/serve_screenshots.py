#!/usr/bin/env python3
"""Screenshots of voiceguide serve's page for the README: a phone (390 x 844 CSS pixels)
playing a session and the same phone at the plan, and a desktop browser (1280 x 900).

    .venv/bin/python tools/serve_screenshots.py [OUT_DIR]     (default: docs/)

Runs a server (espeak-ng unless VOICEGUIDE_ENGINE says otherwise, a throwaway cache) and
headless Chromium; writes serve-phone.png, serve-phone-plan.png and serve-desktop.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from voiceguide.testing import browser

ROOT = Path(__file__).resolve().parent.parent


def ready(driver) -> None:
    browser.wait_for(lambda: driver.execute_script("return !!window.voiceguide.state.plan"), 60)


def choose(driver, name: str, seconds: int) -> None:
    driver.find_element("css selector", f"input[value={name}]").find_element("xpath", "..").click()
    driver.execute_script(
        f"const s = document.getElementById('length'); s.value = '{seconds}';"
        "s.dispatchEvent(new Event('input'));"
    )
    browser.wait_for(
        lambda: (
            (driver.execute_script("return window.voiceguide.state.plan") or {}).get("length")
            == float(seconds)
        ),
        60,
    )


def phone(server, out: Path) -> None:
    with browser.chromium(browser.PHONE, mobile=True) as driver:
        driver.get(server.url)
        ready(driver)
        choose(driver, "back-massage", 1200)
        driver.execute_script("document.getElementById('h-fit').scrollIntoView()")
        time.sleep(0.5)
        driver.save_screenshot(str(out / "serve-phone-plan.png"))
        driver.find_element("id", "play").click()
        browser.wait_for(
            lambda: (
                driver.execute_script("return document.getElementById('audio').currentTime") > 0.5
            ),
            60,
        )
        driver.execute_script("document.getElementById('audio').currentTime = 200")
        time.sleep(1.5)
        driver.execute_script("document.getElementById('audio').pause(); window.scrollTo(0, 0)")
        time.sleep(0.5)
        driver.save_screenshot(str(out / "serve-phone.png"))


def desktop(server, out: Path) -> None:
    with browser.chromium(browser.DESKTOP) as driver:
        driver.get(server.url)
        ready(driver)
        choose(driver, "back-massage", 1200)
        time.sleep(0.5)
        driver.save_screenshot(str(out / "serve-desktop.png"))


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    engine = {"VOICEGUIDE_ENGINE": os.environ.get("VOICEGUIDE_ENGINE", "espeak")}
    with tempfile.TemporaryDirectory() as tmp, browser.serving(Path(tmp), env=engine) as server:
        phone(server, out)
        desktop(server, out)
    for name in ("serve-phone.png", "serve-phone-plan.png", "serve-desktop.png"):
        print(f"wrote {out / name} ({(out / name).stat().st_size} bytes)")


if __name__ == "__main__":
    main()

"""The page as the remote of this computer's live player, end to end: the player plays
through a private PulseAudio null sink, the page (headless Chromium) presses Pause, and the
player pauses: its status says so, and the sink is silent until Go on."""

from __future__ import annotations

import tempfile
import time

import numpy as np
import pytest
import soundfile as sf

from voiceguide.testing import browser, pulse

pytestmark = [
    pytest.mark.audio_device,
    pytest.mark.browser,
    pytest.mark.skipif(not pulse.available(), reason="needs pulseaudio and pulseaudio-utils"),
    pytest.mark.skipif(not browser.available(), reason="needs chromium, chromium-driver, selenium"),
]

WINDOW = 0.05  # seconds per loudness window
QUIET_DB = -55.0  # under this a window is silent (the quietest breath of the pace guide: -35)


def quiet_stretches(path) -> list[float]:
    """Lengths (s) of the silent stretches between the recording's first and last sound."""
    data, rate = sf.read(path, dtype="float32")
    mono = data.reshape(len(data), -1)[:, 0]
    size = int(WINDOW * rate)
    windows = mono[: len(mono) // size * size].reshape(-1, size)
    level = 10 * np.log10(np.mean(windows**2, axis=1) + 1e-12)
    loud = np.flatnonzero(level > QUIET_DB)
    assert len(loud), "nothing was heard"
    inside = level[loud[0] : loud[-1] + 1] <= QUIET_DB
    stretches, run = [], 0
    for silent in inside:
        run = run + 1 if silent else 0
        if not silent or run == 1:
            stretches.append(0)
        stretches[-1] = run * WINDOW
    return [s for s in stretches if s > 0]


def test_pause_on_the_page_pauses_the_computers_player(tmp_path):
    with (
        tempfile.TemporaryDirectory(prefix="vg") as short,
        pulse.null_sink(short) as sink,
        browser.serving(tmp_path) as server,
        browser.chromium(browser.PHONE, mobile=True) as page,
    ):
        page.get(server.url)
        browser.wait_for(lambda: page.execute_script("return !!window.voiceguide.state.plan"))
        page.find_element("css selector", "input[value=neck-stretch]").find_element(
            "xpath", ".."
        ).click()
        browser.wait_for(
            lambda: (
                page.execute_script("return window.voiceguide.state.plan.title")
                == "Neck and shoulder stretch"
            )
        )
        recording = sink.record(tmp_path / "live.wav")
        page.find_element("id", "live-start").click()

        def status() -> dict:
            from tests.serve.conftest import api

            return api(server, "live/status")[1]

        browser.wait_for(lambda: status().get("state") == "playing", what="the player to start")
        browser.wait_for(lambda: status()["position"] >= 1.6, what="the intro to be spoken")
        assert page.find_element("id", "live-step").text == "Get ready"
        page.find_element("id", "live-pause").click()
        paused_at = time.monotonic()
        browser.wait_for(lambda: status()["paused"], timeout=2, what="the player to pause")
        browser.wait_for(lambda: page.find_element("id", "live-pause").text == "Go on", timeout=3)
        assert page.find_element("id", "live-state").get_attribute("textContent") == "· paused"
        held = status()["position"]
        time.sleep(3.0)
        assert status()["position"] == held  # the session's time stands still
        page.find_element("id", "live-pause").click()
        resumed_at = time.monotonic()
        browser.wait_for(lambda: not status()["paused"], timeout=2, what="the player to go on")
        time.sleep(1.5)
        page.find_element("css selector", "[data-action=stop]").click()
        browser.wait_for(lambda: status()["state"] == "stopped", timeout=5, what="stop")
        recording.stop()
    paused_for = resumed_at - paused_at
    stretches = quiet_stretches(tmp_path / "live.wav")
    print(f"\npaused {paused_for:.2f} s; silent stretches (s): {stretches}")
    # the intro has no silence longer than 1.5 s: the longest is the pause
    assert max(stretches) >= paused_for - 0.5
    assert max(stretches) <= paused_for + 1.0

"""The dashboard in a real headless Chromium: load, edit, run, watch the charts change.

The server runs as ``python -m scoresim.cli dashboard`` in a subprocess on a free port of
127.0.0.1; Playwright's Python client drives Debian's ``chromium`` (see ``tests/conftest.py``).
The test leaves a screenshot in ``docs/dashboard.png`` for the README. Its deadlines allow for a
loaded machine (the whole suite running in parallel): it checks what happens, not how fast.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("solara")
playwright = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "dashboard.png"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scoresim.cli", "dashboard", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path_factory.mktemp("cwd"),
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"dashboard server did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]


#: Seconds allowed for the page to show a state change (generous: CI machines get loaded).
DEADLINE = 30


def _step(page) -> int:
    text = page.locator(".step-readout").inner_text()
    return int(re.match(r"Step (\d+) /", text).group(1))


def _wait_step(page, at_least: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while (t := _step(page)) < at_least:
        assert time.monotonic() < deadline, f"stuck at step {t}"
        page.wait_for_timeout(100)
    return t


@pytest.mark.slow
@pytest.mark.browser
def test_dashboard_in_a_real_browser(dashboard_url, chromium_path, chromium_args, tmp_path):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=chromium_args)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        # a DOM read waits as long as the first load may: on a slow host the page can fall behind
        # its redraws while a run goes on (seen twice: 30 s were not enough right after Pause)
        page.set_default_timeout(90_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(dashboard_url)
        page.wait_for_selector(".step-readout", timeout=90_000)
        network = page.locator(".chart-network canvas")
        network.wait_for(timeout=60_000)
        page.wait_for_function(
            "() => !document.querySelector('.chart-network').innerText.includes('building')",
            timeout=60_000,
        )

        # an invalid value gets a message beside its input; fixing it clears the message
        agents = page.locator(".field-population-agents input")
        agents.fill("999999")
        agents.press("Enter")
        page.get_by_text("at most 50,000 agents in the dashboard").wait_for(timeout=DEADLINE * 1000)
        assert page.get_by_role("button", name="Run", exact=True).is_disabled()
        agents.fill("10000")
        agents.press("Enter")
        page.get_by_text("at most 50,000").wait_for(state="detached", timeout=DEADLINE * 1000)
        steps = page.locator(".field-steps input")
        steps.fill("1040")  # the cap: a slow page cannot see the run end before it pauses it
        steps.press("Enter")
        page.get_by_text("Step 0 / 1040").wait_for(timeout=DEADLINE * 1000)

        # a slider: move the critical-post detection rate
        label = page.locator(".field-policy-detect-critical .slider-label")
        before_label = label.inner_text()
        slider = page.locator(".field-policy-detect-critical .v-slider")
        slider.scroll_into_view_if_needed()
        box = slider.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
        page.wait_for_function(
            "(b) => document.querySelector('.field-policy-detect-critical .slider-label')"
            ".innerText !== b",
            arg=before_label,
            timeout=DEADLINE * 1000,
        )
        assert label.inner_text() != before_label

        # one step, then a run in the background; the page keeps answering meanwhile
        page.mouse.wheel(0, -5000)
        page.evaluate("() => document.querySelectorAll('*').forEach(e => e.scrollTop = 0)")
        page.wait_for_timeout(500)
        adoption = page.locator(".chart-adoption_chart canvas")
        charts_before = adoption.screenshot()
        network_before = network.screenshot()
        page.get_by_role("button", name="Step", exact=True).click()
        _wait_step(page, 1)
        page.get_by_role("button", name="Run", exact=True).click()
        _wait_step(page, 5)
        page.get_by_text("running").first.wait_for(timeout=DEADLINE * 1000)
        _wait_step(page, 60)  # the page keeps redrawing while the run goes on

        # Pause takes effect within one step: the readout says so, and the step stops moving
        page.get_by_role("button", name="Pause", exact=True).click()
        deadline = time.monotonic() + DEADLINE
        while "paused" not in (readout := page.locator(".step-readout").inner_text()):
            assert time.monotonic() < deadline, readout
            page.wait_for_timeout(100)
        first_paused = _step(page)
        assert first_paused < 1040, readout
        held_until = time.monotonic() + 2
        while time.monotonic() < held_until:  # at most the step under way when Pause came
            readout = page.locator(".step-readout").inner_text()
            assert "paused" in readout and _step(page) <= first_paused + 1, readout
            page.wait_for_timeout(200)
        assert adoption.screenshot() != charts_before
        assert network.screenshot() != network_before
        body = page.inner_text("body")
        paused_at = int(re.search(r"Step (\d+) / 1040 · paused", body).group(1))
        assert paused_at <= first_paused + 1
        shown = re.findall(rf"\b{paused_at} / 1040\b", body)
        assert len(shown) >= 2  # the headline card agrees with the readout

        # no error anywhere: no error box on the page, nothing in the console
        assert page.locator(".v-alert.error").count() == 0
        assert "Traceback" not in page.inner_text("body")
        assert errors == []

        # the README's screenshot is refreshed only on request, never as a side effect
        shot = SCREENSHOT if os.environ.get("SCORESIM_UPDATE_SCREENSHOT") else tmp_path / "d.png"
        page.set_viewport_size({"width": 1920, "height": 1080})  # three chart columns
        page.wait_for_timeout(1000)
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        browser.close()

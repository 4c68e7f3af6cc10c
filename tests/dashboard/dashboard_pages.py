"""Browser-test helpers: a dashboard server on 127.0.0.1 and ways to drive its page.

The server runs as ``python -m scoresim.cli dashboard`` in a subprocess on a free port and is
stopped by the fixture that started it; its log must hold no traceback. Deadlines are generous
(the host is slow and shared) but every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: Seconds allowed for the page to show a state change (generous: the host is shared, and at
#: times its load is five times its two cores).
DEADLINE = 60
#: A second system for side-by-side tests (until the documented presets land on main).
HARSH = """name = "harsh"
description = "seed with every critical post detected and enrolment mandatory from week 30"
[policy.detect]
critical = 1.0
[adoption]
mandatory_step = 30
"""


@dataclass
class Server:
    """A running dashboard server."""

    url: str
    proc: subprocess.Popen
    log: Path
    folder: Path

    def rss_mb(self) -> float:
        """Resident memory of the server process, in MB."""
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(folder: Path, log: Path, *args: str) -> Iterator[Server]:
    """Start ``scoresim dashboard`` on a free port of 127.0.0.1 and stop it afterwards."""
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "scoresim.cli", "dashboard", "--port", str(port),
               "--scenarios", str(folder), *args]  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder)
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
        yield Server(url, proc, log, folder)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    text = log.read_text()
    assert "Traceback" not in text and "ERROR" not in text, text[-3000:]
    # nothing but the address: no cookie warning, no access log (those need --verbose)
    noise = [ln for ln in text.splitlines() if ln.strip() and "scoresim dashboard:" not in ln]
    assert not noise, noise[:5]


@dataclass
class Session:
    """One browser context on the dashboard, with the errors its page reported."""

    context: Any
    page: Any
    errors: list[str]

    def close(self) -> None:
        """Close the page as a tab is closed (the server frees its session), then the context."""
        with contextlib.suppress(Exception):
            self.page.close(run_before_unload=True)
        self.context.close()


def open_session(browser: Any, url: str, width: int = 1600, height: int = 1000) -> Session:
    """A fresh context and page on the dashboard, loaded up to a drawn network."""
    session = start_session(browser, url, width, height)
    wait_ready(session)
    return session


def start_session(browser: Any, url: str, width: int = 1600, height: int = 1000) -> Session:
    """A fresh context and page, the dashboard asked for (see :func:`wait_ready`)."""
    viewport = {"width": width, "height": height}
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(90_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="commit")
    return Session(context, page, errors)


def wait_ready(session: Session) -> None:
    """Wait until the page shows its run controls and a drawn network."""
    page = session.page
    page.wait_for_selector(".step-readout", timeout=90_000)
    page.locator(".chart-network canvas").wait_for(timeout=90_000)
    wait_built(page)


def title_of(page: Any, key: str) -> str:
    """The title and subtitle a chart draws (in its canvas)."""
    return page.evaluate(
        f"(arg) => {{ const t = {CHART}.getOption().title[0];"
        " return t.text + ' | ' + (t.subtext || ''); }",
        key,
    )


def wait_built(page: Any, timeout: float = 90) -> None:
    """Wait until the network drawing shows a built society."""
    wait_until(
        page,
        "(() => { const el = document.querySelector('.chart-network .echart-box > div');"
        " const c = el && el.__scoresimChart; if (!c) return false;"
        " const t = c.getOption().title[0]; return !!t && !t.subtext.includes('building'); })()",
        timeout=timeout,
    )


def wait_until(page: Any, js: str, arg: Any = None, timeout: float = DEADLINE) -> None:
    """Wait for a JavaScript condition on the page."""
    page.wait_for_function(f"(arg) => {js}", arg=arg, timeout=timeout * 1000)


def readout(page: Any) -> str:
    return page.locator(".step-readout").inner_text()


def step_of(page: Any) -> int:
    """The newest week computed, from the readout ``Step N / H · status``."""
    return int(re.match(r"Step (\d+) /", readout(page)).group(1))


def wait_step(page: Any, at_least: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while (t := step_of(page)) < at_least:
        assert time.monotonic() < deadline, f"stuck at step {t}"
        page.wait_for_timeout(100)
    return t


def set_field(page: Any, path: str, value: str) -> None:
    """Type a value into a field's input and press Enter."""
    box = page.locator(f".field-{path.replace('.', '-')} input")
    box.fill(value)
    box.press("Enter")


def click_button(page: Any, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def click_slider(page: Any, css: str, fraction: float) -> None:
    """Click a slider at a fraction of its length."""
    slider = page.locator(f"{css} .v-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    page.mouse.click(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)


#: The chart instance behind a chart card (the widget keeps it on its container).
CHART = "document.querySelector('.chart-' + arg + ' .echart-box > div').__scoresimChart"


def series_of(page: Any, key: str) -> list[dict[str, Any]]:
    """Name, point count, last point and colour of every series of a chart, as drawn."""
    return page.evaluate(
        f"""(arg) => {CHART}.getOption().series.map(s => ({{
            name: s.name, n: (s.data || []).length,
            last: (s.data || []).length ? s.data[s.data.length - 1] : null,
            color: s.lineStyle ? s.lineStyle.color : null,
            marks: s.markLine ? s.markLine.data.map(m => [m.xAxis, m.name]) : []}}))""",
        key,
    )

"""Runs beyond ``--max-runs`` wait in line, in a real headless Chromium: three viewers on a server
that runs one at a time (127.0.0.1 only; the server is started and stopped here).

The first viewer's run goes; the second and third are told their place ("you are 1st in line",
"2nd in line") instead of being asked to retry; each run starts by itself when the one before it
pauses; every page's counter says how many runs go and wait.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("solara")
playwright = pytest.importorskip("playwright.sync_api")

from dashboard_pages import (  # noqa: E402
    click_button,
    dashboard_server,
    readout,
    start_session,
    wait_ready,
    wait_until,
)

pytestmark = pytest.mark.browser

#: A small society and a horizon no run reaches during the test at its pace.
LESSON = 'name = "lesson"\nsteps = 1000\n[population]\nagents = 300\n'


def _status(page) -> str:
    return re.search(r"· (\w+)", readout(page)).group(1)


def _wait_status(page, status: str) -> None:
    wait_until(page, "document.querySelector('.step-readout').innerText.includes(arg)", status)


def _counter(page) -> str:
    return page.locator(".runs-readout").inner_text()


def _wait_text(page, css: str, text: str) -> None:
    """Wait until the element ``css`` says ``text`` (a readout: exactly; a message: within)."""
    same = "t === arg" if css == ".runs-readout" else "t.includes(arg)"
    js = (
        f"(() => {{ const el = document.querySelector('{css}');"
        f" const t = el ? el.innerText.trim() : ''; return {same}; }})()"
    )
    wait_until(page, js, text)


def test_three_viewers_and_one_run_at_a_time_wait_in_line(tmp_path, chromium_path, chromium_args):
    (tmp_path / "lesson.toml").write_text(LESSON)
    with (dashboard_server(tmp_path, tmp_path.parent / f"{tmp_path.name}.log",
                           "--max-runs", "1") as server,
          playwright.sync_playwright() as p):  # fmt: skip
        browser = p.chromium.launch(executable_path=chromium_path, args=chromium_args)
        link = f"{server.url}?scenario=lesson.toml"
        viewers = [start_session(browser, link, width=1200, height=900) for _ in range(3)]
        try:
            for viewer in viewers:  # the three open the link at once, as a class does
                wait_ready(viewer)
            first, second, third = (v.page for v in viewers)
            click_button(first, "Run")
            _wait_status(first, "running")
            click_button(second, "Run")
            _wait_text(second, ".queue", "waiting for a free run: you are 1st in line "
                                         "(this server runs 1 at once)")  # fmt: skip
            click_button(third, "Run")
            _wait_text(third, ".queue", "waiting for a free run: you are 2nd in line "
                                        "(this server runs 1 at once)")  # fmt: skip
            assert _status(second) == _status(third) == "queued"
            for page in (first, second, third):  # every page's counter, not only the asker's
                _wait_text(page, ".runs-readout", "Runs going on this server: 1 of 1, 2 waiting")
            assert first.locator(".queue").count() == 0
            for page in (first, second, third):
                assert "try again" not in page.content() and page.locator(".busy").count() == 0

            click_button(first, "Pause")  # the second's turn: it starts by itself
            _wait_status(second, "running")
            _wait_text(third, ".queue", "waiting for a free run: you are 1st in line "
                                        "(this server runs 1 at once)")  # fmt: skip
            _wait_text(first, ".runs-readout", "Runs going on this server: 1 of 1, 1 waiting")
            assert second.locator(".queue").count() == 0

            click_button(second, "Pause")
            _wait_status(third, "running")
            _wait_text(first, ".runs-readout", "Runs going on this server: 1 of 1")
            click_button(third, "Pause")
            _wait_status(third, "paused")
            for page in (first, second, third):  # idle: the counter says so beside no warning
                _wait_text(page, ".runs-readout", "Runs going on this server: 0 of 1")
                assert page.locator(".queue").count() == 0
                assert _status(page) == "paused"
        finally:
            for v in viewers:
                v.close()
            browser.close()
        for v in viewers:
            assert v.errors == [], v.errors

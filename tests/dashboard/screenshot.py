"""Make the README's screenshot of the dashboard (``docs/dashboard.png``); not a test.

Run it from the repository: ``.venv/bin/python tests/dashboard/screenshot.py``. It serves the
dashboard on a free port of 127.0.0.1 from a neutral scenario folder, runs the four bundled
systems side by side with the control past the mandatory date of ``seed`` (week 260), pauses,
and saves the view at 1920 x 1080 in Debian's Chromium. It stops the server it started.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dashboard_pages import (  # noqa: E402
    click_button,
    click_slider,
    dashboard_server,
    open_session,
    readout,
    set_field,
    step_of,
)

ROOT = HERE.parents[1]
OUT = ROOT / "docs" / "dashboard.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def main() -> None:
    folder = Path(tempfile.gettempdir()) / "scoresim-lesson"
    folder.mkdir(exist_ok=True)
    with (
        dashboard_server(folder, folder / "server.log") as server,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        session = open_session(browser, server.url, width=1920, height=1080)
        page = session.page
        set_field(page, "population.agents", "5000")
        page.wait_for_timeout(1000)
        page.locator(".systems-select").click()
        for name in ("zhima-2015", "rongcheng", "defaulter-blacklist"):
            page.get_by_role("option", name=name, exact=True).click()
        page.keyboard.press("Escape")
        page.locator(".headline-defaulter-blacklist").wait_for(timeout=60_000)
        page.wait_for_timeout(3000)
        click_slider(page, ".pace", 4 / 6)  # 20 weeks a second: paused soon after week 270
        click_button(page, "Run")
        while step_of(page) < 270:
            page.wait_for_timeout(200)
        click_button(page, "Pause")
        page.get_by_text("paused").first.wait_for(timeout=60_000)
        page.wait_for_timeout(4000)  # the last redraw
        page.screenshot(path=str(OUT))
        print(f"{OUT}: {readout(page)}")
        session.close()
        browser.close()


if __name__ == "__main__":
    main()

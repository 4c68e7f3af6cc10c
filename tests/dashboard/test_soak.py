"""A classroom on one server: 12 browser contexts for 60 seconds (127.0.0.1 only, bounded).

Every page runs, pauses, scrubs and resets in turn against a server capped at 4 runs at once
(the default ``--max-runs``): whoever asks for a fifth run waits in line. Checked:
no error on the server or in any page, the server's resident memory bounded, and every page
answering Pause within 2 seconds, to the end.
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("solara")
playwright = pytest.importorskip("playwright.sync_api")

from dashboard_pages import (  # noqa: E402
    DEADLINE,
    Session,
    click_slider,
    readout,
    start_session,
    wait_ready,
)

#: Small societies (twelve of them share two cores here) and a horizon that no run reaches in a
#: minute at ten weeks a second.
CLASSROOM = 'name = "classroom"\nsteps = 1040\n[population]\nagents = 2000\n'
PAGES = 12
SECONDS = 60
PAUSE_SECONDS = 2.0
#: Resident memory the server may add over the soak, and its ceiling (12 sessions of 2,000
#: agents, 4 running; each run's memory is bounded by the agent cap).
GROWTH_MB, CEILING_MB = 400, 1500


def _press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click(timeout=DEADLINE * 1000)


#: Clicks Pause in the page and resolves with the seconds until the readout says paused (or
#: done), -1 if the button is disabled: the time a viewer waits, without the test driver's own.
PAUSE_JS = """() => new Promise((resolve) => {
  const button = [...document.querySelectorAll("button")]
    .find((b) => b.innerText.trim().toLowerCase() === "pause");
  if (!button || button.disabled) return resolve(-1);
  const started = performance.now();
  button.click();
  const check = () => {
    const text = document.querySelector(".step-readout").innerText;
    const seconds = (performance.now() - started) / 1000;
    if (text.includes("paused") || text.includes("done") || text.includes("ready")
        || seconds > 60) resolve(seconds);  // a page that waited in line at week 0: ready
    else setTimeout(check, 20);
  };
  check();
})"""


#: Clicks Run and resolves with "running", "queued" (waiting in line) or the refusal shown for
#: this click (a refusal number above the last one before the click: an earlier refusal may
#: still be on the page).
RUN_JS = """() => new Promise((resolve) => {
  const number = (el) => Number(([...el.classList].find((c) => c.startsWith("refusal-"))
    || "refusal--1").slice(8));
  const last = Math.max(-1, ...[...document.querySelectorAll(".refusal")].map(number));
  const button = [...document.querySelectorAll("button")]
    .find((b) => b.innerText.trim().toLowerCase() === "run");
  if (button.disabled) return resolve("disabled");
  const started = performance.now();
  button.click();
  const check = () => {
    const text = document.querySelector(".step-readout").innerText;
    if (text.includes("running")) return resolve("running");
    if (text.includes("queued")) return resolve("queued");
    const shown = [...document.querySelectorAll(".refusal")].find((e) => number(e) > last);
    if (shown) return resolve(shown.innerText);
    if (performance.now() - started > 60000) return resolve("no answer");
    setTimeout(check, 20);
  };
  check();
})"""


def _pause_seconds(page) -> float | None:
    """Pause and time until the readout says so; None if the run ended first."""
    seconds = page.evaluate(PAUSE_JS)
    if seconds < 0:  # disabled: the run reached its horizon meanwhile
        assert "done" in readout(page), readout(page)
        return None
    return seconds


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.soak
def test_twelve_viewers_for_a_minute(server, chromium_path, chromium_args):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=chromium_args)
        sessions: list[Session] = []
        try:
            (server.folder / "classroom.toml").write_text(CLASSROOM)
            link = f"{server.url}?scenario=classroom.toml"  # the link the teacher hands out
            for _ in range(PAGES):  # the whole class opens it at once
                sessions.append(start_session(browser, link, width=1100, height=800))
            for s in sessions:
                wait_ready(s)
                s.page.get_by_text("Step 0 / 1040").wait_for(timeout=DEADLINE * 1000)
                assert s.page.locator(".load-ok").inner_text().strip() == "loaded classroom"
            baseline = peak = server.rss_mb()
            pauses: dict[int, list[float]] = {i: [] for i in range(PAGES)}
            queued = 0
            ends = time.monotonic() + SECONDS
            visit = 0
            while time.monotonic() < ends:
                i = visit % PAGES
                page = sessions[i].page
                text = readout(page)
                if "running" in text or "queued" in text:  # Pause also leaves the line
                    if (seconds := _pause_seconds(page)) is not None:
                        pauses[i].append(seconds)
                    if visit % 3 == 0:  # replay an earlier week now and then
                        click_slider(page, ".scrubber", 0.5)
                elif "done" in text:
                    _press(page, "Reset")
                else:
                    answer = page.evaluate(RUN_JS)
                    assert answer in ("running", "queued", "disabled"), answer  # no refusal
                    if answer == "queued":
                        assert "in line" in page.locator(".queue").inner_text()
                        queued += 1
                peak = max(peak, server.rss_mb())
                visit += 1
            for i, s in enumerate(sessions):  # to the end, every page answers Pause
                if "running" in readout(s.page) and (seconds := _pause_seconds(s.page)):
                    pauses[i].append(seconds)
            for i, s in enumerate(sessions):  # one at a time, so a slot is free for each
                if "done" in readout(s.page):
                    _press(s.page, "Reset")
                    s.page.get_by_text("Step 0 / 1040").wait_for(timeout=DEADLINE * 1000)
                _press(s.page, "Run")
                s.page.get_by_text("running").first.wait_for(timeout=DEADLINE * 1000)
                seconds = _pause_seconds(s.page)
                assert seconds is not None  # a fresh run of 1040 weeks is still going
                pauses[i].append(seconds)
                peak = max(peak, server.rss_mb())
        except Exception as exc:
            print("SOAK FAILED", type(exc).__name__, str(exc)[:2000])
            raise
        finally:
            for s in sessions:
                s.close()
            browser.close()
    slowest = max(max(v) for v in pauses.values())
    print(f"soak: {sum(map(len, pauses.values()))} pauses, slowest {slowest:.2f} s; {queued} "
          f"queued; server memory {baseline:.0f} -> {peak:.0f} MB")  # fmt: skip
    assert all(pauses.values()) and slowest < PAUSE_SECONDS, pauses
    assert queued >= 1  # a fifth run waited in line while four were going
    assert peak - baseline < GROWTH_MB and peak < CEILING_MB, (baseline, peak)
    for s in sessions:
        assert s.errors == [], s.errors

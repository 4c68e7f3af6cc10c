"""The dashboard in a real headless Chromium: edit, pace, scrub, events, loading, systems side by
side, exports.

One server (see ``conftest.py``) serves the module; each test opens its own browser context, so
its own session, and closes it as a tab is closed. Nothing is written outside tmp folders (the
README's screenshot is made by ``screenshot.py`` in this folder).
"""

from __future__ import annotations

import re
import time
from html import escape

import pytest

pytest.importorskip("solara")
playwright = pytest.importorskip("playwright.sync_api")

from dashboard_pages import (  # noqa: E402
    CHART,
    DEADLINE,
    click_button,
    click_slider,
    open_session,
    readout,
    series_of,
    set_field,
    step_of,
    title_of,
    wait_built,
    wait_step,
    wait_until,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(chromium_path, chromium_args):
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=chromium_args)
        yield b
        b.close()


@pytest.fixture
def session(browser, server):
    s = open_session(browser, server.url)
    yield s
    s.close()
    assert s.errors == []


def _pause(page) -> int:
    """Pause, wait for the readout to say so, and return the step once it holds still (the
    step under way when Pause came may still end). A run that ends before the click (a fast
    one can, between the caller's look at the step and the click) has nothing to pause."""
    pause = page.get_by_role("button", name="Pause", exact=True)
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            pause.click(timeout=1000)
            break
        except playwright.TimeoutError:
            if "done" in readout(page):
                return step_of(page)
            assert time.monotonic() < deadline, readout(page)
    while "paused" not in (text := readout(page)) and "done" not in text:
        assert time.monotonic() < deadline, text
        page.wait_for_timeout(100)
    t = step_of(page)
    while True:
        page.wait_for_timeout(1000)
        if (now := step_of(page)) == t:
            return t
        assert now == t + 1 and time.monotonic() < deadline, (t, now)
        t = now


def _pause_held(page) -> int:
    """The step once the readout holds still for a second (the page is paused already)."""
    deadline = time.monotonic() + DEADLINE
    t = step_of(page)
    while True:
        page.wait_for_timeout(1000)
        if (now := step_of(page)) == t:
            assert "paused" in readout(page)
            return t
        assert time.monotonic() < deadline, f"still moving: {readout(page)}"
        t = now


def test_edits_and_the_speed_control_slow_the_run_measurably(session):
    page = session.page
    # an invalid value gets a message beside its input; fixing it clears the message
    set_field(page, "population.agents", "999999")
    page.get_by_text("at most 50,000 agents in the dashboard").wait_for(timeout=DEADLINE * 1000)
    assert page.get_by_role("button", name="Run", exact=True).is_disabled()
    set_field(page, "population.agents", "2000")
    page.get_by_text("at most 50,000").wait_for(state="detached", timeout=DEADLINE * 1000)
    set_field(page, "steps", "1040")  # the cap: the run cannot end before the test pauses it
    page.get_by_text("Step 0 / 1040").wait_for(timeout=DEADLINE * 1000)
    adoption = page.locator(".chart-adoption canvas")
    before = adoption.screenshot()

    click_slider(page, ".pace", 0.0)  # 1 week per second
    page.get_by_text("Pace: 1 week/s").wait_for(timeout=DEADLINE * 1000)
    click_button(page, "Step")
    wait_step(page, 1)
    click_button(page, "Run")
    page.get_by_text("running").first.wait_for(timeout=DEADLINE * 1000)
    started, t0 = time.monotonic(), step_of(page)
    page.wait_for_timeout(5000)
    slow = (step_of(page) - t0) / (time.monotonic() - started)
    assert slow <= 1.4, slow  # one week a second (and the page's lag)

    # Pause takes effect within one step: the readout says so, and the step stops moving
    click_button(page, "Pause")
    page.get_by_text("paused").first.wait_for(timeout=DEADLINE * 1000)
    first = step_of(page)
    held = _pause_held(page)
    assert held <= first + 1, (first, held)

    click_slider(page, ".pace", 1.0)  # as fast as it runs
    page.get_by_text("Pace: as fast as it runs").wait_for(timeout=DEADLINE * 1000)
    click_button(page, "Run")
    started, t0 = time.monotonic(), step_of(page)
    while time.monotonic() - started < 3 and step_of(page) < 1040:
        page.wait_for_timeout(100)
    fast = (step_of(page) - t0) / (time.monotonic() - started)
    assert fast > 3 * max(slow, 1.0), (slow, fast)
    if step_of(page) < 1040:
        _pause(page)
    assert adoption.screenshot() != before
    assert page.locator(".v-alert.error").count() == 0


def test_the_scrubber_replays_a_week_and_event_lines_say_what_changed(session):
    page = session.page
    set_field(page, "population.agents", "2000")
    page.wait_for_timeout(500)
    click_slider(page, ".pace", 4 / 6)  # 20 weeks a second: still running when paused
    page.get_by_text("Pace: 20 weeks/s").wait_for(timeout=DEADLINE * 1000)
    click_button(page, "Run")
    wait_step(page, 40)
    latest = _pause(page)
    live_card = page.locator(".headline-seed .card-enrolled").inner_text()

    click_slider(page, ".scrubber", 0.25)
    label = page.locator(".scrub-label")
    wait_until(page, "document.querySelector('.scrub-label').innerText.includes('newest')")
    shown = int(re.match(r"Week shown: (\d+) \(newest (\d+)\)", label.inner_text()).group(1))
    assert 0 < shown < latest
    wait_until(page, f"{CHART}.getOption().series[0].data.length === {shown}", "adoption")
    seed = next(s for s in series_of(page, "adoption") if s["name"] == "seed")
    assert seed["n"] == shown and seed["last"][0] == shown  # the charts end at that week
    card = page.locator(".headline-seed .card-enrolled").inner_text()
    assert card == f"{seed['last'][1]:.1f}%" and card != live_card  # and so do the cards
    assert f"week {shown} |" in title_of(page, "network")  # and the network

    # an event line at week 260 on every chart over time; hovering it says what changed
    for key in ("adoption", "tiers", "posts", "dissent", "isolated", "employment"):
        events = next(s for s in series_of(page, key) if s["name"] == "events")
        assert [260, "week 260: enrolment becomes mandatory (seed)"] in events["marks"], key
    chart = page.locator(".chart-adoption .echart-box > div").first
    chart.scroll_into_view_if_needed()
    x, y = page.evaluate(
        f"""(arg) => {{ const c = {CHART}; const el = c.getDom();
            const [px, py] = c.convertToPixel({{xAxisIndex: 0, yAxisIndex: 0}}, [260, 50]);
            const r = el.getBoundingClientRect(); return [r.left + px, r.top + py]; }}""",
        "adoption",
    )
    page.mouse.move(x, y)
    hint = page.locator(".chart-adoption .event-hint")
    hint.wait_for(state="visible", timeout=DEADLINE * 1000)
    assert hint.inner_text() == "week 260: enrolment becomes mandatory (seed)"

    page.get_by_role("button", name="Back to the newest week").click()
    wait_until(page, "!document.querySelector('.scrub-label').innerText.includes('newest')")
    assert label.inner_text() == f"Week shown: {latest}"


def test_the_path_loader_says_what_happened_and_systems_run_side_by_side(session, server):
    page = session.page
    (server.folder / "bad.toml").write_text("[policy]\nfriend_weight = 2.0\n")
    path = page.get_by_label("or a .toml path in that folder (Enter)")
    path.fill("nope.toml")
    path.press("Enter")
    error = page.locator(".load-error")
    error.wait_for(timeout=DEADLINE * 1000)
    assert error.inner_text().strip() == f"nope.toml: no such file in {server.folder.resolve()}"
    path.fill("bad.toml")
    path.press("Enter")
    wait_until(page, "document.querySelector('.load-error').innerText.includes('friend_weight')")
    message = error.inner_text().strip()
    assert message.startswith("policy.friend_weight:") and "\n" not in message
    assert page.locator(".system-select").inner_text().endswith("seed")  # nothing changed
    path.fill("harsh.toml")
    path.press("Enter")
    page.locator(".load-ok").wait_for(timeout=DEADLINE * 1000)
    assert page.locator(".load-ok").inner_text().strip() == "loaded harsh"
    assert page.locator(".system-select").inner_text().endswith("harsh")  # the selector says so

    # seed beside harsh, on harsh's society, with the control
    set_field(page, "population.agents", "3000")
    page.wait_for_timeout(500)
    page.locator(".systems-select").click()
    page.get_by_role("option", name="seed", exact=True).click()
    page.keyboard.press("Escape")
    page.locator(".headline-seed").wait_for(timeout=DEADLINE * 1000)
    wait_built(page)
    click_slider(page, ".pace", 4 / 6)
    click_button(page, "Run")
    wait_step(page, 40)
    t = _pause(page)
    wait_until(page, f"{CHART}.getOption().series[0].data.length === {t}", "adoption")
    series = {s["name"]: s for s in series_of(page, "adoption")}
    assert {"harsh", "seed", "control"} <= set(series)
    assert [series[n]["n"] for n in ("harsh", "seed", "control")] == [t, t, t]  # in lock-step
    assert series["seed"]["color"] == "#d62728" and series["control"]["color"] == "#7f7f7f"
    assert series["harsh"]["color"] not in ("#d62728", "#7f7f7f")
    assert page.locator(".headline-harsh").count() == 1 and page.locator(".headline-seed").count()
    caveat = page.locator(".caveat").inner_text()
    assert "Hypothetical: seed" in caveat and "Your own scenario: harsh" in caveat
    assert "synthetic" in caveat
    events = next(s for s in series_of(page, "adoption") if s["name"] == "events")
    assert [30, "week 30: enrolment becomes mandatory (harsh)"] in events["marks"]
    assert page.locator(".v-alert.error").count() == 0  # the last load succeeded: no error left


def test_a_chart_exports_as_png_and_the_view_as_html(session, tmp_path):
    page = session.page
    set_field(page, "population.agents", "2000")
    page.wait_for_timeout(500)
    click_button(page, "Step")
    wait_step(page, 1)
    wait_until(page, f"{CHART}.getOption().series[0].data.length === 1", "adoption")
    card = page.locator(".chart-adoption")
    card.scroll_into_view_if_needed()
    with page.expect_download(timeout=DEADLINE * 1000) as info:
        card.locator(".png-export").click()
    png = tmp_path / info.value.suggested_filename
    info.value.save_as(png)
    data = png.read_bytes()
    assert info.value.suggested_filename == "adoption-week-1.png"
    assert data[:8] == PNG_MAGIC and len(data) > 10_000
    width = int.from_bytes(data[16:20], "big")  # the IHDR chunk: twice the screen resolution
    css_width = card.locator(".echart-box > div").first.bounding_box()["width"]
    assert width >= 2 * css_width - 4

    with page.expect_download(timeout=DEADLINE * 1000) as info:
        page.get_by_role("button", name="View as HTML").click()
    handout = tmp_path / "view.html"
    info.value.save_as(handout)
    text = handout.read_text()
    assert text.startswith("<!doctype html>") and "week 1 of 312" in text
    assert escape(page.locator(".caveat").inner_text().strip()) in text
    markup = re.sub(r"<script>.*?</script>", "", text, flags=re.S)  # the inlined library aside
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", markup)  # loads nothing

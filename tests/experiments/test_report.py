"""`scoresim report`: one self-contained HTML page, opened in headless Chromium (Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scoresim.cli import main
from scoresim.errors import ScenarioError
from scoresim.report import kind_of, write_report

SWEEP = """
name = "report-sweep"
sampler = "sobol"
samples = 2
[set]
"population.agents" = 200
steps = 6
[parameters]
"adoption.imitation" = { low = 0.01, high = 0.2 }
"graph.rewire" = { values = [0.01, 1.0] }
[outcomes]
critical_last = { metric = "critical_posts", reduce = "last" }
"""

COMMON = {"Key metrics over time", "Tier shares over time", "Final score distribution",
          "Wealth inequality", "Friendship network"}
EXPECTED = {
    "run": COMMON | {"Last-week metrics", "Scenario"},
    "compare": COMMON | {"Headline effects", "Effects table", "Scenarios"},
    "sweep": {"Sweep", "Outcomes against parameters", "Outcome summary", "Sobol indices",
              "Definition"},
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    cmp = folder / "cmp"
    assert main(["compare", "--replications", "2", "--seed", "3", "--set",
                 "population.agents=250", "--set", "steps=10", "--out", str(cmp)]) == 0
    (folder / "sweep.toml").write_text(SWEEP)
    db = folder / "sweep.duckdb"
    assert main(["sweep", str(folder / "sweep.toml"), "--db", str(db)]) == 0
    assert main(["report", str(cmp)]) == 0
    assert main(["report", str(cmp / "runs" / "treatment-3"), "--out",
                 str(folder / "run.html")]) == 0
    assert main(["report", str(db)]) == 0
    return {"compare": cmp / "report.html", "run": folder / "run.html",
            "sweep": folder / "sweep.html"}


@pytest.fixture(scope="module")
def browser(chromium_path: str, chromium_args: list[str]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=chromium_args,
                                     headless=True)
        yield browser
        browser.close()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_report_opens_offline_with_sections_and_images(
    reports: dict[str, Path], browser: Any, kind: str
) -> None:
    path = reports[kind]
    html = path.read_text()
    assert "<script" not in html and "http://" not in html and "https://" not in html
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: requests.append(req.url))
    page.goto(path.as_uri(), wait_until="load")
    headings = set(page.locator("h2").all_inner_texts())
    assert EXPECTED[kind] <= headings, EXPECTED[kind] - headings
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
    assert len(images) >= (2 if kind == "sweep" else 5)
    assert all(done and w > 0 and h > 0 for done, w, h in images), images
    assert not errors, errors
    assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests
    assert page.title().startswith("scoresim report")
    page.close()


def test_compare_report_content(reports: dict[str, Path]) -> None:
    html = reports["compare"].read_text()
    for text in ("chilling effect", "employment gap, poor tier", "95% CI low", "Last week",
                 "treatment: seed", "control: control", "2 paired replications"):
        assert text in html, text
    assert html.count('src="data:image/png;base64,') == 5


def test_report_kinds_and_bad_paths(tmp_path: Path, reports: dict[str, Path],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert kind_of(reports["compare"].parent) == "compare"
    assert kind_of(reports["run"].parent / "cmp" / "runs" / "control-3") == "run"
    with pytest.raises(ScenarioError, match="not a run folder"):
        write_report(tmp_path)
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert capsys.readouterr().err.strip().endswith("nothing: not found")

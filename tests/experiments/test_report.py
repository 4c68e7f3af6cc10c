"""`scoresim report`: one self-contained HTML page, opened in headless Chromium (Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from matplotlib.colors import to_hex

from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.describe.palette import FURTHER_COLOURS as EXTRA_COLOURS
from scoresim.describe.systems import SYSTEMS, USER, caveat, describe, system_colours
from scoresim.experiments.channels import has_voice
from scoresim.report import figures, kind_of, write_report

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

ARM_FILES = {
    "early": 'base = "seed"\nname = "early"\n[adoption]\nmandatory_step = 4\n',
    "lenient": 'base = "seed"\nname = "lenient"\n[policy]\nfriend_weight = 0.0\n'
    "low_friend_penalty = 0.0\n",
}
ARMS = ["seed", "early", "lenient"]

COMMON = {"Key metrics over time", "Tier shares over time", "Final score distribution",
          "Wealth inequality", "Friendship network", "Speaking and silent critics"}
EXPECTED = {
    "run": COMMON | {"Last-week metrics", "Scenario"},
    "compare": COMMON | {"Systems", "Headline effects", "Effects table", "Scenarios"},
    "arms": COMMON | {"Systems", "Headline effects", "Effects table", "Scenarios"},
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
    arms = folder / "arms"
    for name, text in ARM_FILES.items():
        (folder / f"{name}.toml").write_text(text)
    assert main(["compare", "seed", str(folder / "early.toml"), str(folder / "lenient.toml"),
                 "--replications", "3", "--seed", "3", "--set", "population.agents=250",
                 "--set", "steps=10", "--out", str(arms)]) == 0  # fmt: skip
    assert main(["report", str(arms)]) == 0
    return {"compare": cmp / "report.html", "run": folder / "run.html",
            "sweep": folder / "sweep.html", "arms": arms / "report.html"}


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
@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "arms"])
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
    voice = has_voice(pd.read_parquet(reports["compare"].parent / "runs.parquet"))
    assert html.count('src="data:image/png;base64,') == 6 + voice  # the chill: model v3 columns


def test_report_kinds_and_bad_paths(tmp_path: Path, reports: dict[str, Path],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert kind_of(reports["compare"].parent) == "compare"
    assert kind_of(reports["run"].parent / "cmp" / "runs" / "control-3") == "run"
    with pytest.raises(ScenarioError, match="not a run folder"):
        write_report(tmp_path)
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert capsys.readouterr().err.strip().endswith("nothing: not found")


class _Tags(HTMLParser):
    """The parts of a report page the tests read: the caveat, the tables' rows, the sources."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.caveat = ""
        self.in_caveat = False
        self.rows: dict[str, list[tuple[dict[str, str], list[str]]]] = {}
        self.table: str | None = None
        self.cells: list[str] = []
        self.row_attrs: dict[str, str] = {}
        self.heads: dict[str, list[str]] = {}
        self.sources: list[str] = []
        self.order: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.order.append(a.get("class", "") if tag == "p" else tag)
        if tag == "p" and a.get("class") == "caveat":
            self.in_caveat = True
        if tag == "table":
            self.table = a.get("id", f"table{len(self.rows)}")
            self.rows[self.table], self.heads[self.table] = [], []
        if tag == "tr":
            self.cells, self.row_attrs = [], a
        if tag in ("td", "th"):
            self.text = ""
        for key in ("src", "href"):
            if key in a:
                self.sources.append(a[key])

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.in_caveat = False
        if tag == "td":
            self.cells.append(self.text.strip())
        if tag == "th" and self.table:
            self.heads[self.table].append(self.text.strip())
        if tag == "tr" and self.table and self.cells:
            self.rows[self.table].append((self.row_attrs, self.cells))
        if tag == "table":
            self.table = None

    def handle_data(self, data: str) -> None:
        self.text += data
        if self.in_caveat:
            self.caveat += data


def _parse(path: Path) -> _Tags:
    tags = _Tags()
    tags.feed(path.read_text())
    return tags


def test_arms_report_caveat_systems_table_and_colours(reports: dict[str, Path]) -> None:
    page = _parse(reports["arms"])
    # the caveat comes first, before the navigation and any section
    assert page.order.index("caveat") < page.order.index("nav") < page.order.index("section")
    assert "Hypothetical: seed (the 2015 press account of Sesame Credit)" in page.caveat
    assert "User scenarios: early, lenient" in page.caveat
    assert "The citizens are synthetic" in page.caveat
    assert "Documented" not in page.caveat  # no documented system among these arms
    colours = system_colours([*ARMS, "control"])
    rows = page.rows["systems-table"]
    assert [attrs["data-arm"] for attrs, _ in rows] == [*ARMS, "control"]
    for attrs, cells in rows:
        name = attrs["data-arm"]
        assert attrs["data-colour"] == colours[name]
        assert cells[0] == name
        expected = describe(name) if name in ("seed", "control") else describe(name, False)
        assert cells[2] == expected.status and cells[3] == expected.scored
    assert page.heads["systems-table"][:7] == ["system", "what it is", "status",
                                               "what is scored", "what follows from a score",
                                               "who is covered", "opt-in"]  # fmt: skip
    assert page.heads["headline"] == ["effect", *ARMS, "definition"]
    effects = [cells[0] for _, cells in page.rows["headline"]]
    assert effects[:2] == ["chilling effect", "falsification gap"]
    html = reports["arms"].read_text()
    for arm in ARMS:
        assert f'style="background:{colours[arm]}"></span>{arm}' in html
        assert f"arm: {arm}" in html  # its resolved scenario
    assert "control: control" in html
    voice = has_voice(pd.read_parquet(reports["arms"].parent / "runs.parquet"))
    assert html.count('src="data:image/png;base64,') == 7 + voice  # the chill: model v3 columns


@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "arms"])
def test_reports_load_nothing_from_outside(reports: dict[str, Path], kind: str) -> None:
    page = _parse(reports[kind])
    html = reports[kind].read_text()
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert page.sources and all(s.startswith(("data:", "#")) for s in page.sources)


def test_two_arm_report_names_its_system(reports: dict[str, Path]) -> None:
    page = _parse(reports["compare"])
    assert "Hypothetical: seed" in page.caveat and "synthetic" in page.caveat
    rows = page.rows["systems-table"]
    assert [a["data-arm"] for a, _ in rows] == ["seed", "control"]
    assert [c[0] for _, c in rows] == ["treatment: seed", "control: control"]


def test_figures_draw_every_arm_in_its_colour(reports: dict[str, Path]) -> None:
    runs = pd.read_parquet(reports["arms"].parent / "runs.parquet")
    colours = system_colours([*ARMS, "control"])
    fig = figures.timeseries(runs, ["adoption", "critical_posts"], colours=colours)
    for ax in fig.axes[:2]:
        drawn = {line.get_label(): to_hex(line.get_color()) for line in ax.get_lines()}
        assert drawn == colours
    headline = pd.read_csv(reports["arms"].parent / "headline.csv")
    forest = figures.headline_forest(headline, colours)
    chill = forest.axes[0]
    assert chill.get_title() == "chilling effect"
    assert [to_hex(line.get_color()) for line in chill.get_lines() if line.get_marker() == "o"
            ] == [colours[a] for a in ARMS]  # fmt: skip


def test_palette_is_fixed_per_system_and_extends_for_others() -> None:
    assert system_colours(["zhima-2015", "seed"]) == {"zhima-2015": SYSTEMS["zhima-2015"].colour,
                                               "seed": SYSTEMS["seed"].colour}  # fmt: skip
    names = ["mine", "seed", "yours", "control", "defaulter-blacklist", "rongcheng"]
    colours = system_colours(names)
    assert colours["seed"] == "#d62728" and colours["control"] == "#7f7f7f"  # as the dashboard
    assert colours["mine"] == EXTRA_COLOURS[0] and colours["yours"] == EXTRA_COLOURS[1]
    assert len(set(colours.values())) == len(colours)
    many = system_colours([f"s{i}" for i in range(2 * len(EXTRA_COLOURS))])
    assert list(many.values())[: len(EXTRA_COLOURS)] == list(EXTRA_COLOURS)
    assert len({s.colour for s in SYSTEMS.values()}) == len(SYSTEMS)
    assert not {s.colour for s in SYSTEMS.values()} & set(EXTRA_COLOURS)


def test_systems_data_and_caveat() -> None:
    assert {"seed", "zhima-2015", "rongcheng", "defaulter-blacklist", "control", "seed-v1",
            "control-v1", "seed-v3", "control-v3"} == set(SYSTEMS)
    assert describe("seed").status == "hypothetical"
    assert {describe(n).status for n in ("zhima-2015", "rongcheng", "defaulter-blacklist")} == {
        "documented"}  # fmt: skip
    assert describe("seed", preset=False).status == USER  # a file named like a preset
    text = caveat([describe(n) for n in ("seed", "zhima-2015", "rongcheng", "control")],
                  changed=["policy.decay"])  # fmt: skip
    assert "Hypothetical: seed" in text
    assert "Documented: zhima-2015 (Sesame (Zhima) Credit as documented, 2015); rongcheng" in text
    assert "--set in every arm but the control: policy.decay" in text
    assert text.endswith("no result describes a real person.")

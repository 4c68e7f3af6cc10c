"""Every figure carries its caveat, and the brief says what headline.csv says (issue 20).

Every PNG the reports embed (run, comparison, brief, sweep) has the caveat line as a text chunk
and as a footer drawn in the image; the dashboard's PNG export adds the same chunk in the
browser (its JavaScript is run here under node). The single-run report has the caveat box and
the compare command. The brief's numbers are checked against headline.csv with an independent
rounding to two significant digits.
"""

from __future__ import annotations

import base64
import io
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from scoresim.cli import main
from scoresim.dashboard.echarts import PNG_TEXT_JS
from scoresim.report.stamp import png, stamp

SIZE = ["--seed", "3", "--set", "population.agents=300", "--set", "steps=8"]
SWEEP = """name = "tiny"
sampler = "grid"
[set]
"population.agents" = 150
steps = 4
[parameters]
"policy.friend_weight" = { values = [0.0, 0.05] }
[outcomes]
critical_posts_last = { metric = "critical_posts", reduce = "last" }
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("caveat")
    cmp = folder / "cmp"
    assert main(["compare", "seed", "zhima-2015", "--replications", "3", *SIZE,
                 "--out", str(cmp)]) == 0  # fmt: skip
    assert main(["report", str(cmp)]) == 0
    assert main(["report", str(cmp), "--brief"]) == 0
    assert main(["run", "seed", *SIZE, "--out", str(folder / "run")]) == 0
    assert main(["report", str(folder / "run")]) == 0
    (folder / "sweep.toml").write_text(SWEEP)
    db = folder / "sweep.duckdb"
    assert main(["sweep", str(folder / "sweep.toml"), "--db", str(db)]) == 0
    assert main(["report", str(db)]) == 0
    return {"compare": cmp / "report.html", "brief": cmp / "brief.html",
            "run": folder / "run" / "report.html", "sweep": folder / "sweep.html"}


def _images(page: Path) -> list[Image.Image]:
    found = re.findall(r'src="data:image/png;base64,([^"]+)"', page.read_text())
    return [Image.open(io.BytesIO(base64.b64decode(data))) for data in found]


@pytest.mark.parametrize(("kind", "words"), [
    ("compare", ["hypothetical", "documented rules, assumed values", "counterfactual",
                 "seed (hypothetical)", "zhima-2015 (documented rules, assumed values)",
                 "control (counterfactual)"]),
    ("brief", ["hypothetical", "seed (hypothetical)"]),
    ("run", ["hypothetical", "seed (hypothetical)"]),
    ("sweep", ["hypothetical", "seed (hypothetical)"]),
])  # fmt: skip
def test_every_png_carries_the_caveat_in_its_metadata(pages: dict[str, Path], kind: str,
                                                      words: list[str]) -> None:  # fmt: skip
    images = _images(pages[kind])
    assert images and (len(images) == 1 or kind != "brief")
    for image in images:
        text = image.text["Caveat"]
        assert "synthetic citizens" in text and "scoresim 0.2.0, model v" in text
        assert all(w in text for w in words), text
        assert image.text["Software"] == "scoresim 0.2.0"


def test_the_caveat_is_drawn_as_a_footer() -> None:
    def figure() -> Figure:
        fig = Figure(figsize=(4, 3), layout="constrained")
        fig.add_subplot().set_axis_off()  # nothing dark but the footer
        return fig

    line = "hypothetical · synthetic citizens · scoresim 0.2.0, model v1 · seed (hypothetical)"
    stamped = np.asarray(Image.open(io.BytesIO(png(figure(), line))).convert("L"))
    plain_fig = figure()
    buffer = io.BytesIO()
    plain_fig.savefig(buffer, format="png", dpi=100)
    plain = np.asarray(Image.open(buffer).convert("L"))
    bottom = slice(-14, None)  # the last rows of the image: the footer's place
    assert (stamped[bottom] < 160).sum() > 50  # ink: the footer's letters
    assert (plain[bottom] < 160).sum() == 0
    drawn = stamp(figure(), line)._supxlabel.get_text()
    assert drawn.replace("\n", " ") == line  # wrapped only where the figure is narrower


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_dashboards_png_export_writes_the_caveat_chunk(tmp_path: Path) -> None:
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1])
    fig.savefig(tmp_path / "chart.png", format="png")
    line = "documented rules, assumed values · synthetic citizens · rongcheng (documented)"
    script = PNG_TEXT_JS + f"""
const fs = require("fs");
const bytes = new Uint8Array(fs.readFileSync({str(tmp_path / "chart.png")!r}));
fs.writeFileSync({str(tmp_path / "out.png")!r}, pngWithText(bytes, "Caveat", {line!r}));
"""
    (tmp_path / "stamp.js").write_text(script)
    subprocess.run(["node", str(tmp_path / "stamp.js")], check=True, timeout=60)
    image = Image.open(tmp_path / "out.png")
    image.load()  # a bad CRC or length fails here
    assert image.text["Caveat"] == line


def test_the_single_run_report_says_effects_need_a_control(pages: dict[str, Path]) -> None:
    text = pages["run"].read_text()
    box = re.search(r'<p class="caveat">(.*?)</p>', text, re.S)
    assert box is not None
    assert "Hypothetical: seed" in box.group(1) and "citizens are synthetic" in box.group(1)
    assert "an effect needs a control" in box.group(1)
    assert "<code>scoresim compare seed --against control --seed 3</code>" in box.group(1)


#: The unit each headline effect is shown in (the report's and the issue's: % for shares and
#: relative changes, pp for differences of shares).
UNITS = {"chilling effect": "%", "isolated share": " pp", "employment gap, poor tier": " pp",
         "share ever listed": "%", "employment gap, listed": " pp",
         "self-censorship effect": "%", "throttling effect": "%", "private drift": "%"}  # fmt: skip
_NUMBER = r"[+-]?[\d,]+(?:\.\d+)?"


def _two_digits(x: float) -> float:
    return float(f"{x:.2g}")


def test_the_brief_states_what_headline_csv_says(pages: dict[str, Path]) -> None:
    folder = pages["brief"].parent
    headline = pd.read_csv(folder / "headline.csv")
    text = pages["brief"].read_text()
    rows = re.findall(r'<tr data-effect="([^"]+)" data-arm="([^"]+)">(.*?)</tr>', text)
    cells = {(effect, arm): cell for effect, arm, cell in rows}
    assert len(cells) == len(headline)
    for row in headline.to_dict("records"):
        tds = re.findall(r"<td>(.*?)</td>", cells[(row["effect"], row["arm"])])
        shown, support = tds[2], tds[3]
        if row["replications"] == 0:
            assert shown == "n/a"
            continue
        assert support.startswith(f"{row['replications']} run")
        assert f"&gt;= {int(row['min_agents']):,} agents" in support
        if math.isnan(row["estimate"]):  # withheld: no number, only "too few"
            assert shown.startswith("too few (n = ")
            continue
        unit = UNITS.get(row["effect"], "")
        scale = 100.0 if unit else 1.0
        value = re.match(rf"({_NUMBER}){re.escape(unit)}", shown)
        assert value is not None, shown
        expected = _two_digits(row["estimate"] * scale)
        assert float(value.group(1).replace(",", "")) == pytest.approx(expected, abs=1e-4), shown
        bounds = re.search(rf"\[({_NUMBER}), ({_NUMBER})\]", shown)
        assert bounds is not None, shown
        places = len(value.group(1).split(".")[1]) if "." in value.group(1) else 0
        for got, want in zip(bounds.groups(), (row["ci_low"], row["ci_high"]), strict=True):
            assert float(got) == pytest.approx(want * scale, abs=0.5 * 10**-places + 1e-9)


def test_the_brief_has_its_five_parts_and_fetches_nothing(pages: dict[str, Path]) -> None:
    text = pages["brief"].read_text()
    assert '<p class="caveat">' in text and "The citizens are synthetic" in text
    said = re.search(r'<section id="what-each-system-does">.*?</section>', text, re.S)
    assert said is not None and said.group(0).count("<li>") == 2  # seed and zhima-2015
    assert 'id="brief-effects"' in text and 'id="systems-table"' in text
    assert text.count("<img ") == 1
    assert "<script" not in text and "http://" not in text and "https://" not in text


def test_brief_needs_a_compare_folder(pages: dict[str, Path],
                                      capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert main(["report", str(pages["run"].parent), "--brief"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("scoresim: error: --brief:") and "\n" not in err

"""The HTML report: one self-contained page for a run folder, a compare folder or a sweep
database. Styles are inline, figures are embedded PNG data URIs, and the page has no script and
fetches nothing, so it opens offline and can be mailed as one file.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from scoresim.errors import ScenarioError
from scoresim.report import figures
from scoresim.results import Run, version

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto;
       max-width: 1200px; padding: 1.5rem 2rem; color: #1c2833; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #d5d8dc; padding-bottom: 0.2rem;
     margin-top: 2.2rem; }
p.meta { color: #566573; margin-top: 0; }
p.note { color: #566573; font-size: 0.9rem; }
nav a { margin-right: 1rem; font-size: 0.9rem; }
img { max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border: 1px solid #d5d8dc; padding: 0.25rem 0.6rem; text-align: right; }
th { background: #f4f6f7; }
td:first-child, th:first-child { text-align: left; }
pre { background: #f4f6f7; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
"""


class Page:
    """Sections of a report page, rendered to one HTML string."""

    def __init__(self, title: str, meta: str) -> None:
        self.title, self.meta = title, meta
        self.sections: list[tuple[str, str, str]] = []

    def section(self, heading: str, body: str) -> None:
        anchor = "".join(c if c.isalnum() else "-" for c in heading.lower()).strip("-")
        self.sections.append((anchor, heading, body))

    def render(self) -> str:
        nav = " ".join(f'<a href="#{a}">{html.escape(h)}</a>' for a, h, _ in self.sections)
        body = "\n".join(f'<section id="{a}">\n<h2>{html.escape(h)}</h2>\n{b}\n</section>'
                         for a, h, b in self.sections)  # fmt: skip
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="icon" href="data:,">\n'
            f"<title>{html.escape(self.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<header><h1>{html.escape(self.title)}</h1>\n"
            f'<p class="meta">{self.meta}</p>\n<nav>{nav}</nav></header>\n{body}\n'
            f'<footer><p class="note">scoresim {html.escape(version())}, report written '
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. The citizens are synthetic.</p>"
            "</footer>\n</body>\n</html>\n"
        )


def img(fig: figures.Figure, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="{figures.to_data_uri(fig)}">'


def table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A DataFrame as an HTML table (floats to ``digits`` significant digits, NaN as n/a).

    Examples
    --------
    >>> table(pd.DataFrame({"a": [0.123456, float("nan")]}))
    '<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>0.1235</td></tr><tr><td>n/a</td></tr></tbody></table>'
    """

    def cell(v: object) -> str:
        if isinstance(v, float):
            return "n/a" if math.isnan(v) else f"{v:.{digits}g}"
        if v is None or v is pd.NA:
            return ""
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _scenario_block(label: str, toml: str) -> str:
    return (f"<details><summary>{html.escape(label)}</summary>"
            f"<pre>{html.escape(toml)}</pre></details>")


def _tiers(run: Run) -> list[str]:
    return [t.name for t in run.scenario.tiers]


# --------------------------------------------------------------------------- the three kinds
def kind_of(path: Path) -> str:
    """``run``, ``compare`` or ``sweep`` (raises a one-line error otherwise)."""
    if path.is_dir():
        if (path / "compare.json").exists():
            return "compare"
        if (path / "metrics.parquet").exists():
            return "run"
        raise ScenarioError(f"{path}: not a run folder (metrics.parquet) nor a compare folder "
                            "(compare.json)")  # fmt: skip
    if path.is_file():
        with path.open("rb") as f:
            magic = f.read(12)
        if path.suffix == ".duckdb" or magic[8:12] == b"DUCK":
            return "sweep"
        raise ScenarioError(f"{path}: not a sweep database (.duckdb)")
    raise ScenarioError(f"{path}: not found")


def run_page(folder: Path) -> Page:
    """The report of one run folder."""
    run = Run.load(folder)
    sc = run.scenario
    page = Page(f"scoresim report: {sc.name} (seed {sc.seed})",
                f"Run folder <code>{html.escape(str(folder))}</code> · "
                f"{sc.population.agents:,} citizens · {sc.steps} weeks · "
                f"run key {sc.key()}")  # fmt: skip
    series = run.metrics.assign(arm="run", replication=0)
    page.section("Key metrics over time", img(figures.timeseries(series),
                                              "time series of key metrics"))  # fmt: skip
    page.section("Tier shares over time", img(figures.tier_shares(
        run.metrics, _tiers(run), "Tier shares among enrolled citizens"), "tier shares"))
    page.section("Final score distribution", img(figures.score_histogram({sc.name: run.agents}),
                                                 "histogram of final scores"))  # fmt: skip
    page.section("Wealth inequality", img(figures.lorenz({sc.name: run.agents}),
                                          "Lorenz curves of wealth"))  # fmt: skip
    page.section("Friendship network", img(figures.network({sc.name: (run.agents, run.edges)},
                                                           _tiers(run)), "network sample")
                 + '<p class="note">A snowball sample of the final friendship graph, '
                   "coloured by tier.</p>")  # fmt: skip
    last = run.metrics.iloc[-1]
    rows = pd.DataFrame({"metric": [m for m in figures.KEY_METRICS if m in last.index],
                         "last week": [float(last[m]) for m in figures.KEY_METRICS
                                       if m in last.index]})  # fmt: skip
    page.section("Last-week metrics", table(rows))
    page.section("Scenario", _scenario_block("resolved scenario (TOML)", sc.to_toml()))
    return page


def compare_page(folder: Path) -> Page:
    """The report of a compare folder: treatment against control over replications."""
    info = json.loads((folder / "compare.json").read_text())
    runs = pd.read_parquet(folder / "runs.parquet")
    effects = pd.read_parquet(folder / "effects.parquet")
    headline = pd.read_csv(folder / "headline.csv")
    examples = {arm: Run.load(folder / rel) for arm, rel in info["examples"].items()}
    treatment = examples["treatment"]
    t, c = info["treatment"]["name"], info["control"]["name"]
    page = Page(f"scoresim report: {t} against {c}",
                f"Compare folder <code>{html.escape(str(folder))}</code> · "
                f"{treatment.scenario.population.agents:,} citizens · "
                f"{treatment.scenario.steps} weeks · {info['replications']} paired "
                f"replications (seeds {info['seeds'][0]}&ndash;{info['seeds'][-1]})")  # fmt: skip
    hl = headline[["effect", "estimate", "ci_low", "ci_high", "treatment", "control", "n",
                   "definition"]].rename(columns={"ci_low": "95% CI low",
                                                  "ci_high": "95% CI high"})  # fmt: skip
    page.section("Headline effects", table(hl) + '<p class="note">Estimates are means over '
                 "paired replications (same seed, same society) at the last week, with Student-t "
                 "95% intervals of the paired values; T = treatment, C = control.</p>")
    page.section("Key metrics over time", img(figures.timeseries(runs), "time series")
                 + '<p class="note">Lines: mean over replications; bands: 95% Student-t '
                   "interval of the mean.</p>")  # fmt: skip
    page.section("Tier shares over time", img(figures.tier_shares(
        runs[runs["arm"] == "treatment"], _tiers(treatment),
        f"Tier shares among enrolled citizens ({t}, mean over replications)"), "tier shares"))
    agents = {arm: run.agents for arm, run in examples.items()}
    page.section("Final score distribution", img(figures.score_histogram(agents),
                                                 "histogram of final scores")
                 + '<p class="note">First replication of each arm.</p>')  # fmt: skip
    page.section("Wealth inequality", img(figures.lorenz(agents), "Lorenz curves"))
    panels = {arm: (run.agents, run.edges) for arm, run in examples.items()}
    page.section("Friendship network", img(figures.network(panels, _tiers(treatment)),
                                           "network samples")
                 + '<p class="note">Snowball samples grown from the same start citizens in '
                   "both arms (first replication), coloured by tier; the samples differ where "
                   "ostracism rewired the graph.</p>")  # fmt: skip
    last = effects[(effects["step"] == effects["step"].max())
                   & effects["metric"].isin(list(figures.KEY_METRICS))]  # fmt: skip
    page.section("Effects table", table(last.drop(columns=["step"]).rename(columns={
        "difference": "difference (T - C)", "ci_low": "95% CI low", "ci_high": "95% CI high"}))
        + '<p class="note">Last week; every step and metric is in effects.parquet.</p>')
    page.section("Scenarios", _scenario_block(f"treatment: {t}",
                                              (folder / "treatment.toml").read_text())
                 + _scenario_block(f"control: {c}", (folder / "control.toml").read_text()))
    return page


def sweep_page(db: Path) -> Page:
    """The report of a sweep database: outcomes against parameters, sensitivity bars."""
    from scoresim.experiments.database import read_sweep
    from scoresim.experiments.sensitivity import sensitivity

    data = read_sweep(db)
    info, runs, design = data["info"], data["runs"], data["design"]
    params, outcomes = info["parameters"], info["outcomes"]
    done = int((runs["status"] == "done").sum())
    failed = int((runs["status"] == "failed").sum())
    total = design["run_key"].nunique()
    page = Page(f"scoresim report: sweep {info['name']}",
                f"Sweep database <code>{html.escape(str(db))}</code> · sampler "
                f"{html.escape(info['sampler'])} · {design['point'].nunique()} design points "
                "&times; "
                f"{design['replication'].nunique()} replications · {done} done, {failed} "
                f"failed, {total - done - failed} not run")  # fmt: skip
    summary = pd.DataFrame({
        "field": ["name", "base scenario", "sampler", "parameters", "outcomes", "runs done",
                  "runs failed", "runs missing"],
        "value": [info["name"], info["definition"]["scenario"], info["sampler"],
                  ", ".join(params), ", ".join(outcomes), str(done), str(failed),
                  str(total - done - failed)],
    })  # fmt: skip
    page.section("Sweep", table(summary))
    if done:
        page.section("Outcomes against parameters",
                     img(figures.outcome_scatter(runs, params, outcomes), "outcome scatter"))
        stats = runs[runs["status"] == "done"][outcomes].describe().T.reset_index()
        page.section("Outcome summary", table(stats.rename(columns={"index": "outcome"})))
    if info["sampler"] in ("sobol", "morris"):
        try:
            indices = sensitivity(db)
            title = "Sobol indices" if info["sampler"] == "sobol" else "Morris indices"
            page.section(title, img(figures.sensitivity_bars(indices, info["sampler"]),
                                    "sensitivity bars") + table(indices))  # fmt: skip
        except ScenarioError as exc:
            page.section("Sensitivity", f'<p class="note">Not available: {html.escape(str(exc))}'
                                        "</p>")  # fmt: skip
    if failed:
        errors = runs[runs["status"] == "failed"][["run_key", *params, "seed", "error"]]
        page.section("Failed runs", table(errors.head(50)))
    page.section("Definition", _scenario_block("sweep definition (JSON)",
                                               json.dumps(info["definition"], indent=2)))
    return page


def write_report(path: str | Path, out: str | Path | None = None) -> Path:
    """Write the HTML report of a run folder, a compare folder or a sweep database.

    Parameters
    ----------
    path : path
        A run folder, a compare folder or a ``.duckdb`` sweep database.
    out : path, optional
        The HTML file (default: ``report.html`` inside a folder, ``<db>.html`` beside a
        database).

    Returns
    -------
    Path
        The file written (atomically: a temporary file renamed into place).
    """
    path = Path(path)
    kind = kind_of(path)
    if out is None:
        out = path / "report.html" if path.is_dir() else path.with_suffix(".html")
    out = Path(out)
    if out.is_dir():
        raise ScenarioError(f"{out}: is a folder; --out names the HTML file to write")
    try:
        page = {"run": run_page, "compare": compare_page, "sweep": sweep_page}[kind](path)
    except ScenarioError:
        raise
    except (OSError, ValueError, KeyError) as exc:  # a damaged folder or file (arrow errors too)
        raise ScenarioError(f"{path}: damaged {kind} ({exc.__class__.__name__}: {exc})") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page.render())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


__all__: Sequence[str] = ("kind_of", "write_report")

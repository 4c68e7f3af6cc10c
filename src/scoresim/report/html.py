"""The HTML report: one self-contained page for a run folder, a compare folder or a sweep
database. Styles are inline, figures are embedded PNG data URIs, and the page has no script and
fetches nothing, so it opens offline and can be mailed as one file. Compare folders (two arms
or several) are drawn by :mod:`scoresim.report.compare_page`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.describe.systems import caveat, describe
from scoresim.report import figures, sweep_figures, voice
from scoresim.report.compare_page import compare_page, tier_names
from scoresim.report.page import Page, figure_line, img, scenario_block, table, write_atomic
from scoresim.results.run import Run
from scoresim.scenario import Scenario, preset_names
from scoresim.scenario.versions import code_line


def is_preset(scenario: Scenario) -> bool:
    """Whether a run is of a bundled system: its scenario carries a preset's name (a run folder
    does not say how the run was given, so the name decides, as in a compare folder without a
    ``source``; ``--set`` overrides change the society, not the system)."""
    return scenario.name in preset_names()


def control_command(folder: Path, scenario: Scenario) -> str:
    """The command that measures a run's effects: its scenario against the control, on its
    seed and size."""
    what = scenario.name if is_preset(scenario) else str(folder / "scenario.toml")
    return f"scoresim compare {what} --against control --seed {scenario.seed}"


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
    """The report of one run folder: the caveat box of a comparison, saying that effects need
    a control and the command that runs one."""
    run = Run.load(folder)
    sc = run.scenario
    system = describe(sc.name, preset=is_preset(sc))
    command = control_command(folder, sc)
    warning = (f"{html.escape(caveat([system]))} This page shows one run of one system: it "
               "cannot say what the system does, because an effect needs a control, the same "
               "society without scoring, run on the same seeds. Run one with "
               f"<code>{html.escape(command)}</code>.")  # fmt: skip
    page = Page(f"scoresim report: {sc.name} (seed {sc.seed})",
                f"Run folder <code>{html.escape(str(folder))}</code> · "
                f"{sc.population.agents:,} citizens · {sc.steps} weeks · "
                f"run key {sc.key()}", caveat=warning, code=code_line([sc]))  # fmt: skip
    line = figure_line([system], [sc])
    series = run.metrics.assign(arm=sc.name, replication=0)
    page.section("Key metrics over time", img(figures.timeseries(series),
                                              "time series of key metrics", line))  # fmt: skip
    tiers = figures.tier_shares(run.metrics, tier_names(run), "Tier shares among enrolled citizens")
    page.section("Tier shares over time", img(tiers, "tier shares", line))
    named, colour = series.assign(arm=sc.name), {sc.name: figures.ARM_COLOURS["run"]}
    if all(c in run.metrics.columns for c in voice.CRITICS):
        critics = voice.critics_panels(named, [sc.name], colour)
        page.section("Speaking and silent critics",
                     img(critics, "speaking and silent critics", line))  # fmt: skip
    cutoffs = {sc.name: [(t.name, t.min_score) for t in sc.tiers]}
    scores = voice.scores_and_bunching({sc.name: run.agents}, cutoffs, named, colour)
    page.section("Final score distribution", img(scores, "histogram of final scores", line))
    page.section("Wealth inequality", img(figures.lorenz({sc.name: run.agents}),
                                          "Lorenz curves of wealth", line))  # fmt: skip
    page.section("Friendship network", img(figures.network({sc.name: (run.agents, run.edges)},
                                                           tier_names(run)), "network sample",
                                           line)
                 + '<p class="note">A snowball sample of the final friendship graph, '
                   "coloured by tier.</p>")  # fmt: skip
    last = run.metrics.iloc[-1]
    rows = pd.DataFrame({"metric": [m for m in figures.KEY_METRICS if m in last.index],
                         "last week": [float(last[m]) for m in figures.KEY_METRICS
                                       if m in last.index]})  # fmt: skip
    page.section("Last-week metrics", table(rows))
    page.section("Scenario", scenario_block("resolved scenario (TOML)", sc.to_toml()))
    return page


def sweep_line(info: dict, runs: pd.DataFrame) -> str:
    """The caveat line of a sweep's figures: its base system's status, synthetic citizens, the
    package and the newest model version among its runs."""
    model = max(runs["model"].dropna(), default=None, key=lambda v: int(str(v)[1:])) \
        if "model" in runs.columns else None  # fmt: skip
    base = str(info["definition"].get("scenario", "seed"))
    return figure_line([describe(base)], model=model)


def sweep_page(db: Path) -> Page:
    """The report of a sweep database: outcomes against parameters, sensitivity bars (the
    method that fits the sampler: Sobol, Morris, or PRCC for the others)."""
    from scoresim.experiments.database import read_sweep
    from scoresim.experiments.sensitivity import sensitivity

    data = read_sweep(db)
    info, runs, design = data["info"], data["runs"], data["design"]
    params, outcomes = info["parameters"], info["outcomes"]
    done = int((runs["status"] == "done").sum())
    failed = int((runs["status"] == "failed").sum())
    total = design["run_key"].nunique()
    line = sweep_line(info, runs)
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
        page.section(
            "Outcomes against parameters",
            img(sweep_figures.outcome_scatter(runs, params, outcomes), "outcome scatter", line),
        )
        stats = runs[runs["status"] == "done"][outcomes].describe().T.reset_index()
        page.section("Outcome summary", table(stats.rename(columns={"index": "outcome"})))
    try:
        result = sensitivity(db)
        indices = result.to_frame()
        title = {"sobol": "Sobol indices", "morris": "Morris indices",
                 "prcc": "Partial rank correlation coefficients"}[result.method]  # fmt: skip
        notes = "".join(f'<p class="note">{html.escape(text)}</p>'
                        for text in [*result.notes(), *result.warnings])  # fmt: skip
        page.section(title, img(sweep_figures.sensitivity_bars(indices, result.method),
                                "sensitivity bars", line) + table(indices) + notes)  # fmt: skip
    except ScenarioError as exc:
        page.section("Sensitivity", f'<p class="note">Not available: {html.escape(str(exc))}'
                                    "</p>")  # fmt: skip
    if failed:
        errors = runs[runs["status"] == "failed"][["run_key", *params, "seed", "error"]]
        page.section("Failed runs", table(errors.head(50)))
    page.section(
        "Definition",
        scenario_block("sweep definition (JSON)", json.dumps(info["definition"], indent=2)),
    )
    return page


def write_report(path: str | Path, out: str | Path | None = None, brief: bool = False) -> Path:
    """Write the HTML report of a run folder, a compare folder or a sweep database; with
    ``brief``, the one-page brief of a compare folder (:mod:`scoresim.report.brief`).

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
    if brief and kind != "compare":
        raise ScenarioError(f"--brief: {path} is a {kind}, not a compare folder (a brief states "
                            "effects, which need a control: run scoresim compare)")  # fmt: skip
    if out is None:
        name = "brief.html" if brief else "report.html"
        out = path / name if path.is_dir() else path.with_suffix(".html")
    out = Path(out)
    if out.is_dir():
        raise ScenarioError(f"{out}: is a folder; --out names the HTML file to write")
    try:
        if brief:
            from scoresim.report.brief import brief_page

            page = brief_page(path)
        else:
            page = {"run": run_page, "compare": compare_page, "sweep": sweep_page}[kind](path)
    except ScenarioError:
        raise
    except (OSError, ValueError, KeyError) as exc:  # a damaged folder or file (arrow errors too)
        raise ScenarioError(f"{path}: damaged {kind} ({exc.__class__.__name__}: {exc})") from None
    return write_atomic(out, page.render())


__all__: Sequence[str] = ("kind_of", "write_report")

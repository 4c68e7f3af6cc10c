"""``scoresim summary``: the last step of run folders side by side, each number with the
agents behind it.

A metric over a group (the lowest tier's employment rests on the enrolled agents of the lowest
tier, the score-dissent correlation on the enrolled) shows ``too few (n = ...)`` when the group
holds fewer agents than ``--min-group`` (:mod:`~scoresim.experiments.support`); the number of
agents of each run is its first row. Values are shown in their unit (% for shares) as in the
report.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.scenario import Scenario

#: Last-step metrics compared by ``scoresim summary`` (and ``make run``).
HEADLINE = (
    ("critical_posts", "critical posts per capita"),
    ("loyal_posts", "loyal posts per capita"),
    ("falsification_gap", "falsification gap"),
    ("pluralistic_ignorance", "pluralistic ignorance"),
    ("isolated", "isolated share"),
    ("employment", "employment"),
    ("employment_poor", "employment, lowest tier"),
    ("wealth_gini", "wealth Gini"),
    ("score_dissent_corr", "score-dissent correlation"),
    ("adoption", "enrolled share"),
)


def read_last_steps(names: list[str]) -> dict[str, tuple[Scenario, dict[str, float]]]:
    """Each run folder's scenario and last metrics row, by ``name (seed s)``; one-line errors
    for a missing, non-run or damaged folder."""
    runs = {}
    for name in names:
        folder = Path(name)
        if not folder.exists():
            raise ScenarioError(f"{name}: not found")
        if not folder.is_dir():
            raise ScenarioError(f"{name}: not a folder")
        if not (folder / "metrics.parquet").is_file() or not (folder / "scenario.toml").is_file():
            raise ScenarioError(f"{name}: not a run folder (no metrics.parquet, scenario.toml)")
        scenario = Scenario.load(folder / "scenario.toml")
        try:
            metrics = pd.read_parquet(folder / "metrics.parquet")
        except (OSError, ValueError) as exc:  # a damaged file (pyarrow's ArrowInvalid)
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ScenarioError(f"{name}: cannot read metrics.parquet ({reason})") from None
        if metrics.empty:
            raise ScenarioError(f"{name}: metrics.parquet has no rows")
        runs[f"{scenario.name} (seed {scenario.seed})"] = (scenario, metrics.iloc[-1].to_dict())
    return runs


def group_size(metric: str, scenario: Scenario, last: dict[str, float]) -> float:
    """The agents a last-step metric rests on: the lowest tier's enrolled agents, the enrolled,
    or everyone."""
    from scoresim.experiments.support import agents_of

    agents = scenario.population.agents
    enrolled = float(agents_of(last.get("adoption", math.nan), agents))
    if metric == "employment_poor":
        share = last.get(f"tier_{scenario.tiers[0].name}", math.nan)
        return float(agents_of(share * enrolled, 1))
    if metric in ("score_dissent_corr", "score_mean"):
        return enrolled
    return float(agents)


def summary_frame(runs: dict[str, tuple[Scenario, dict[str, float]]],
                  min_group: int) -> pd.DataFrame:  # fmt: skip
    """The text cells: one row per metric (``agents`` first), one column per run."""
    from scoresim.experiments.quantities import format_estimate, metric_quantity
    from scoresim.experiments.support import too_few

    table: dict[str, list[str]] = {"metric": ["agents", *(label for _, label in HEADLINE)]}
    for name, (scenario, last) in runs.items():
        cells = [f"{scenario.population.agents:,}"]
        for metric, _ in HEADLINE:
            value = float(last.get(metric, math.nan))
            group = group_size(metric, scenario, last)
            if math.isfinite(value) and group < min_group:
                cells.append(too_few(None, group, min_group))
                continue
            text = format_estimate(value, math.nan, math.nan, metric_quantity(metric))
            if group != scenario.population.agents and math.isfinite(group):
                text += f" (n = {int(group):,})"
            cells.append(text)
        table[name] = cells
    return pd.DataFrame(table)


def summary_records(runs: dict[str, tuple[Scenario, dict[str, float]]],
                    min_group: int) -> pd.DataFrame:  # fmt: skip
    """The machine-readable summary: run, metric, value (empty when too few agents), agents."""
    rows = []
    for name, (scenario, last) in runs.items():
        for metric, _ in HEADLINE:
            group = group_size(metric, scenario, last)
            value = float(last.get(metric, math.nan))
            rows.append({"run": name, "metric": metric,
                         "value": value if group >= min_group else math.nan,
                         "agents": group})  # fmt: skip
    return pd.DataFrame(rows)


def print_summary(runs: dict[str, tuple[Scenario, dict[str, float]]], min_group: int,
                  fmt: str = "table") -> None:  # fmt: skip
    """The summary table, fitted to the terminal, or as CSV or Markdown."""
    from scoresim.experiments.headline_view import markdown_table

    if fmt == "csv":
        print(summary_records(runs, min_group).to_csv(index=False), end="")
        return
    frame = summary_frame(runs, min_group)
    if fmt == "markdown":
        print(markdown_table(frame))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Last step", title_justify="left")
        for i, column in enumerate(frame.columns):
            table.add_column(column, justify="left" if i == 0 else "right")
        for row in frame.itertuples(index=False):
            table.add_row(*row)
        Console().print(table)

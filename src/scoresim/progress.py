"""Terminal output: a progress bar while a run advances, and comparison tables."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from scoresim.results import Run
from scoresim.scenario import Scenario
from scoresim.simulation import Simulation


def run_with_progress(scenario: Scenario, label: str, console: Console | None = None) -> Run:
    """Run to the horizon with a progress bar when standard output is a terminal."""
    console = console or Console()
    sim = Simulation(scenario)
    if not sys.stdout.isatty():
        return sim.run()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("steps"), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(label, total=scenario.steps)
        for _ in sim.steps():
            progress.advance(task)
    return sim.result()


def format_value(value: object) -> str:
    """A table cell: floats to 4 significant digits, NaN and None as ``n/a``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def print_comparison(
    rows: Mapping[str, Mapping[str, object]],
    metrics: Sequence[tuple[str, str]],
    console: Console | None = None,
) -> None:
    """A table with one column per run and one row per metric (last step)."""
    console = console or Console()
    table = Table(title="Last step", title_justify="left")
    table.add_column("metric")
    for name in rows:
        table.add_column(name, justify="right")
    for key, label in metrics:
        table.add_row(label, *(format_value(r.get(key, float("nan"))) for r in rows.values()))
    console.print(table)

"""HTML summaries shown by Jupyter (``_repr_html_``): a run's, and the table markup that the
experiments' summaries share.

A :class:`~scoresim.Run` shows its scenario, size and the last step's headline metrics. The
markup is a plain table with inline styles: nothing is loaded from anywhere, so it renders the
same offline, in JupyterLab, VS Code or a saved notebook.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from scoresim.core.progress import format_value

if TYPE_CHECKING:
    from scoresim.results.tables import RunTables

#: Last-step metrics that summarise a run (column, label), in the order shown.
RUN_HEADLINE = (
    ("adoption", "enrolled share"),
    ("score_mean", "mean score"),
    ("critical_posts", "critical posts per capita"),
    ("falsification_gap", "falsification gap"),
    ("pluralistic_ignorance", "pluralistic ignorance"),
    ("isolated", "isolated share"),
    ("employment_poor", "employment, poor tier"),
    ("wealth_gini", "wealth Gini"),
    ("score_dissent_corr", "score-dissent correlation"),
    ("listed", "listed share"),
)

_TABLE = 'style="border-collapse:collapse;font-size:90%"'
_CELL = 'style="padding:2px 8px;text-align:{align};border-bottom:1px solid #ddd"'


def html_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(value: Any, tag: str, align: str) -> str:
        return f"<{tag} {_CELL.format(align=align)}>{html.escape(str(value))}</{tag}>"

    head = "".join(cell(h, "th", "left" if i == 0 else "right") for i, h in enumerate(header))
    body = "".join(
        "<tr>"
        + "".join(cell(v, "td", "left" if i == 0 else "right") for i, v in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table {_TABLE}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format_value(float(value)) if not isinstance(value, int | bool) else str(value)


def run_html(run: RunTables) -> str:
    """The HTML summary of a run: scenario, seed, size, and the last step's headline metrics.

    Examples
    --------
    >>> from scoresim import Scenario, simulate
    >>> run = simulate(Scenario.preset("seed").with_overrides(
    ...     {"population.agents": 100, "steps": 2}))
    >>> text = run_html(run)
    >>> "falsification gap" in text and "<script" not in text
    True
    """
    metrics = run.metrics
    last = metrics.iloc[-1] if len(metrics) else {}
    rows = [(label, html_number(last[col])) for col, label in RUN_HEADLINE if col in metrics]
    title = (f"scoresim run: <b>{html.escape(run.scenario.name)}</b>, seed {run.seed}, "
             f"{run.scenario.population.agents:,} agents, {len(metrics)} of "
             f"{run.scenario.steps} steps ({run.wall_seconds:.1f} s)")  # fmt: skip
    return f"<div><p>{title}</p>{html_table(['metric', f'step {len(metrics)}'], rows)}</div>"

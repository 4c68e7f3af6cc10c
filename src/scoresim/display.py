"""HTML summaries of runs and comparisons, shown by Jupyter (``_repr_html_``).

A :class:`~scoresim.Run` shows its scenario, size and the last step's headline metrics; a
comparison (:class:`~scoresim.experiments.compare.Comparison`) shows both arms and the headline
effects with their 95% intervals. The markup is a plain table with inline styles: nothing is
loaded from anywhere, so it renders the same offline, in JupyterLab, VS Code or a saved
notebook.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from scoresim.progress import format_value

if TYPE_CHECKING:
    from scoresim.experiments.compare import Comparison
    from scoresim.results import Run

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


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
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


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format_value(float(value)) if not isinstance(value, int | bool) else str(value)


def run_html(run: Run) -> str:
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
    rows = [(label, _number(last[col])) for col, label in RUN_HEADLINE if col in metrics]
    title = (f"scoresim run: <b>{html.escape(run.scenario.name)}</b>, seed {run.seed}, "
             f"{run.scenario.population.agents:,} agents, {len(metrics)} of "
             f"{run.scenario.steps} steps ({run.wall_seconds:.1f} s)")  # fmt: skip
    return f"<div><p>{title}</p>{_table(['metric', f'step {len(metrics)}'], rows)}</div>"


def comparison_html(comparison: Comparison) -> str:
    """The HTML summary of a comparison: both arms and the headline effects with 95% CIs.

    Examples
    --------
    >>> from scoresim.experiments.compare import arms, compare
    >>> t, c, _, _ = arms("seed", "control", {"population.agents": 200, "steps": 4})
    >>> text = comparison_html(compare(t, c, replications=2, seed=1))
    >>> "chilling effect" in text and "95% CI" in text
    True
    """
    c = comparison
    headline = c.headline
    rows = [
        (r.effect, _number(r.estimate), f"[{_number(r.ci_low)}, {_number(r.ci_high)}]",
         _number(r.treatment), _number(r.control), str(r.definition))
        for r in headline.itertuples()
    ]  # fmt: skip
    seeds = f"seeds {c.seed} to {c.seed + c.replications - 1}"
    title = (f"scoresim comparison: <b>{html.escape(c.treatment.name)}</b> against "
             f"<b>{html.escape(c.control.name)}</b>, {c.replications} paired replications "
             f"({seeds}), {c.treatment.population.agents:,} agents, "
             f"effects at step {c.treatment.steps}")  # fmt: skip
    header = ["effect", "estimate", "95% CI", "treatment", "control", "definition"]
    return f"<div><p>{title}</p>{_table(header, rows)}</div>"

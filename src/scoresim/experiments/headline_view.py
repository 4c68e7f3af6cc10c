"""The headline effects as text: one cell per effect with its interval, its support, and the
"too few" of a suppressed effect; for the terminal (fitted to its width), Markdown and CSV.

The terminal table has one row per effect with the interval on the row. Several arms are drawn
side by side when they fit the terminal's width, else one block per arm. Numbers are formatted
by :func:`~scoresim.experiments.quantities.format_estimate` (% for shares, pp for differences
of shares, the precision the interval supports), as in the report and the dashboard.

Examples
--------
>>> row = dict(effect="employment gap, poor tier", estimate=float("nan"), ci_low=float("nan"),
...            ci_high=float("nan"), treatment=float("nan"), control=0.95, replications=2,
...            min_agents=1)
>>> estimate_cell(row, 30)
'too few (n = 2 runs, 1 agent)'
>>> estimate_cell(dict(row, estimate=0.05, ci_low=0.035, ci_high=0.065, replications=5,
...                    min_agents=400), 30)
'+5.0 pp [+3.5, +6.5]'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from scoresim.experiments.quantities import (
    NOT_AVAILABLE,
    arm_quantity,
    effect_quantity,
    format_estimate,
)
from scoresim.experiments.support import MIN_GROUP, MIN_REPLICATIONS, too_few

FORMATS = ("table", "csv", "markdown")


def _get(row: Any, key: str, default: Any = math.nan) -> Any:
    return row.get(key, default) if isinstance(row, Mapping) else getattr(row, key, default)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def is_withheld(row: Any, min_group: int = MIN_GROUP) -> bool:
    """Whether a headline row is suppressed (too few replications or agents behind it)."""
    reps, fewest = _number(_get(row, "replications")), _number(_get(row, "min_agents"))
    return reps < MIN_REPLICATIONS or (math.isfinite(fewest) and fewest < min_group)


def estimate_cell(row: Any, min_group: int = MIN_GROUP, significant: int | None = None,
                  interval: bool = True) -> str:  # fmt: skip
    """An effect as shown: its estimate and interval, ``n/a`` when no replication defines it
    (nobody to measure), or ``too few (n = ...)`` when it is suppressed."""
    reps = _number(_get(row, "replications"))
    if reps == 0:
        return NOT_AVAILABLE
    if is_withheld(row, min_group):
        return too_few(int(reps), _number(_get(row, "min_agents")), min_group)
    effect = str(_get(row, "effect", ""))
    return format_estimate(_number(_get(row, "estimate")), _number(_get(row, "ci_low")),
                           _number(_get(row, "ci_high")), effect_quantity(effect), significant,
                           interval)  # fmt: skip


def arm_value_cell(row: Any, column: str, min_group: int = MIN_GROUP) -> str:
    """A ``treatment``/``control`` value in the unit of what the effect compares."""
    quantity = arm_quantity(str(_get(row, "effect", "")))
    return format_estimate(_number(_get(row, column)), math.nan, math.nan, quantity)


def count_cell(value: Any) -> str:
    """A count (runs, agents) with thousands separators; ``n/a`` if unknown."""
    number = _number(value)
    return NOT_AVAILABLE if math.isnan(number) else f"{int(number):,}"


def text_rows(headline: pd.DataFrame, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """The headline as text cells: (arm,) effect, estimate [95% CI], runs, agents, treatment,
    control."""
    rows = []
    for row in headline.to_dict("records"):
        cells = {"arm": row["arm"]} if "arm" in headline.columns else {}
        cells |= {"effect": row["effect"], "estimate [95% CI]": estimate_cell(row, min_group),
                  "runs": count_cell(row.get("replications")),
                  "agents": count_cell(row.get("min_agents")),
                  "treatment": arm_value_cell(row, "treatment", min_group),
                  "control": arm_value_cell(row, "control", min_group)}  # fmt: skip
        rows.append(cells)
    return pd.DataFrame(rows)


def markdown(headline: pd.DataFrame, min_group: int = MIN_GROUP) -> str:
    """The headline as a Markdown (pipe) table, cells as in the terminal."""
    return markdown_table(text_rows(headline, min_group))


def markdown_table(frame: pd.DataFrame) -> str:
    """A frame of text cells as a Markdown pipe table (``|`` in a cell escaped).

    >>> print(markdown_table(pd.DataFrame({"a": ["x|y"], "b": ["1"]})))
    | a | b |
    | --- | ---: |
    | x\\|y | 1 |
    """

    def esc(value: Any) -> str:
        return str(value).replace("|", "\\|")

    align = ["---" if i == 0 else "---:" for i in range(len(frame.columns))]
    lines = ["| " + " | ".join(esc(c) for c in frame.columns) + " |",
             "| " + " | ".join(align) + " |"]  # fmt: skip
    lines += ["| " + " | ".join(esc(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]  # fmt: skip
    return "\n".join(lines)


def print_table(headline: pd.DataFrame, title: str, console: Console | None = None,
                min_group: int = MIN_GROUP) -> None:  # fmt: skip
    """The headline on a terminal, fitted to its width (see the module's docstring)."""
    console = console or Console()
    cells = text_rows(headline, min_group)
    if "arm" not in cells.columns:
        console.print(_fitted(cells, title, console))
    else:
        arms = list(dict.fromkeys(cells["arm"]))
        side = _side_by_side(cells, arms, title)
        if _width(side, console) <= console.width:
            console.print(side)
        else:
            console.print(title, highlight=False)
            for arm in arms:
                part = cells[cells["arm"] == arm].drop(columns="arm")
                console.print(_fitted(part, arm, console))
    console.print(legend(min_group), highlight=False)


def legend(min_group: int = MIN_GROUP) -> str:
    """What the support columns and a "too few" mean, one sentence."""
    return (
        f"runs: replications that define the effect; agents: the fewest agents it rests on; "
        f"too few: under {MIN_REPLICATIONS} runs or {min_group} agents; n/a: nothing to "
        "measure (nobody in the group)."
    )


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                 collapse_padding=True)  # fmt: skip


def _fitted(cells: pd.DataFrame, title: str, console: Console) -> Table:
    """One block: the arms' values when they fit, else the effect, its estimate and support."""
    for columns in (list(cells.columns), ["effect", "estimate [95% CI]", "runs", "agents"]):
        table = _table(title)
        for c in columns:
            table.add_column(c, justify="left" if c == "effect" else "right",
                             overflow="fold")  # fmt: skip
        for row in cells[columns].itertuples(index=False):
            table.add_row(*row)
        if _width(table, console) <= console.width:
            break
    return table


def _side_by_side(cells: pd.DataFrame, arms: list[str], title: str) -> Table:
    """One row per effect, per arm its estimate [CI] and its support (runs/agents)."""
    table = _table(title)
    table.add_column("effect", justify="left")
    for arm in arms:
        table.add_column(arm, justify="right")
        table.add_column("runs/agents", justify="right")
    by = {(r["effect"], r["arm"]): r for r in cells.to_dict("records")}
    for effect in dict.fromkeys(cells["effect"]):
        row = [effect]
        for arm in arms:
            r = by.get((effect, arm))
            row += ["", ""] if r is None else [r["estimate [95% CI]"],
                                               f"{r['runs']}/{r['agents']}"]  # fmt: skip
        table.add_row(*row)
    return table


def _width(table: Table, console: Console) -> int:
    """The width the table takes when nothing wraps."""
    return Measurement.get(console, console.options.update_width(10_000), table).maximum

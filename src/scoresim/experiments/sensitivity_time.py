"""Sensitivity over time: the indices of each outcome's metric at every ``every``-th step.

A sweep outcome reduces a metric over a run's steps to one number; over time each outcome is
read instead as its metric at each step (the mean over a design point's finished
replications), and any method's indices are computed step by step, so that a parameter whose
influence starts, grows or fades shows as a line over the weeks
(:func:`scoresim.report.exploration.indices_over_time` draws them). The last step is always
analysed. Warnings are collected over the steps: one line per outcome, naming the first step
that called for it and how many did.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.experiments.database import connect, q
from scoresim.experiments.indices import COLUMNS, Design, outcome_rows, outcome_warning

#: Bootstrap resamples per step of a regression's intervals (fewer than for one analysis: the
#: intervals over time show the width of the band, not a test).
RESAMPLES = 200


def metric_by_step(db: Path, metric: str, points: int) -> pd.DataFrame:
    """The metric's mean over each design point's finished replications: one row per step,
    one column per point (NaN where no replication finished)."""
    con = connect(db, read_only=True)
    try:
        frame = con.execute(
            f"SELECT d.point, m.step, avg(m.{q(metric)}) AS value "
            "FROM metrics m JOIN design d USING (run_key) JOIN runs r USING (run_key) "
            "WHERE r.status = 'done' GROUP BY d.point, m.step"
        ).df()
    finally:
        con.close()
    return frame.pivot(index="step", columns="point", values="value").reindex(
        columns=range(points)
    )


def metric_of(info: dict, outcome: str) -> str:
    """The metric column an outcome reduces, as the sweep file defines it; one line if it
    names none."""
    definition = info["definition"]["outcomes"].get(outcome)
    metric = definition.get("metric") if isinstance(definition, dict) else definition
    if not isinstance(metric, str) or not metric.strip().isidentifier():
        raise ScenarioError(f"outcomes.{outcome}: --over-time needs an outcome that reduces one "
                            f"metric column (metric = ...), not the expression "
                            f"{metric!r}")  # fmt: skip
    return metric.strip()


def indices_over_time(db: Path, info: dict, design: Design, method: str,
                      every: int) -> tuple[pd.DataFrame, list[str]]:  # fmt: skip
    """The table of indices at each analysed step (``method`` and ``constant`` in its
    ``attrs``, as :class:`~scoresim.experiments.sensitivity.Sensitivity` holds it) and the
    warnings."""
    if every < 1:
        raise ScenarioError(f"--every: must be a positive integer (got {every})")
    rows, constant, warned, metrics = [], [], [], {}
    for outcome in info["outcomes"]:
        metric = metrics[outcome] = metric_of(info, outcome)
        table = metric_by_step(db, metric, design.X.shape[0])
        steps = list(table.index[every - 1 :: every])
        if len(table.index) and table.index[-1] not in steps:
            steps.append(table.index[-1])
        first_warning, count = None, 0
        for step in steps:
            Y = table.loc[step].to_numpy(dtype=np.float64)
            if not np.isfinite(Y).all():
                raise ScenarioError(f"outcomes.{outcome}: metric {metric!r} has no finished "
                                    f"value at step {step} for some design point")  # fmt: skip
            if np.ptp(Y) == 0 and outcome not in constant:
                constant.append(outcome)
            found = outcome_rows(method, design, Y, RESAMPLES)
            rows += [[int(step), outcome, name, *row]
                     for name, row in zip(design.names, found, strict=True)]  # fmt: skip
            line = outcome_warning(method, outcome, design.names, found, design.samples)
            if line:
                first_warning = first_warning or (int(step), line)
                count += 1
        if first_warning:
            step, line = first_warning
            warned.append(f"{line} (at {count} of the {len(steps)} steps analysed, from "
                          f"step {step})")  # fmt: skip
    frame = pd.DataFrame(rows, columns=["step", "outcome", "parameter", *COLUMNS[method]])
    frame.attrs["method"] = method
    frame.attrs["constant"] = constant
    frame.attrs["metrics"] = metrics
    return frame, warned

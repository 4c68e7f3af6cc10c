"""Scenario discovery on a sweep: under which combinations of parameters does an outcome pass a
threshold? (Bryant and Lempert 2010, doi:10.1016/j.techfore.2009.08.002.)

Every finished run of the sweep is one case: its inputs are the parameter values applied (a
choice from a list of non-numbers by its position in the list), and it is *of interest* when its
outcome passes the threshold (``--where "> 0.3"``). PRIM (:mod:`~scoresim.experiments.prim`)
then finds a box of parameter values where such runs are dense. The result says which
parameters the box restricts, to what, how significant each restriction is (its quasi-p-value),
what share of the box's runs are of interest (density) and what share of all runs of interest
it holds (coverage).
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.core.progress import format_value
from scoresim.experiments.console import frame_html
from scoresim.experiments.database import read_sweep
from scoresim.experiments.outcomes import parse
from scoresim.experiments.prim import MIN_COVERAGE, Prim, prim
from scoresim.experiments.sensitivity import applied_values, write_table
from scoresim.experiments.spec import Outcome

if TYPE_CHECKING:
    from scoresim.experiments.sweep import SweepReport

_COMPARISONS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
}  # fmt: skip
_WHERE = re.compile(r"\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*")


def parse_where(text: str) -> tuple[str, float]:
    """``"> 0.3"`` -> ``(">", 0.3)``; anything else is one line naming ``--where``.

    Examples
    --------
    >>> parse_where(">= 2e-2"), parse_where("<0.5")
    (('>=', 0.02), ('<', 0.5))
    >>> parse_where("bigger than 3")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scoresim.core.errors.ScenarioError: --where 'bigger than 3': expected a comparison ...
    """
    found = _WHERE.fullmatch(text or "")
    if not found:
        raise ScenarioError(f"--where {text!r}: expected a comparison (>, >=, <, <=) and a "
                            "number, such as '> 0.3'")  # fmt: skip
    return found.group(1), float(found.group(2))


@dataclass(frozen=True)
class Discovery:
    """What PRIM found for one outcome and threshold."""

    outcome: str
    where: tuple[str, float]
    runs: int
    of_interest: int
    result: Prim
    levels: dict[str, list]

    @property
    def condition(self) -> str:
        """The threshold as written, e.g. ``chill > 0.3``."""
        return f"{self.outcome} {self.where[0]} {format_value(self.where[1])}"

    def lines(self) -> list[str]:
        """One line per restricted parameter: ``p >= low``, ``p <= high`` or both, and its
        quasi-p-value; a parameter chosen from a list of non-numbers shows the values kept."""
        out = []
        for row in self.result.restricted.itertuples(index=False):
            out.append(f"{self._bounds(row.parameter, row.low, row.high)}  "
                       f"(quasi-p {row.quasi_p:.2g})")  # fmt: skip
        return out or [f"no box: no restriction makes {self.condition} denser than in all "
                       "runs"]  # fmt: skip

    def summary(self) -> str:
        """One sentence: the density and coverage of the box and what it restricts."""
        box = self.result.box
        if self.result.restricted.empty:
            return (f"{self.condition} in {box.density:.0%} of all {self.runs} runs; no box "
                    "of parameters makes it more frequent")  # fmt: skip
        where = " and ".join(self._bounds(r.parameter, r.low, r.high, short=True)
                             for r in self.result.restricted.itertuples(index=False))  # fmt: skip
        return (f"{self.condition} in {box.density:.0%} of runs with {where}; the box covers "
                f"{box.coverage:.0%} of such runs ({self.of_interest} of the sweep's "
                f"{self.runs})")

    def _bounds(self, name: str, low: float, high: float, short: bool = False) -> str:
        if name in self.levels:
            kept = [v for i, v in enumerate(self.levels[name])
                    if (math.isnan(low) or i >= low)
                    and (math.isnan(high) or i <= high)]  # fmt: skip
            return f"{name} in {{{', '.join(map(str, kept))}}}"
        if not math.isnan(low) and not math.isnan(high):
            return f"{name} >= {format_value(low)} and <= {format_value(high)}"
        if not math.isnan(low):
            return f"{name} >= {format_value(low)}"
        return f"{name} <= {format_value(high)}"

    def box_frame(self) -> pd.DataFrame:
        """The restricted parameters: ``parameter``, ``low``, ``high`` (NaN where open),
        ``quasi_p``."""
        return self.result.restricted.copy()

    def to_frame(self) -> pd.DataFrame:
        """The box's restricted parameters (:meth:`box_frame`)."""
        return self.box_frame()

    def _repr_html_(self) -> str:
        """The box and the summary, for a notebook."""
        import html

        lines = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in self.lines())
        return (f"<div><p>scoresim discover: {html.escape(self.summary())}</p><ul>{lines}</ul>"
                f"{frame_html(self.box_frame())}</div>")

    def save(self, folder: str | Path) -> Path:
        """Write ``trajectory.csv`` (the peeling trajectory,
        :meth:`~scoresim.experiments.prim.Prim.trajectory_frame`),
        ``box.csv`` (:meth:`box_frame`) and ``summary.json`` (the condition, counts, the box's
        coverage, density and mass, and the summary sentence) into ``folder``."""
        folder = Path(folder)
        write_table(self.result.trajectory_frame(), folder / "trajectory.csv")
        write_table(self.box_frame(), folder / "box.csv")
        box = self.result.box
        record = {"outcome": self.outcome, "where": list(self.where), "runs": self.runs,
                  "of_interest": self.of_interest, "coverage": box.coverage,
                  "density": box.density, "mass": box.mass,
                  "peeling_step": self.result.chosen, "summary": self.summary()}  # fmt: skip
        (folder / "summary.json").write_text(json.dumps(record, indent=2) + "\n")
        return folder


def discover(sweep: str | Path | SweepReport, outcome: str, where: str,
             min_coverage: float = MIN_COVERAGE) -> Discovery:  # fmt: skip
    """PRIM on a sweep's finished runs: where does ``outcome`` satisfy ``where``?

    Parameters
    ----------
    sweep : path or SweepReport
        A finished sweep (any sampler): its database, or what
        :func:`~scoresim.experiments.sweep.run_sweep` returned.
    outcome : str
        One of the sweep's outcomes, or an expression of the outcome language over its stored
        per-step metrics (``"mean(critical_posts, -52, -1)"``; a series is read at its last
        step).
    where : str
        The runs of interest: a comparison and a number, ``"> 0.3"``.
    min_coverage : float
        The chosen box holds at least this share of the runs of interest
        (:func:`~scoresim.experiments.prim.prim`).

    Returns
    -------
    Discovery
        The box's restricted parameters (:meth:`Discovery.lines`, :meth:`Discovery.box_frame`),
        the one-sentence :meth:`Discovery.summary`, and PRIM's whole result in ``result``.

    Examples
    --------
    >>> import tempfile
    >>> from scoresim.experiments.sweep import run_sweep
    >>> spec = {"name": "doc", "sampler": "lhs", "samples": 12,
    ...         "set": {"population.agents": 100, "steps": 3},
    ...         "parameters": {"policy.detect.critical": {"low": 0.0, "high": 1.0}},
    ...         "outcomes": {"crit": {"metric": "critical_posts"}}}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     found = discover(run_sweep(spec, f"{d}/s.duckdb"), "crit", ">= 0")
    >>> found.runs, found.of_interest
    (12, 12)
    """
    db = Path(getattr(sweep, "database", sweep))
    comparison, threshold = parse_where(where)
    data = read_sweep(db)
    info, runs, design = data["info"], data["runs"], data["design"]
    runs = runs[runs["status"] == "done"].copy()
    if outcome not in info["outcomes"]:
        metrics = read_sweep(db, metrics=True)["metrics"]
        runs[outcome] = _expression_values(outcome, info["outcomes"], runs, metrics)
    done = runs[np.isfinite(runs[outcome].astype(float))]
    if done.empty:
        raise ScenarioError(f"{db}: no finished run with a value of {outcome!r}")
    rows = design.drop_duplicates("run_key").set_index("run_key").loc[done["run_key"]]
    X = applied_values(info, rows.reset_index())
    y = _COMPARISONS[comparison](done[outcome].to_numpy(dtype=np.float64), threshold)
    if not y.any():
        raise ScenarioError(f"--where {where!r}: no run has {outcome} {comparison} {threshold}"
                            f" (its range: {format_value(float(done[outcome].min()))} to "
                            f"{format_value(float(done[outcome].max()))})")  # fmt: skip
    names = info["parameters"]
    found = prim(X, y, names, min_coverage=min_coverage)
    levels = _levels(info, rows)
    return Discovery(outcome, (comparison, threshold), int(y.size), int(y.sum()), found, levels)


def _expression_values(text: str, outcomes: list[str], runs: pd.DataFrame,
                       metrics: pd.DataFrame) -> np.ndarray:  # fmt: skip
    """Per finished run, one number of an outcome expression over the stored per-step metrics
    (the outcome language of :mod:`~scoresim.experiments.outcomes`: a series is read at its
    last step, as a sweep's own outcomes are)."""
    columns = [c for c in metrics.columns if c not in ("run_key", "step")]
    try:
        outcome = Outcome(text, parse(text, columns))
    except ScenarioError as exc:
        raise ScenarioError(f"--outcome {text!r}: not an outcome of this sweep (its outcomes: "
                            f"{', '.join(outcomes)}) nor an expression of its metrics "
                            f"({exc})") from None  # fmt: skip
    by_run = dict(tuple(metrics.groupby("run_key", sort=False)))
    empty = metrics.iloc[:0]
    return np.array([outcome.reduce(by_run.get(key, empty)) for key in runs["run_key"]],
                    dtype=np.float64)  # fmt: skip


def _levels(info: dict, rows: pd.DataFrame) -> dict[str, list]:
    """The value lists of parameters chosen from non-numbers (read by position)."""
    out = {}
    for name in info["parameters"]:
        spec = info["definition"]["parameters"].get(name, {})
        if "values" in spec and not pd.api.types.is_numeric_dtype(rows[name]):
            out[name] = list(spec["values"])
    return out

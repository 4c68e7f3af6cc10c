"""Global sensitivity analysis of a finished sweep: Sobol, Morris, SRC or PRCC indices.

The design is read back from the sweep database. Each design point's outcome is the mean over
its finished replications. The methods (:mod:`~scoresim.experiments.indices`):

- ``sobol`` (a ``sobol`` sweep): first-order (``S1``) and total (``ST``) indices with the
  half-widths of their 95% bootstrap intervals (``*_conf``) and the interval ends;
- ``morris`` (a ``morris`` sweep): ``mu``, ``mu_star``, ``sigma`` and ``mu_star_conf``;
- ``src`` and ``prcc`` (any sweep, Latin hypercubes included): standardised regression
  coefficients, or partial rank correlation coefficients with their p-values, each with a 95%
  percentile bootstrap interval and the regression's ``R2``.

The default is the method that fits the sampler: ``sobol`` and ``morris`` for their own
designs, ``prcc`` for the others (it needs only a monotone response). ``over_time`` computes
the indices of each outcome's metric at every ``every``-th step instead
(:mod:`~scoresim.experiments.sensitivity_time`).

An outcome that takes the same value at every design point has no Sobol, SRC or PRCC indices
(shares of a variance of 0, correlations with a constant): its rows hold NaN, and the table's
``constant`` attribute names it. Its Morris effects are 0, which is what they are. An outcome
whose indices should not be read as they stand gets a one-line warning (``R2`` below 0.7;
``S1 > ST`` or ``S1`` summing past 1, a sample too small).

References: Saltelli et al. (2010), doi:10.1016/j.cpc.2009.09.018 (Sobol); Campolongo, Cariboni
and Saltelli (2007), doi:10.1016/j.envsoft.2006.10.004 (Morris, ``mu_star``); Marino et al.
(2008), doi:10.1016/j.jtbi.2008.04.011 (PRCC); Saltelli et al. (2008), *Global Sensitivity
Analysis: The Primer* (SRC); Herman and Usher (2017), SALib, doi:10.21105/joss.00097.
"""

from __future__ import annotations

import html
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.core.progress import format_value
from scoresim.experiments.console import frame_html
from scoresim.experiments.database import read_sweep
from scoresim.experiments.indices import COLUMNS, METHODS, Design, outcome_rows, outcome_warning
from scoresim.results.folders import output_error

if TYPE_CHECKING:
    from scoresim.experiments.sweep import SweepReport

#: Columns of a Sobol table (first-order and total indices, 95% half-widths and bounds).
SOBOL_COLUMNS = ("outcome", "parameter", *COLUMNS["sobol"])
#: Columns of a Morris table (the elementary effects' mean, absolute mean and spread).
MORRIS_COLUMNS = ("outcome", "parameter", *COLUMNS["morris"])
#: Columns of an SRC table (coefficient, 95% bootstrap interval, R² of the fit).
SRC_COLUMNS = ("outcome", "parameter", *COLUMNS["src"])
#: Columns of a PRCC table (coefficient, 95% bootstrap interval, p-value, R² of the ranks).
PRCC_COLUMNS = ("outcome", "parameter", *COLUMNS["prcc"])
#: The short titles of the terminal's tables, one per outcome.
_SHORT = {"sobol": "Sobol indices (95% CI half-widths)", "morris": "Morris elementary effects",
          "src": "SRC (95% bootstrap CI)", "prcc": "PRCC (95% bootstrap CI)"}  # fmt: skip


def outcome_matrix(db: str | Path) -> tuple[dict, np.ndarray, pd.DataFrame]:
    """The sweep info, the problem-space design ``X`` (one row per point), and the
    per-point outcome means (one column per outcome, NaN where no replication finished)."""
    data = read_sweep(db)
    info, design, runs = data["info"], data["design"], data["runs"]
    first = first_replication(design)
    X = first[[f"x:{p}" for p in info["parameters"]]].to_numpy(dtype=np.float64)
    done = runs[runs["status"] == "done"][["run_key", *info["outcomes"]]]
    joined = design[["point", "run_key"]].merge(done, on="run_key", how="left")
    means = joined.groupby("point")[info["outcomes"]].mean().reindex(first["point"].to_numpy())
    info["values"] = applied_values(info, first)
    return info, X, means


def first_replication(design: pd.DataFrame) -> pd.DataFrame:
    """One row per design point (its first replication), in point order."""
    return design[design["replication"] == design["replication"].min()].sort_values("point")


def applied_values(info: dict, first: pd.DataFrame) -> np.ndarray:
    """The design as the values applied, one column per parameter (what the regressions and
    PRIM read): a number as it is, a choice from a list of non-numbers by its position."""
    columns = []
    for name in info["parameters"]:
        column = first[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            columns.append(column.to_numpy(dtype=np.float64))
        else:
            columns.append(np.floor(first[f"x:{name}"].to_numpy(dtype=np.float64)))
    return np.column_stack(columns) if columns else np.empty((len(first), 0))


def pick_method(info: dict, method: str | None, where: Path) -> str:
    """``method``, or the one that fits the sweep's sampler; one line if it does not fit."""
    sampler = info["sampler"]
    if method is None:
        return sampler if sampler in ("sobol", "morris") else "prcc"
    if method not in METHODS:
        raise ScenarioError(f"--method: must be one of {', '.join(METHODS)} (got {method!r})")
    if method in ("sobol", "morris") and sampler != method:
        raise ScenarioError(f"{where}: --method {method} needs a {method} sweep (this one is "
                            f"{sampler}; src and prcc work on any sweep)")  # fmt: skip
    return method


def sweep_design(info: dict, X: np.ndarray) -> Design:
    """What the methods read of a sweep (:class:`~scoresim.experiments.indices.Design`)."""
    definition = info["definition"]
    return Design(problem=info["problem"], X=X, values=info["values"],
                  num_levels=int(info["num_levels"]), second_order=bool(info["second_order"]),
                  seed=int(definition.get("seed", 1)),
                  samples=int(definition.get("samples", 0)))  # fmt: skip


def check_points(method: str, design: Design) -> None:
    """A regression needs more design points than parameters plus one."""
    n, d = design.values.shape
    if method in ("src", "prcc") and n < d + 3:
        raise ScenarioError(f"--method {method}: needs at least {d + 3} design points for "
                            f"{d} parameters (the sweep has {n})")  # fmt: skip


@dataclass
class Sensitivity:
    """The indices of a sweep's outcomes: ``table`` has one row per (outcome, parameter)."""

    table: pd.DataFrame
    database: Path
    warnings: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        """``sobol``, ``morris``, ``src`` or ``prcc``."""
        return str(self.table.attrs["method"])

    @property
    def over_time(self) -> bool:
        """Whether the table holds the indices at each step (a ``step`` column)."""
        return "step" in self.table

    @property
    def constant(self) -> list[str]:
        """The outcomes that take one value over the whole design (no Sobol indices)."""
        return list(self.table.attrs["constant"])

    def to_frame(self) -> pd.DataFrame:
        """The indices: :data:`SOBOL_COLUMNS`, :data:`MORRIS_COLUMNS`, :data:`SRC_COLUMNS` or
        :data:`PRCC_COLUMNS` (after a ``step`` column over time)."""
        return self.table.copy()

    def save(self, path: str | Path) -> Path:
        """Write the indices as CSV or Parquet, by the file's suffix."""
        return write_table(self.table, path)

    @property
    def title(self) -> str:
        name = {"sobol": "Sobol indices (95% CI half-widths)",
                "morris": "Morris elementary effects (95% CI half-width of mu_star)",
                "src": "Standardised regression coefficients (95% bootstrap CI)",
                "prcc": "Partial rank correlation coefficients (95% bootstrap CI)"}[self.method]
        return name + (" at each step" if self.over_time else "")

    def shown(self) -> pd.DataFrame:
        """What the terminal and a notebook show: Sobol indices with the half-widths of their
        intervals (the bounds left out), the other methods' tables whole."""
        if self.method != "sobol":
            return self.table.copy()
        return self.table.drop(columns=[c for c in self.table if c.endswith(("_low", "_high"))])

    def blocks(self) -> list[tuple[str, pd.DataFrame]]:
        """What the terminal shows, one table per outcome (its last step over time) that fits
        80 columns: a title naming the outcome (and a regression's R²), one row per parameter,
        a regression's interval as one ``95% CI`` cell.

        Examples
        --------
        >>> t = pd.DataFrame({"outcome": ["y", "y"], "parameter": ["a", "b"], "SRC": [0.9, 0.1],
        ...                   "SRC_low": [0.8, -0.1], "SRC_high": [1.0, 0.3], "R2": [0.8, 0.8]})
        >>> t.attrs.update(method="src", constant=[])
        >>> title, frame = Sensitivity(t, Path("s.duckdb")).blocks()[0]
        >>> title, frame.values.tolist()
        ('y: SRC (95% bootstrap CI), R2 = 0.8', [['a', 0.9, '[0.8, 1]'], ['b', 0.1, '[-0.1, 0.3]']])
        """
        shown = self.shown()
        if self.over_time:
            shown = shown[shown["step"] == shown["step"].max()].drop(columns="step")
        out = []
        for outcome, part in shown.groupby("outcome", sort=False):
            frame = part.drop(columns="outcome").reset_index(drop=True)
            title = f"{outcome}: {_SHORT[self.method]}"
            if self.method in ("src", "prcc"):
                name = self.method.upper()
                title += f", R2 = {format_value(float(frame['R2'].iloc[0]))}"
                ends = zip(frame[f"{name}_low"], frame[f"{name}_high"], strict=True)
                interval = [f"[{format_value(lo)}, {format_value(hi)}]" for lo, hi in ends]
                frame = frame.drop(columns=[f"{name}_low", f"{name}_high", "R2"])
                frame.insert(2, "95% CI", interval)
            if self.over_time:
                title += f", at step {int(self.table['step'].max())}"
            out.append((title, frame))
        return out

    def notes(self) -> list[str]:
        """A line for each outcome without indices."""
        when = " at some steps" if self.over_time else ""
        return [f"{o}: indices undefined{when} (the outcome does not vary)"
                for o in self.constant]  # fmt: skip

    def _repr_html_(self) -> str:
        """The indices, for a notebook."""
        title = (f"scoresim sensitivity: {self.title} of "
                 f"<code>{html.escape(str(self.database))}</code>")  # fmt: skip
        notes = "".join(f"<p>{html.escape(line)}</p>"
                        for line in [*self.notes(), *self.warnings])  # fmt: skip
        return f"<div><p>{title}</p>{frame_html(self.shown())}{notes}</div>"


def sensitivity(
    sweep: str | Path | SweepReport,
    out: str | Path | None = None,
    method: str | None = None,
    over_time: bool = False,
    every: int = 1,
) -> Sensitivity:
    """Sobol, Morris, SRC or PRCC indices of every outcome of a sweep.

    Parameters
    ----------
    sweep : path or SweepReport
        A finished sweep: its database, or what :func:`~scoresim.experiments.sweep.run_sweep`
        returned.
    out : path, optional
        Also write the indices there, ``.csv`` or ``.parquet`` (:meth:`Sensitivity.save`).
    method : str, optional
        ``sobol`` (a sobol sweep), ``morris`` (a morris sweep), ``src`` or ``prcc`` (any
        sweep); default: the sweep's own sampler if it is sobol or morris, else ``prcc``.
    over_time : bool
        The indices of each outcome's metric at every ``every``-th step (and the last), in a
        table with a ``step`` column first.
    every : int
        Steps between two analyses over time.

    Returns
    -------
    Sensitivity
        Its ``table``: :data:`SOBOL_COLUMNS`, :data:`MORRIS_COLUMNS`, :data:`SRC_COLUMNS` or
        :data:`PRCC_COLUMNS`, one row per (outcome, parameter). The table's ``method``
        attribute (``table.attrs["method"]``) names which, and ``constant`` lists the outcomes
        that do not vary over the design; ``warnings`` holds a line for each outcome whose
        indices should not be read as they stand.

    Raises
    ------
    ScenarioError
        If the method does not fit the sweep or a design point has no finished run.

    Examples
    --------
    >>> import tempfile
    >>> from scoresim.experiments.sweep import run_sweep
    >>> spec = {"name": "doc", "sampler": "morris", "samples": 2,
    ...         "set": {"population.agents": 100, "steps": 3},
    ...         "parameters": {"graph.rewire": {"low": 0.0, "high": 1.0},
    ...                        "policy.friend_weight": {"low": 0.0, "high": 0.2}},
    ...         "outcomes": {"crit": {"metric": "critical_posts"}}}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     indices = sensitivity(run_sweep(spec, f"{d}/s.duckdb"))
    >>> indices.method, indices.to_frame()["parameter"].tolist()
    ('morris', ['graph.rewire', 'policy.friend_weight'])
    """
    db = Path(getattr(sweep, "database", sweep))
    info, X, means = outcome_matrix(db)
    method = pick_method(info, method, db)
    design = sweep_design(info, X)
    check_points(method, design)
    if over_time:
        from scoresim.experiments.sensitivity_time import indices_over_time

        frame, warned = indices_over_time(db, info, design, method, every)
        result = Sensitivity(frame, db, warned)
    else:
        result = _indices(db, info, design, means, method)
    if out is not None:
        result.save(out)
    return result


def _indices(db: Path, info: dict, design: Design, means: pd.DataFrame,
             method: str) -> Sensitivity:  # fmt: skip
    rows, constant, warned = [], [], []
    for outcome in info["outcomes"]:
        Y = means[outcome].to_numpy(dtype=np.float64)
        missing = int((~np.isfinite(Y)).sum())
        if missing:
            raise ScenarioError(
                f"outcomes.{outcome}: {missing} of {Y.size} design points have "
                "no finished value (rerun the sweep, or the metric is undefined)"
            )
        if np.ptp(Y) == 0:
            constant.append(outcome)
        found = outcome_rows(method, design, Y)
        rows += [[outcome, name, *row] for name, row in zip(design.names, found, strict=True)]
        line = outcome_warning(method, outcome, design.names, found, design.samples)
        warned += [line] if line else []
    frame = pd.DataFrame(rows, columns=["outcome", "parameter", *COLUMNS[method]])
    frame.attrs["method"] = method
    frame.attrs["constant"] = constant
    return Sensitivity(frame, db, warned)


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV or Parquet, by the file's suffix.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_table(pd.DataFrame({"a": [1]}), f"{d}/t.csv").suffix
    '.csv'
    """
    path = Path(path)
    if path.suffix not in (".csv", ".parquet"):
        raise ScenarioError(f"--out {path}: must end in .csv or .parquet")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise output_error(path, exc) from None
    os.close(fd)
    tmp = Path(name)
    try:  # written beside and renamed: a failed write keeps the table there before
        if path.suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise output_error(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

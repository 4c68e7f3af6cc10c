"""Global sensitivity analysis of a finished ``sobol`` or ``morris`` sweep (SALib).

The SALib problem and the design are read back from the sweep database. Each design point's
outcome is the mean over its finished replications. ``sobol`` gives first-order (``S1``) and
total (``ST``) indices with the half-widths of their 95% bootstrap intervals (``*_conf``);
``morris`` gives ``mu_star``, ``sigma`` and ``mu_star_conf`` (and the signed ``mu``).

An outcome that takes the same value at every design point has no Sobol indices (they are
shares of a variance of 0): its rows hold NaN, and the table's ``constant`` attribute names it.
Its Morris effects are 0, which is what they are.

References: Saltelli et al. (2010), doi:10.1016/j.cpc.2009.09.018 (Sobol); Campolongo, Cariboni
and Saltelli (2007), doi:10.1016/j.envsoft.2006.10.004 (Morris, ``mu_star``); Herman and Usher
(2017), SALib, doi:10.21105/joss.00097.
"""

from __future__ import annotations

import html
import math
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.experiments.console import frame_html
from scoresim.experiments.database import read_sweep
from scoresim.results.folders import output_error

if TYPE_CHECKING:
    from scoresim.experiments.sweep import SweepReport

#: Columns of a Sobol table (first-order and total indices, 95% half-widths and bounds).
SOBOL_COLUMNS = ("outcome", "parameter", "S1", "S1_conf", "S1_low", "S1_high",
                 "ST", "ST_conf", "ST_low", "ST_high")  # fmt: skip
#: Columns of a Morris table (the elementary effects' mean, absolute mean and spread).
MORRIS_COLUMNS = ("outcome", "parameter", "mu", "mu_star", "sigma", "mu_star_conf")


def outcome_matrix(db: str | Path) -> tuple[dict, np.ndarray, pd.DataFrame]:
    """The sweep info, the problem-space design ``X`` (one row per point), and the
    per-point outcome means (one column per outcome, NaN where no replication finished)."""
    data = read_sweep(db)
    info, design, runs = data["info"], data["design"], data["runs"]
    names = info["parameters"]
    first = design[design["replication"] == design["replication"].min()].sort_values("point")
    X = first[[f"x:{p}" for p in names]].to_numpy(dtype=np.float64)
    done = runs[runs["status"] == "done"][["run_key", *info["outcomes"]]]
    joined = design[["point", "run_key"]].merge(done, on="run_key", how="left")
    means = joined.groupby("point")[info["outcomes"]].mean().reindex(first["point"].to_numpy())
    return info, X, means


@dataclass
class Sensitivity:
    """The indices of a sweep's outcomes: ``table`` has one row per (outcome, parameter)."""

    table: pd.DataFrame
    database: Path

    @property
    def method(self) -> str:
        """``sobol`` or ``morris``."""
        return str(self.table.attrs["method"])

    @property
    def constant(self) -> list[str]:
        """The outcomes that take one value over the whole design (no Sobol indices)."""
        return list(self.table.attrs["constant"])

    def to_frame(self) -> pd.DataFrame:
        """The indices: :data:`SOBOL_COLUMNS` or :data:`MORRIS_COLUMNS`."""
        return self.table.copy()

    def save(self, path: str | Path) -> Path:
        """Write the indices as CSV or Parquet, by the file's suffix."""
        return write_table(self.table, path)

    @property
    def title(self) -> str:
        return f"{self.method.capitalize()} indices (95% CI half-widths)"

    def shown(self) -> pd.DataFrame:
        """The indices with the half-widths of their intervals, the bounds left out (what the
        terminal and a notebook show)."""
        return self.table.drop(columns=[c for c in self.table if c.endswith(("_low", "_high"))])

    def notes(self) -> list[str]:
        """A line for each outcome without indices."""
        return [f"{o}: indices undefined (the outcome does not vary)" for o in self.constant]

    def _repr_html_(self) -> str:
        """The indices, for a notebook."""
        title = (f"scoresim sensitivity: {self.title} of "
                 f"<code>{html.escape(str(self.database))}</code>")  # fmt: skip
        notes = "".join(f"<p>{html.escape(line)}</p>" for line in self.notes())
        return f"<div><p>{title}</p>{frame_html(self.shown())}{notes}</div>"


def sensitivity(sweep: str | Path | SweepReport, out: str | Path | None = None) -> Sensitivity:
    """Sobol or Morris indices of every outcome of a sweep.

    Parameters
    ----------
    sweep : path or SweepReport
        A finished ``sobol`` or ``morris`` sweep: its database, or what
        :func:`~scoresim.experiments.sweep.run_sweep` returned.
    out : path, optional
        Also write the indices there, ``.csv`` or ``.parquet`` (:meth:`Sensitivity.save`).

    Returns
    -------
    Sensitivity
        Its ``table``: Sobol :data:`SOBOL_COLUMNS`, Morris :data:`MORRIS_COLUMNS`; one row per
        (outcome, parameter). The table's ``method`` attribute (``table.attrs["method"]``)
        names which, and ``constant`` lists the outcomes that do not vary over the design.

    Raises
    ------
    ScenarioError
        If the sweep is not ``sobol``/``morris`` or a design point has no finished run.

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
    from SALib.analyze import morris, sobol

    db = Path(getattr(sweep, "database", sweep))
    info, X, means = outcome_matrix(db)
    method = info["sampler"]
    if method not in ("sobol", "morris"):
        raise ScenarioError(f"{db}: sampler {method!r} has no sensitivity indices "
                            "(run a sobol or morris sweep)")  # fmt: skip
    problem = info["problem"]
    seed = int(info["definition"].get("seed", 1))
    rows, constant = [], []
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
        if method == "sobol" and np.ptp(Y) == 0:  # 0 / 0: SALib would print a warning and 0s
            rows.extend([outcome, name, *[math.nan] * (len(SOBOL_COLUMNS) - 2)]
                        for name in problem["names"])  # fmt: skip
        elif method == "sobol":
            res = _quiet(sobol.analyze, problem, Y, calc_second_order=bool(info["second_order"]),
                         conf_level=0.95, print_to_console=False, seed=seed)  # fmt: skip
            for i, name in enumerate(problem["names"]):
                s1, s1c = float(res["S1"][i]), float(res["S1_conf"][i])
                st, stc = float(res["ST"][i]), float(res["ST_conf"][i])
                rows.append([outcome, name, s1, s1c, s1 - s1c, s1 + s1c,
                             st, stc, st - stc, st + stc])  # fmt: skip
        else:
            res = _quiet(morris.analyze, problem, X, Y, num_levels=int(info["num_levels"]),
                         conf_level=0.95, print_to_console=False, seed=seed)  # fmt: skip
            for i, name in enumerate(problem["names"]):
                rows.append([outcome, name, float(res["mu"][i]), float(res["mu_star"][i]),
                             float(res["sigma"][i]), float(res["mu_star_conf"][i])])  # fmt: skip
    columns = SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS
    frame = pd.DataFrame(rows, columns=list(columns))
    frame.attrs["method"] = method
    frame.attrs["constant"] = constant
    result = Sensitivity(frame, db)
    if out is not None:
        result.save(out)
    return result


def _quiet(analyze: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a SALib analysis without its numpy and Python warnings reaching standard error (an
    outcome that barely varies divides by a tiny variance; the table says what is undefined)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return analyze(*args, **kwargs)


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

"""Global sensitivity analysis of a finished ``sobol`` or ``morris`` sweep (SALib).

The SALib problem and the design are read back from the sweep database. Each design point's
outcome is the mean over its finished replications. ``sobol`` gives first-order (``S1``) and
total (``ST``) indices with the half-widths of their 95% bootstrap intervals (``*_conf``);
``morris`` gives ``mu_star``, ``sigma`` and ``mu_star_conf`` (and the signed ``mu``).

An outcome that takes the same value at every design point has no Sobol indices (they are
shares of a variance of 0): its rows hold NaN, and the table's ``constant`` attribute names it.
Its Morris effects are 0, which is what they are.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.experiments.database import read_sweep
from scoresim.results.folders import output_error

SOBOL_COLUMNS = ("outcome", "parameter", "S1", "S1_conf", "S1_low", "S1_high",
                 "ST", "ST_conf", "ST_low", "ST_high")  # fmt: skip
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


def sensitivity(db: str | Path) -> pd.DataFrame:
    """Sobol or Morris indices of every outcome of a sweep database.

    Returns
    -------
    DataFrame
        Sobol: :data:`SOBOL_COLUMNS`; Morris: :data:`MORRIS_COLUMNS`; one row per
        (outcome, parameter). A ``method`` attribute (``frame.attrs["method"]``) names which,
        and ``constant`` lists the outcomes that do not vary over the design.

    Raises
    ------
    ScenarioError
        If the sweep is not ``sobol``/``morris`` or a design point has no finished run.
    """
    from SALib.analyze import morris, sobol

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
    return frame


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

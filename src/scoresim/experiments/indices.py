"""The indices of one outcome by one method, and the one-line warnings they call for.

``sobol`` and ``morris`` are SALib's (Saltelli et al. 2010, doi:10.1016/j.cpc.2009.09.018;
Campolongo, Cariboni and Saltelli 2007, doi:10.1016/j.envsoft.2006.10.004); ``src`` and ``prcc``
are :mod:`~scoresim.experiments.regression`'s. Each method gives one row per parameter, in the
columns named below, and NaN where an index is undefined (an outcome that does not vary).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoresim.experiments import regression

METHODS = ("sobol", "morris", "src", "prcc")
#: Columns of each method's table after ``outcome`` and ``parameter``.
COLUMNS = {
    "sobol": ("S1", "S1_conf", "S1_low", "S1_high", "ST", "ST_conf", "ST_low", "ST_high"),
    "morris": ("mu", "mu_star", "sigma", "mu_star_conf"),
    "src": ("SRC", "SRC_low", "SRC_high", "R2"),
    "prcc": ("PRCC", "PRCC_low", "PRCC_high", "p_value", "R2"),
}
#: The index each method's figures draw, with its interval's ends.
MAIN = {
    "sobol": ("ST", "ST_low", "ST_high"),
    "morris": ("mu_star", None, None),
    "src": ("SRC", "SRC_low", "SRC_high"),
    "prcc": ("PRCC", "PRCC_low", "PRCC_high"),
}
#: Below this R², a regression's coefficients explain too little of the outcome to rank
#: the parameters by (Saltelli et al. 2008, *The Primer*, section 1.2.5, uses 0.7).
MIN_R2 = 0.7
#: How far ``S1`` may pass ``ST``, or the ``S1`` sum pass 1, before it is more than the
#: estimators' error at a sample large enough to read them (Saltelli et al. 2010's estimators
#: err by a few hundredths at a few hundred base samples).
SOBOL_SLACK = 0.05


@dataclass(frozen=True)
class Design:
    """What the methods read of a sweep: the SALib problem, the problem-space design (Sobol,
    Morris), the values applied (the regressions), the Morris levels and the bootstrap seed."""

    problem: dict[str, Any]
    X: np.ndarray
    values: np.ndarray
    num_levels: int
    second_order: bool
    seed: int
    samples: int

    @property
    def names(self) -> list[str]:
        return list(self.problem["names"])


def outcome_rows(method: str, design: Design, Y: np.ndarray,
                 resamples: int = regression.RESAMPLES) -> list[list[float]]:  # fmt: skip
    """One row per parameter of ``method``'s :data:`COLUMNS` for the outcome values ``Y``
    (one per design point)."""
    from SALib.analyze import morris, sobol

    d = len(design.names)
    constant = bool(np.ptp(Y) == 0)
    if method == "morris":
        res = _quiet(morris.analyze, design.problem, design.X, Y, num_levels=design.num_levels,
                     conf_level=0.95, print_to_console=False, seed=design.seed)  # fmt: skip
        return [[float(res[k][i]) for k in ("mu", "mu_star", "sigma", "mu_star_conf")]
                for i in range(d)]  # fmt: skip
    if constant:  # shares of a variance of 0, correlations with a constant: undefined
        return [[math.nan] * len(COLUMNS[method]) for _ in range(d)]
    if method == "sobol":
        res = _quiet(sobol.analyze, design.problem, Y, calc_second_order=design.second_order,
                     conf_level=0.95, print_to_console=False, seed=design.seed)  # fmt: skip
        rows = []
        for i in range(d):
            s1, s1c, st, stc = (float(res[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf"))
            rows.append([s1, s1c, s1 - s1c, s1 + s1c, st, stc, st - stc, st + stc])
        return rows
    fit = regression.prcc if method == "prcc" else regression.src
    with np.errstate(all="ignore"):
        coefficients, r2 = fit(design.values, Y)
        low, high = regression.bootstrap(design.values, Y, method, design.seed, resamples)
    if method == "src":
        return [[float(coefficients[i]), low[i], high[i], r2] for i in range(d)]
    p = regression.prcc_p_values(coefficients, Y.size)
    return [[float(coefficients[i]), low[i], high[i], float(p[i]), r2] for i in range(d)]


def outcome_warning(method: str, outcome: str, names: list[str], rows: list[list[float]],
                    samples: int) -> str | None:  # fmt: skip
    """The one-line warning an outcome's indices call for, if any: a regression whose R² is
    below :data:`MIN_R2` (the response is not linear, or for ``prcc`` not monotone, in the
    parameters), or Sobol indices that break their bounds (``S1 > ST``, ``S1`` summing past 1:
    the sample is too small for them)."""
    columns = COLUMNS[method]
    if method in ("src", "prcc"):
        r2 = rows[0][columns.index("R2")] if rows else math.nan
        if math.isfinite(r2) and r2 < MIN_R2:
            shape = "linear" if method == "src" else "monotone"
            return (f"{outcome}: R2 = {r2:.2f} < {MIN_R2}: the response is not {shape} in the "
                    f"parameters, so {method.upper()} ranks them poorly "
                    "(use sobol or morris)")  # fmt: skip
        return None
    if method != "sobol":
        return None
    s1 = np.array([r[columns.index("S1")] for r in rows])
    st = np.array([r[columns.index("ST")] for r in rows])
    if not np.isfinite(s1).all() or not np.isfinite(st).all():
        return None
    broken = [n for n, a, b in zip(names, s1, st, strict=True) if a > b + SOBOL_SLACK]
    total = float(s1.sum())
    if not broken and total <= 1.0 + SOBOL_SLACK:
        return None
    why = [f"S1 > ST for {', '.join(broken)}"] if broken else []
    if total > 1.0 + SOBOL_SLACK:
        why.append(f"the S1 sum to {total:.2f} > 1")
    return (f"{outcome}: {' and '.join(why)}: the sample is too small for these indices "
            f"(samples = {samples}; raise it)")


def _quiet(analyze: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a SALib analysis without its numpy and Python warnings reaching standard error (an
    outcome that barely varies divides by a tiny variance; the table says what is undefined)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return analyze(*args, **kwargs)

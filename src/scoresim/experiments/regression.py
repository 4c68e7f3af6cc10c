"""Regression-based sensitivity: standardised regression coefficients (SRC) and partial rank
correlation coefficients (PRCC), with percentile bootstrap intervals.

Both come from a correlation matrix of the inputs and the output:

- **SRC** (Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*, section 1.2.5): the
  coefficients of the least-squares fit of the standardised output on the standardised inputs,
  ``SRC = Rxx^-1 rxy``, with the fit's ``R2 = rxy' Rxx^-1 rxy``. They rank the parameters only as
  far as the response is linear: ``R2`` says how far that is.
- **PRCC** (Marino, Hogue, Ray and Kirschner 2008, doi:10.1016/j.jtbi.2008.04.011): the
  correlation between the ranks of a parameter and of the output once the linear effect of the
  other parameters' ranks is removed from both (the residuals of two least-squares fits). It
  measures a monotone relation, however non-linear; its ``R2`` is that of the rank regression
  (Saltelli's ``R2*``), and its ``p_value`` the t-test of Marino et al.'s equation (9) with
  ``n - 2 - (k - 1)`` degrees of freedom.

SALib has neither (it has Sobol, Morris, FAST, delta, DGSM, PAWN, HDMR and others), so they are
computed here with numpy. The bootstrap resamples the design points (``resamples`` times, seeded,
so a rerun gives the same intervals) and recomputes the coefficients, ranks included.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

#: Bootstrap resamples of an interval, and its level.
RESAMPLES = 1000
LEVEL = 0.95
#: Resamples held in memory at once.
_CHUNK = 100


def src(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Standardised regression coefficients of ``y`` on the columns of ``X``, and the fit's R².

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]])
    >>> coefficients, r2 = src(x, 2 * x[:, 0] - x[:, 1])  # 2 sd(x0) / sd(y), -sd(x1) / sd(y)
    >>> np.round(coefficients, 4).tolist(), round(r2, 6)
    ([1.0541, -0.3333], 1.0)
    """
    coefficients, r2 = _src(_correlations(_stack(X, y)[None]))
    return coefficients[0], float(r2[0])


def prcc(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Partial rank correlation coefficients of ``y`` with each column of ``X``, and the R² of
    the rank regression.

    Examples
    --------
    >>> x = np.array([[0.1, 3.0], [0.4, 1.0], [0.2, 2.0], [0.9, 0.5], [0.5, 4.0]])
    >>> coefficients, _ = prcc(x, np.exp(10 * x[:, 0]))  # monotone in the first column only
    >>> coefficients.tolist()  # the second is undefined: the first fixes the output's ranks
    [1.0, nan]
    """
    coefficients, r2 = _prcc(_ranks(_stack(X, y)[None]))
    return coefficients[0], float(r2[0])


def prcc_p_values(coefficients: np.ndarray, n: int) -> np.ndarray:
    """Two-sided p-values of PRCCs from ``n`` points (Marino et al. 2008, eq. 9): ``t = r
    sqrt((n - 2 - p) / (1 - r^2))`` with ``n - 2 - p`` degrees of freedom, ``p`` the number of
    parameters held fixed (all but one).

    Examples
    --------
    >>> prcc_p_values(np.array([0.0, 0.9]), 30).round(4).tolist()
    [1.0, 0.0]
    """
    r = np.asarray(coefficients, dtype=np.float64)
    dof = n - 2 - (r.size - 1)
    if dof <= 0:
        return np.full(r.shape, math.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r * np.sqrt(dof / (1.0 - r**2))
    return 2.0 * stats.t.sf(np.abs(t), dof)


def bootstrap(
    X: np.ndarray, y: np.ndarray, method: str, seed: int, resamples: int = RESAMPLES,
    level: float = LEVEL,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Percentile bootstrap interval of each coefficient (``method`` ``src`` or ``prcc``):
    ``(low, high)`` arrays, NaN where too few resamples give a value.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((50, 2))
    >>> low, high = bootstrap(x, x[:, 0] + 0.1 * rng.random(50), "src", seed=1)
    >>> bool(low[0] < src(x, x[:, 0] + 0.0)[0][0] <= high[0] + 0.2), bool(high[1] < 0.3)
    (True, True)
    """
    data = _stack(X, y)
    n = data.shape[0]
    rng = np.random.default_rng(seed)
    found = []
    for start in range(0, resamples, _CHUNK):
        rows = rng.integers(0, n, size=(min(_CHUNK, resamples - start), n))
        sample = data[rows]
        if method == "prcc":
            found.append(_prcc(_ranks(sample))[0])
        else:
            found.append(_src(_correlations(sample))[0])
    values = np.concatenate(found)
    tail = (1.0 - level) / 2.0
    low = np.full(data.shape[1] - 1, math.nan)
    high = low.copy()
    for i in range(low.size):
        column = values[:, i][np.isfinite(values[:, i])]
        if column.size >= resamples // 2:  # most resamples defined it
            low[i], high[i] = np.quantile(column, [tail, 1.0 - tail])
    return low, high


# --------------------------------------------------------------------------- the algebra
def _stack(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([X.reshape(len(X), -1), np.asarray(y, dtype=np.float64)])


def _ranks(data: np.ndarray) -> np.ndarray:
    """Ranks within each column (ties get their mean rank), for each stacked sample."""
    return stats.rankdata(data, axis=1)


def _correlations(data: np.ndarray) -> np.ndarray:
    """Pearson correlation matrices of stacked samples ``(B, n, k)`` -> ``(B, k, k)``; NaN
    where a column is constant."""
    centred = data - data.mean(axis=1, keepdims=True)
    cov = np.einsum("bni,bnj->bij", centred, centred)
    sd = np.sqrt(np.einsum("bii->bi", cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        return cov / (sd[:, :, None] * sd[:, None, :])


def _src(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``SRC = Rxx^-1 rxy`` and ``R2 = rxy . SRC`` of each correlation matrix."""
    out = np.full(corr.shape[:2], math.nan)
    coefficients, r2 = out[:, :-1], out[:, -1]
    for b, matrix in enumerate(corr):
        if not np.isfinite(matrix).all():
            continue
        rxx, rxy = matrix[:-1, :-1], matrix[:-1, -1]
        try:
            beta = np.linalg.solve(rxx, rxy)
        except np.linalg.LinAlgError:  # collinear parameters: no unique coefficients
            continue
        coefficients[b], r2[b] = beta, rxy @ beta
    return coefficients, r2


def _prcc(ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PRCCs of stacked rank samples ``(B, n, k)``: for each parameter, the correlation of the
    residuals of its ranks and of the output's ranks, each fitted (least squares, with an
    intercept) on the other parameters' ranks; and the R² of the rank regression. NaN where a
    residual is 0 throughout (a parameter or output that the others fix)."""
    B, n, k = ranks.shape
    out = np.full((B, k), math.nan)
    out[:, -1] = _src(_correlations(ranks))[1]
    ones = np.ones((B, n, 1))
    for i in range(k - 1):
        others = np.concatenate([ones, np.delete(ranks, [i, k - 1], axis=2)], axis=2)
        both = ranks[:, :, [i, k - 1]]
        gram = np.einsum("bnj,bnl->bjl", others, others)
        try:
            coef = np.linalg.solve(gram, np.einsum("bnj,bnl->bjl", others, both))
        except np.linalg.LinAlgError:  # collinear parameters in some resample: one at a time
            coef = np.stack([np.linalg.lstsq(others[b], both[b], rcond=None)[0]
                             for b in range(B)])  # fmt: skip
        resid = both - others @ coef
        resid[np.abs(resid) < 1e-9 * n] = 0.0
        corr = _correlations(resid)
        out[:, i] = np.clip(corr[:, 0, 1], -1.0, 1.0)
    return out[:, :-1], out[:, -1]

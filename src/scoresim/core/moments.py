"""Statistics the kernels and the metrics share: the totals of per-chunk sums (the kernels that
sum over agents in fixed chunks), a correlation from running sums or from centred co-moments,
percentiles of an ordered array."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

NAN = float("nan")


def pearson_of_sums(
    count: float, ax: float, ay: float, axx: float, ayy: float, axy: float
) -> float:
    """Pearson's correlation of ``count`` pairs from their sums (``ax`` = sum x, ``axx`` = sum
    x^2, ``axy`` = sum xy, ...): the covariance over the product of the two standard deviations
    (ddof 0). The caller tells zero variance (NaN) before calling; fewer than two pairs, or a
    variance that rounding left at or below 0 or not finite: NaN. Raw sums cancel when a
    variable is nearly constant: :func:`merge_comoments` and :func:`pearson_of_comoments` do not.

    >>> xs, ys = [1.0, 2.0, 4.0], [2.0, 4.0, 8.5]
    >>> sums = [sum(x * y for x, y in zip(a, b)) for a, b in ((xs, xs), (ys, ys), (xs, ys))]
    >>> round(pearson_of_sums(3, sum(xs), sum(ys), *sums), 6)
    0.999597
    """
    if count < 2:
        return NAN
    mx, my = ax / count, ay / count
    cov = axy / count - mx * my
    var_x, var_y = axx / count - mx * mx, ayy / count - my * my
    if not (0.0 < var_x < math.inf and 0.0 < var_y < math.inf):
        return NAN
    return float(cov / math.sqrt(var_x * var_y))


@njit(cache=True, nogil=True)
def column_sums(rows: np.ndarray) -> np.ndarray:
    """The total of each column of ``rows`` (a kernel's per-chunk sums, one row per chunk; float
    or integer), summed from 0 one row after the other in row order, so the bits depend only
    on the rows and not on the threads that filled them. Element by element: in a
    ``parallel=True`` kernel an array expression would be a parallel region of its own (this
    is compiled apart).

    >>> column_sums(np.array([[1.0, 2.0], [0.5, 0.25]]))
    array([1.5 , 2.25])
    """
    total = np.zeros(rows.shape[1], rows.dtype)
    for c in range(rows.shape[0]):
        for k in range(rows.shape[1]):
            total[k] += rows[c, k]
    return total


@njit(cache=True, nogil=True)
def count_total(counts: np.ndarray) -> int:
    """The exact total of a non-negative count array of any shape and integer width: numpy's
    ``counts.sum()`` (whose accumulator for a narrow count is a cast per element), as one
    vectorised loop.

    >>> count_total(np.array([[255, 1], [3, 4]], np.uint8))
    263
    """
    total = 0
    for v in counts.ravel():
        total += np.int64(v)
    return total


#: the columns of a row of centred co-moments: the count, the two means and the sums of
#: ``(x - mean_x)^2``, ``(y - mean_y)^2`` and ``(x - mean_x)(y - mean_y)``
COMOMENTS = 6


@njit(cache=True, nogil=True)
def merge_comoments(rows: np.ndarray) -> np.ndarray:
    """Centred co-moments of the union of disjoint parts, merged one row after the other in row
    order (so the bits depend only on the rows), by the pairwise update of Chan, Golub and
    LeVeque (1979, 1983) extended to the co-moment: a part of ``n_b`` pairs with means ``m_b``
    adds its sums plus ``d_x d_y n_a n_b / n`` where ``d = m_b - m_a``. Rows and the result are
    ``(count, mean_x, mean_y, cxx, cyy, cxy)``; rows with count 0 are skipped.

    Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). Algorithms for computing the sample
    variance: analysis and recommendations. *The American Statistician* 37(3), 242-247.
    """
    total = np.zeros(COMOMENTS)
    for r in range(rows.shape[0]):
        n_b = rows[r, 0]
        if n_b == 0:
            continue
        n = total[0] + n_b
        dx, dy = rows[r, 1] - total[1], rows[r, 2] - total[2]
        share = n_b / n
        weight = total[0] * share  # n_a n_b / n
        total[1] += dx * share
        total[2] += dy * share
        total[3] += rows[r, 3] + dx * dx * weight
        total[4] += rows[r, 4] + dy * dy * weight
        total[5] += rows[r, 5] + dx * dy * weight
        total[0] = n
    return total


def pearson_of_comoments(count: float, cxx: float, cyy: float, cxy: float) -> float:
    """Pearson's correlation from centred co-moments (:func:`merge_comoments`'s last three
    columns), clipped to [-1, 1] as numpy's ``corrcoef`` is: NaN with fewer than two pairs or
    when either variance is 0 (or not finite).

    >>> pearson_of_comoments(3, 4.0, 9.0, -6.0)
    -1.0
    >>> pearson_of_comoments(3, 2.0, 0.0, 0.0)
    nan
    """
    if count < 2 or not (0.0 < cxx < math.inf and 0.0 < cyy < math.inf):
        return NAN
    return float(min(1.0, max(-1.0, cxy / (math.sqrt(cxx) * math.sqrt(cyy)))))


def percentile_positions(size: int, q: float) -> tuple[int, int, float]:
    """Where the ``q``-th percentile of ``size`` ordered values lies, linearly interpolated
    (numpy's default method): between positions ``lo`` and ``hi`` at ``frac``.

    >>> percentile_positions(4, 50)
    (1, 2, 0.5)
    """
    h = (size - 1) * q / 100.0
    lo = int(np.floor(h))
    return lo, min(lo + 1, size - 1), h - lo


def percentiles_of_sorted(x: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """Percentiles of an ascending array, linearly interpolated (numpy's default method). Only
    the values at :func:`percentile_positions` are read: an array partitioned there will do.

    Examples
    --------
    >>> percentiles_of_sorted(np.array([1.0, 2.0, 3.0, 4.0]), (10, 50, 90))
    [1.3, 2.5, 3.7]
    """
    out = []
    for q in qs:
        lo, hi, frac = percentile_positions(x.size, q)
        out.append(float(x[lo] + frac * (x[hi] - x[lo])))
    return out

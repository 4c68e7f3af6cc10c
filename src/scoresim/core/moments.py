"""Statistics the kernels and the metrics share: a correlation from running sums (the kernels
that sum over agents in fixed chunks), percentiles of an ordered array."""

from __future__ import annotations

import math

import numpy as np

NAN = float("nan")


def pearson_of_sums(
    count: float, ax: float, ay: float, axx: float, ayy: float, axy: float
) -> float:
    """Pearson's correlation of ``count`` pairs from their sums (``ax`` = sum x, ``axx`` = sum
    x^2, ``axy`` = sum xy, ...): the covariance over the product of the two standard deviations
    (ddof 0). The caller tells zero variance (NaN) before calling; fewer than two pairs: NaN.

    >>> xs, ys = [1.0, 2.0, 4.0], [2.0, 4.0, 8.5]
    >>> sums = [sum(x * y for x, y in zip(a, b)) for a, b in ((xs, xs), (ys, ys), (xs, ys))]
    >>> round(pearson_of_sums(3, sum(xs), sum(ys), *sums), 6)
    0.999597
    """
    if count < 2:
        return NAN
    mx, my = ax / count, ay / count
    cov = axy / count - mx * my
    return float(cov / math.sqrt((axx / count - mx * mx) * (ayy / count - my * my)))


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

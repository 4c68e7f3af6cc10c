"""Statistics from running sums, for the kernels that sum over agents in fixed chunks."""

from __future__ import annotations

import math

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

"""PRIM, the patient rule induction method (Friedman and Fisher 1999,
doi:10.1023/A:1008894516817), as scenario discovery uses it (Bryant and Lempert 2010,
doi:10.1016/j.techfore.2009.08.002).

Given the inputs ``X`` of many runs and which runs are *of interest* (``y``, an outcome past a
threshold), PRIM looks for a box (an interval of each input) where the runs of interest are
dense. It starts from the box holding every run and *peels*: at each step it tries, for every
input, cutting off the ``alpha`` share of the box's runs with the lowest or the highest values,
and keeps the cut that leaves the highest share of runs of interest in the box. Each step is one
box of the *peeling trajectory*, with its

- **coverage**: the share of all runs of interest that lie in the box;
- **density**: the share of the box's runs that are of interest;
- **mass**: the share of all runs in the box.

Peeling stops when a cut would leave less than ``min_mass`` of the runs. The box chosen is the
largest with a coverage of at least ``min_coverage`` whose density is within two standard
errors of the densest such box. A
chosen box is then
*pasted*: its sides move back out, a few runs at a time, while the density stays as high or
higher (a peel that overshot, or only tracked noise, is undone). A restricted input's
**quasi-p-value** (Bryant and Lempert 2010, section 3.3) is the one-sided
binomial probability of finding at least the box's runs of interest among its runs, were the
density that of the box with that restriction lifted: a large value says the restriction adds
little. Discrete inputs (few distinct values) are peeled one value at a time when an ``alpha``
cut would remove nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

#: Share of the box's runs one peel removes, the smallest mass of a box, the least coverage
#: of the chosen box (EMA workbench's defaults for the first two).
ALPHA, MIN_MASS, MIN_COVERAGE = 0.05, 0.05, 0.5
#: Share of the box's runs one pasting step takes in.
PASTE = 0.01
#: How close to the densest box's density (in its binomial standard errors) the chosen, larger
#: box must come.
STANDARD_ERRORS = 2.0


@dataclass(frozen=True)
class Box:
    """Lower and upper bounds of each input (inclusive), and the statistics of the runs in it."""

    lower: np.ndarray
    upper: np.ndarray
    coverage: float
    density: float
    mass: float

    def contains(self, X: np.ndarray) -> np.ndarray:
        """Which rows of ``X`` lie in the box."""
        return ((self.lower <= X) & (self.upper >= X)).all(axis=1)


@dataclass(frozen=True)
class Prim:
    """A peeling trajectory, the chosen box and the inputs it restricts."""

    names: tuple[str, ...]
    trajectory: tuple[Box, ...]
    chosen: int
    box: Box
    restricted: pd.DataFrame

    def trajectory_frame(self) -> pd.DataFrame:
        """One row per peeling step: ``step``, ``coverage``, ``density``, ``mass``,
        ``restricted`` (how many inputs the box restricts), ``chosen``, then each input's
        ``<name>.low`` and ``<name>.high``."""
        first = self.trajectory[0]
        rows = []
        for i, b in enumerate(self.trajectory):
            narrowed = int(((b.lower > first.lower) | (b.upper < first.upper)).sum())
            rows.append([i, b.coverage, b.density, b.mass, narrowed, i == self.chosen,
                         *np.column_stack([b.lower, b.upper]).ravel()])  # fmt: skip
        bounds = [f"{n}.{side}" for n in self.names for side in ("low", "high")]
        return pd.DataFrame(rows, columns=["step", "coverage", "density", "mass", "restricted",
                                           "chosen", *bounds])  # fmt: skip


def prim(X: np.ndarray, y: np.ndarray, names: Sequence[str], alpha: float = ALPHA,
         min_mass: float = MIN_MASS, min_coverage: float = MIN_COVERAGE) -> Prim:  # fmt: skip
    """Peel ``X`` (runs x inputs) towards the runs where ``y`` is true; see the module.

    Returns
    -------
    Prim
        The trajectory, the chosen box, and ``restricted``: one row per input the chosen box
        narrows, with ``parameter``, ``low`` and ``high`` (NaN on a side left open) and
        ``quasi_p``.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> X = rng.random((2000, 3))
    >>> y = (X[:, 0] > 0.6) & (X[:, 2] < 0.5)
    >>> found = prim(X, y, ["a", "b", "c"])
    >>> found.restricted[["parameter", "low", "high"]].round(1).values.tolist()
    [['a', 0.6, nan], ['c', nan, 0.5]]
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    if X.ndim != 2 or X.shape[0] != y.size or X.shape[1] != len(names):
        raise ValueError("prim: X must be runs x inputs, y one value per run")
    total, interest = y.size, int(y.sum())
    lower, upper = X.min(axis=0), X.max(axis=0)
    inside = np.ones(total, dtype=bool)
    trajectory = [_box(lower, upper, inside, y, interest)]
    while True:
        best = None
        for j in range(X.shape[1]):
            for cut in _cuts(X[inside, j], alpha):
                keep = inside & (X[:, j] >= cut[0]) & (X[:, j] <= cut[1])
                mass = keep.sum() / total
                if mass < min_mass or keep.sum() == inside.sum():
                    continue
                density = y[keep].mean()
                if best is None or (density, mass) > best[0]:
                    best = ((density, mass), j, cut, keep)
        if best is None:
            break
        _, j, cut, inside = best
        lower, upper = lower.copy(), upper.copy()
        lower[j], upper[j] = cut
        trajectory.append(_box(lower, upper, inside, y, interest))
    chosen = _choose(trajectory, min_coverage, total)
    box = _paste(X, y, trajectory[0], trajectory[chosen], interest)
    restricted = _restricted(X, y, trajectory[0], box, names)
    return Prim(tuple(names), tuple(trajectory), chosen, box, restricted)


def _box(lower: np.ndarray, upper: np.ndarray, inside: np.ndarray, y: np.ndarray,
         interest: int) -> Box:  # fmt: skip
    n = int(inside.sum())
    hits = int(y[inside].sum())
    return Box(lower, upper, coverage=hits / interest if interest else float("nan"),
               density=hits / n if n else float("nan"), mass=n / y.size)  # fmt: skip


def _cuts(values: np.ndarray, alpha: float) -> list[tuple[float, float]]:
    """The two peels of one input, as its new ``(low, high)``: the ``alpha`` share of the box's
    runs with the lowest values cut off, or with the highest; a value shared by more than that
    share goes whole. An input with one value left cannot be peeled."""
    distinct = np.unique(values)
    if distinct.size < 2:
        return []
    ordered = np.sort(values)
    k = max(1, int(np.floor(alpha * values.size)))
    low = ordered[k] if ordered[k] > ordered[0] else distinct[1]
    high = ordered[-1 - k] if ordered[-1 - k] < ordered[-1] else distinct[-2]
    return [(float(low), float(ordered[-1])), (float(ordered[0]), float(high))]


def _choose(trajectory: Sequence[Box], min_coverage: float, runs: int) -> int:
    """The largest box with enough coverage whose density is within :data:`STANDARD_ERRORS`
    binomial standard errors of the densest such box (in the spirit of the one-standard-error
    rule of Breiman et al. 1984, *Classification and Regression Trees*, section 3.4.3: where the
    density is flat, peeling further only follows the noise); the first box if none has enough
    coverage."""
    eligible = [i for i, b in enumerate(trajectory) if b.coverage >= min_coverage]
    if not eligible:
        return 0
    best = max(eligible, key=lambda i: trajectory[i].density)
    density, n = trajectory[best].density, trajectory[best].mass * runs
    error = STANDARD_ERRORS * np.sqrt(density * (1.0 - density) / n)
    return next(i for i in eligible if trajectory[i].density >= density - error)


def _paste(X: np.ndarray, y: np.ndarray, full: Box, box: Box, interest: int,
           share: float = PASTE) -> Box:  # fmt: skip
    """Grow ``box`` back while its density does not fall (Friedman and Fisher 1999, section
    8): at each step, for every restricted side, the ``share`` of the box's runs nearest to it
    outside (within the other restrictions) are taken in, and the side giving the densest box
    moves; a side with no run left beyond it goes back to the full range."""
    while True:
        best = None
        count = max(1, int(np.floor(share * box.mass * y.size)))
        for j in range(X.shape[1]):
            others = np.delete(np.arange(X.shape[1]), j)
            within = ((X[:, others] >= box.lower[others])
                      & (X[:, others] <= box.upper[others])).all(axis=1)  # fmt: skip
            for side in ("lower", "upper"):
                bound = getattr(box, side)
                if bound[j] == getattr(full, side)[j]:
                    continue
                beyond = X[within, j]
                beyond = beyond[beyond < bound[j]] if side == "lower" else beyond[beyond > bound[j]]
                moved = bound.copy()
                if beyond.size == 0:
                    moved[j] = getattr(full, side)[j]
                else:
                    nearest = np.sort(beyond)[::-1] if side == "lower" else np.sort(beyond)
                    moved[j] = nearest[min(count, nearest.size) - 1]
                lower, upper = (moved, box.upper) if side == "lower" else (box.lower, moved)
                inside = ((lower <= X) & (upper >= X)).all(axis=1)
                grown = _box(lower, upper, inside, y, interest)
                if grown.density >= box.density and (best is None or
                                                      grown.density > best.density):
                    best = grown
        if best is None:
            return box
        box = best


def _restricted(X: np.ndarray, y: np.ndarray, full: Box, box: Box,
                names: Sequence[str]) -> pd.DataFrame:  # fmt: skip
    """The inputs the box narrows, with their bounds and quasi-p-values."""
    inside = box.contains(X)
    n, hits = int(inside.sum()), int(y[inside].sum())
    rows = []
    for j, name in enumerate(names):
        low = box.lower[j] if box.lower[j] > full.lower[j] else np.nan
        high = box.upper[j] if box.upper[j] < full.upper[j] else np.nan
        if np.isnan(low) and np.isnan(high):
            continue
        lifted_lower, lifted_upper = box.lower.copy(), box.upper.copy()
        lifted_lower[j], lifted_upper[j] = full.lower[j], full.upper[j]
        lifted = ((lifted_lower <= X) & (lifted_upper >= X)).all(axis=1)
        base = y[lifted].mean()
        quasi_p = stats.binomtest(hits, n, base, alternative="greater").pvalue if n else np.nan
        rows.append([name, float(low), float(high), float(quasi_p)])
    return pd.DataFrame(rows, columns=["parameter", "low", "high", "quasi_p"])

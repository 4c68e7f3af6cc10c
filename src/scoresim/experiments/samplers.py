"""Experimental designs: ``grid``, ``random``, ``lhs``, ``sobol`` and ``morris``.

Every sampler returns a matrix ``X`` (one row per design point, one column per parameter) in
*problem space*: a range parameter's column lies in ``[low, high]``, a value-list parameter's in
``[0, len(values)]`` and is read as the index ``floor(x)`` (the last value for ``x = len``).
:meth:`Parameter.value` turns a column entry into the scenario value. ``sobol`` and ``morris``
use SALib (Saltelli's scheme; Morris trajectories), ``lhs`` scipy's Latin hypercube, ``random``
a numpy Generator; all are seeded, so a sweep's design is reproducible.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

SAMPLERS = ("grid", "random", "lhs", "sobol", "morris")


@dataclass(frozen=True)
class Parameter:
    """One varied scenario field: a range ``[low, high]`` or a list of values.

    Parameters
    ----------
    name : str
        Dotted scenario field path, e.g. ``"adoption.imitation"``.
    low, high : float, optional
        The range (both or neither).
    values : tuple, optional
        The values to choose from (instead of a range).
    integer : bool
        Round range samples to integers (for integer fields such as ``population.agents``).
    log : bool
        A log-uniform range: the column is ``log(value)`` on ``[log low, log high]``, so every
        sampler spreads its points evenly over orders of magnitude.
    levels : int
        Number of grid levels of a range under the ``grid`` sampler.

    Examples
    --------
    >>> p = Parameter("graph.rewire", values=(0.01, 0.1, 1.0))
    >>> p.bounds, p.value(2.4), p.value(3.0)
    ((0.0, 3.0), 1.0, 1.0)
    >>> Parameter("graph.degree", low=2, high=10, integer=True).value(4.6)
    5
    >>> q = Parameter("expression.threshold.a", low=0.5, high=10.0, log=True)
    >>> [round(q.value(x), 6) for x in q.bounds]
    [0.5, 10.0]
    """

    name: str
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    integer: bool = False
    levels: int = 3
    log: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        """The column's interval in problem space."""
        if self.values is not None:
            return 0.0, float(len(self.values))
        assert self.low is not None and self.high is not None
        if self.log:
            return math.log(self.low), math.log(self.high)
        return float(self.low), float(self.high)

    def value(self, x: float) -> Any:
        """The scenario value of a problem-space coordinate."""
        if self.values is not None:
            return self.values[min(max(math.floor(x), 0), len(self.values) - 1)]
        if self.log:
            assert self.low is not None and self.high is not None
            x = min(max(math.exp(x), self.low), self.high)  # exp(log(x)) may step just outside
        if self.integer:
            return round(float(x))
        return float(x)

    def grid(self) -> np.ndarray:
        """The problem-space coordinates of this parameter's grid levels."""
        if self.values is not None:
            return np.arange(len(self.values), dtype=np.float64)
        lo, hi = self.bounds
        points = np.linspace(lo, hi, self.levels)
        if self.integer and not self.log:  # a log grid is rounded in value()
            points = np.unique(np.round(points))
        return points


def problem(parameters: Sequence[Parameter]) -> dict[str, Any]:
    """The SALib problem dictionary of these parameters.

    Examples
    --------
    >>> problem([Parameter("a.b", low=0.0, high=2.0)])
    {'num_vars': 1, 'names': ['a.b'], 'bounds': [[0.0, 2.0]]}
    """
    return {"num_vars": len(parameters), "names": [p.name for p in parameters],
            "bounds": [list(p.bounds) for p in parameters]}  # fmt: skip


def grid(parameters: Sequence[Parameter]) -> np.ndarray:
    """Full factorial design: every combination of every parameter's levels.

    Examples
    --------
    >>> X = grid([Parameter("a", values=("x", "y")), Parameter("b", low=0, high=1, levels=3)])
    >>> X.shape, X[:, 1].tolist()[:3]
    ((6, 2), [0.0, 0.5, 1.0])
    """
    axes = [p.grid() for p in parameters]
    return np.array(list(itertools.product(*axes)), dtype=np.float64).reshape(-1, len(axes))


def random(parameters: Sequence[Parameter], samples: int, seed: int) -> np.ndarray:
    """Independent uniform draws within each parameter's bounds.

    Examples
    --------
    >>> X = random([Parameter("a", low=1.0, high=2.0)], 5, seed=0)
    >>> X.shape, bool(((X >= 1) & (X <= 2)).all())
    ((5, 1), True)
    """
    rng = np.random.default_rng(seed)
    unit = rng.random((samples, len(parameters)))
    return _scale(unit, parameters)


def lhs(parameters: Sequence[Parameter], samples: int, seed: int) -> np.ndarray:
    """Latin hypercube: each parameter's range cut into ``samples`` strata, one point in each.

    Examples
    --------
    >>> X = lhs([Parameter("a", low=0.0, high=1.0)], 4, seed=1)
    >>> sorted(np.floor(X[:, 0] * 4).astype(int).tolist())
    [0, 1, 2, 3]
    """
    unit = qmc.LatinHypercube(d=len(parameters), rng=np.random.default_rng(seed)).random(samples)
    return _scale(unit, parameters)


def sobol(
    parameters: Sequence[Parameter], samples: int, seed: int, second_order: bool = False
) -> np.ndarray:
    """Saltelli's design for Sobol indices (SALib): ``N (D + 2)`` rows, ``N (2D + 2)`` with
    second-order indices, for base size ``N = samples`` (a power of 2).

    Examples
    --------
    >>> sobol([Parameter("a", low=0, high=1), Parameter("b", low=0, high=1)], 8, seed=1).shape
    (32, 2)
    """
    from SALib.sample import sobol as salib_sobol

    return np.asarray(salib_sobol.sample(problem(parameters), samples,
                                         calc_second_order=second_order, seed=seed))  # fmt: skip


def morris(
    parameters: Sequence[Parameter], samples: int, seed: int, num_levels: int = 4
) -> np.ndarray:
    """Morris elementary-effects design (SALib): ``samples`` trajectories of ``D + 1`` points.

    Examples
    --------
    >>> morris([Parameter("a", low=0, high=1), Parameter("b", low=0, high=1)], 5, seed=1).shape
    (15, 2)
    """
    from SALib.sample import morris as salib_morris

    return np.asarray(salib_morris.sample(problem(parameters), samples, num_levels=num_levels,
                                          seed=seed))  # fmt: skip


def design(
    sampler: str,
    parameters: Sequence[Parameter],
    samples: int,
    seed: int,
    *,
    second_order: bool = False,
    num_levels: int = 4,
) -> np.ndarray:
    """Dispatch to the named sampler.

    Examples
    --------
    >>> design("random", [Parameter("a", low=0, high=1)], 3, seed=2).shape
    (3, 1)
    """
    if sampler == "grid":
        return grid(parameters)
    if sampler == "random":
        return random(parameters, samples, seed)
    if sampler == "lhs":
        return lhs(parameters, samples, seed)
    if sampler == "sobol":
        return sobol(parameters, samples, seed, second_order)
    if sampler == "morris":
        return morris(parameters, samples, seed, num_levels)
    raise ValueError(f"sampler: unknown sampler {sampler!r}")


def _scale(unit: np.ndarray, parameters: Sequence[Parameter]) -> np.ndarray:
    lo = np.array([p.bounds[0] for p in parameters])
    hi = np.array([p.bounds[1] for p in parameters])
    return lo + unit * (hi - lo)

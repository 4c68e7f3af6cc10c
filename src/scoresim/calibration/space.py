"""The parameter space of a calibration: a box of uniform or log-uniform priors.

Both methods work in *prior coordinates* ``z``: ``z = x`` for a uniform prior and ``z = ln x``
for a log-uniform one, so every prior is uniform on the box ``[z_low, z_high]`` and its
density is a constant there (the importance weights of ABC-SMC need no prior term beyond the
box test).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Prior:
    """One calibrated scenario field.

    Examples
    --------
    >>> p = Prior("adoption.imitation", 0.001, 0.1, log=True)
    >>> round(p.natural(p.z_low), 6), round(p.natural(p.z_high), 6)
    (0.001, 0.1)
    """

    name: str
    low: float
    high: float
    log: bool = False
    integer: bool = False

    @property
    def z_low(self) -> float:
        return float(np.log(self.low)) if self.log else float(self.low)

    @property
    def z_high(self) -> float:
        return float(np.log(self.high)) if self.log else float(self.high)

    def natural(self, z: float) -> float | int:
        """The scenario value of a prior coordinate (integers rounded)."""
        x = float(np.exp(z)) if self.log else float(z)
        x = min(max(x, self.low), self.high)  # exp(log(x)) may step just outside the box
        return round(x) if self.integer else x


@dataclass(frozen=True)
class Space:
    """The box of all priors, in prior coordinates.

    Examples
    --------
    >>> s = Space((Prior("a", 0.0, 2.0), Prior("b", 1.0, 100.0, log=True)))
    >>> s.dim, s.inside(np.array([1.0, 0.0])), s.inside(np.array([3.0, 0.0]))
    (2, True, False)
    >>> s.values(np.array([0.5, np.log(10.0)]))
    {'a': 0.5, 'b': 10.000000000000002}
    """

    priors: tuple[Prior, ...]

    @property
    def dim(self) -> int:
        return len(self.priors)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.priors]

    @property
    def z_low(self) -> np.ndarray:
        return np.array([p.z_low for p in self.priors])

    @property
    def z_high(self) -> np.ndarray:
        return np.array([p.z_high for p in self.priors])

    def inside(self, z: np.ndarray) -> bool:
        """Whether a point lies in the prior box (where the prior density is positive)."""
        return bool(np.all(z >= self.z_low) and np.all(z <= self.z_high))

    def values(self, z: Sequence[float] | np.ndarray) -> dict[str, float | int]:
        """Scenario overrides (dotted path -> value) of a point in prior coordinates."""
        return {p.name: p.natural(float(v)) for p, v in zip(self.priors, z, strict=True)}

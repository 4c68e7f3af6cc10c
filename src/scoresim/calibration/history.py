"""History matching: waves of designs that rule out implausible parameter points.

After Craig, Goldstein, Seheult & Smith (1997) and Vernon, Goldstein & Bower (2010, Bayesian
Analysis 5: 619-669), with the model's own replicate spread standing in for an emulator's
variance (Andrianakis et al. 2015, PLoS Comput. Biol. 11: e1003968, for stochastic models):

- a wave is a Latin hypercube of ``points`` points in the current box (the sweep engine's
  :func:`~scoresim.experiments.samplers.lhs`), each simulated ``R`` times;
- target k's implausibility at a point is I_k = |mean_r y_rk - y_k| /
  sqrt(var_obs,k + var_rep,k / R), with var_rep the points' replicate variance (0 when R = 1);
- a point is *kept* (not ruled out yet) while max_k I_k < cutoff (3, Pukelsheim's three-sigma
  rule) over the fitted targets;
- the next wave samples the bounding box of the kept points, widened on each side by a tenth
  of its span or by half a design cell (the current box's span over points^(1/d)), whichever
  is more, and clipped to the current box: a kept point stands for the cell of the design
  around it, so a wave that keeps a single point does not collapse the search onto it; the
  boxes shrink (or stay) and never leave the prior.

Per wave the result records the kept fraction and each target's pass rate (the share of points
with I_k < cutoff; held-out targets are reported but never rule a point out).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from scoresim.calibration.evaluate import Evaluator, Proposal, derive
from scoresim.calibration.space import Space
from scoresim.experiments.samplers import Parameter, lhs

STAGE = "history"
PAD = 0.1


@dataclass
class Wave:
    """One wave: its box, design (prior coordinates), implausibilities and kept mask."""

    wave: int
    low: np.ndarray
    high: np.ndarray
    z: np.ndarray
    implausibility: np.ndarray
    kept: np.ndarray
    simulations: int

    @property
    def kept_fraction(self) -> float:
        return float(self.kept.mean())

    def pass_rate(self, cutoff: float) -> np.ndarray:
        """Per target: the share of points with I_k < cutoff."""
        return np.mean(self.implausibility < cutoff, axis=0)


@dataclass
class HistoryResult:
    waves: list[Wave] = field(default_factory=list)
    stop: str = ""

    @property
    def final(self) -> Wave | None:
        return self.waves[-1] if self.waves else None


@dataclass(frozen=True)
class HistorySettings:
    waves: int
    points: int
    cutoff: float = 3.0
    max_simulations: int = 10**9
    replications: int = 1


def implausibility(values: np.ndarray, observed: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """I_k of one point from its replications ``values[r, k]`` (NaN values give inf).

    Examples
    --------
    >>> implausibility(np.array([[1.0], [3.0]]), np.array([0.0]), np.array([1.0]))
    array([1.41421356])
    """
    r = values.shape[0]
    var = values.var(axis=0, ddof=1) if r > 1 else np.zeros(values.shape[1])
    out = np.abs(values.mean(axis=0) - observed) / np.sqrt(sd**2 + var / r)
    return np.where(np.isfinite(out), out, math.inf)


def next_box(z: np.ndarray, low: np.ndarray, high: np.ndarray,
             points: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The kept points' bounding box widened by :data:`PAD` of its span or half a design cell
    of the current box ``[low, high]`` (``points`` points), whichever is more, clipped to it.

    Examples
    --------
    >>> next_box(np.array([[0.5], [0.7]]), np.array([0.0]), np.array([1.0]), points=100)
    (array([0.48]), array([0.72]))
    >>> next_box(np.array([[0.5]]), np.array([0.0]), np.array([1.0]), points=10)
    (array([0.45]), array([0.55]))
    >>> next_box(np.array([[0.0], [0.9]]), np.array([0.0]), np.array([0.95]), points=10)
    (array([0.]), array([0.95]))
    """
    lo, hi = z.min(axis=0), z.max(axis=0)
    cell = (high - low) / points ** (1.0 / z.shape[1])
    pad = np.maximum(PAD * (hi - lo), 0.5 * cell)
    return np.maximum(lo - pad, low), np.minimum(hi + pad, high)


def history_match(space: Space, observed: np.ndarray, sd: np.ndarray, fitted: np.ndarray,
                  evaluate: Evaluator, settings: HistorySettings, seed: int,
                  on_round: Callable[[str, dict[str, float]], None] | None = None,
                  on_point: Callable[[int, float], None] | None = None,
                  deadline: float | None = None) -> HistoryResult:  # fmt: skip
    """Run (or replay from the evaluator's store) the waves; arguments as for ``abc_smc``.

    ``on_point`` receives (points done in the wave, running kept fraction).
    """
    result = HistoryResult()
    low, high = space.z_low, space.z_high
    spent = 0
    for w in range(settings.waves):
        cost = settings.points * settings.replications
        if spent + cost > settings.max_simulations:
            result.stop = "max_simulations"
            break
        if on_round is not None:
            on_round("start", {"wave": w, "points": settings.points})
        dims = [Parameter(f"z{j}", low=float(a), high=float(b))
                for j, (a, b) in enumerate(zip(low, high, strict=True))]  # fmt: skip
        z = lhs(dims, settings.points, seed=derive(seed, 1, w))
        imp = np.full((settings.points, len(observed)), math.inf)
        seen = 0
        kept_so_far = 0
        stream = evaluate(STAGE, w, (Proposal(i, space.values(z[i]))
                                     for i in range(settings.points)))  # fmt: skip
        try:
            for ev in stream:
                imp[ev.index] = implausibility(ev.values, observed, sd)
                seen += 1
                kept_so_far += bool(np.max(imp[ev.index][fitted]) < settings.cutoff)
                if on_point is not None:
                    on_point(seen, kept_so_far / seen)
                if deadline is not None and time.monotonic() > deadline and seen < len(z):
                    result.stop = "time limit (--max-minutes)"
                    break
        finally:
            stream.close()  # type: ignore[attr-defined]
        if seen < len(z):
            result.stop = result.stop or "evaluation stopped"
            break
        spent += cost
        kept = np.max(imp[:, fitted], axis=1) < settings.cutoff
        wave = Wave(w, low, high, z, imp, kept, cost)
        result.waves.append(wave)
        if on_round is not None:
            on_round("end", {"wave": w, "kept_fraction": wave.kept_fraction,
                             "simulations": cost})  # fmt: skip
        if not kept.any():
            result.stop = f"no plausible point in wave {w + 1}"
            break
        low, high = next_box(z[kept], low, high, settings.points)
    else:
        result.stop = "all waves done"
    return result

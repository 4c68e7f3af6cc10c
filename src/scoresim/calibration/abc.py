"""ABC-SMC: approximate Bayesian computation by sequential Monte Carlo.

The population Monte Carlo scheme of Beaumont, Cornuet, Marin & Robert (2009, Biometrika 96:
983-990), the ABC-SMC of Toni, Welch, Strelkowa, Ipsen & Stumpf (2009, J. R. Soc. Interface 6:
187-202) with importance weights:

- generation 0 draws the particles from the prior and accepts them all;
- generation t > 0 sets epsilon_t to the weighted ``quantile`` of generation t-1's distances
  (Del Moral, Doucet & Jasra 2012; never below the final ``epsilon``), draws an ancestor by
  weight, moves it with a Gaussian kernel of twice the weighted covariance of generation t-1
  (Beaumont et al. 2009) and accepts the point when its distance is at most epsilon_t;
- a moved point outside the prior box is rejected without a simulation (its prior density is
  0), so the proposal is the untruncated kernel mixture and the weight
  w_i ∝ 1 / sum_j W_j K(z_i | z_j) is exact (all priors are uniform in prior coordinates).

The distance is the root mean square of the standardised errors of the fitted targets:
d = sqrt(mean_k ((mean_r y_rk - y_k) / sd_k)^2), the mean over the point's replications.

Determinism: proposal i of generation t is drawn from its own generator seeded by
(seed, t, i), and a generation keeps the *first* ``particles`` accepted proposals by index, so
the posterior is the same whatever the number of workers and the order results arrive in.
The simulation budget is counted the same way (the simulations of the proposals up to the last
one kept), so stopping on ``max_simulations`` is deterministic too.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from scoresim.calibration.evaluate import Evaluator, Proposal, derive
from scoresim.calibration.space import Space

STAGE = "abc"


@dataclass
class Population:
    """One generation's accepted particles (prior coordinates), with its diagnostics."""

    generation: int
    z: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    indices: np.ndarray
    epsilon: float
    proposals: int
    simulations: int

    @property
    def ess(self) -> float:
        """Kish's effective sample size of the weights."""
        return float(1.0 / np.sum(self.weights**2))

    @property
    def acceptance(self) -> float:
        return len(self.weights) / self.proposals


@dataclass
class AbcResult:
    populations: list[Population] = field(default_factory=list)
    stop: str = ""

    @property
    def final(self) -> Population | None:
        return self.populations[-1] if self.populations else None


@dataclass(frozen=True)
class AbcSettings:
    particles: int
    generations: int
    quantile: float = 0.5
    epsilon: float = 0.0
    max_simulations: int = 10**9
    replications: int = 1


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The smallest x whose cumulative weight (x sorted) reaches q.

    Examples
    --------
    >>> weighted_quantile(np.array([3.0, 1.0, 2.0]), np.ones(3) / 3, 0.5)
    2.0
    """
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return float(x[order][min(np.searchsorted(cum, q * cum[-1] - 1e-12), len(x) - 1)])


def distance(values: np.ndarray, observed: np.ndarray, sd: np.ndarray) -> float:
    """RMS standardised error of the replication means (NaN anywhere gives inf).

    Examples
    --------
    >>> distance(np.array([[1.0, 2.0], [3.0, 2.0]]), np.array([2.0, 0.0]), np.array([1.0, 2.0]))
    0.7071067811865476
    """
    z = (values.mean(axis=0) - observed) / sd
    return float(np.sqrt(np.mean(z**2))) if np.all(np.isfinite(z)) else math.inf


class _Kernel:
    """The Gaussian perturbation kernel of a population and the weights it gives."""

    def __init__(self, pop: Population, dim: int) -> None:
        self.pop = pop
        mean = pop.weights @ pop.z
        dev = pop.z - mean
        cov = 2.0 * (dev.T * pop.weights) @ dev / (1.0 - np.sum(pop.weights**2) + 1e-300)
        span = np.ptp(pop.z, axis=0)
        cov += np.diag(np.maximum(span, 1e-9) ** 2 * 1e-10)  # a point cloud may be degenerate
        self.chol = np.linalg.cholesky(cov)
        self.inv = np.linalg.inv(cov)
        self.cumulative = np.cumsum(pop.weights)

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        j = int(np.searchsorted(self.cumulative, rng.random() * self.cumulative[-1]))
        j = min(j, len(self.cumulative) - 1)
        return self.pop.z[j] + self.chol @ rng.standard_normal(self.chol.shape[0])

    def weights(self, z: np.ndarray) -> np.ndarray:
        """Normalised importance weights of accepted points (uniform prior, constant density)."""
        dev = z[:, None, :] - self.pop.z[None, :, :]
        quad = np.einsum("ijk,kl,ijl->ij", dev, self.inv, dev)
        density = np.exp(-0.5 * quad) @ self.pop.weights
        w = 1.0 / np.maximum(density, 1e-300)
        return w / w.sum()


@dataclass
class _Book:
    """What a generation's proposal stream recorded: points, rejects outside the prior, and
    the simulations spent up to each index."""

    outside: set[int] = field(default_factory=set)
    cost: dict[int, int] = field(default_factory=dict)
    z: dict[int, np.ndarray] = field(default_factory=dict)


def _proposals(space: Space, settings: AbcSettings, seed: int, g: int, kernel: _Kernel | None,
               spent: int, book: _Book) -> Iterator[Proposal]:  # fmt: skip
    """Proposal i of generation g, each from its own generator; ends at the budget."""
    used = 0
    for i in itertools.count():
        rng = np.random.default_rng(derive(seed, 2, g, i))
        if kernel is None:
            z = space.z_low + rng.random(space.dim) * (space.z_high - space.z_low)
        else:
            z = kernel.draw(rng)
        if not space.inside(z):
            book.outside.add(i)
            book.cost[i] = used
            continue
        used += settings.replications
        if spent + used > settings.max_simulations:
            return
        book.cost[i], book.z[i] = used, z
        yield Proposal(i, space.values(z))


def abc_smc(space: Space, observed: np.ndarray, sd: np.ndarray, fitted: np.ndarray,
            evaluate: Evaluator, settings: AbcSettings, seed: int,
            on_round: Callable[[str, dict[str, float]], None] | None = None,
            on_point: Callable[[int, float], None] | None = None,
            deadline: float | None = None) -> AbcResult:  # fmt: skip
    """Run (or replay from the evaluator's store) ABC-SMC.

    Parameters
    ----------
    space : the prior box.
    observed, sd : per-target centre and scale (all targets, in order).
    fitted : boolean mask of the targets the distance uses (held-out ones excluded).
    evaluate : the evaluator (scoresim's, or a test's toy model).
    settings : particles, generations, quantile, final epsilon, budget, replications.
    on_round : called at a generation's start ("start", info) and end ("end", diagnostics).
    on_point : called as particles are accepted, with (accepted so far, epsilon).
    deadline : a ``time.monotonic()`` value after which the run stops between results.
    """
    result = AbcResult()
    spent = 0
    prev: Population | None = None
    obs, scale = observed[fitted], sd[fitted]
    for g in range(settings.generations):
        eps = (
            math.inf
            if prev is None
            else max(
                weighted_quantile(prev.distances, prev.weights, settings.quantile), settings.epsilon
            )
        )
        kernel = None if prev is None else _Kernel(prev, space.dim)
        if on_round is not None:
            on_round("start", {"generation": g, "epsilon": eps})
        book = _Book()
        done: dict[int, float] = {}
        accepted: list[int] = []
        nxt = 0
        stream = evaluate(STAGE, g, _proposals(space, settings, seed, g, kernel, spent, book))
        try:
            for ev in stream:
                done[ev.index] = distance(ev.values[:, fitted], obs, scale)
                while len(accepted) < settings.particles and (nxt in done or nxt in book.outside):
                    if nxt in done and done[nxt] <= eps:
                        accepted.append(nxt)
                        if on_point is not None:
                            on_point(len(accepted), eps)
                    nxt += 1
                if len(accepted) == settings.particles:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    result.stop = "time limit (--max-minutes)"
                    break
        finally:
            stream.close()  # type: ignore[attr-defined]
        if len(accepted) < settings.particles:
            result.stop = result.stop or "max_simulations"
            break
        idx = np.array(accepted)
        z = np.array([book.z[i] for i in accepted])
        weights = np.full(len(idx), 1.0 / len(idx)) if kernel is None else kernel.weights(z)
        last = accepted[-1]
        distances = np.array([done[i] for i in accepted])
        prev = Population(g, z, weights, distances, idx, eps, last + 1, book.cost[last])
        spent += book.cost[last]
        result.populations.append(prev)
        if on_round is not None:
            on_round("end", {"generation": g, "epsilon": eps, "acceptance": prev.acceptance,
                             "ess": prev.ess, "simulations": prev.simulations})  # fmt: skip
        if eps <= settings.epsilon:
            result.stop = "final epsilon reached"
            break
    else:
        result.stop = "all generations done"
    return result

"""The ABC-SMC engine against a closed form, and its independence of arrival order.

Toy model: the sample mean of n draws from N(mu, sigma^2) is N(mu, sigma^2 / n), so with a
uniform prior on [a, b] the exact posterior of mu given the observed mean y is the normal
N(y, sigma^2 / n) truncated to [a, b]. ABC with threshold epsilon on |ybar - y| adds a
uniform kernel of half-width epsilon, whose variance epsilon^2 / 3 is negligible here.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator

import numpy as np
import pytest
from scipy import stats

from scoresim.calibration.abc import AbcSettings, abc_smc, weighted_quantile
from scoresim.calibration.evaluate import Evaluation, Proposal, derive
from scoresim.calibration.space import Prior, Space

SIGMA_MEAN = 1.0  # sigma / sqrt(n) of the toy's sample mean
OBSERVED = 1.3
SPACE = Space((Prior("mu", -10.0, 10.0),))


class Toy:
    """The toy simulator as an evaluator; ``shuffle`` returns results out of order (in
    batches, as parallel workers would), and ``calls`` counts simulations."""

    def __init__(self, shuffle: int = 0) -> None:
        self.shuffle, self.calls = shuffle, 0

    def __call__(self, stage: str, round_: int, proposals: Iterable[Proposal]
                 ) -> Iterator[Evaluation]:  # fmt: skip
        batch: list[Evaluation] = []
        order = random.Random(round_)
        for p in proposals:
            self.calls += 1
            rng = np.random.default_rng(derive(99, round_, p.index))
            ybar = p.values["mu"] + SIGMA_MEAN * rng.standard_normal()
            batch.append(Evaluation(p.index, np.array([[ybar]])))
            if len(batch) > self.shuffle:
                order.shuffle(batch)
                yield batch.pop()
        order.shuffle(batch)
        yield from batch


def _run(toy: Toy, particles: int = 600, generations: int = 12, epsilon: float = 0.1):
    settings = AbcSettings(particles=particles, generations=generations, quantile=0.5,
                           epsilon=epsilon)  # fmt: skip
    return abc_smc(SPACE, np.array([OBSERVED]), np.array([1.0]), np.array([True]), toy,
                   settings, seed=5)  # fmt: skip


def test_posterior_matches_the_analytic_normal() -> None:
    result = _run(Toy())
    pop = result.final
    assert pop is not None and result.stop == "final epsilon reached"
    assert pop.epsilon == pytest.approx(0.1)
    truth = stats.truncnorm((-10 - OBSERVED) / SIGMA_MEAN, (10 - OBSERVED) / SIGMA_MEAN,
                            loc=OBSERVED, scale=SIGMA_MEAN)  # fmt: skip
    x, w = pop.z[:, 0], pop.weights
    mean = float(w @ x)
    sd = float(np.sqrt(w @ (x - mean) ** 2))
    assert pop.ess > 300
    assert mean == pytest.approx(truth.mean(), abs=4 / np.sqrt(pop.ess))  # 4 standard errors
    assert sd == pytest.approx(truth.std(), rel=0.08)
    median = weighted_quantile(x, w, 0.5)
    assert median == pytest.approx(truth.median(), abs=0.15)
    # every accepted particle met its generation's threshold, and thresholds fall
    assert np.all(pop.distances <= pop.epsilon)
    eps = [p.epsilon for p in result.populations]
    assert eps[0] == np.inf and all(b <= a for a, b in itertools.pairwise(eps[1:]))


def test_same_populations_whatever_the_arrival_order() -> None:
    a, b = _run(Toy(), 50, 4, 0.0), _run(Toy(shuffle=7), 50, 4, 0.0)
    assert len(a.populations) == len(b.populations) == 4
    for pa, pb in zip(a.populations, b.populations, strict=True):
        assert np.array_equal(pa.indices, pb.indices)
        assert np.array_equal(pa.z, pb.z) and np.array_equal(pa.weights, pb.weights)
        assert pa.epsilon == pb.epsilon and pa.simulations == pb.simulations
    # the first n accepted by index: no accepted index is skipped below the last one kept
    for pop in a.populations[1:]:
        assert pop.proposals == pop.indices[-1] + 1


def test_budget_stops_on_whole_generations_deterministically() -> None:
    settings = AbcSettings(particles=40, generations=10, quantile=0.5, max_simulations=300)
    runs = [abc_smc(SPACE, np.array([OBSERVED]), np.array([1.0]), np.array([True]),
                    Toy(shuffle=s), settings, seed=5) for s in (0, 5)]  # fmt: skip
    assert runs[0].stop == runs[1].stop == "max_simulations"
    assert len(runs[0].populations) == len(runs[1].populations) >= 2
    assert sum(p.simulations for p in runs[0].populations) <= 300

"""7.2: the threshold model of expression (Granovetter 1978; Kuran 1989, 1995), against the
complete-graph map computed from the drawn traits, with its hysteresis and its cascade."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scoresim.phases.adaptation import adaptation
from scoresim.phases.params import Params

from .helpers import complete, record, society

N = 60


def critical_society(overrides, seed=3):
    """A complete graph of enrolled critics whose dissent and risk stay fixed: ``opinion_rate``
    and ``risk_rate`` 0, nobody sanctioned."""
    ov = {"expression.model": "threshold", "adaptation.opinion_rate": 0.0,
          "adaptation.risk_rate": 0.0, "adoption.initial": 1.0, **overrides}  # fmt: skip
    soc, params = society(N, complete(N), ov, seed=seed)
    rng = np.random.default_rng(seed)
    soc.dissent[:] = soc.dissent0[:] = rng.uniform(0.55, 1.0, N)
    soc.risk[:] = rng.uniform(0.0, 1.0, N)
    return soc, params


def complete_graph_map(speak, soc, params):
    """``r' = 1[(S - s_i)/(N - 1) + omega |d_i - 0.5| >= theta_i + c_i]`` with ``S`` the number
    expressing more than 0.5 and ``c_i = kappa * f_i * risk_i`` (7.2), ``f`` 7.3's effective
    fear ``min(1, fear * (employed * income / exp(income_mu)) ** xi)``, fear itself at xi = 0."""
    ex, xi = params.scenario.expression, params.scenario.adaptation.stake_exponent
    d = soc.dissent
    expressed = d * speak
    s = (expressed > 0.5).astype(np.int64)
    support = (s.sum() - s) / (N - 1)
    stake = soc.employed * soc.income / np.exp(params.scenario.population.income_mu)
    f = np.minimum(1.0, soc.fear * stake**xi) if xi > 0 else soc.fear
    cost = soc.threshold + ex.sanction_weight * f * soc.risk
    return support + ex.conviction * np.abs(d - 0.5) >= cost


def step(soc, params, t):
    adaptation(soc, params, np.random.default_rng(0), record(soc.n, t))
    return soc.censor == 0.0


@pytest.mark.parametrize(
    "overrides",
    [{}, {"expression.conviction": 0.3, "expression.sanction_weight": 3.0},
     {"expression.conviction": 0.3, "expression.sanction_weight": 3.0,
      "adaptation.stake_exponent": 1.5, "population.income_mu": 0.4}],
)  # fmt: skip
def test_the_speaking_share_follows_the_complete_graph_map_exactly(overrides):
    soc, params = critical_society(overrides)
    speak = np.ones(N, bool)  # everyone speaks at step 0
    shares = []
    for t in range(1, 16):
        expected = complete_graph_map(speak, soc, params)
        speak = step(soc, params, t)
        np.testing.assert_array_equal(speak, expected)
        assert set(np.unique(soc.censor)) <= {0.0, 1.0}
        shares.append(speak.mean())
    assert len(set(shares)) > 3  # a cascade of silence, step by step


def silence_everyone_then_lift(conviction):
    """Everyone silenced by a high cost, then the cost lifted (kappa to 0 by a new bundle)."""
    soc, params = critical_society({"expression.conviction": conviction,
                                    "expression.sanction_weight": 50.0})  # fmt: skip
    soc.risk[:] = 1.0
    soc.fear[:] = 1.0
    assert not step(soc, params, 1).any()
    free = params.scenario.with_overrides({"expression.sanction_weight": 0.0})
    lifted = Params.from_scenario(free)
    return soc, lifted


def test_without_conviction_silence_outlives_the_sanction():
    soc, lifted = silence_everyone_then_lift(0.0)
    for t in range(2, 40):
        assert not step(soc, lifted, t).any()  # support 0 < theta: nobody ever starts


def test_with_conviction_speech_restarts_from_the_most_convinced_and_cascades():
    soc, lifted = silence_everyone_then_lift(0.1)
    speak = np.zeros(N, bool)
    shares = []
    for t in range(2, 40):
        expected = complete_graph_map(speak, soc, lifted)
        speak = step(soc, lifted, t)
        np.testing.assert_array_equal(speak, expected)
        shares.append(speak.mean())
    first = 0.1 * np.abs(soc.dissent - 0.5) >= soc.threshold  # who speaks with no support
    assert 0 < first.mean() < 0.5
    assert shares[0] == first.mean()
    assert shares[-1] == 1.0  # the cascade carries everyone back (Kuran's "now out of never")
    assert all(b >= a for a, b in itertools.pairwise(shares))


def test_an_isolated_agent_speaks_only_on_its_conviction():
    ov = {"expression.model": "threshold", "expression.conviction": 1.0}
    soc, params = society(8, [], ov, preset="control", seed=5)
    soc.dissent[:] = np.linspace(0.0, 1.0, 8)
    before = soc.dissent.copy()
    adaptation(soc, params, np.random.default_rng(0), record(8))
    np.testing.assert_array_equal(soc.censor == 0.0, np.abs(before - 0.5) >= soc.threshold)

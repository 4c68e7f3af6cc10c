"""7.3, fear scaled by what one has to lose (Jiang & Yang 2016; Robinson & Tannenberg 2019)
and backlash (Pan & Siegel 2020), by hand; and properties of the v3 step (hypothesis): speech
is all or nothing under the threshold model, and dissent stays in [0, 1] under backlash."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoresim import Scenario
from scoresim.phases.adaptation import AdaptationParams, adaptation
from scoresim.phases.behaviour import effective_fear
from scoresim.simulation import Simulation

from .helpers import neighbours, random_edges, record, society


def test_effective_fear_scales_with_the_stake_and_the_unemployed_fear_nothing():
    _, params = society(50, [], {"population.income_mu": 0.5, "adaptation.stake_exponent": 2.0})
    p = params.bundle(AdaptationParams)
    fear = effective_fear.py_func
    median = np.exp(0.5)
    assert fear(0.3, True, median, p) == pytest.approx(0.3)  # a stake of 1 at the median
    assert fear(0.3, True, 2 * median, p) == pytest.approx(1.0)  # capped: 0.3 * 4 > 1
    assert fear(0.3, True, 0.5 * median, p) == pytest.approx(0.075)
    assert fear(0.3, False, 5 * median, p) == 0.0  # nothing left to lose
    off = society(5, [])[1].bundle(AdaptationParams)
    assert fear(0.3, False, 5.0, off) == 0.3  # xi = 0: 0 ** 0 = 1, fear itself


def test_backlash_and_the_stake_by_hand():
    n = 200
    ov = {"adaptation.backlash": 0.6, "adaptation.stake_exponent": 1.0, "adoption.initial": 0.5,
          "population.susceptibility": {"a": 1.0, "b": 1.0}}  # fmt: skip
    soc, params = society(n, random_edges(n, 800, np.random.default_rng(3)), ov, seed=8)
    rng = np.random.default_rng(4)
    soc.censor[:] = rng.uniform(0, 1, n) * soc.enrolled
    sanctioned = soc.enrolled & (rng.uniform(0, 1, n) < 0.3)
    soc.risk[:] = rng.uniform(0, 0.2, n) * soc.enrolled
    soc.buy_conform[:] = rng.uniform(0, 1, n) * soc.enrolled
    soc.score[:] = rng.uniform(350, 950, n)
    soc.tier[:] = np.searchsorted(params.tiers.min_score, soc.score, "right") - 1
    d, x0, lam = soc.dissent.copy(), soc.dissent0, soc.susceptibility
    c0, b0, risk0 = soc.censor.copy(), soc.buy_conform.copy(), soc.risk.copy()
    expressed, nbrs, rate = d * (1 - soc.censor), neighbours(soc), 0.01
    shown = soc.enrolled & params.tiers.public[soc.tier]
    adaptation(soc, params, np.random.default_rng(0), record(n, sanctioned=sanctioned))
    stake = soc.employed * soc.income  # income_mu = 0: a stake of 1 at the median
    f = np.minimum(1.0, soc.fear * stake)
    ad = params.scenario.adaptation
    next_min = np.append(params.tiers.min_score[1:], np.inf)
    for i in range(n):
        m = np.mean(expressed[nbrs[i]]) if nbrs[i] else d[i]
        shared = np.mean(sanctioned[nbrs[i]]) if nbrs[i] else 0.0
        private = (1 - rate) * d[i] + rate * (lam[i] * m + (1 - lam[i]) * x0[i])
        expected = private + 0.6 * shared * (1 - f[i]) * (1 - private)
        assert soc.dissent[i] == pytest.approx(expected, abs=1e-15), i
        if not soc.enrolled[i]:
            continue
        # 7.3: f in the censor target (2.5); fear itself in purchases and gaming
        r = (1 - ad.risk_rate) * risk0[i] + ad.risk_rate * (
            ad.risk_own_weight * sanctioned[i] + ad.risk_friends_weight * shared
        )
        target = f[i] * min(1.0, ad.awareness + ad.risk_sensitivity * r)
        assert soc.censor[i] == pytest.approx(c0[i] + ad.censor_rate * (target - c0[i]),
                                              abs=1e-15), i  # fmt: skip
        penalised = 1.0  # the seed's undesirable purchase costs points: P = 1
        assert soc.buy_conform[i] == pytest.approx(
            b0[i] + ad.conform_rate * (soc.fear[i] * penalised - b0[i]), abs=1e-15
        ), i
        gap = 0.0 if np.isinf(next_min[soc.tier[i]]) else next_min[soc.tier[i]] - soc.score[i]
        public = np.mean(shown[nbrs[i]]) if nbrs[i] else 0.0
        drive = ad.gaming_gap_weight * gap / ad.gaming_gap_scale + ad.gaming_public_weight * public
        gaming = min(ad.gaming_cap, soc.fear[i] * drive)
        assert soc.gaming[i] == pytest.approx(gaming, abs=1e-15), i
    assert (soc.dissent > d + 1e-3).any()  # some were pushed up by their friends' sanctions
    # the rules tell f from fear only where the two differ, and nobody is at a cap there
    differ = soc.enrolled & (np.abs(f - soc.fear) > 0.05)
    assert differ.sum() > 20 and (soc.gaming[differ] < ad.gaming_cap).sum() > 5


@st.composite
def v3_scenarios(draw):
    model = draw(st.sampled_from(["threshold", "linear"]))
    return Scenario.preset("seed").with_overrides({
        "population.agents": draw(st.integers(20, 150)), "steps": draw(st.integers(1, 12)),
        "graph.degree": draw(st.sampled_from([0, 2, 4, 8])),
        "seed": draw(st.integers(0, 2**31)), "adoption.mandatory_step": draw(st.integers(1, 8)),
        "expression.model": model,
        "expression.threshold": {"a": draw(st.floats(0.2, 5)), "b": draw(st.floats(0.2, 9))},
        "expression.sanction_weight": draw(st.floats(0, 20)),
        "expression.conviction": draw(st.floats(0, 3)),
        "adaptation.backlash": draw(st.floats(0, 1)),
        "adaptation.stake_exponent": draw(st.floats(0, 4)),
        "adaptation.confidence": draw(st.floats(0.01, 1)),
        "population.susceptibility": {"a": draw(st.sampled_from([0.0, 0.5, 2.0])), "b": 2.0},
        "population.stubborn_share": draw(st.floats(0, 1)),
        "policy.detect.critical": draw(st.floats(0, 1)),
        "adaptation.opinion_rate": draw(st.floats(0, 1)),
    })  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v3_scenarios())
def test_speech_is_all_or_nothing_and_dissent_stays_in_the_unit_interval(sc):
    sim = Simulation(sc)
    for _ in sim.steps():
        soc = sim.society
        assert ((soc.dissent >= 0.0) & (soc.dissent <= 1.0)).all()
        if sc.expression.model == "threshold":
            assert np.isin(soc.censor, (0.0, 1.0)).all()
        else:
            assert ((soc.censor >= 0.0) & (soc.censor <= 1.0)).all()

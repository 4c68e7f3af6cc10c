"""Model v2, tier perks (docs/model.md 6.2) and the score inputs of a commercial credit score
(6.4).

Perks are exact: an enrolled agent in a tier with ``perk_value`` gains exactly that much wealth
per step beside its income, employed or not; a non-enrolled agent gains none; ``perk_share`` is
the share of all agents enrolled in a perk tier. The score inputs are exact too: on a hand-made
society where every other term is zero (no posts, no friends, decay 0), an enrolled agent's
score moves by ``repayment_delta`` (if it holds a loan at the start of scoring) plus
``income_weight * (ln income - income_mu)``, clipped with the other events to
``max_step_change``; the default penalty stays outside the clip.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoresim.phases.consequences import consequences
from scoresim.phases.scoring import scoring
from scoresim.scenario import Scenario
from scoresim.simulation import Simulation
from test_phases import empty_record, make

PERKS = {"poor": 0.0, "fair": 0.25, "good": 0.5, "excellent": 1.75}
FROZEN_JOBS = {"economy.job_loss": 0.0, "economy.hire": 0.0, "economy.loan_apply": 0.0}
# (enrolled, score): one group per tier, and outsiders whose score would be in a perk tier
PERK_GROUPS = [(True, 400.0), (True, 500.0), (True, 620.0), (True, 700.0), (False, 700.0),
               (False, 620.0)]  # fmt: skip
NOTHING_ELSE_SCORED = {
    "policy.decay": 0.0,
    "policy.friend_weight": 0.0,
    "policy.low_friend_penalty": 0.0,
    "policy.detect.critical": 0.0,
    "policy.detect.loyal": 0.0,
    "policy.detect.false_positive": 0.0,
}


# =========================================================================== perks
def test_an_agent_staying_in_a_tier_gains_its_perk_every_step():
    g, steps = 200, 6
    n = g * len(PERK_GROUPS)
    soc, params = make(
        n, (), {**FROZEN_JOBS, **{f"tiers.{t}.perk_value": v for t, v in PERKS.items()}}
    )
    group = np.repeat(np.arange(len(PERK_GROUPS)), g)
    soc.enrolled = np.array([PERK_GROUPS[k][0] for k in group])
    soc.score = np.array([PERK_GROUPS[k][1] for k in group])
    soc.employed = np.arange(n) % 2 == 0
    soc.has_loan[:] = False
    w0 = np.random.default_rng(1).random(n)
    soc.wealth = w0.copy()
    expected = w0.copy()
    perk = np.array(list(PERKS.values()))
    for t in range(steps):
        rec = empty_record(n, t=t + 1)
        consequences(soc, params, np.random.default_rng(t), rec)
        expected += soc.income * soc.employed
        expected += np.where(soc.enrolled, perk[soc.tier], 0.0)
    np.testing.assert_array_equal(soc.employed, np.arange(n) % 2 == 0)  # jobs did not move
    np.testing.assert_allclose(soc.wealth, expected, rtol=1e-13, atol=0)
    gain = soc.wealth - w0 - steps * soc.income * soc.employed
    for k, (enrolled, score) in enumerate(PERK_GROUPS):
        tier = max(i for i, m in enumerate((350.0, 450.0, 600.0, 650.0)) if score >= m)
        want = steps * perk[tier] if enrolled else 0.0
        np.testing.assert_allclose(gain[group == k], want, atol=1e-9)


def test_perks_accrue_over_a_whole_run_and_perk_share_is_the_enrolled_share():
    """Scores frozen at base (nothing scored, decay 0): every enrolled agent stays in "good"."""
    n, steps, perk = 3_000, 8, 0.7
    sc = Scenario.preset("seed").with_overrides({
        "population.agents": n, "steps": steps, **NOTHING_ELSE_SCORED, **FROZEN_JOBS,
        "adoption.initial": 0.4, "adoption.innovation": 0.0, "adoption.imitation": 0.0,
        "adoption.mandatory_step": "never",
        "policy.posts.loyal_delta": 0.0,
        "policy.purchases.desirable.delta": 0.0, "policy.purchases.undesirable.delta": 0.0,
        "tiers.good.perk_value": perk,
    })  # fmt: skip
    run = Simulation(sc, seed=3).run()
    agents = run.agents
    assert (agents["score"] == 600.0).all()
    income = Simulation(sc, seed=3).society.income  # the same population
    expected = steps * (income * agents["employed"].to_numpy() + perk * agents["enrolled"])
    np.testing.assert_allclose(agents["wealth"].to_numpy(), expected, rtol=1e-12)
    enrolled_share = agents["enrolled"].mean()
    assert 0.3 < enrolled_share < 0.5
    np.testing.assert_array_equal(run.metrics["perk_share"], enrolled_share)


def test_perk_share_counts_the_enrolled_in_perk_tiers_every_step():
    n = 4_000
    sc = Scenario.preset("seed").with_overrides({
        "population.agents": n, "steps": 12, "adoption.initial": 0.5,
        "tiers.fair.perk_value": 0.1, "tiers.excellent.perk_value": 0.3,
    })  # fmt: skip
    sim = Simulation(sc, seed=5)
    shares = []
    for _ in range(sc.steps):
        row = sim.step()
        soc = sim.society
        in_perk_tier = soc.enrolled & np.isin(soc.tier, [1, 3])
        assert row["perk_share"] == in_perk_tier.sum() / n
        shares.append(row["perk_share"])
    assert min(shares) > 0 and len(set(shares)) > 1  # scores moved across tiers


def test_no_perk_no_perk_share():
    sc = Scenario.preset("seed").with_overrides({"population.agents": 500, "steps": 3})
    assert (Simulation(sc).run().metrics["perk_share"] == 0.0).all()


# =========================================================================== score inputs
# income, has_loan, defaulted (last step), enrolled, undesirable purchases (-5 each)
INPUT_AGENTS = [
    (math.exp(2.0), True, False, True, 0),  # +3 + 10 * 2 = 23
    (math.exp(-1.0), False, False, True, 0),  # -10
    (1.0, True, False, True, 0),  # the median income: +3 only
    (math.exp(6.0), False, False, True, 0),  # +60, clipped to +50
    (math.exp(-1.0), True, False, True, 9),  # 3 - 10 - 45 = -52, clipped to -50
    (math.exp(0.5), True, True, True, 0),  # 3 + 5 inside the clip, then -60 outside
    (math.exp(3.0), True, False, False, 0),  # not enrolled: untouched
]


@pytest.mark.parametrize("income_mu", [0.0, 0.5])
def test_repayment_and_income_terms_by_hand(income_mu):
    n = len(INPUT_AGENTS)
    soc, params = make(n, (), {
        **NOTHING_ELSE_SCORED, "policy.repayment_delta": 3.0, "policy.income_weight": 10.0,
        "population.income_mu": income_mu,
    })  # fmt: skip
    cols = list(zip(*INPUT_AGENTS, strict=True))
    soc.income = np.array(cols[0])
    soc.has_loan = np.array(cols[1])
    soc.defaulted = np.array(cols[2])
    soc.enrolled = np.array(cols[3])
    soc.score[:] = 600.0
    rec = empty_record(n)
    rec.undesirable[:] = cols[4]
    scoring(soc, params, np.random.default_rng(0), rec)
    m = income_mu
    by_hand = [
        600 + 3 + 10 * (2 - m),
        600 + 10 * (-1 - m),
        600 + 3 + 10 * (0 - m),
        600 + min(50.0, 10 * (6 - m)),
        600 + max(-50.0, 3 + 10 * (-1 - m) - 45),
        600 + 3 + 10 * (0.5 - m) - 60,
        600.0,
    ]
    np.testing.assert_allclose(soc.score, by_hand, rtol=0, atol=1e-9)
    assert not rec.sanctioned.any()  # score inputs are not sanctions


def test_a_defaulter_loses_the_repayment_term_with_its_loan():
    """Consequences end a defaulted loan, so the next scoring sees no loan, only the penalty."""
    n = 2_000
    soc, params = make(n, (), {
        **NOTHING_ELSE_SCORED, "policy.repayment_delta": 4.0, "economy.loan_close": 0.0,
        "economy.default": 0.5, "economy.loan_apply": 0.0,
    })  # fmt: skip
    soc.enrolled[:] = True
    soc.has_loan[:] = True
    soc.score[:] = 600.0
    consequences(soc, params, np.random.default_rng(1), empty_record(n))
    defaulted = soc.defaulted.copy()
    assert 0 < defaulted.sum() < n
    np.testing.assert_array_equal(soc.has_loan, ~defaulted)
    scoring(soc, params, np.random.default_rng(2), empty_record(n))
    np.testing.assert_array_equal(soc.score, np.where(defaulted, 600.0 - 60.0, 604.0))


@settings(max_examples=60, deadline=None)
@given(
    incomes=st.lists(st.floats(0.01, 100.0), min_size=2, max_size=12),
    loans=st.lists(st.booleans(), min_size=12, max_size=12),
    repayment=st.floats(-20.0, 20.0),
    weight=st.floats(-30.0, 30.0),
    clip=st.floats(0.0, 80.0),
)
def test_score_inputs_property(incomes, loans, repayment, weight, clip):
    """The score change is ``clip(repayment * loan + weight * ln income)`` whatever the values."""
    n = len(incomes)
    soc, params = make(n, (), {
        **NOTHING_ELSE_SCORED, "policy.repayment_delta": repayment,
        "policy.income_weight": weight, "policy.max_step_change": clip,
        "policy.score.min": -1e6, "policy.score.max": 1e6, "tiers.poor.min_score": -1e6,
    })  # fmt: skip
    soc.enrolled[:] = True
    soc.income = np.array(incomes)
    soc.has_loan = np.array(loans[:n])
    soc.score[:] = 600.0
    scoring(soc, params, np.random.default_rng(0), empty_record(n))
    raw = repayment * soc.has_loan + weight * np.log(soc.income)
    np.testing.assert_allclose(soc.score - 600.0, np.clip(raw, -clip, clip), atol=1e-9)

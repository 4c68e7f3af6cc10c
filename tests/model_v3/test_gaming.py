"""7.4: gaming as a best response to the next threshold (Hardt et al. 2016; Kleinberg &
Raghavan 2019), and awareness of the score (Kostka 2019)."""

from __future__ import annotations

import numpy as np

from scoresim import Scenario, simulate
from scoresim.phases.adaptation import adaptation

from .helpers import random_edges, record, society

TIER_MIN = np.array([350.0, 450.0, 600.0, 650.0])  # the seed's tiers, typed by hand


def scored_society(overrides, n=400, seed=1):
    soc, params = society(n, random_edges(n, 1200, np.random.default_rng(seed)),
                          {"adoption.initial": 0.7, **overrides}, seed=seed)  # fmt: skip
    soc.score[:] = np.random.default_rng(seed + 1).uniform(350.0, 950.0, n)
    soc.tier[:] = np.searchsorted(TIER_MIN, soc.score, "right") - 1
    return soc, params


def test_threshold_gaming_only_within_reach_of_the_next_cut_off_never_in_the_top_tier():
    ov = {"adaptation.gaming_model": "threshold", "adaptation.gaming_reach": 40.0,
          "adaptation.gaming_cap": 0.25, "population.aware_share": 0.6}  # fmt: skip
    soc, params = scored_society(ov)
    adaptation(soc, params, np.random.default_rng(0), record(soc.n))
    top = soc.tier == 3
    gap = np.where(top, 0.0, TIER_MIN[np.minimum(soc.tier + 1, 3)] - soc.score)
    within = ~top & (gap > 0) & (gap <= 40.0)
    expected = np.where(soc.enrolled & within & soc.aware, 0.25, 0.0)
    np.testing.assert_array_equal(soc.gaming, expected)
    assert not soc.gaming[top].any() and soc.gaming[soc.enrolled & ~within].max() == 0.0
    assert (soc.gaming > 0).sum() > 20 and (soc.enrolled & within & ~soc.aware).any()


def test_heuristic_gaming_is_section_2_5_times_awareness():
    base, params = scored_society({})
    unaware, params_u = scored_society({"population.aware_share": 0.5})
    for soc, p in ((base, params), (unaware, params_u)):
        adaptation(soc, p, np.random.default_rng(0), record(soc.n))
    np.testing.assert_array_equal(unaware.gaming, base.gaming * unaware.aware)
    assert 0.4 < unaware.aware.mean() < 0.6 and base.gaming.max() > 0


def test_bunching_is_higher_under_threshold_gaming_on_the_same_society():
    sc = Scenario.preset("seed").with_overrides(
        {"population.agents": 3000, "steps": 80, "adoption.mandatory_step": 10}
    )
    late = {}
    for model in ("heuristic", "threshold"):
        run = simulate(sc.with_overrides({"adaptation.gaming_model": model}))
        late[model] = run.metrics["bunching"].iloc[-40:].mean()
    assert late["threshold"] > late["heuristic"] + 0.2, late

"""7.1: heterogeneous susceptibility (Friedkin & Johnsen 1999) and bounded confidence (Deffuant
et al. 2000, Hegselmann & Krause 2002), against their closed forms; and the traits' stream."""

from __future__ import annotations

import numpy as np
import pytest

from scoresim import Scenario, simulate
from scoresim.phases.adaptation import adaptation
from scoresim.simulation import Simulation
from scoresim.society.traits import COMMON_SUSCEPTIBILITY, draw_traits

from .helpers import neighbours, random_edges, record, society

#: control: nobody is enrolled, so nobody censors (expressed = dissent)
FJ = {"adaptation.opinion_rate": 1.0, "population.susceptibility": {"a": 2.0, "b": 2.0},
      "population.stubborn_share": 0.2}  # fmt: skip


def row_normalised(n, nbrs):
    """``W`` of 7.1: row-normalised adjacency, an isolated agent's row its own unit vector."""
    w = np.zeros((n, n))
    for i, friends in enumerate(nbrs):
        if friends:
            w[i, friends] = 1.0 / len(friends)
        else:
            w[i, i] = 1.0
    return w


def test_dissent_converges_to_the_friedkin_johnsen_fixed_point():
    n = 200
    edges = random_edges(n - 3, 600, np.random.default_rng(4))  # the last three are isolated
    soc, params = society(n, edges, FJ, preset="control", seed=11)
    lam = soc.susceptibility
    assert lam.size == n and (lam == 0.0).any() and (lam > 0.0).any()
    x0 = soc.dissent0.copy()
    w = row_normalised(n, neighbours(soc))
    fixed = np.linalg.solve(np.eye(n) - lam[:, None] * w, (1.0 - lam) * x0)
    for t in range(1, 4001):
        adaptation(soc, params, np.random.default_rng(0), record(n, t))
    assert not soc.censor.any()  # nobody censored: the closed form applies
    np.testing.assert_allclose(soc.dissent, fixed, rtol=0, atol=1e-9)
    assert np.abs(fixed - x0).max() > 0.05  # and the fixed point is not the start


def test_stubborn_agents_keep_their_initial_view_in_a_scored_run():
    sc = Scenario.preset("seed").with_overrides({
        "population.agents": 2000, "steps": 60, "adoption.mandatory_step": 20,
        "population.stubborn_share": 0.3, "population.susceptibility": {"a": 2.0, "b": 3.0},
    })  # fmt: skip
    run = simulate(sc)
    lam = draw_traits(sc)["susceptibility"]
    stubborn = lam == 0.0
    drift = (run.agents["dissent"] - run.agents["dissent0"]).abs().to_numpy()
    assert 0.25 < stubborn.mean() < 0.35
    assert drift[stubborn].max() <= 1e-12
    assert drift[~stubborn].max() > 1e-3  # the others moved


def test_bounded_confidence_averages_only_the_expressed_views_within_epsilon():
    n = 12
    edges = [(0, k) for k in range(1, 8)] + [(8, 9), (9, 10), (10, 8)]  # 11 is isolated
    ov = {"adaptation.opinion_rate": 1.0, "adaptation.climate_weight": 1.0,
          "adaptation.confidence": 0.3}  # fmt: skip
    soc, params = society(n, edges, ov, preset="control", seed=2)
    soc.dissent[:] = np.array([0.5, 0.1, 0.25, 0.45, 0.8, 0.79, 0.81, 0.95, 0.1, 0.9, 0.2, 0.6])
    # some friends hide part of their view (nobody is enrolled: the censor stays as set), so the
    # views within epsilon are not the same expressed as held
    soc.censor[[3, 5, 7, 9]] = [1.0, 0.5, 0.5, 0.5]
    before, nbrs = soc.dissent.copy(), neighbours(soc)
    expressed = before * (1 - soc.censor)
    adaptation(soc, params, np.random.default_rng(0), record(n))

    def pulled(views, i):
        near = [views[j] for j in nbrs[i] if abs(views[j] - before[i]) <= 0.3]
        return np.mean(near) if near else before[i]

    for i in range(n):
        assert soc.dissent[i] == pytest.approx(pulled(expressed, i), abs=1e-15), i
        climate = np.mean(expressed[nbrs[i]]) if nbrs[i] else before[i]
        assert soc.climate[i] == pytest.approx(climate, abs=1e-15)  # all friends, as before
    # as expressed, friends 2, 5 (0.395) and 7 (0.475) are within 0.3 of 0.5; 3 (silent) is not
    assert soc.dissent[0] == pytest.approx(np.mean([0.25, 0.395, 0.475]), abs=1e-15)
    # filtering or averaging the private views would give other values
    private = [i for i in range(n) if abs(pulled(before, i) - pulled(expressed, i)) > 0.01]
    assert {0, 10} <= set(private)


def test_the_traits_come_from_their_own_streams_and_only_when_on():
    base = Scenario.preset("seed").with_overrides({"population.agents": 500})
    off = draw_traits(base)
    assert all(a.size == 0 for a in off.values())
    lam = draw_traits(base.with_overrides({"population.susceptibility.a": 2.0}))
    assert lam["susceptibility"].size == 500 and lam["threshold"].size == 0
    both = base.with_overrides({"population.susceptibility.a": 2.0, "expression.model": "threshold",
                                "population.aware_share": 0.4})  # fmt: skip
    drawn = draw_traits(both)
    # switching one trait on changes no other
    np.testing.assert_array_equal(drawn["susceptibility"], lam["susceptibility"])
    assert drawn["threshold"].size == 500 and 0.3 < drawn["aware"].mean() < 0.5
    alone = draw_traits(base.with_overrides({"expression.model": "threshold"}))
    np.testing.assert_array_equal(drawn["threshold"], alone["threshold"])
    aware = draw_traits(base.with_overrides({"population.aware_share": 0.4}))["aware"]
    assert aware.size == 500 and alone["aware"].size == 0
    np.testing.assert_array_equal(drawn["aware"], aware)
    # a = 0 with stubborn agents: 0 or the common weight, no Beta draw
    stub = draw_traits(base.with_overrides({"population.stubborn_share": 0.5}))["susceptibility"]
    assert set(np.unique(stub)) == {0.0, COMMON_SUSCEPTIBILITY}


def test_a_scheduled_climate_weight_reaches_the_agents_who_are_not_stubborn():
    # a = 0 with stubborn agents: the others' susceptibility is "the climate_weight in force"
    sc = Scenario.preset("control").with_overrides({
        "population.agents": 300, "steps": 4, "population.stubborn_share": 0.3,
        "adaptation.opinion_rate": 0.5,
        "schedule": [{"step": 3, "set": {"adaptation.climate_weight": 0.9}}],
    })  # fmt: skip
    sim = Simulation(sc, seed=5)
    soc = sim.society
    stubborn = soc.susceptibility == 0.0
    assert 0.2 < stubborn.mean() < 0.4 and set(soc.susceptibility[~stubborn]) == {-1.0}
    nbrs, x0 = neighbours(soc), soc.dissent0
    for t, weight in ((1, 0.5), (2, 0.5), (3, 0.9), (4, 0.9)):
        d = soc.dissent.copy()  # nobody is enrolled: expressed = dissent
        sim.step()
        assert sim.t == t and sim.params.scenario.adaptation.climate_weight == weight
        c = np.array([np.mean(d[f]) if f else d[i] for i, f in enumerate(nbrs)])
        lam = np.where(stubborn, 0.0, weight)
        expected = 0.5 * d + 0.5 * (lam * c + (1 - lam) * x0)
        np.testing.assert_allclose(soc.dissent, expected, rtol=0, atol=1e-15)
        assert np.abs(c - x0)[~stubborn].max() > 0.05  # the weight makes a difference


def test_v3_traits_leave_the_v1_society_as_it_was():
    sc = Scenario.preset("seed").with_overrides({"population.agents": 400, "steps": 1})
    on = sc.with_overrides(
        {
            "population.susceptibility.a": 2.0,
            "expression.model": "threshold",
            "population.aware_share": 0.5,
            "population.stubborn_share": 0.1,
        }
    )
    a, b = (
        simulate(sc.with_overrides({"adoption.initial": 0.0})),
        simulate(on.with_overrides({"adoption.initial": 0.0})),
    )
    for column in ("dissent0", "fear", "employed", "degree"):
        np.testing.assert_array_equal(a.agents[column], b.agents[column])
    np.testing.assert_array_equal(a.edges.to_numpy(), b.edges.to_numpy())

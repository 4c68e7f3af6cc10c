"""The population's draws (docs/model.md section 1): slice by slice into arrays made by the
caller, and in a thread beside the graph, they are the numbers of one numpy call per trait."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoresim import Scenario, Simulation
from scoresim.society import agents as society_module
from scoresim.society.agents import Society, draw_population
from scoresim.society.graph import build_graph

RECORDS = {
    "policy.records": [{"name": "judgment", "kind": "offence", "rate": 0.05, "delta": -30.0,
                        "detect": 0.5}],
    "blacklist": {"enabled": True, "from_default": 0.5},
}  # fmt: skip


def whole_draws(scenario: Scenario, seed: int) -> dict[str, np.ndarray]:
    """The reference: each trait drawn by one numpy call, in the order of docs/model.md."""
    p, n, rng = scenario.population, scenario.population.agents, np.random.default_rng(seed)
    out = {
        "dissent0": rng.beta(p.dissent.a, p.dissent.b, n),
        "fear": rng.beta(p.fear.a, p.fear.b, n),
        "import_taste": rng.beta(p.import_taste.a, p.import_taste.b, n),
        "post_rate": rng.gamma(p.post_rate_shape, p.post_rate / p.post_rate_shape, n),
        "buy_rate": rng.gamma(p.buy_rate_shape, p.buy_rate / p.buy_rate_shape, n),
        "income": rng.lognormal(p.income_mu, p.income_sigma, n),
        "employed": rng.random(n) < p.employed,
        "enrolled": rng.random(n) < scenario.adoption.initial,
    }
    if scenario.policy.records:
        out["propensity"] = rng.gamma(p.propensity_shape, 1.0 / p.propensity_shape, n)
        out["civic"] = rng.gamma(p.civic_shape, 1.0 / p.civic_shape, n)
    return out


@settings(max_examples=40, deadline=None)
@given(n=st.integers(13, 3000), chunk=st.integers(1, 4000), seed=st.integers(0, 2**32 - 1),
       v2=st.booleans())  # fmt: skip
def test_slices_draw_the_numbers_of_one_call_per_trait(n, chunk, seed, v2):
    sc = Scenario.preset("seed").with_overrides({"population.agents": n, **(RECORDS if v2 else {})})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(society_module, "DRAW_CHUNK", chunk)
        got = draw_population(sc, np.random.default_rng(seed))
    want = whole_draws(sc, seed)
    drawn = {k: v for k, v in got.items() if k in want}
    assert list(drawn) == list(want)  # the order of the draws
    for k, v in want.items():
        assert drawn[k].dtype == v.dtype and np.array_equal(drawn[k], v), k
    flags = {k: v for k, v in got.items() if k not in want}
    assert set(flags) == ({"listed", "ever_listed", "listing_pending"} if v2 else set())
    assert all(v.dtype == np.bool_ and not v.any() for v in flags.values())


def test_the_simulation_draws_the_population_of_society_initial(monkeypatch):
    """Simulation draws the population in a thread while it builds the graph; the society is
    that of Society.initial from the same streams (several slices, threads or not)."""
    monkeypatch.setattr(society_module, "DRAW_CHUNK", 777)
    sc = Scenario.preset("seed").with_overrides({"population.agents": 5000, **RECORDS})
    sim = Simulation(sc)
    sequences = np.random.SeedSequence(sc.seed).spawn(2)  # population, graph: the first streams
    graph = build_graph(sc, np.random.default_rng(sequences[1]))
    want = Society.initial(sc, np.random.default_rng(sequences[0]), graph)
    for name, array in want.arrays().items():
        assert np.array_equal(getattr(sim.society, name), array), name
    assert np.array_equal(sim.society.graph.indices, graph.indices)

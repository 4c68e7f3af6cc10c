"""The counter-based stream's Poisson draws: a count found unit by unit (``poisson_start``,
``poisson_continues``, ``inversion_term``, as the activity kernel draws) gives the numbers of
``poisson``, and activity's posts and purchases are those of the count-first definition."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from scoresim import Scenario
from scoresim.core.counter_rng import (
    agent_key,
    inversion_term,
    poisson,
    poisson_continues,
    poisson_start,
    step_key,
    uniform,
)
from scoresim.phases.activity import activity
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society.agents import Society
from scoresim.society.graph import Graph
from scoresim.society.tiers import tier_of


@njit
def _unit_by_unit(akey, counter, lam):  # type: ignore[no-untyped-def]
    """The count of a draw found one unit at a time, the counter after the count's own uniforms
    and the units' counters."""
    u0, term, known, first = poisson_start(akey, counter, lam)
    cdf = term
    count = 0
    counters = []
    while poisson_continues(u0, cdf, known, count):
        count += 1
        term = inversion_term(term, lam, count)
        cdf += term
        counters.append(first + count - 1)
    return count, first, counters


LAMS = st.one_of(
    st.sampled_from([0.0, -1.0, 1e-300, 9.999999, 10.0, 10.000001, 64.5, 300.0]),
    st.floats(0.0, 12.0),
    st.floats(12.0, 400.0),
)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**64 - 1), st.integers(0, 50), LAMS)
def test_a_count_found_unit_by_unit_is_poissons(key, counter, lam):
    akey = np.uint64(key)
    count, first, counters = _unit_by_unit(akey, counter, lam)
    assert (count, first) == poisson(akey, counter, lam)
    # the units' uniforms follow the count's own: the counters a count-first loop would use
    assert list(counters) == list(range(first, first + count))


def test_activity_draws_the_count_first_definition():
    """Posts and purchases, agent by agent, as docs/model.md 2.2 defines them with the stream:
    a Poisson count, then one uniform per post or purchase in counter order (rates cover no
    draw, the inversion, both sides of its limit of 10 and the rejection method)."""
    rates = np.array([0.0, 0.3, 2.0, 5.0, 9.99, 10.0, 10.01, 35.0, 70.0, 150.0])
    n = rates.size * 3
    sc = Scenario.preset("seed").with_overrides({"population.agents": n, "graph.degree": 0})
    soc = Society.initial(
        sc, np.random.default_rng(5), Graph(n, np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    params = Params.from_scenario(sc)
    rng = np.random.default_rng(11)
    soc.post_rate = np.tile(rates, 3)
    soc.buy_rate = np.roll(soc.post_rate, 4)
    soc.dissent = rng.uniform(0, 1, n)
    soc.gaming = rng.uniform(0, 0.2, n)
    soc.import_taste = rng.uniform(0, 0.5, n)
    soc.buy_conform = rng.uniform(0, 1, n)
    soc.enrolled = np.arange(n) % 2 == 0
    soc.score = rng.uniform(350, 950, n)
    rec = StepRecord(t=1)
    activity(soc, params, np.random.default_rng(7), rec)

    key = step_key(np.random.default_rng(7))
    ap, tiers = params.scenario.activity, params.tiers
    weights = np.array([t.weight for t in params.scenario.policy.posts.critical_topics])
    cumulative = np.cumsum(weights / weights.sum())
    for i in range(n):
        akey = np.uint64(agent_key(key, i))  # numba returns a Python int
        reach = tiers.reach[tier_of(soc.score[i], tiers.min_score)] if soc.enrolled[i] else 1.0
        p_c = ap.critical_propensity * soc.dissent[i] * (1.0 - soc.censor[i])
        p_l = min(1.0 - p_c, ap.loyal_propensity * (1.0 - soc.dissent[i]) + soc.gaming[i])
        posts, c = poisson(akey, 0, soc.post_rate[i] * reach)
        critical, loyal = np.zeros(cumulative.size, np.int64), 0
        for _ in range(posts):
            u = uniform(akey, c)
            c += 1
            if u < p_c:
                critical[
                    min(np.searchsorted(cumulative * p_c, u, "right"), cumulative.size - 1)
                ] += 1
            loyal += p_c <= u < p_c + p_l
        p_u = soc.import_taste[i] * (1.0 - soc.buy_conform[i])
        p_d = min(
            1.0 - p_u, ap.desirable_share * (1.0 + ap.desirable_conform_gain * soc.buy_conform[i])
        )
        buys, c = poisson(akey, c, soc.buy_rate[i])
        us = np.array([uniform(akey, c + k) for k in range(buys)])
        undesirable, desirable = int(np.sum(us < p_u)), int(np.sum((us >= p_u) & (us < p_u + p_d)))
        assert rec.critical_by_topic[:, i].tolist() == critical.tolist(), i
        assert (rec.loyal[i], rec.neutral[i]) == (loyal, posts - loyal - critical.sum()), i
        assert (rec.undesirable[i], rec.desirable[i]) == (undesirable, desirable), i
        assert rec.groceries[i] == buys - undesirable - desirable, i

"""Model v2, the defaulter blacklist (docs/model.md 6.3): listing, delisting, bans, hiring,
deterrence, listing as a sanction, shaming and the listing's score delta.

The listed share is checked against the two-state Markov chain it must follow. With one
offence kind that lists (rate ``r``, detect 1, deterrence 0) and nobody enrolled, agent ``i``
is listed in a step with hazard ``l_i = 1 - exp(-r * propensity_i)``, and a listed agent
complies with ``c``. Within consequences delisting comes first and listing last, so an agent
delisted this step may be listed again in the same step:

    P(listed -> listed)     = (1 - c) + c * l        P(not listed -> listed) = l
    p_t = p* + (p_0 - p*) a^t,   a = (1 - l)(1 - c),   p* = l / (1 - a) = l / (l + c - l c)

Agents do not interact here (no shaming), so every count is a sum of independent Bernoulli
variables with the probabilities above, checked within ``Z`` = 5 standard deviations.
"""

from __future__ import annotations

import numpy as np
import pytest

from scoresim.phases.consequences import consequences
from scoresim.phases.network import network
from scoresim.phases.params import Params
from scoresim.phases.records import records
from scoresim.phases.scoring import scoring
from scoresim.scenario import Scenario
from scoresim.simulation import Simulation
from scoresim.society.agents import Society
from scoresim.society.graph import build_graph
from test_phases import HIRE_MULT, Z, assert_freq, empty_record, make

NOBODY_SCORED = {"adoption.initial": 0.0, "adoption.innovation": 0.0,
                 "adoption.imitation": 0.0, "adoption.mandatory_step": "never"}  # fmt: skip


def assert_bernoulli_sum(count, p):
    """``count`` is a sum of independent Bernoulli(p_i)."""
    p = np.asarray(p, dtype=np.float64)
    sd = np.sqrt((p * (1.0 - p)).sum())
    assert abs(count - p.sum()) <= Z * sd + 1e-9, (count, p.sum(), sd)


def assert_bernoulli(hits, p, bins=4):
    """Independent Bernoulli(p_i) outcomes ``hits``: in total and within each quarter of the
    range of ``p`` (a calibration check: a rate that ignores what ``p`` depends on, e.g. fear
    replaced by its mean, gets the total right but not the quarters)."""
    hits, p = np.asarray(hits, bool), np.asarray(p, np.float64)
    assert_bernoulli_sum(hits.sum(), p)
    edges = np.quantile(p, np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    for b in range(bins):
        assert_bernoulli_sum(hits[which == b].sum(), p[which == b])


def lists_offence(rate, detect=1.0, delta=0.0):
    return {"name": "judgment", "kind": "offence", "rate": rate, "delta": delta,
            "detect": detect, "lists": True}  # fmt: skip


# =========================================================================== the Markov chain
@pytest.mark.parametrize("p0", [0.0, 1.0])
def test_listed_share_follows_the_two_state_chain(p0):
    n, steps, r, c = 30_000, 12, 0.3, 0.4
    sc = Scenario.preset("seed").with_overrides({
        **NOBODY_SCORED, "population.agents": n, "steps": steps, "graph.degree": 4,
        "population.propensity_shape": 1e6,  # propensity ~ 1: the hazard is nearly constant
        "policy.records": [lists_offence(r)],
        "blacklist.enabled": True, "blacklist.comply": c,
        "economy.loan_apply": 0.0,  # no loans, no defaults: listing only by the offence
    })  # fmt: skip
    sim = Simulation(sc, seed=4)
    soc = sim.society
    if p0:
        soc.listed[:] = True
        soc.ever_listed[:] = True
    l_i = 1.0 - np.exp(-r * soc.propensity)  # the exact per-agent hazard
    a_i = (1.0 - l_i) * (1.0 - c)
    star_i = l_i / (1.0 - a_i)
    prev = np.full(n, p0)
    for t in range(1, steps + 1):
        row = sim.step()
        p_t = star_i + (p0 - star_i) * a_i**t
        assert row["listed"] == soc.listed.sum() / n
        assert_bernoulli_sum(soc.listed.sum(), p_t)
        assert_bernoulli_sum(row["listings"], (1 - prev) * l_i + prev * c * l_i)
        assert_bernoulli_sum(row["delistings"], prev * c)
        if p0 == 0.0:
            assert_bernoulli_sum(soc.ever_listed.sum(), 1.0 - (1.0 - l_i) ** t)
        prev = p_t
    # the steady state l / (l + c - l c) with the constant hazard l = 1 - exp(-r)
    l_const = 1.0 - np.exp(-r)
    star = l_const / (l_const + c - l_const * c)
    a = (1 - l_const) * (1 - c)
    assert abs(star_i.mean() - star) < 1e-5
    sd = np.sqrt(star * (1 - star) / n)
    assert abs(soc.listed.mean() - star) <= Z * sd + a**steps
    # the other order (listing first, or no relisting) has steady state l / (l + c): distinct
    assert abs(l_const / (l_const + c) - star) > 4 * Z * sd
    assert np.all(soc.listed <= soc.ever_listed)


# =========================================================================== defaults and fear
def default_case(n, overrides, seed=0):
    soc, params = make(n, (), {
        "economy.default": 0.5, "economy.loan_close": 0.0, "economy.job_loss": 0.0,
        "economy.hire": 0.0, "economy.loan_apply": 0.0, **overrides,
    }, seed=seed)  # fmt: skip
    soc.has_loan[:] = True
    soc.employed[:] = True
    soc.enrolled = np.arange(n) % 2 == 0
    return soc, params


def test_default_deterrence_and_listing_from_default():
    n, d, f = 40_000, 0.8, 0.4
    soc, params = default_case(
        n,
        {"blacklist.enabled": True, "blacklist.from_default": f, "blacklist.default_deterrence": d},
    )
    rec = empty_record(n)
    consequences(soc, params, np.random.default_rng(1), rec)
    assert_bernoulli(soc.defaulted, 0.5 * (1.0 - d * soc.fear))
    assert_freq(soc.listed[soc.defaulted].sum(), soc.defaulted.sum(), f)
    assert not soc.listed[~soc.defaulted].any()  # nothing else lists here
    assert rec.listings == soc.listed.sum() == soc.listing_pending.sum() == soc.ever_listed.sum()
    # listing is a sanction for enrolled agents only
    np.testing.assert_array_equal(rec.sanctioned, soc.listed & soc.enrolled)


def test_default_deterrence_needs_the_blacklist():
    n = 40_000
    soc, params = default_case(n, {"blacklist.default_deterrence": 0.8})
    consequences(soc, params, np.random.default_rng(1), empty_record(n))
    assert_freq(soc.defaulted.sum(), n, 0.5)  # not deterred: 0.5 * (1 - 0.8 * 0.5) would be 0.3


def test_an_agent_already_listed_is_not_listed_again():
    n = 10_000
    soc, params = default_case(
        n, {"blacklist.enabled": True, "blacklist.from_default": 1.0, "economy.default": 1.0}
    )
    soc.listed[: n // 2] = True
    soc.ever_listed[: n // 2] = True
    rec = empty_record(n)
    consequences(soc, params, np.random.default_rng(2), rec)
    assert soc.defaulted.all()  # every loan defaults
    assert soc.listed.all()
    assert rec.listings == n - n // 2
    np.testing.assert_array_equal(soc.listing_pending, np.arange(n) >= n // 2)


# =========================================================================== bans and hiring
def listed_half(n, overrides, seed=0):
    """Nobody enrolled, nobody holding a loan, every other agent listed."""
    soc, params = make(n, (), {**NOBODY_SCORED, "blacklist.enabled": True, **overrides}, seed=seed)
    soc.enrolled[:] = False
    soc.has_loan[:] = False
    soc.listed = np.arange(n) % 2 == 0
    soc.ever_listed = soc.listed.copy()
    return soc, params


APPROVE_ALL = {f"tiers.{t}.loan_approval": 1.0 for t in ("poor", "fair", "good", "excellent")}


def test_listed_agents_are_denied_every_loan_and_trip_they_ask_for():
    n, travel = 20_000, 0.3
    soc, params = listed_half(
        n, {"economy.travel": travel, "economy.loan_apply": 1.0, **APPROVE_ALL}
    )
    listed0 = soc.listed.copy()
    rec = empty_record(n)
    consequences(soc, params, np.random.default_rng(3), rec)
    assert rec.loans_denied == listed0.sum()  # everyone applied; only the listed are refused
    np.testing.assert_array_equal(soc.has_loan, ~listed0)
    assert_freq(rec.travel_denied, listed0.sum(), travel)  # travel * listed count on average
    # every request is denied: with travel 1 the denials are the listed agents exactly
    soc, params = listed_half(n, {"economy.travel": 1.0})
    rec = empty_record(n)
    consequences(soc, params, np.random.default_rng(4), rec)
    assert rec.travel_denied == n // 2


def test_delisting_comes_before_the_bans():
    """With ``comply = 1`` every listed agent is delisted first and then asks as a free one."""
    n = 4_000
    soc, params = listed_half(
        n,
        {"economy.travel": 1.0, "economy.loan_apply": 1.0, "blacklist.comply": 1.0, **APPROVE_ALL},
    )
    rec = empty_record(n)
    consequences(soc, params, np.random.default_rng(5), rec)
    assert rec.delistings == n // 2 and rec.listings == 0
    assert rec.travel_denied == 0 and rec.loans_denied == 0
    assert not soc.listed.any() and soc.ever_listed.sum() == n // 2
    assert soc.has_loan.all()


def test_compliance_of_the_unemployed_reads_employment_at_the_start():
    """Delisting precedes the job update: with ``hire = 1`` an unemployed agent is hired in the
    same step, but complies at ``comply * comply_unemployed_factor``."""
    n, c, factor = 40_000, 0.5, 0.4
    soc, params = listed_half(
        n,
        {
            "blacklist.comply": c,
            "blacklist.comply_unemployed_factor": factor,
            "economy.hire": 1.0,
            "economy.job_loss": 0.0,
        },
    )
    soc.listed[:] = True
    employed0 = np.arange(n) % 3 != 0
    soc.employed = employed0.copy()
    rec = empty_record(n)
    consequences(soc, params, np.random.default_rng(6), rec)
    delisted = ~soc.listed
    assert_freq(delisted[employed0].sum(), employed0.sum(), c)
    assert_freq(delisted[~employed0].sum(), (~employed0).sum(), c * factor)
    assert rec.delistings == delisted.sum()


# (enrolled, score, seed tier index)
HIRE_GROUPS = [(True, 400.0, 0), (True, 500.0, 1), (True, 700.0, 3), (False, 400.0, 2)]


def test_listed_agents_are_hired_at_the_blacklist_multiplier():
    g, hire, mult = 10_000, 0.5, 0.4
    n = g * len(HIRE_GROUPS)
    soc, params = make(
        n, (), {"blacklist.enabled": True, "blacklist.hire_multiplier": mult, "economy.hire": hire}
    )
    group = np.repeat(np.arange(len(HIRE_GROUPS)), g)
    soc.enrolled = np.array([HIRE_GROUPS[k][0] for k in group])
    soc.score = np.array([HIRE_GROUPS[k][1] for k in group])
    soc.employed[:] = False
    soc.listed = np.arange(n) % 2 == 0
    listed0 = soc.listed.copy()
    consequences(soc, params, np.random.default_rng(7), empty_record(n))
    for k, (_, _, tier) in enumerate(HIRE_GROUPS):
        m = group == k
        assert_freq(
            soc.employed[m & listed0].sum(), (m & listed0).sum(), hire * HIRE_MULT[tier] * mult
        )
        assert_freq(soc.employed[m & ~listed0].sum(), (m & ~listed0).sum(), hire * HIRE_MULT[tier])


def test_bans_start_in_the_step_after_the_listing():
    n = 6_000
    soc, params = make(
        n,
        (),
        {
            **NOBODY_SCORED,
            "blacklist.enabled": True,
            "policy.records": [lists_offence(1.0)],
            "economy.travel": 1.0,
        },
    )
    rng = np.random.default_rng(8)
    denied = []
    for t in (1, 2):
        listed0 = soc.listed.copy()
        rec = empty_record(n, t=t)
        records(soc, params, rng, rec)
        scoring(soc, params, rng, rec)
        consequences(soc, params, rng, rec)
        denied.append((rec.travel_denied, int(listed0.sum())))
    assert denied[0] == (0, 0)  # listed in step 1, after that step's trips
    assert denied[1][0] == denied[1][1] > 0  # every trip of step 2 by those listed before


# =========================================================================== sanction, metrics
def test_a_listing_is_a_sanction_and_never_a_false_positive():
    """In a full run: enrolled agents listed this step are sanctioned, non-enrolled ones are
    not, and ``false_positive_only`` leaves out the agents listed this step."""
    n = 20_000
    sc = Scenario.preset("seed").with_overrides({
        "population.agents": n, "steps": 4, "adoption.initial": 0.5,
        "adoption.innovation": 0.0, "adoption.imitation": 0.0,
        "policy.detect.critical": 0.0, "policy.detect.false_positive": 0.3,
        "economy.loan_apply": 0.5, "economy.default": 0.3,
        "blacklist.enabled": True, "blacklist.from_default": 1.0,
    })  # fmt: skip
    sim = Simulation(sc, seed=2)
    seen = 0
    for _ in range(sc.steps):
        row = sim.step()
        soc, rec = sim.society, sim.record
        new = soc.listing_pending  # listed in this step's consequences
        assert rec.sanctioned[new & soc.enrolled].all()
        assert not rec.sanctioned[~soc.enrolled].any()
        sanctioned = rec.sanctioned
        fp_only = sanctioned & (rec.detected_critical == 0) & ~new
        assert row["false_positive_only"] == fp_only.sum() / sanctioned.sum()
        assert row["sanctioned"] == sanctioned.mean()
        assert row["listings"] == new.sum()
        # listed agents who would count as false positives only, were the listing ignored
        seen += int((new & soc.enrolled & (rec.false_positives > 0)).sum())
    assert seen > 0


def test_employment_listed_metric():
    n = 8_000
    sc = Scenario.preset("defaulter-blacklist").with_overrides({
        "population.agents": n, "steps": 6, "economy.loan_apply": 0.5, "economy.default": 0.2,
        "blacklist.from_default": 1.0, "schedule": [],
    })  # fmt: skip
    sim = Simulation(sc, seed=1)
    for _ in range(sc.steps):
        row = sim.step()
        soc = sim.society
        assert row["listed"] == soc.listed.mean()
        assert row["ever_listed"] == soc.ever_listed.mean()
        listed = soc.listed.sum()
        if listed:
            assert row["employment_listed"] == (soc.employed & soc.listed).sum() / listed
        else:
            assert np.isnan(row["employment_listed"])
    assert sim.society.listed.any()


# =========================================================================== shaming
def graph_society(n, overrides, seed=0):
    sc = Scenario.preset("seed").with_overrides({"population.agents": n, **overrides})
    graph = build_graph(sc, np.random.default_rng(seed))
    soc = Society.initial(sc, np.random.default_rng(seed + 1), graph)
    return soc, Params.from_scenario(sc)


def edges_of(graph):
    u, v = graph.src.astype(np.int64), graph.dst.astype(np.int64)
    return set(zip(np.minimum(u, v).tolist(), np.maximum(u, v).tolist(), strict=True))


def neighbours(edges, n):
    nbrs = [set() for _ in range(n)]
    for u, v in edges:
        nbrs[u].add(v)
        nbrs[v].add(u)
    return nbrs


NO_OSTRACISM = {"policy.friend_weight": 0.0, "policy.low_friend_penalty": 0.0}


def test_shaming_drops_ties_to_listed_agents_at_shaming_drop_times_fear():
    n, drop = 20_000, 0.6
    soc, params = graph_society(
        n,
        {
            **NO_OSTRACISM,
            "blacklist.enabled": True,
            "blacklist.shaming_drop": drop,
            "network.replace_prob": 1.0,
        },
    )
    soc.listed = np.random.default_rng(3).random(n) < 0.1
    before = edges_of(soc.graph)
    network(soc, params, np.random.default_rng(4), empty_record(n))
    after = edges_of(soc.graph)
    removed, added = before - after, after - before
    listed, fear = soc.listed, soc.fear
    assert all(listed[u] or listed[v] for u, v in removed)
    pairs = sorted(before)
    p = []
    for u, v in pairs:  # one decision per ordered pair towards a listed friend
        keep = (1.0 - drop * fear[u] if listed[v] else 1.0) * (
            1.0 - drop * fear[v] if listed[u] else 1.0
        )
        p.append(1.0 - keep)
    touched = np.array(p) > 0
    assert_bernoulli(np.array([e in removed for e in pairs])[touched], np.array(p)[touched])
    # replacements: a friend of a friend of the agent who dropped, never a listed agent
    nbrs = neighbours(before, n)
    assert added
    for a, b in added:
        assert any(
            not listed[new]
            and any(listed[j] for j in nbrs[i])
            and new not in nbrs[i]
            and any(new in nbrs[k] for k in nbrs[i])
            for i, new in ((a, b), (b, a))
        ), (a, b)
    assert len(added) <= sum(1 for u, v in before if listed[u]) + sum(
        1 for u, v in before if listed[v]
    )


def test_shaming_and_ostracism_decide_independently():
    """Every agent enrolled; some score low, some are listed, some both: an edge survives only
    if all of its (up to four) drop decisions spare it."""
    n, drop, shame = 20_000, 0.3, 0.5
    soc, params = graph_society(
        n,
        {
            "blacklist.enabled": True,
            "blacklist.shaming_drop": shame,
            "network.drop_rate": drop,
            "network.replace_prob": 0.0,
        },
    )
    rng = np.random.default_rng(5)
    soc.enrolled[:] = True
    soc.score = np.where(rng.random(n) < 0.15, 400.0, 600.0)
    # many listed agents score low too: there the two decisions about one friend must not be
    # one draw (a shared draw drops with max(p_o, p_s), not 1 - (1 - p_o)(1 - p_s))
    soc.listed = ((soc.score < 450.0) & (rng.random(n) < 0.6)) | (rng.random(n) < 0.05)
    before = edges_of(soc.graph)
    network(soc, params, np.random.default_rng(6), empty_record(n))
    after = edges_of(soc.graph)
    assert after <= before  # no replacements
    low, listed, fear = soc.score < 450.0, soc.listed, soc.fear

    def spare(i, j):  # i's decisions about its friend j
        return (1.0 - drop * fear[i] * low[j]) * (1.0 - shame * fear[i] * listed[j])

    pairs = sorted(before)
    p = np.array([1.0 - spare(u, v) * spare(v, u) for u, v in pairs])
    removed = np.array([e not in after for e in pairs])
    assert not removed[p == 0].any()
    assert_bernoulli(removed[p > 0], p[p > 0])
    both = np.array([(low[u] and listed[u]) or (low[v] and listed[v]) for u, v in pairs])
    assert both.sum() > 5_000
    assert_bernoulli(removed[both], p[both])


def test_a_new_listing_is_shamed_in_the_same_step():
    """Listed in this step's consequences, shamed in this step's network phase."""
    n, drop = 10_000, 0.8
    sc = Scenario.preset("seed").with_overrides({
        **NOBODY_SCORED, "population.agents": n, "steps": 1,
        "policy.records": [lists_offence(0.2)], "network.replace_prob": 0.0,
        "blacklist.enabled": True, "blacklist.shaming_drop": drop,
    })  # fmt: skip
    sim = Simulation(sc, seed=6)
    before = edges_of(sim.society.graph)
    sim.step()
    soc = sim.society
    assert soc.listing_pending.sum() == soc.listed.sum() > 0  # all listed in this very step
    after = edges_of(soc.graph)
    pairs = sorted(before)
    listed, fear = soc.listed, soc.fear
    p = np.array([1.0 - (1.0 - drop * fear[u] * listed[v]) * (1.0 - drop * fear[v] * listed[u])
                  for u, v in pairs])  # fmt: skip
    removed = np.array([e not in after for e in pairs])
    assert not removed[p == 0].any() and after <= before
    assert_bernoulli(removed[p > 0], p[p > 0])


@pytest.mark.parametrize("case", ["nobody listed", "shaming_drop 0"])
def test_no_shaming_without_listed_agents_or_rate(case):
    n = 3_000
    rate = 0.0 if case == "shaming_drop 0" else 0.9
    soc, params = graph_society(
        n, {**NO_OSTRACISM, "blacklist.enabled": True, "blacklist.shaming_drop": rate}
    )
    if case == "shaming_drop 0":
        soc.listed[:] = True
    before = edges_of(soc.graph)
    network(soc, params, np.random.default_rng(0), empty_record(n))
    assert edges_of(soc.graph) == before


# =========================================================================== score delta
def test_listing_score_delta_applies_at_the_next_scoring_outside_the_clip():
    n, delta = 3_000, -80.0
    soc, params = make(n, (), {
        "policy.records": [lists_offence(1.0)], "blacklist.enabled": True,
        "blacklist.score_delta": delta, "policy.decay": 0.0, "policy.max_step_change": 50.0,
    })  # fmt: skip
    soc.enrolled = np.arange(n) % 4 != 0
    rng = np.random.default_rng(9)
    rec = empty_record(n)
    records(soc, params, rng, rec)
    start = soc.score.copy()
    scoring(soc, params, rng, rec)
    np.testing.assert_array_equal(soc.score, start)  # the listing comes after this scoring
    consequences(soc, params, rng, rec)
    newly = soc.listing_pending.copy()
    assert (newly & soc.enrolled).any() and (newly & ~soc.enrolled).any()
    rec = empty_record(n, t=2)  # no records this time: only the purchases below
    rec.undesirable[:] = 12  # -60 points, clipped to -50
    scoring(soc, params, rng, rec)
    expected = start - 50.0 * soc.enrolled + delta * (newly & soc.enrolled)
    np.testing.assert_array_equal(soc.score, expected)
    assert not soc.listing_pending.any()  # due once; lost by the non-enrolled
    np.testing.assert_array_equal(soc.listed, newly)

"""Metrics (phase 7) against docs/model.md section 3 and the readings of section 5.

Expected values are computed here with the standard library (``statistics``), ``networkx`` and
plain loops, not with the helpers of ``scoresim.metrics``.
"""

from __future__ import annotations

import itertools
import math
import statistics

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoresim.metrics import gini, mean_and_sd, metric_columns, metrics_row
from scoresim.phases.params import Params
from scoresim.phases.record import COUNT_FIELDS, StepRecord
from scoresim.scenario import Scenario
from scoresim.simulation import Simulation
from scoresim.society.agents import Society
from scoresim.society.graph import Graph

# docs/model.md section 3, typed by hand, in order, with `step` first
MODEL_COLUMNS = [
    "step", "adoption", "score_mean", "score_sd", "score_p10", "score_p50", "score_p90",
    "tier_poor", "tier_fair", "tier_good", "tier_excellent", "dissent_mean", "expressed_mean",
    "falsification_gap", "pluralistic_ignorance", "critical_posts", "loyal_posts", "imports",
    "sanctioned", "false_positive_only", "edges", "isolated", "score_assortativity",
    "employment", "employment_poor", "wealth_gini", "score_gini", "score_dissent_corr",
    "loans_denied", "travel_denied",
]  # fmt: skip
SCORE_COLUMNS = ["score_mean", "score_sd", "score_p10", "score_p50", "score_p90", "tier_poor",
                 "tier_fair", "tier_good", "tier_excellent", "score_gini", "score_dissent_corr",
                 "score_assortativity", "employment_poor"]  # fmt: skip
TIER_MIN = (350.0, 450.0, 600.0, 650.0)


def tier_of(score, enrolled):
    return max(k for k, m in enumerate(TIER_MIN) if score >= m) if enrolled else 2


def gini_pairs(x):
    """Gini as the mean absolute difference over twice the mean (docs/model.md's formula)."""
    x = list(map(float, x))
    n, total = len(x), sum(x)
    return sum(abs(a - b) for a in x for b in x) / (2 * n * total)


def make(n, edges, overrides=None):
    ov = {"population.agents": n, "graph.degree": 0, **(overrides or {})}
    sc = Scenario.preset("seed").with_overrides(ov)
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    soc = Society.initial(sc, np.random.default_rng(0), Graph(n, e[:, 0], e[:, 1]))
    return soc, Params.from_scenario(sc)


def record(n, t=7):
    rec = StepRecord(t=t)
    rec.critical_by_topic = np.zeros((2, n), np.int64)
    for name in COUNT_FIELDS[1:]:
        setattr(rec, name, np.zeros(n, np.int64))
    rec.sanctioned = np.zeros(n, bool)
    return rec


# --------------------------------------------------------------------------- gini
def test_gini_by_hand():
    assert gini(np.array([3.0, 1.0, 4.0, 2.0])) == pytest.approx(0.25)  # (-3-2+3+12)/(4*10)
    assert gini(np.array([0.0, 0.0, 3.0])) == pytest.approx(2 / 3)
    assert gini(np.array([5.0])) == 0.0
    assert gini(np.array([2.0, 2.0, 2.0, 2.0])) == 0.0
    assert gini(np.array([0.0] * 99 + [1.0])) == pytest.approx(0.99)


def test_gini_matches_mean_absolute_difference():
    rng = np.random.default_rng(0)
    for n in (2, 3, 7, 40):
        x = rng.lognormal(0, 1, n)
        assert gini(x) == pytest.approx(gini_pairs(x), rel=1e-12)
        assert gini(rng.permutation(x)) == pytest.approx(gini(x), rel=1e-12)
        assert gini(3.5 * x) == pytest.approx(gini(x), rel=1e-12)  # scale invariant


@pytest.mark.parametrize(
    ("draw", "closed_form"),
    [
        (lambda r, n: r.uniform(0, 1, n), 1 / 3),  # U(0, b): 1/3
        (lambda r, n: r.exponential(2.0, n), 1 / 2),  # Exp: 1/2
        (lambda r, n: r.pareto(3.0, n) + 1, 1 / 5),  # Pareto(alpha): 1 / (2 alpha - 1)
    ],
)
def test_gini_closed_forms(draw, closed_form):
    x = draw(np.random.default_rng(1), 400_000)
    assert gini(x) == pytest.approx(closed_form, abs=0.006)


def test_gini_undefined_is_nan():
    assert math.isnan(gini(np.array([])))
    assert math.isnan(gini(np.zeros(5)))


# --------------------------------------------------------------------------- columns
#: model v2's columns (section 6.5, and the employment of listed agents), after v1's
MODEL_V2_COLUMNS = [
    "listed", "ever_listed", "listings", "delistings", "offences", "offences_registered",
    "deeds_registered", "perk_share", "private_critics", "public_critics", "employment_listed",
]  # fmt: skip
MODEL_V3_COLUMNS = [  # docs/model.md 7.5
    "voice_private", "voice_expressed", "voice_posted", "climate_voice_corr", "bunching",
    "low_tier_income_gap", "perk_income_gap",
]  # fmt: skip


def test_metric_columns_are_those_of_model_md():
    params = Params.from_scenario(Scenario.preset("seed"))
    assert metric_columns(params) == MODEL_COLUMNS + MODEL_V2_COLUMNS + MODEL_V3_COLUMNS


def test_simulation_rows_have_the_columns_in_order():
    sc = Scenario.preset("seed").with_overrides({"population.agents": 300, "steps": 3})
    sim = Simulation(sc, seed=3)
    for t in (1, 2, 3):
        row = sim.step()
        assert list(row) == MODEL_COLUMNS + MODEL_V2_COLUMNS + MODEL_V3_COLUMNS
        assert row["step"] == t
        soc = sim.society
        assert row["adoption"] == pytest.approx(soc.enrolled.mean())
        assert row["edges"] == soc.graph.edge_count
        tiers = [row[f"tier_{k}"] for k in ("poor", "fair", "good", "excellent")]
        assert sum(tiers) == pytest.approx(1.0)
    frame = sim.metrics
    assert list(frame.columns) == MODEL_COLUMNS + MODEL_V2_COLUMNS + MODEL_V3_COLUMNS
    assert frame["step"].tolist() == [1, 2, 3]


# --------------------------------------------------------------------------- one row by hand
# node 9 is isolated
EDGES = [(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (1, 6), (7, 8), (6, 7)]
ENROLLED = [1, 1, 1, 0, 1, 1, 1, 0, 1, 1]
SCORES = [700, 420, 600, 600, 380, 655, 510, 600, 905, 460]
DISSENT = [0.1, 0.8, 0.3, 0.5, 0.9, 0.05, 0.4, 0.6, 0.2, 0.7]
CENSOR = [0.0, 0.5, 0.1, 0.0, 0.3, 0.2, 0.0, 0.0, 0.1, 0.25]
CLIMATE = [0.2, 0.3, 0.4, 0.5, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7]
EMPLOYED = [1, 0, 1, 1, 1, 1, 0, 1, 1, 1]
WEALTH = [5.0, 0.0, 3.0, 8.0, 1.0, 2.0, 0.5, 4.0, 10.0, 1.5]


def hand_society():
    n = len(SCORES)
    soc, params = make(n, EDGES)
    soc.enrolled = np.array(ENROLLED, bool)
    soc.score = np.array(SCORES, np.float64)
    soc.tier = np.array([tier_of(s, e) for s, e in zip(SCORES, ENROLLED, strict=True)], np.int8)
    soc.dissent = np.array(DISSENT)
    soc.censor = np.array(CENSOR)
    soc.climate = np.array(CLIMATE)
    soc.employed = np.array(EMPLOYED, bool)
    soc.wealth = np.array(WEALTH)
    rec = record(n)
    rec.critical_by_topic[0] = [0, 2, 0, 1, 3, 0, 0, 0, 0, 1]
    rec.critical_by_topic[1] = [0, 1, 1, 0, 2, 0, 0, 0, 0, 0]
    rec.loyal[:] = [3, 0, 1, 0, 0, 4, 2, 0, 5, 0]
    rec.undesirable[:] = [0, 1, 0, 2, 1, 0, 0, 3, 0, 1]
    rec.detected_critical[:] = [0, 2, 0, 0, 4, 0, 0, 0, 0, 0]
    rec.false_positives[:] = [0, 0, 1, 0, 1, 0, 1, 0, 0, 0]
    rec.sanctioned = (rec.detected_critical > 0) | (rec.false_positives > 0)
    rec.loans_denied, rec.travel_denied = 4, 2
    return soc, params, rec


def test_metrics_row_by_hand():
    soc, params, rec = hand_society()
    row = metrics_row(soc, params, rec)
    n = len(SCORES)
    enr = [i for i in range(n) if ENROLLED[i]]
    s = [float(SCORES[i]) for i in enr]
    deciles = statistics.quantiles(s, n=10, method="inclusive")  # linear interpolation
    expressed = [d * (1 - c) for d, c in zip(DISSENT, CENSOR, strict=True)]
    tiers = [tier_of(SCORES[i], True) for i in enr]
    pairs = [(SCORES[a], SCORES[b]) for a, b in EDGES if ENROLLED[a] and ENROLLED[b]]
    both = pairs + [(b, a) for a, b in pairs]
    poor = [i for i in enr if tier_of(SCORES[i], True) == 0]
    sanctioned = [i for i in range(n) if rec.sanctioned[i]]
    expected = {
        "step": 7,
        "adoption": 8 / 10,
        "score_mean": statistics.fmean(s),
        "score_sd": statistics.pstdev(s),
        "score_p10": deciles[0],
        "score_p50": deciles[4],
        "score_p90": deciles[8],
        "tier_poor": tiers.count(0) / 8,
        "tier_fair": tiers.count(1) / 8,
        "tier_good": tiers.count(2) / 8,
        "tier_excellent": tiers.count(3) / 8,
        "dissent_mean": statistics.fmean(DISSENT),
        "expressed_mean": statistics.fmean(expressed),
        "falsification_gap": statistics.fmean(
            d - e for d, e in zip(DISSENT, expressed, strict=True)
        ),
        "pluralistic_ignorance": statistics.fmean(CLIMATE) - statistics.fmean(DISSENT),
        "critical_posts": (7 + 4) / 10,
        "loyal_posts": 15 / 10,
        "imports": 8 / 10,
        "sanctioned": 4 / 10,  # agents 1, 2, 4, 6
        "false_positive_only": 2 / 4,  # 2 and 6 have only false positives
        "edges": 10,
        "isolated": 1 / 10,
        "score_assortativity": statistics.correlation([a for a, _ in both], [b for _, b in both]),
        "employment": 8 / 10,
        "employment_poor": sum(EMPLOYED[i] for i in poor) / len(poor),
        "wealth_gini": gini_pairs(WEALTH),
        "score_gini": gini_pairs(s),
        "score_dissent_corr": statistics.correlation(s, [DISSENT[i] for i in enr]),
        "loans_denied": 4,
        "travel_denied": 2,
        # model v2: no mechanism on, so 0 (NaN for the employment of nobody listed); critics
        # are shares with dissent above 0.5 (0.8, 0.9, 0.6, 0.7) and expressed above 0.5 (0.63,
        # 0.6, 0.525)
        "listed": 0.0,
        "ever_listed": 0.0,
        "listings": 0,
        "delistings": 0,
        "offences": 0.0,
        "offences_registered": 0.0,
        "deeds_registered": 0.0,
        "perk_share": 0.0,
        "private_critics": 4 / 10,
        "public_critics": 3 / 10,
    }
    assert sanctioned == [1, 2, 4, 6]
    assert poor == [1, 4] and expected["employment_poor"] == 0.5
    assert math.isnan(row["employment_listed"])
    assert list(row) == MODEL_COLUMNS + MODEL_V2_COLUMNS + MODEL_V3_COLUMNS
    for key, value in expected.items():
        assert row[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key


def test_score_assortativity_matches_networkx():
    rng = np.random.default_rng(4)
    n = 80
    g = nx.gnm_random_graph(n, 240, seed=4)
    edges = list(g.edges())
    soc, params = make(n, edges)
    soc.enrolled = rng.random(n) < 0.7
    soc.score = rng.integers(350, 951, n).astype(np.float64)
    soc.tier = np.array(
        [tier_of(s, e) for s, e in zip(soc.score, soc.enrolled, strict=True)], np.int8
    )
    row = metrics_row(soc, params, record(n))
    sub = g.subgraph([i for i in range(n) if soc.enrolled[i]]).copy()
    nx.set_node_attributes(sub, {i: int(soc.score[i]) for i in sub.nodes}, "score")
    assert row["score_assortativity"] == pytest.approx(
        nx.numeric_assortativity_coefficient(sub, "score"), abs=1e-9
    )


def test_percentiles_interpolate_linearly():
    n = 7
    soc, params = make(n, [])
    soc.enrolled[:] = True
    soc.score = np.array([350.0, 400.0, 410.0, 600.0, 700.0, 800.0, 950.0])
    row = metrics_row(soc, params, record(n))
    # position (n - 1) q: 0.6 -> 350 + 0.6 * 50; 3 -> 600; 5.4 -> 800 + 0.4 * 150
    assert row["score_p10"] == pytest.approx(380.0)
    assert row["score_p50"] == pytest.approx(600.0)
    assert row["score_p90"] == pytest.approx(860.0)
    assert row["score_sd"] == pytest.approx(np.sqrt(np.mean((soc.score - soc.score.mean()) ** 2)))


# --------------------------------------------------------------------------- undefined -> NaN
def test_no_enrolled_agent_gives_nan_score_metrics():
    soc, params, rec = hand_society()
    soc.enrolled[:] = False
    soc.tier[:] = 2
    rec.sanctioned[:] = False
    row = metrics_row(soc, params, rec)
    for key in SCORE_COLUMNS:
        assert math.isnan(row[key]), key
    assert math.isnan(row["false_positive_only"])  # nobody sanctioned
    assert row["adoption"] == 0.0 and row["sanctioned"] == 0.0
    for key in ("dissent_mean", "expressed_mean", "wealth_gini", "employment", "edges"):
        assert not math.isnan(row[key]), key


def test_zero_variance_and_zero_total_give_nan():
    soc, params, rec = hand_society()
    soc.score[:] = 600.0
    soc.tier[:] = 2
    soc.wealth[:] = 0.0
    row = metrics_row(soc, params, rec)
    assert row["score_sd"] == 0.0 and row["score_gini"] == 0.0
    assert math.isnan(row["score_dissent_corr"])
    assert math.isnan(row["score_assortativity"])
    assert math.isnan(row["wealth_gini"])
    assert math.isnan(row["employment_poor"])  # no poor-tier agent
    assert row["tier_good"] == 1.0 and row["tier_poor"] == 0.0


def test_false_positive_only_counts_sanctioned_without_detected_critical():
    soc, params, rec = hand_society()
    rec.detected_critical[:] = 0
    rec.false_positives[:] = 0
    rec.false_positives[[0, 3, 5]] = 1
    rec.detected_critical[[3, 8]] = [1, 2]
    rec.sanctioned = (rec.detected_critical > 0) | (rec.false_positives > 0)
    row = metrics_row(soc, params, rec)
    assert row["sanctioned"] == pytest.approx(4 / 10)
    assert row["false_positive_only"] == pytest.approx(2 / 4)


def test_assortativity_uses_only_edges_between_enrolled():
    # path 0-1-2-3: scores 400, 900, 400, 900; only 0 and 1 and 3 enrolled
    soc, params = make(4, [(0, 1), (1, 2), (2, 3)])
    soc.enrolled = np.array([True, True, False, True])
    soc.score = np.array([400.0, 900.0, 400.0, 900.0])
    row = metrics_row(soc, params, record(4))
    # a single enrolled edge (400, 900): both orientations give a perfect anticorrelation
    assert row["score_assortativity"] == pytest.approx(-1.0)
    pairs = list(itertools.permutations([400.0, 900.0]))
    assert statistics.correlation(*zip(*pairs, strict=True)) == pytest.approx(-1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(350, 950), min_size=1, max_size=40), st.integers(0, 2**31))
def test_score_summaries_on_random_enrolled_sets(scores, seed):
    """Percentiles (linear interpolation), sd (ddof 0), Gini: against the standard library."""
    rng = np.random.default_rng(seed)
    n = len(scores) + 3
    soc, params = make(n, [])
    soc.enrolled = np.zeros(n, bool)
    soc.enrolled[rng.permutation(n)[: len(scores)]] = True
    soc.score[:] = 600.0
    soc.score[soc.enrolled] = scores
    soc.tier = np.array(
        [tier_of(s, e) for s, e in zip(soc.score, soc.enrolled, strict=True)], np.int8
    )
    row = metrics_row(soc, params, record(n))
    s = sorted(float(v) for v in soc.score[soc.enrolled])
    if len(s) >= 2:
        q = statistics.quantiles(s, n=10, method="inclusive")
        expected = (q[0], q[4], q[8])
    else:
        expected = (s[0],) * 3
    got = (row["score_p10"], row["score_p50"], row["score_p90"])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)
    assert row["score_mean"] == pytest.approx(statistics.fmean(s), rel=1e-12)
    assert row["score_sd"] == pytest.approx(statistics.pstdev(s), rel=1e-9, abs=1e-9)
    assert row["score_gini"] == pytest.approx(gini_pairs(s), rel=1e-9, abs=1e-12)
    assert row["adoption"] == pytest.approx(len(s) / n)


def test_constant_enrolled_scores_give_nan_score_dissent_corr():
    n = 9
    soc, params = make(n, [(0, 1), (1, 2)])
    soc.enrolled = np.array([True] * 7 + [False] * 2)
    soc.score[:] = 600.0
    soc.score[:7] = 601.7  # zero variance over the enrolled
    soc.dissent = np.linspace(0.1, 0.9, n)
    row = metrics_row(soc, params, record(n))
    assert statistics.pvariance([601.7] * 7) == 0.0
    assert math.isnan(row["score_dissent_corr"])


def test_equal_scores_across_enrolled_edges_give_nan_assortativity():
    n = 6
    soc, params = make(n, [(0, 1), (1, 2), (2, 3)])
    soc.enrolled[:] = True
    soc.score[:] = 600.0
    soc.score[5] = 949.99  # enrolled, no enrolled friend: not on any edge
    row = metrics_row(soc, params, record(n))
    assert math.isnan(row["score_assortativity"])  # every edge reads (600, 600): zero variance


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(1, 3000),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([1e-3, 1.0, 80.0, 1e6]),
)
def test_mean_and_sd_in_borrowed_memory_are_numpys_bits(size, seed, scale):
    x = np.random.default_rng(seed).normal(600.0, scale, size)
    scratch = np.full(size + 5, np.nan)
    mean, sd = mean_and_sd(x, scratch)
    assert (mean, sd) == (float(x.mean()), float(x.std()))  # equal bits, not just close


@settings(max_examples=60, deadline=None)  # the first example compiles
@given(
    st.integers(0, 400), st.integers(1, 5), st.integers(0, 2**32 - 1),
    st.sampled_from(["spread", "few", "equal"]),
)  # fmt: skip
def test_tier_counts_match_their_definition(n, tiers, seed, incomes):
    """Per tier, per income quintile (an agent at or below the lower cut is in the bottom one,
    else at or above the upper cut in the top one, even when the cuts are equal) and the
    employed of the lowest tier, by plain loops over the enrolled."""
    from scoresim.metrics import _tier_counts

    rng = np.random.default_rng(seed)
    tier = rng.integers(0, tiers, n).astype(np.int8)
    enrolled, employed = rng.random(n) < 0.7, rng.random(n) < 0.6
    income = {"spread": rng.lognormal(0.0, 1.0, n), "few": rng.integers(1, 4, n) * 1.0,
              "equal": np.full(n, 2.0)}[incomes]  # fmt: skip
    low, high = (2.0, 2.0) if incomes != "spread" else (0.5, 2.0)
    perk = rng.random(tiers) < 0.5
    counts, by_income, poor_employed = _tier_counts(
        tier, enrolled, tiers, income, (low, high, 1, 1), perk, employed
    )
    who = [i for i in range(n) if enrolled[i]]
    assert counts.tolist() == [sum(tier[i] == t for i in who) for t in range(tiers)]
    assert poor_employed == sum(tier[i] == 0 and employed[i] for i in who)
    bottom = [i for i in who if income[i] <= low]
    top = [i for i in who if not income[i] <= low and income[i] >= high]
    for row, group in zip(by_income.tolist(), (bottom, top), strict=True):
        assert row == [len(group), sum(tier[i] == 0 for i in group),
                       sum(bool(perk[tier[i]]) for i in group)]  # fmt: skip

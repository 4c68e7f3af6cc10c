"""Each phase of one step against its equations in docs/model.md section 2 and the readings of
section 5.

Small societies are built by hand (``Society.initial`` then arrays overwritten) and the expected
values are computed here, independently of the helpers the phases use, from the formulas of
docs/model.md with the numbers of the ``seed`` preset typed in by hand. Random phases are checked by
frequencies over many draws with a binomial / Poisson tolerance of ``Z`` standard deviations.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest
import scipy.linalg
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoresim.phases.activity import activity
from scoresim.phases.adaptation import adaptation
from scoresim.phases.adoption import adoption
from scoresim.phases.consequences import consequences
from scoresim.phases.network import network
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.scenario import Scenario
from scoresim.society.agents import Society
from scoresim.society.enrolled_friends import enrolled_friends
from scoresim.society.graph import Graph

Z = 5.0  # tolerance of the statistical checks, in standard deviations

# docs/model.md 2.4, seed preset, typed by hand (not read from the code's TierTable)
TIER_MIN = (350.0, 450.0, 600.0, 650.0)
LOAN_APPROVAL = (0.1, 0.4, 0.8, 0.95)
HIRE_MULT = (0.3, 0.8, 1.0, 1.2)
REACH = (0.5, 1.0, 1.0, 1.0)
TRAVEL_BAN = (True, False, False, False)
PUBLIC = (False, False, False, True)
BASE_TIER = 2  # the tier holding score.base = 600 ("good")
POOR, FAIR, GOOD, EXCELLENT = 0, 1, 2, 3


# --------------------------------------------------------------------------- helpers
def make(n, edges=(), overrides=None, seed=0):
    """A society of ``n`` agents on the given edge list, and its params (seed preset)."""
    ov = {"population.agents": n, "graph.degree": 0}
    ov.update(overrides or {})
    sc = Scenario.preset("seed").with_overrides(ov)
    e = np.asarray(list(edges), dtype=np.int64).reshape(-1, 2)
    graph = Graph(n, e[:, 0], e[:, 1])
    soc = Society.initial(sc, np.random.default_rng(seed), graph)
    return soc, Params.from_scenario(sc)


def adjacency(n, edges):
    nbrs = [set() for _ in range(n)]
    for a, b in edges:
        if a != b:
            nbrs[a].add(b)
            nbrs[b].add(a)
    return [sorted(s) for s in nbrs]


def tier_of(score):
    """Tier index by the lower bounds of docs/model.md 2.4."""
    return max(k for k, m in enumerate(TIER_MIN) if score >= m)


def agent_tier(score, enrolled):
    return tier_of(score) if enrolled else BASE_TIER


def replicate(motif_edges, size, copies):
    """Edge list of ``copies`` disjoint copies of a motif on ``size`` nodes."""
    out = []
    for c in range(copies):
        out.extend((a + c * size, b + c * size) for a, b in motif_edges)
    return out


def assert_freq(hits, trials, p, z=Z):
    """Frequencies ``hits / trials`` match probabilities ``p`` (exactly where p is 0 or 1)."""
    hits, trials, p = (np.asarray(x, dtype=np.float64) for x in (hits, trials, p))
    sd = np.sqrt(p * (1.0 - p) / trials)
    err = np.abs(hits / trials - p)
    assert np.all(err <= z * sd + 1e-12), (hits / trials, p, sd)


def empty_record(n, t=1, topics=2):
    rec = StepRecord(t=t)
    rec.critical_by_topic = np.zeros((topics, n), np.int64)
    for name in ("loyal", "neutral", "desirable", "undesirable", "groceries"):
        setattr(rec, name, np.zeros(n, np.int64))
    rec.detected_critical = np.zeros(n, np.int64)
    rec.false_positives = np.zeros(n, np.int64)
    rec.sanctioned = np.zeros(n, bool)
    return rec


def edge_set(graph):
    return set(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))


# =========================================================================== 2.1 adoption
ADOPT_MOTIF = [(0, 1), (0, 2), (0, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 3)]  # node 8 isolated
ADOPT_ENROLLED = (1, 2, 4, 6)


def bass_probability(n, edges, enrolled, innovation, imitation):
    """innovation + imitation * enrolled neighbours / k_i (innovation alone if isolated)."""
    nbrs = adjacency(n, edges)
    p = np.empty(n)
    for i in range(n):
        if enrolled[i]:
            p[i] = 1.0
        elif not nbrs[i]:
            p[i] = innovation
        else:
            p[i] = innovation + imitation * sum(enrolled[j] for j in nbrs[i]) / len(nbrs[i])
    return p


def test_adoption_frequency_matches_bass_hazard():
    n, draws = 9, 10000
    soc, params = make(n, ADOPT_MOTIF, {"adoption.innovation": 0.05, "adoption.imitation": 0.6})
    start = np.zeros(n, bool)
    start[list(ADOPT_ENROLLED)] = True
    rng = np.random.default_rng(1)
    hits = np.zeros(n)
    for _ in range(draws):
        soc.enrolled = start.copy()
        adoption(soc, params, rng, StepRecord(t=1))
        hits += soc.enrolled
    expected = bass_probability(n, ADOPT_MOTIF, start, 0.05, 0.6)
    # by hand: 0 sees 2/3 enrolled, 3 sees 1/3, 5 sees 2/2, 7 sees 1/2, 8 is isolated
    np.testing.assert_allclose(expected[[0, 3, 5, 7, 8]], [0.45, 0.25, 0.65, 0.35, 0.05])
    assert_freq(hits, draws, expected)


def test_adoption_seed_rates_on_many_copies():
    copies, size, draws = 3000, 9, 40
    n = copies * size
    edges = replicate(ADOPT_MOTIF, size, copies)
    soc, params = make(n, edges)
    start = np.zeros(n, bool)
    for c in range(copies):
        start[[c * size + j for j in ADOPT_ENROLLED]] = True
    rng = np.random.default_rng(2)
    hits = np.zeros(size)
    for _ in range(draws):
        soc.enrolled = start.copy()
        adoption(soc, params, rng, StepRecord(t=3))
        hits += soc.enrolled.reshape(copies, size).sum(axis=0)
    p = bass_probability(size, ADOPT_MOTIF, start[:size], 0.001, 0.01)
    assert p[8] == 0.001  # isolated: innovation alone
    assert_freq(hits, draws * copies, p)


@pytest.mark.parametrize("mandatory", [5, 260])
def test_adoption_mandatory_step(mandatory):
    n = 30
    edges = [(i, (i + 1) % n) for i in range(n)]
    soc, params = make(
        n, edges, {"adoption.innovation": 0.0, "adoption.imitation": 0.0,
                   "adoption.mandatory_step": mandatory},
    )
    start = np.zeros(n, bool)
    start[::3] = True
    rng = np.random.default_rng(0)
    soc.enrolled = start.copy()
    adoption(soc, params, rng, StepRecord(t=mandatory - 1))
    np.testing.assert_array_equal(soc.enrolled, start)  # t < mandatory_step: not forced
    adoption(soc, params, rng, StepRecord(t=mandatory))
    assert soc.enrolled.all()  # t == mandatory_step: everyone
    soc.enrolled = start.copy()
    adoption(soc, params, rng, StepRecord(t=mandatory + 7))
    assert soc.enrolled.all()


def test_adoption_mandatory_applies_even_with_zero_hazard_and_no_graph():
    soc, params = make(5, (), {"adoption.innovation": 0.0, "adoption.mandatory_step": 2})
    soc.enrolled[:] = False
    adoption(soc, params, np.random.default_rng(0), StepRecord(t=2))
    assert soc.enrolled.all()


def test_adoption_never_mandatory():
    n = 20
    soc, params = make(
        n, [(i, i + 1) for i in range(n - 1)],
        {"adoption.innovation": 0.0, "adoption.imitation": 0.0, "adoption.mandatory_step": "never"},
    )
    soc.enrolled[:] = False
    soc.enrolled[0] = True
    for t in (1, 260, 312):
        adoption(soc, params, np.random.default_rng(t), StepRecord(t=t))
    assert soc.enrolled.sum() == 1


def test_enrolment_never_undone():
    n = 200
    rng = np.random.default_rng(5)
    edges = [tuple(e) for e in rng.integers(0, n, (600, 2))]
    soc, params = make(n, edges, {"adoption.innovation": 0.02, "adoption.imitation": 0.3})
    soc.enrolled = rng.random(n) < 0.2
    prev = soc.enrolled.copy()
    for t in range(1, 40):
        adoption(soc, params, rng, StepRecord(t=t))
        assert np.all(soc.enrolled[prev])
        prev = soc.enrolled.copy()
    assert prev.sum() > 0.2 * n + 20  # something did happen


def test_bass_mean_field_on_complete_graph():
    """On K_N the enrolled share follows F' = F + (1 - F)(p + q F), up to sampling noise."""
    n, steps, seeds, p, q, e0 = 300, 30, 12, 0.01, 0.3, 15
    edges = list(itertools.combinations(range(n), 2))
    soc, params = make(n, edges, {"adoption.innovation": p, "adoption.imitation": q})
    traj = np.empty((seeds, steps + 1))
    z_num = z_var = 0.0
    for s in range(seeds):
        rng = np.random.default_rng(100 + s)
        soc.enrolled = np.zeros(n, bool)
        soc.enrolled[:e0] = True
        traj[s, 0] = e0 / n
        for t in range(1, steps + 1):
            e = soc.enrolled.sum()
            h = p + q * e / (n - 1)  # exact hazard of a non-enrolled agent on K_N
            adoption(soc, params, rng, StepRecord(t=t))
            new = soc.enrolled.sum() - e
            z_num += new - (n - e) * h
            z_var += (n - e) * h * (1 - h)
            traj[s, t] = soc.enrolled.mean()
    # exact one-step conditional expectation, pooled over all steps and seeds
    assert abs(z_num / np.sqrt(z_var)) < Z
    # mean-field recursion of the Bass model
    f = np.empty(steps + 1)
    f[0] = e0 / n
    for t in range(steps):
        f[t + 1] = f[t] + (1 - f[t]) * (p + q * f[t])
    assert f[-1] > 0.4  # the curve moves a lot over the window
    np.testing.assert_allclose(traj.mean(axis=0), f, atol=0.03)


# =========================================================================== 2.2 activity
# columns: enrolled, score, dissent, censor, gaming, post_rate, import_taste, buy_conform, buy_rate
ACTIVITY_AGENTS = [
    (True, 600.0, 0.4, 0.5, 0.1, 3.0, 0.2, 0.5, 2.0),  # good tier
    (True, 400.0, 0.8, 0.0, 0.0, 4.0, 0.5, 0.0, 3.0),  # poor tier: reach 0.5
    (False, 400.0, 0.8, 0.0, 0.0, 4.0, 0.5, 0.0, 3.0),  # not enrolled: reach 1 whatever the score
    (True, 449.99, 0.3, 0.1, 0.0, 2.0, 0.1, 0.2, 1.0),  # still poor
    (True, 450.0, 0.3, 0.1, 0.0, 2.0, 0.1, 0.2, 1.0),  # fair: reach 1
    (True, 700.0, 0.1, 0.2, 0.95, 3.0, 0.3, 0.1, 2.0),  # p_l capped at 1 - p_c: no neutral posts
    (True, 620.0, 0.5, 0.0, 0.0, 3.0, 0.95, 0.0, 4.0),  # p_d capped at 1 - p_u: no groceries
    (False, 600.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 2.0),  # no dissent: no critical posts
    (True, 350.0, 0.5, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0),  # never posts nor buys
    (True, 950.0, 1.0, 0.0, 0.3, 5.0, 0.4, 1.0, 2.0),  # p_c = 0.5, p_l = 0.3; buy_conform 1
]


def activity_expectations():
    """Expected counts: tiananmen, market, loyal, neutral, desirable, import, groceries."""
    rows = []
    for enr, score, d, c, g, pr, it, bc, br in ACTIVITY_AGENTS:
        reach = REACH[tier_of(score)] if enr else 1.0
        rate = pr * reach
        p_c = 0.5 * d * (1 - c)
        p_l = min(1 - p_c, 0.2 * (1 - d) + g)
        p_n = max(0.0, 1 - p_c - p_l)
        p_u = it * (1 - bc)
        p_d = min(1 - p_u, 0.1 * (1 + bc))
        p_g = max(0.0, 1 - p_u - p_d)
        rows.append([rate * p_c * 0.3, rate * p_c * 0.7, rate * p_l, rate * p_n,
                     br * p_d, br * p_u, br * p_g])
    return np.array(rows)


def activity_society():
    n = len(ACTIVITY_AGENTS)
    soc, params = make(n)
    cols = np.array(ACTIVITY_AGENTS, dtype=np.float64).T
    soc.enrolled = cols[0].astype(bool)
    soc.score = cols[1].copy()
    soc.dissent, soc.censor, soc.gaming = cols[2].copy(), cols[3].copy(), cols[4].copy()
    soc.post_rate, soc.import_taste = cols[5].copy(), cols[6].copy()
    soc.buy_conform, soc.buy_rate = cols[7].copy(), cols[8].copy()
    return soc, params


def draw_activity(soc, params, draws, seed):
    rng = np.random.default_rng(seed)
    out = np.empty((draws, soc.n, 7))
    for r in range(draws):
        rec = StepRecord(t=1)
        activity(soc, params, rng, rec)
        assert rec.critical_by_topic.shape == (2, soc.n)
        out[r] = np.column_stack([rec.critical_by_topic[0], rec.critical_by_topic[1], rec.loyal,
                                  rec.neutral, rec.desirable, rec.undesirable, rec.groceries])
    return out


def test_activity_expected_counts_by_hand():
    mu = activity_expectations()
    # agent 1: post_rate 4, poor tier reach 0.5, dissent 0.8 -> p_c 0.4, p_l 0.04
    np.testing.assert_allclose(mu[1, :4], [2 * 0.4 * 0.3, 2 * 0.4 * 0.7, 2 * 0.04, 2 * 0.56])
    # agent 2 is the same agent not enrolled: reach 1
    np.testing.assert_allclose(mu[2, :4], 2 * mu[1, :4])
    assert mu[5, 3] == pytest.approx(0.0, abs=1e-12) and mu[6, 6] == pytest.approx(0.0, abs=1e-12)


def test_activity_means_and_poisson_variance():
    soc, params = activity_society()
    state = copy.deepcopy(soc.arrays())
    draws = 6000
    x = draw_activity(soc, params, draws, seed=3)
    for k, v in state.items():  # activity changes no agent state
        np.testing.assert_array_equal(getattr(soc, k), v)
    mu = activity_expectations()
    mean = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)
    sd_mean = np.sqrt(mu / draws)
    assert np.all(np.abs(mean - mu) <= Z * sd_mean + 1e-12), (mean, mu)
    # Poisson: variance equals mean (sd of the sample variance ~ sqrt((mu + 2 mu^2) / R))
    sd_var = np.sqrt((mu + 2 * mu**2) / draws)
    assert np.all(np.abs(var - mu) <= Z * sd_var + 1e-12), (var, mu)
    # zero-rate categories are exactly zero
    assert np.all(x[:, mu < 1e-12] == 0)
    # total posts ~ Poi(post_rate * reach): critical and loyal counts are independent
    crit, loyal = x[:, 9, 0] + x[:, 9, 1], x[:, 9, 2]
    assert abs(np.corrcoef(crit, loyal)[0, 1]) < Z / np.sqrt(draws)
    total = x[:, :, :4].sum(axis=2)
    reach = np.array([REACH[tier_of(a[1])] if a[0] else 1.0 for a in ACTIVITY_AGENTS])
    rate = np.array([a[5] for a in ACTIVITY_AGENTS]) * reach
    assert np.all(np.abs(total.mean(axis=0) - rate) <= Z * np.sqrt(rate / draws) + 1e-12)


def test_activity_reach_follows_tier_table():
    soc, params = activity_society()
    params = Params.from_scenario(params.scenario.with_overrides({"tiers.0.reach": 0.1}))
    x = draw_activity(soc, params, 3000, seed=4)
    posts = x[:, :, :4].sum(axis=2).mean(axis=0)
    # agent 1: enrolled poor, post_rate 4 -> 0.4; agent 2: non-enrolled -> 4
    assert posts[1] == pytest.approx(0.4, abs=Z * np.sqrt(0.4 / 3000))
    assert posts[2] == pytest.approx(4.0, abs=Z * np.sqrt(4.0 / 3000))


def test_activity_topic_split_uses_normalised_weights():
    soc, params = make(50, (), {"policy.posts.critical_topics.0.weight": 1.0,
                                "policy.posts.critical_topics.1.weight": 3.0})
    soc.enrolled[:] = False
    soc.dissent[:] = 1.0
    soc.censor[:] = 0.0
    soc.post_rate[:] = 4.0
    x = draw_activity(soc, params, 400, seed=12)
    tian, market = x[:, :, 0].sum(), x[:, :, 1].sum()
    assert_freq(tian, tian + market, 0.25)
    # p_c = 0.5: critical posts have mean 2 per agent and step
    assert (tian + market) / x[:, :, 0].size == pytest.approx(2.0, abs=Z * np.sqrt(2 / 20000))


@pytest.mark.parametrize("rate", [0.7, 4.0, 9.99, 10.0, 35.0, 120.0])
def test_activity_post_count_is_poisson(rate):
    """The number of posts is Poi(post_rate * reach): chi-square of the full pmf (both regimes)."""
    n, draws = 40, 2500
    soc, params = make(n)
    soc.enrolled[:] = False
    soc.post_rate[:] = rate
    x = draw_activity(soc, params, draws, seed=int(rate * 100))
    total = x[:, :, :4].sum(axis=2).ravel().astype(np.int64)
    ks = np.arange(int(rate + 12 * np.sqrt(rate) + 12))
    pmf = scipy.stats.poisson.pmf(ks, rate)
    # bins with expected count >= 20, tails merged
    expected = pmf * total.size
    keep = expected >= 20
    lo, hi = ks[keep][0], ks[keep][-1]
    obs = np.array([np.sum(total <= lo)] + [np.sum(total == k) for k in range(lo + 1, hi)]
                   + [np.sum(total >= hi)])
    exp = np.array([scipy.stats.poisson.cdf(lo, rate), *pmf[lo + 1:hi],
                    scipy.stats.poisson.sf(hi - 1, rate)]) * total.size
    assert obs.sum() == total.size
    assert scipy.stats.chisquare(obs, exp).pvalue > 1e-4
    assert total.mean() == pytest.approx(rate, abs=Z * np.sqrt(rate / total.size))


# =========================================================================== 2.3 scoring
SCORING_EDGES = [(0, 1), (0, 2), (0, 7), (1, 3), (1, 4), (4, 5), (5, 6), (7, 8), (8, 9), (11, 12)]


def scoring_case(fp_detect):
    """Thirteen agents, hand-set counts; detection 1 for critical and loyal posts."""
    n = 13
    soc, params = make(
        n, SCORING_EDGES, {"policy.detect.critical": 1.0, "policy.detect.false_positive": fp_detect}
    )
    soc.enrolled = np.array([1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1], bool)
    soc.score = np.array([600, 440, 420, 940, 360, 455, 500, 700, 600, 650, 700, 450, 620],
                         np.float64)
    soc.defaulted = np.zeros(n, bool)
    soc.defaulted[[2, 7]] = True
    rec = empty_record(n)
    rec.critical_by_topic[0, [0, 1, 2]] = [1, 3, 5]  # tiananmen -40
    rec.critical_by_topic[1, 5] = 3  # market crash -20
    rec.loyal[[0, 3]] = [2, 20]  # +5
    rec.neutral[[2, 4]] = [4, 3]  # false positives -20 when detected
    rec.desirable[[0, 9]] = [1, 2]  # +2
    rec.undesirable[0] = 1  # -5
    rec.groceries[[0, 7]] = [3, 5]  # 0
    return soc, params, rec


def reference_scores(soc, rec, fp_detect):
    """docs/model.md 2.3 with detection probabilities 0 or 1, agent by agent from a snapshot."""
    n = soc.n
    nbrs = adjacency(n, SCORING_EDGES)
    s0 = soc.score.copy()
    out = s0.copy()
    for i in range(n):
        if not soc.enrolled[i]:
            continue
        ev = (-40 * rec.critical_by_topic[0, i] - 20 * rec.critical_by_topic[1, i]
              + 5 * rec.loyal[i] - 20 * rec.neutral[i] * fp_detect
              + 2 * rec.desirable[i] - 5 * rec.undesirable[i])
        ev = min(50.0, max(-50.0, ev))
        if soc.defaulted[i]:
            ev -= 60
        friends = [j for j in nbrs[i] if soc.enrolled[j]]
        pull = 0.02 * (np.mean([s0[j] for j in friends]) - s0[i]) if friends else 0.0
        low = sum(1 for j in friends if s0[j] < 450)
        new = s0[i] + ev + pull - 1.0 * low - 0.02 * (s0[i] - 600)
        out[i] = min(950.0, max(350.0, new))
    return out


@pytest.mark.parametrize("fp_detect", [1.0, 0.0])
def test_scoring_deterministic_case(fp_detect):
    from scoresim.phases.scoring import scoring

    soc, params, rec = scoring_case(fp_detect)
    expected = reference_scores(soc, rec, fp_detect)
    scoring(soc, params, np.random.default_rng(0), rec)
    np.testing.assert_allclose(soc.score, expected, rtol=0, atol=1e-9)
    # a few by hand
    assert soc.score[0] == pytest.approx(600 - 33 + 0.02 * (570 - 600) - 1)  # 2 and its 420 ignored
    assert soc.score[3] == 950.0  # 940 + 50 (clipped from +100) ... clipped to max
    # 4: 360 - 50 (three false positives, clipped) + 0.02 * (447.5 - 360) - 1 + 4.8 -> min
    assert soc.score[4] == (350.0 if fp_detect else pytest.approx(360 + 1.75 - 1 + 4.8))
    assert soc.score[6] == pytest.approx(500 + 0.02 * (455 - 500) + 2)  # 5 read at 455: not low
    assert soc.score[7] == pytest.approx(700 - 60 + 0.02 * (600 - 700) - 2)  # default, outside clip
    assert soc.score[9] == pytest.approx(650 + 4 - 1)  # only non-enrolled friend: no friend term
    assert soc.score[10] == pytest.approx(698.0)  # isolated: decay only
    assert soc.score[12] == pytest.approx(620 + 0.02 * (450 - 620) - 0.4)  # 450 is not low
    assert soc.score[2] == 420.0 and soc.score[8] == 600.0  # non-enrolled untouched
    assert not soc.defaulted.any()  # flag cleared for everyone (2 is not enrolled)
    np.testing.assert_array_equal(rec.detected_critical, [1, 3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0])
    fp = [0, 0, 0, 0, 3 * int(fp_detect), 0, 0, 0, 0, 0, 0, 0, 0]
    np.testing.assert_array_equal(rec.false_positives, fp)
    sanctioned = np.zeros(soc.n, bool)
    sanctioned[[0, 1, 5]] = True
    sanctioned[4] = fp_detect == 1.0
    np.testing.assert_array_equal(rec.sanctioned, sanctioned)


def test_scoring_default_penalty_literal():
    from scoresim.phases.scoring import scoring

    soc, params, rec = scoring_case(1.0)
    scoring(soc, params, np.random.default_rng(0), rec)
    assert soc.score[1] == pytest.approx(440 - 50 + 0.02 * ((600 + 940 + 360) / 3 - 440) - 1 + 3.2)
    assert soc.score[5] == pytest.approx(455 - 50 + 0.02 * (430 - 455) - 1 + 2.9)


def test_scoring_synchronous_update_of_low_pair():
    """Two connected agents: each reads the other's score at the start of the phase."""
    from scoresim.phases.scoring import scoring

    soc, params = make(2, [(0, 1)])
    soc.enrolled[:] = True
    soc.score = np.array([455.0, 452.0])
    soc.defaulted[:] = False
    rec = empty_record(2)
    rec.undesirable[:] = [4, 4]  # -20 each: both fall below 450
    scoring(soc, params, np.random.default_rng(0), rec)
    e0 = 455 - 20 + 0.02 * (452 - 455) - 0 + 0.02 * 145
    e1 = 452 - 20 + 0.02 * (455 - 452) - 0 + 0.02 * 148
    np.testing.assert_allclose(soc.score, [e0, e1])


def test_scoring_detection_rates():
    """Detection thins each category binomially: critical 0.8, false positive 0.01, loyal (0.5)."""
    from scoresim.phases.scoring import scoring

    g = 5000
    n = 5 * g
    soc, params = make(n, (), {"policy.detect.loyal": 0.5})
    group = np.repeat(np.arange(5), g)
    soc.enrolled = group < 4
    soc.score[:] = 600.0  # at base, isolated: no decay, no friend term
    soc.defaulted[:] = False
    rec = empty_record(n)
    rec.critical_by_topic[0, group == 0] = 1  # one tiananmen photo (-40)
    rec.critical_by_topic[1, group == 1] = 2  # two market crash links (-20 each)
    rec.loyal[group == 2] = 4  # four loyal posts (+5 each)
    rec.neutral[group == 3] = 10  # ten neutral posts (false positive -20)
    rec.critical_by_topic[:, group == 4] = 3  # not enrolled: never watched
    rec.neutral[group == 4] = 10
    scoring(soc, params, np.random.default_rng(11), rec)
    delta = soc.score - 600.0

    def dist(sel, values):
        return [int(np.sum(np.isclose(delta[sel], v))) for v in values]

    a, b, c, d = (group == k for k in range(4))
    assert sum(dist(a, [-40, 0])) == g
    assert_freq(dist(a, [-40])[0], g, 0.8)
    assert sum(dist(b, [-40, -20, 0])) == g
    assert_freq(dist(b, [-40, -20, 0]), g, [0.64, 0.32, 0.04])
    assert sum(dist(c, [0, 5, 10, 15, 20])) == g
    assert_freq(delta[c].sum() / 5, 4 * g, 0.5)
    assert_freq(rec.false_positives[d].sum(), 10 * g, 0.01)
    np.testing.assert_allclose(delta[d], np.maximum(-50, -20 * rec.false_positives[d]))  # clip
    np.testing.assert_array_equal(rec.detected_critical[a], (delta[a] < 0).astype(int))
    np.testing.assert_array_equal(rec.detected_critical[b], (-delta[b] / 20).astype(int))
    e = group == 4
    assert not rec.detected_critical[e].any() and not rec.false_positives[e].any()
    assert np.all(delta[e] == 0.0)
    sanctioned = (rec.detected_critical > 0) | (rec.false_positives > 0)
    np.testing.assert_array_equal(rec.sanctioned, sanctioned)
    assert not rec.sanctioned[c].any()


# =========================================================================== 2.4 consequences
ECON = {"economy.job_loss": 0.2, "economy.hire": 0.5, "economy.loan_apply": 0.5,
        "economy.loan_close": 0.3, "economy.default": 0.1, "economy.travel": 0.5}
# groups: (enrolled, score, tier the agent must get)
CONS_GROUPS = [(True, 400.0, POOR), (True, 500.0, FAIR), (True, 620.0, GOOD),
               (True, 700.0, EXCELLENT), (False, 600.0, BASE_TIER), (False, 400.0, BASE_TIER)]


def consequences_society(group_size, overrides, seed=0):
    n = group_size * len(CONS_GROUPS)
    soc, params = make(n, (), overrides, seed=seed)
    group = np.repeat(np.arange(len(CONS_GROUPS)), group_size)
    soc.enrolled = np.array([CONS_GROUPS[g][0] for g in group])
    soc.score = np.array([CONS_GROUPS[g][1] for g in group])
    idx = np.arange(n) % group_size
    soc.employed = idx % 2 == 0
    soc.has_loan = (idx // 2) % 2 == 0
    soc.defaulted[:] = False
    soc.wealth = np.random.default_rng(seed + 1).random(n) * 10
    return soc, params, group


def test_consequences_frequencies_by_tier():
    g_size, draws = 4000, 5
    tally = {}
    denied_total = travel_total = 0
    denied_mean = denied_var = travel_mean = travel_var = 0.0
    rng = np.random.default_rng(21)
    for _ in range(draws):
        soc, params, group = consequences_society(g_size, ECON)
        emp0, loan0 = soc.employed.copy(), soc.has_loan.copy()
        rec = StepRecord(t=1)
        consequences(soc, params, rng, rec)
        tiers = np.array([CONS_GROUPS[g][2] for g in group])
        np.testing.assert_array_equal(soc.tier, tiers)
        denied_total += rec.loans_denied
        travel_total += rec.travel_denied
        p_deny = 0.5 * (1 - np.array(LOAN_APPROVAL)[tiers[~loan0]])
        denied_mean += p_deny.sum()
        denied_var += (p_deny * (1 - p_deny)).sum()
        banned = soc.enrolled & np.array(TRAVEL_BAN)[tiers]
        travel_mean += 0.5 * banned.sum()
        travel_var += 0.25 * banned.sum()
        assert not soc.defaulted[~loan0].any()  # a loan gained this step never defaults
        for g in range(len(CONS_GROUPS)):
            m = group == g
            for key, sel, val in [
                ("lose", m & emp0, ~soc.employed),
                ("hire", m & ~emp0, soc.employed),
                ("gain_loan", m & ~loan0, soc.has_loan),
                ("default_emp", m & loan0 & soc.employed, soc.defaulted),
                ("default_unemp", m & loan0 & ~soc.employed, soc.defaulted),
                ("keep_emp", m & loan0 & soc.employed, soc.has_loan),
                ("keep_unemp", m & loan0 & ~soc.employed, soc.has_loan),
            ]:
                h, t = tally.get((g, key), (0, 0))
                tally[(g, key)] = (h + int(val[sel].sum()), t + int(sel.sum()))
    for g, (_, _, tier) in enumerate(CONS_GROUPS):
        expect = {
            "lose": 0.2,
            "hire": min(1.0, 0.5 * HIRE_MULT[tier]),
            "gain_loan": 0.5 * LOAN_APPROVAL[tier],
            "default_emp": 0.7 * 0.1,
            "default_unemp": 0.7 * 0.5,
            "keep_emp": 0.7 * 0.9,
            "keep_unemp": 0.7 * 0.5,
        }
        for key, p in expect.items():
            h, t = tally[(g, key)]
            assert_freq(h, t, p)
    assert abs(denied_total - denied_mean) <= Z * np.sqrt(denied_var)
    assert abs(travel_total - travel_mean) <= Z * np.sqrt(travel_var)
    assert travel_mean == draws * 0.5 * g_size  # only the enrolled poor group is banned


def test_consequences_seed_hire_and_approval_rates():
    g_size = 6000
    soc, params, group = consequences_society(
        g_size, {"economy.loan_apply": 1.0, "economy.job_loss": 0.0}
    )
    emp0, loan0 = soc.employed.copy(), soc.has_loan.copy()
    rec = StepRecord(t=1)
    consequences(soc, params, np.random.default_rng(8), rec)
    for g, (_, _, tier) in enumerate(CONS_GROUPS):
        m = group == g
        assert_freq(soc.employed[m & ~emp0].sum(), (m & ~emp0).sum(), 0.1 * HIRE_MULT[tier])
        assert_freq(soc.has_loan[m & ~loan0].sum(), (m & ~loan0).sum(), LOAN_APPROVAL[tier])
    assert soc.employed[emp0].all()
    # every agent without a loan applied: the denied ones are those still without a loan
    assert rec.loans_denied == int((~loan0 & ~soc.has_loan).sum())


def test_consequences_job_is_lost_or_gained_never_both():
    soc, params, group = consequences_society(50, {"economy.job_loss": 1.0, "economy.hire": 1.0})
    keep = np.isin(group, [2, 3, 4, 5])  # hire probability 1 * multiplier >= 1
    emp0 = soc.employed.copy()
    consequences(soc, params, np.random.default_rng(0), StepRecord(t=1))
    np.testing.assert_array_equal(soc.employed[keep], ~emp0[keep])
    assert not soc.employed[emp0].any()


def test_consequences_loan_gained_or_closed_does_not_change_again():
    ov = {"economy.loan_apply": 1.0, "economy.loan_close": 1.0, "economy.default": 1.0,
          **{f"tiers.{k}.loan_approval": 1.0 for k in range(4)}}
    soc, params, _ = consequences_society(40, ov)
    loan0 = soc.has_loan.copy()
    rec = StepRecord(t=1)
    consequences(soc, params, np.random.default_rng(0), rec)
    np.testing.assert_array_equal(soc.has_loan, ~loan0)  # closed, or gained and kept
    assert not soc.defaulted.any()  # closed loans do not default, new loans do not default
    assert rec.loans_denied == 0
    ov["economy.loan_close"] = 0.0
    soc, params, _ = consequences_society(40, ov)
    loan0 = soc.has_loan.copy()
    consequences(soc, params, np.random.default_rng(0), StepRecord(t=1))
    np.testing.assert_array_equal(soc.defaulted, loan0)  # every old loan defaults
    np.testing.assert_array_equal(soc.has_loan, ~loan0)  # every new loan survives


def test_consequences_default_uses_updated_employment():
    # job_loss 1: everybody with a loan is unemployed after the job update -> default 0.2 * 5 = 1
    ov = {"economy.job_loss": 1.0, "economy.hire": 0.0, "economy.loan_close": 0.0,
          "economy.default": 0.2, "economy.loan_apply": 0.0}
    soc, params, _ = consequences_society(500, ov)
    loan0 = soc.has_loan.copy()
    consequences(soc, params, np.random.default_rng(1), StepRecord(t=1))
    np.testing.assert_array_equal(soc.defaulted, loan0)
    # hire 1 for non-enrolled (multiplier 1): unemployed at start, employed after -> default 0.2
    ov.update({"economy.job_loss": 0.0, "economy.hire": 1.0})
    soc, params, group = consequences_society(5000, ov)
    emp0, loan0 = soc.employed.copy(), soc.has_loan.copy()
    consequences(soc, params, np.random.default_rng(2), StepRecord(t=1))
    sel = (group == 4) & loan0 & ~emp0
    assert soc.employed[sel].all()
    assert_freq(soc.defaulted[sel].sum(), sel.sum(), 0.2)


def test_consequences_wealth_uses_updated_job_and_loan():
    ov = {"economy.job_loss": 1.0, "economy.hire": 1.0, "economy.loan_apply": 1.0,
          "economy.loan_close": 1.0, "economy.default": 0.0,
          **{f"tiers.{k}.loan_approval": 1.0 for k in range(4)}}
    soc, params, group = consequences_society(40, ov)
    keep = np.isin(group, [2, 3, 4, 5])  # certain hire
    emp0, loan0, w0 = soc.employed.copy(), soc.has_loan.copy(), soc.wealth.copy()
    consequences(soc, params, np.random.default_rng(0), StepRecord(t=1))
    emp1, loan1 = ~emp0, ~loan0
    expected = w0 + soc.income * emp1 * (1 + 0.1 * loan1)
    np.testing.assert_allclose(soc.wealth[keep], expected[keep], rtol=1e-12)
    bonus = 1 + 0.1 * soc.has_loan
    np.testing.assert_allclose(soc.wealth, w0 + soc.income * soc.employed * bonus)


def test_consequences_denied_counts_exact():
    ov = {"economy.loan_apply": 1.0, "economy.travel": 1.0,
          **{f"tiers.{k}.loan_approval": 0.0 for k in range(4)}}
    soc, params, group = consequences_society(30, ov)
    loan0 = soc.has_loan.copy()
    rec = StepRecord(t=1)
    consequences(soc, params, np.random.default_rng(0), rec)
    assert rec.loans_denied == int((~loan0).sum())
    assert rec.travel_denied == int((group == 0).sum())  # enrolled poor only; not the 400 outsiders


# =========================================================================== 2.5 adaptation
ADAPT_EDGES = [(0, 1), (0, 2), (0, 3), (1, 4), (2, 5), (5, 6)]  # 7 and 8 isolated
# enrolled, score, fear, risk, censor, buy_conform, gaming, dissent, dissent0, sanctioned
ADAPT_AGENTS = [
    (True, 700.0, 0.6, 0.1, 0.2, 0.3, 0.1, 0.5, 0.4, True),
    (True, 660.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.2, 0.3, False),
    # not enrolled: its tier is the base tier whatever its score, so it is never public
    (False, 700.0, 0.7, 0.0, 0.0, 0.0, 0.0, 0.9, 0.8, False),
    (True, 350.0, 0.9, 0.5, 0.4, 0.2, 0.3, 0.6, 0.6, True),
    (True, 520.0, 0.3, 0.2, 0.1, 0.1, 0.0, 0.1, 0.2, False),
    (True, 640.0, 0.7, 0.3, 0.3, 0.5, 0.2, 0.35, 0.25, False),
    (True, 455.0, 0.2, 0.0, 0.05, 0.0, 0.1, 0.45, 0.5, True),
    (True, 610.0, 0.8, 0.4, 0.3, 0.6, 0.0, 0.7, 0.65, True),
    (False, 600.0, 0.4, 0.0, 0.0, 0.0, 0.0, 0.3, 0.1, False),
]


def adaptation_case(overrides=None):
    n = len(ADAPT_AGENTS)
    soc, params = make(n, ADAPT_EDGES, overrides)
    cols = list(zip(*ADAPT_AGENTS, strict=True))
    soc.enrolled = np.array(cols[0], bool)
    soc.score = np.array(cols[1])
    soc.fear, soc.risk, soc.censor = np.array(cols[2]), np.array(cols[3]), np.array(cols[4])
    soc.buy_conform, soc.gaming = np.array(cols[5]), np.array(cols[6])
    soc.dissent, soc.dissent0 = np.array(cols[7]), np.array(cols[8])
    soc.tier = np.array([agent_tier(s, e) for s, e in zip(cols[1], cols[0], strict=True)], np.int8)
    rec = empty_record(n)
    rec.sanctioned = np.array(cols[9], bool)
    return soc, params, rec


def reference_adaptation(soc, rec, P):
    n = soc.n
    nbrs = adjacency(n, ADAPT_EDGES)
    risk, censor, bc, gaming = (soc.risk.copy(), soc.censor.copy(), soc.buy_conform.copy(),
                                soc.gaming.copy())
    expressed0 = soc.dissent * (1 - soc.censor)
    for i in range(n):
        if not soc.enrolled[i]:
            continue
        k = len(nbrs[i])
        fs = sum(rec.sanctioned[j] for j in nbrs[i]) / k if k else 0.0
        pub = sum(soc.enrolled[j] and PUBLIC[tier_of(soc.score[j])] for j in nbrs[i])
        pub = pub / k if k else 0.0
        risk[i] = 0.8 * soc.risk[i] + 0.2 * (0.5 * rec.sanctioned[i] + 0.5 * fs)
        target = soc.fear[i] * min(1.0, 0.1 + 5 * risk[i])  # the new risk
        censor[i] = soc.censor[i] + 0.1 * (target - soc.censor[i])
        bc[i] = soc.buy_conform[i] + 0.05 * (soc.fear[i] * P - soc.buy_conform[i])
        t = tier_of(soc.score[i])
        gap = 0.0 if t == len(TIER_MIN) - 1 else TIER_MIN[t + 1] - soc.score[i]
        gaming[i] = min(0.3, soc.fear[i] * (0.5 * gap / 100 + 0.2 * pub))
    climate = np.array([np.mean(expressed0[nbrs[i]]) if nbrs[i] else soc.dissent[i]
                        for i in range(n)])
    dissent = 0.99 * soc.dissent + 0.01 * (0.5 * climate + 0.5 * soc.dissent0)
    return risk, censor, bc, gaming, climate, dissent


@pytest.mark.parametrize(
    ("overrides", "P"),
    [
        ({}, 1.0),
        ({"policy.purchases.undesirable.delta": 0.0}, 0.0),
        ({"policy.purchases.undesirable.delta": 3.0, "policy.purchases.neutral.delta": -1.0}, 1.0),
    ],
)
def test_adaptation_one_step_exact(overrides, P):
    soc, params, rec = adaptation_case(overrides)
    risk, censor, bc, gaming, climate, dissent = reference_adaptation(soc, rec, P)
    adaptation(soc, params, np.random.default_rng(0), rec)
    for name, exp in [("risk", risk), ("censor", censor), ("buy_conform", bc),
                      ("gaming", gaming), ("climate", climate), ("dissent", dissent)]:
        np.testing.assert_allclose(getattr(soc, name), exp, rtol=0, atol=1e-12, err_msg=name)


def test_adaptation_literal_values():
    soc, params, rec = adaptation_case()
    adaptation(soc, params, np.random.default_rng(0), rec)
    r0 = 0.8 * 0.1 + 0.2 * (0.5 + 0.5 / 3)  # agent 0: one of three friends sanctioned
    assert soc.risk[0] == pytest.approx(r0)
    assert soc.censor[0] == pytest.approx(0.2 + 0.1 * (0.6 * 1.0 - 0.2))  # new risk: min(1, .)=1
    assert soc.gaming[0] == pytest.approx(0.6 * 0.2 / 3)  # top tier: gap 0; 1 public friend of 3
    assert soc.gaming[3] == pytest.approx(0.3)  # 0.9 * (0.5 + 0.2) capped
    assert soc.gaming[4] == pytest.approx(0.3 * (0.5 * 80 / 100 + 0.2))  # public friend 1
    assert soc.gaming[7] == pytest.approx(0.8 * 0.5 * 40 / 100)  # isolated: 0 public friends
    assert soc.risk[7] == pytest.approx(0.8 * 0.4 + 0.2 * 0.5)
    assert soc.buy_conform[7] == pytest.approx(0.6 + 0.05 * (0.8 - 0.6))
    assert soc.climate[7] == pytest.approx(0.7)  # isolated: own dissent
    # climate of 0 uses expressed at the start: dissent * (1 - censor before this phase)
    assert soc.climate[0] == pytest.approx((0.2 * 1.0 + 0.9 * 1.0 + 0.6 * 0.6) / 3)
    for name in ("risk", "censor", "buy_conform", "gaming"):
        assert np.all(getattr(soc, name)[[2, 8]] == 0.0), name


def test_non_enrolled_adaptation_state_stays_zero_over_steps():
    n = 60
    rng = np.random.default_rng(9)
    edges = [tuple(e) for e in rng.integers(0, n, (200, 2))]
    soc, params = make(n, edges)
    soc.enrolled = rng.random(n) < 0.5
    soc.score = np.where(soc.enrolled, rng.uniform(350, 950, n), 600.0)
    soc.tier = np.array([agent_tier(s, e) for s, e in zip(soc.score, soc.enrolled, strict=True)],
                        np.int8)
    for _ in range(20):
        rec = empty_record(n)
        rec.sanctioned = soc.enrolled & (rng.random(n) < 0.3)
        adaptation(soc, params, rng, rec)
    for name in ("risk", "censor", "buy_conform", "gaming"):
        assert np.all(getattr(soc, name)[~soc.enrolled] == 0.0)
        assert np.any(getattr(soc, name)[soc.enrolled] > 0.0)
    assert np.all(soc.gaming <= 0.3)


def test_opinion_dynamics_converges_to_friedkin_johnsen_fixed_point():
    """With censor 0: x = 0.99 x + 0.01 (0.5 W x + 0.5 x0)  =>  x* = (I - 0.5 W)^-1 0.5 x0."""
    n = 12
    edges = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (4, 5), (5, 6), (6, 4), (6, 7), (7, 8),
             (8, 9), (9, 10), (3, 7)]  # 11 isolated
    soc, params = make(n, edges, seed=4)
    soc.enrolled[:] = False
    soc.censor[:] = 0.0
    x0 = soc.dissent0.copy()
    rng = np.random.default_rng(0)
    nbrs = adjacency(n, edges)
    W = np.zeros((n, n))
    for i in range(n):
        if nbrs[i]:
            W[i, nbrs[i]] = 1.0 / len(nbrs[i])
        else:
            W[i, i] = 1.0  # isolated: the climate is the agent's own opinion
    x_star = scipy.linalg.solve(np.eye(n) - 0.5 * W, 0.5 * x0)
    assert np.max(np.abs(x_star - x0)) > 0.01  # the fixed point is not trivial
    assert x_star[11] == pytest.approx(x0[11])
    # first step exactly
    x1 = 0.99 * x0 + 0.01 * (0.5 * W @ x0 + 0.5 * x0)
    adaptation(soc, params, rng, empty_record(n))
    np.testing.assert_allclose(soc.dissent, x1, atol=1e-14)
    for _ in range(4000):
        adaptation(soc, params, rng, empty_record(n))
    np.testing.assert_allclose(soc.dissent, x_star, atol=1e-6)
    np.testing.assert_allclose(soc.climate, W @ x_star, atol=1e-6)


# =========================================================================== 2.6 network
def network_case(n, edges, enrolled, score, fear, overrides):
    soc, params = make(n, edges, overrides)
    soc.enrolled = np.asarray(enrolled, bool)
    soc.score = np.asarray(score, np.float64)
    soc.fear = np.asarray(fear, np.float64)
    return soc, params


def check_graph_simple(g):
    """Undirected simple graph: each edge once with src < dst, no self-loop, degrees consistent."""
    src, dst = np.asarray(g.src, np.int64), np.asarray(g.dst, np.int64)
    assert src.size == dst.size == g.edge_count
    assert np.all(src < dst) and np.all(src >= 0) and np.all(dst < g.n)
    assert len(set(zip(src.tolist(), dst.tolist(), strict=True))) == src.size  # no duplicates
    deg = np.bincount(np.concatenate([src, dst]), minlength=g.n)
    np.testing.assert_array_equal(g.degree, deg)
    assert int(g.degree.sum()) == 2 * g.edge_count


@st.composite
def small_societies(draw):
    n = draw(st.integers(3, 14))
    pairs = list(itertools.combinations(range(n), 2))
    edges = draw(st.lists(st.sampled_from(pairs), min_size=min(n, len(pairs)), max_size=3 * n,
                          unique=True))
    enrolled = draw(st.lists(st.sampled_from([True, True, True, False]), min_size=n, max_size=n))
    score = draw(st.lists(st.sampled_from([350.0, 400.0, 449.9, 450.0, 600.0, 800.0]),
                          min_size=n, max_size=n))
    fear = draw(st.lists(st.floats(0, 1) | st.just(1.0), min_size=n, max_size=n))
    drop = draw(st.sampled_from([1.0, 1.0, 0.5, 0.05]))
    replace = draw(st.sampled_from([1.0, 1.0, 0.5, 0.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    return n, edges, enrolled, score, fear, drop, replace, seed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_societies())
def test_network_invariants(case):
    n, edges, enrolled, score, fear, drop, replace, seed = case
    soc, params = network_case(n, edges, enrolled, score, fear,
                               {"network.drop_rate": drop, "network.replace_prob": replace})
    nbrs0 = [set(x) for x in adjacency(n, edges)]
    before = edge_set(soc.graph)
    rec = StepRecord(t=1)
    network(soc, params, np.random.default_rng(seed), rec)
    g = soc.graph
    check_graph_simple(g)
    after = edge_set(g)
    removed, added = before - after, after - before
    assert g.edge_count == len(before) - len(removed) + len(added)
    assert (rec.edges_dropped, rec.edges_added) == (len(removed), len(added))
    low = [soc.enrolled[v] and score[v] < 450 for v in range(n)]
    for a, b in removed:  # an enrolled agent dropped an enrolled low friend
        assert soc.enrolled[a] and soc.enrolled[b] and (low[a] or low[b])
    for a, b in added:
        ok = False
        for i, f in ((a, b), (b, a)):  # (i, f): i added its friend of a friend f
            dropped_some = any((min(i, j), max(i, j)) in removed and low[j] for j in nbrs0[i])
            fof = any(f in nbrs0[k] for k in nbrs0[i])
            if (soc.enrolled[i] and dropped_some and fof and f != i and f not in nbrs0[i]
                    and score[f] >= 450):
                ok = True
        assert ok, (a, b)
    if replace == 0.0:
        assert not added


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_societies(), st.integers(1, 6))
def test_enrolled_friends_tally_stays_a_recount(case, steps):
    # kept across adoption and ostracism, the tally equals a count from scratch after each
    n, edges, enrolled, score, fear, drop, replace, seed = case
    soc, params = network_case(n, edges, enrolled, score, fear,
                               {"network.drop_rate": drop, "network.replace_prob": replace,
                                "adoption.innovation": 0.2, "adoption.imitation": 0.5})
    rng = np.random.default_rng(seed)
    for t in range(1, steps + 1):
        adoption(soc, params, rng, StepRecord(t=t))
        assert soc.derived["enrolled_friends"].enrolled is soc.enrolled
        network(soc, params, rng, StepRecord(t=t))
        tally = soc.derived["enrolled_friends"]
        assert tally.version == soc.graph.version and tally.enrolled is soc.enrolled  # patched
        nbrs = adjacency(n, edge_set(soc.graph))
        expected = [sum(bool(soc.enrolled[j]) for j in nbrs[i]) for i in range(n)]
        assert tally.counts.tolist() == expected
        assert enrolled_friends(soc) is tally.counts  # valid, so not recounted


def test_enrolled_friends_recounts_after_enrolled_is_replaced():
    soc, _ = make(4, [(0, 1), (1, 2), (2, 3)])
    soc.enrolled = np.array([True, False, False, False])
    assert enrolled_friends(soc).tolist() == [0, 1, 0, 0]
    soc.enrolled = np.array([False, True, False, True])  # a new array: the tally is stale
    assert enrolled_friends(soc).tolist() == [1, 0, 2, 0]


def test_enrolled_friends_recounts_after_the_graph_changes_elsewhere():
    soc, _ = make(4, [(0, 1), (1, 2), (2, 3)])
    soc.enrolled = np.array([True, False, False, True])
    assert enrolled_friends(soc).tolist() == [0, 1, 1, 0]
    soc.graph.update((np.array([2]), np.array([3])), (np.array([1]), np.array([3])))  # in place
    assert enrolled_friends(soc).tolist() == [0, 2, 0, 0]  # (2, 3) cut, (1, 3) made: recounted
    soc.graph.update((np.array([0]), np.array([1])), (np.empty(0, np.int64),) * 2)
    assert enrolled_friends(soc).tolist() == [0, 1, 0, 0]


@given(small_societies())
@settings(max_examples=40, deadline=None)
def test_network_off_without_friend_terms(case):
    n, edges, enrolled, score, fear, _, _, seed = case
    soc, params = network_case(
        n, edges, enrolled, score, fear,
        {"network.drop_rate": 1.0, "network.replace_prob": 1.0, "policy.friend_weight": 0.0,
         "policy.low_friend_penalty": 0.0},
    )
    before = edge_set(soc.graph)
    rec = StepRecord(t=1)
    network(soc, params, np.random.default_rng(seed), rec)
    assert edge_set(soc.graph) == before
    assert rec.edges_dropped == rec.edges_added == 0


def test_network_drop_frequency_per_ordered_pair():
    pairs = 8000
    # groups of disjoint pairs (a, b): (enrolled a, score a, fear a, enrolled b, score b, fear b)
    groups = [
        (True, 700.0, 0.2, True, 400.0, 0.9),   # a drops b w.p. 0.05 * 0.2
        (True, 700.0, 0.6, True, 400.0, 0.9),
        (True, 700.0, 1.0, True, 449.0, 0.9),
        (True, 400.0, 1.0, True, 420.0, 0.6),   # both low: 1 - (1 - .05)(1 - .03)
        (True, 700.0, 1.0, False, 400.0, 1.0),  # b low score but not enrolled: never
        (False, 600.0, 1.0, True, 400.0, 1.0),  # a not enrolled: never
        (True, 700.0, 1.0, True, 450.0, 1.0),   # b at the threshold is not low
    ]
    expect = [0.01, 0.03, 0.05, 1 - 0.95 * 0.97, 0.0, 0.0, 0.0]
    n = 2 * pairs * len(groups)
    edges = [(2 * p, 2 * p + 1) for p in range(n // 2)]
    rows = np.repeat(np.array(groups, dtype=np.float64), pairs, axis=0)
    enrolled = np.column_stack([rows[:, 0], rows[:, 3]]).ravel()
    score = np.column_stack([rows[:, 1], rows[:, 4]]).ravel()
    fear = np.column_stack([rows[:, 2], rows[:, 5]]).ravel()
    soc, params = network_case(n, edges, enrolled, score, fear, {})
    rec = StepRecord(t=1)
    network(soc, params, np.random.default_rng(3), rec)
    kept = soc.graph.degree[0::2].reshape(len(groups), pairs)
    assert_freq((1 - kept).sum(axis=1), pairs, expect)
    assert rec.edges_added == 0  # the only friend of a friend is the agent itself
    assert soc.graph.edge_count == n // 2 - rec.edges_dropped


@pytest.mark.parametrize(("l_enrolled", "p_add"), [(False, 0.25), (True, 1 - 0.75**2)])
def test_network_friend_of_friend_replacement(l_enrolled, p_add):
    """Path i - j - l, j enrolled low, drop rate 1: k is j itself, l is picked w.p. 1/2."""
    copies = 6000
    n = 3 * copies
    edges = replicate([(0, 1), (1, 2)], 3, copies)
    enrolled = np.tile([True, True, l_enrolled], copies)
    score = np.tile([700.0, 400.0, 600.0], copies)
    soc, params = network_case(n, edges, enrolled, score, np.ones(n), {"network.drop_rate": 1.0})
    rec = StepRecord(t=1)
    network(soc, params, np.random.default_rng(5), rec)
    es = edge_set(soc.graph)
    added = np.array([(3 * c, 3 * c + 2) in es for c in range(copies)])
    assert not any((3 * c, 3 * c + 1) in es for c in range(copies))  # i drops j for sure
    assert all(((3 * c + 1, 3 * c + 2) in es) != l_enrolled for c in range(copies))
    assert_freq(added.sum(), copies, p_add)
    assert rec.edges_added == added.sum()  # duplicate additions merge


@pytest.mark.parametrize(("l_enrolled", "l_score", "p_add"),
                         [(False, 600.0, 0.125), (True, 449.9, 0.0), (False, 400.0, 0.0)])
def test_network_replacement_walks_a_uniform_neighbour(l_enrolled, l_score, p_add):
    """i has friends j (low) and k (not enrolled), k has friend l: P(add i-l) = (1/2)^3."""
    copies = 8000
    n = 4 * copies
    edges = replicate([(0, 1), (0, 2), (2, 3)], 4, copies)
    enrolled = np.tile([True, True, False, l_enrolled], copies)
    score = np.tile([700.0, 400.0, 600.0, l_score], copies)
    soc, params = network_case(n, edges, enrolled, score, np.ones(n), {"network.drop_rate": 1.0})
    rec = StepRecord(t=1)
    network(soc, params, np.random.default_rng(6), rec)
    es = edge_set(soc.graph)
    added = sum((4 * c, 4 * c + 3) in es for c in range(copies))
    assert rec.edges_dropped == copies and rec.edges_added == added
    assert_freq(added, copies, p_add)


def test_network_no_readd_of_neighbours_in_triangle():
    copies = 500
    edges = replicate([(0, 1), (1, 2), (0, 2)], 3, copies)
    n = 3 * copies
    soc, params = network_case(n, edges, np.tile([True, True, False], copies),
                               np.tile([700.0, 400.0, 600.0], copies), np.ones(n),
                               {"network.drop_rate": 1.0, "network.replace_prob": 1.0})
    rec = StepRecord(t=1)
    network(soc, params, np.random.default_rng(0), rec)
    assert rec.edges_added == 0 and rec.edges_dropped == copies
    assert edge_set(soc.graph) == set(replicate([(1, 2), (0, 2)], 3, copies))


# =========================================================================== whole step
def test_results_do_not_depend_on_threads(monkeypatch):
    """Serial and parallel kernels give bit-identical steps (counter-based draws per agent)."""
    import pandas as pd

    import scoresim.core.jit
    import scoresim.society.graph
    from scoresim.simulation import Simulation

    sc = Scenario.preset("seed").with_overrides(
        {"population.agents": 2000, "steps": 5, "adoption.initial": 0.5}
    )
    serial = Simulation(sc, seed=2)
    serial.run()
    monkeypatch.setattr(scoresim.core.jit, "PARALLEL_MIN_SIZE", 0)
    monkeypatch.setattr(scoresim.society.graph, "PARALLEL_MIN_ENTRIES", 0, raising=False)
    threaded = Simulation(sc, seed=2)
    threaded.run()
    pd.testing.assert_frame_equal(serial.metrics, threaded.metrics)
    for name, value in serial.society.arrays().items():
        np.testing.assert_array_equal(value, getattr(threaded.society, name), err_msg=name)
    assert edge_set(serial.society.graph) == edge_set(threaded.society.graph)

"""Model v2, records (docs/model.md 6.1): offences and good deeds, drawn and registered.

Checked against closed forms: the counts are Poisson with each agent's own mean
``rate * propensity * (1 - deterrence * risk)`` (deeds: ``rate * civic * (1 + deed_gaming *
gaming)``), registration thins them at ``min(1, detect * inspection)`` (deeds: ``detect``),
non-enrolled agents are registered at inspection 1 but not scored, a registered offence is a
sanction for an enrolled agent, an offence that ``lists`` puts the agent on the blacklist, and
the traits are ``Gamma(s, 1/s)``. Statistical checks allow ``Z`` = 5 standard deviations of the
sampling distribution, conditional on the drawn traits where the traits enter.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoresim.phases.consequences import consequences
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.phases.records import LISTS, OFFENCE, RecordsParams, records
from scoresim.phases.scoring import scoring
from scoresim.scenario import Scenario
from scoresim.society.agents import Society
from scoresim.society.graph import Graph
from test_phases import Z, assert_freq, empty_record, make

V1_TRAITS = ("dissent0", "fear", "import_taste", "post_rate", "buy_rate", "income", "employed",
             "enrolled")  # fmt: skip


def kind(name, kind="offence", rate=0.5, delta=-1.0, detect=1.0, lists=False):
    """One ``[[policy.records]]`` entry."""
    return {"name": name, "kind": kind, "rate": rate, "delta": delta, "detect": detect,
            "lists": lists}  # fmt: skip


def draw(soc, params, seed=0):
    """One records phase on ``soc``; the record it fills."""
    rec = StepRecord(t=1)
    records(soc, params, np.random.default_rng(seed), rec)
    return rec


def assert_poisson_per_agent(counts, lam):
    """``counts[i] ~ Poi(lam[i])`` independently: the total has mean and variance ``sum lam``,
    and ``sum((X - lam)^2 - X)`` has mean 0 and variance ``2 sum lam^2`` (Poisson central
    moments), which a rate shared by all agents (or a wrong per-agent rate) would miss."""
    counts = counts.astype(np.float64)
    assert abs(counts.sum() - lam.sum()) <= Z * np.sqrt(lam.sum())
    stat = ((counts - lam) ** 2 - counts).sum()
    assert abs(stat) <= Z * np.sqrt(2.0 * (lam**2).sum())


# =========================================================================== counts
def test_offence_counts_are_poisson_with_each_agents_deterred_rate():
    """Two offence kinds, told apart by their deltas (1 and 1000 points per record), detect 1,
    inspection 1: every enrolled agent's points give its count of each kind."""
    n, deterrence = 40_000, 0.6
    soc, params = make(n, (), {
        "policy.records": [kind("a", rate=0.7, delta=1.0), kind("b", rate=0.3, delta=1000.0)],
        "policy.deterrence": deterrence,
    })  # fmt: skip
    soc.enrolled[:] = True
    soc.risk = np.random.default_rng(1).random(n)
    rec = draw(soc, params)
    per_agent = soc.propensity * (1.0 - deterrence * soc.risk)
    count_b, count_a = np.divmod(rec.record_points.astype(np.int64), 1000)
    assert np.array_equal(rec.record_points, count_a + 1000.0 * count_b)  # whole records
    assert_poisson_per_agent(count_a, 0.7 * per_agent)
    assert_poisson_per_agent(count_b, 0.3 * per_agent)
    assert rec.offences == rec.offences_registered == int(count_a.sum() + count_b.sum())
    assert rec.deeds_registered == 0
    # the per-capita mean of the closed form, rate * mean(propensity * (1 - d * risk))
    mean = rec.offences / n
    assert mean == pytest.approx(per_agent.mean(), abs=Z * np.sqrt(per_agent.mean() / n))
    np.testing.assert_array_equal(rec.record_flags, np.where(rec.record_points > 0, OFFENCE, 0))


def test_deed_counts_are_poisson_with_civic_and_gaming():
    n, deed_gaming = 40_000, 2.5
    soc, params = make(n, (), {
        "policy.records": [kind("help", "deed", rate=0.4, delta=1.0),
                           kind("gift", "deed", rate=0.1, delta=1000.0)],
        "policy.deed_gaming": deed_gaming,
        "policy.deterrence": 1.0,  # offences only: deeds ignore it
    })  # fmt: skip
    soc.enrolled[:] = True
    soc.gaming = 0.3 * np.random.default_rng(2).random(n)
    soc.risk[:] = 1.0
    rec = draw(soc, params, seed=3)
    per_agent = soc.civic * (1.0 + deed_gaming * soc.gaming)
    count_b, count_a = np.divmod(rec.record_points.astype(np.int64), 1000)
    assert_poisson_per_agent(count_a, 0.4 * per_agent)
    assert_poisson_per_agent(count_b, 0.1 * per_agent)
    assert rec.deeds_registered == int(count_a.sum() + count_b.sum())
    assert rec.offences == rec.offences_registered == 0
    assert not rec.record_flags.any()  # a deed is neither a sanction nor a listing


def test_offence_rate_uses_propensity_not_civic():
    """Offences follow ``propensity``, deeds ``civic``: the per-agent statistic tells the two
    traits apart (they are independent draws)."""
    n = 40_000
    soc, params = make(
        n,
        (),
        {
            "policy.records": [
                kind("a", rate=1.0, delta=1.0),
                kind("d", "deed", rate=1.0, delta=1000.0),
            ]
        },
    )
    soc.enrolled[:] = True
    rec = draw(soc, params, seed=5)
    deeds, offences = np.divmod(rec.record_points.astype(np.int64), 1000)
    assert_poisson_per_agent(offences, soc.propensity)
    assert_poisson_per_agent(deeds, soc.civic)
    wrong = ((offences - soc.civic) ** 2 - offences).sum()
    assert abs(wrong) > Z * np.sqrt(2.0 * (soc.civic**2).sum())  # the test can tell


# =========================================================================== registration
# (enrolled, score, detect, inspection of the agent's tier, registered share expected)
REGISTRATION = [
    (True, 620.0, 0.3, 1.0, 0.3),  # good tier, no extra inspection
    (True, 400.0, 0.3, 2.0, 0.6),  # poor tier under "key supervision"
    (True, 500.0, 0.3, 4.0, 1.0),  # fair tier: 1.2 capped at 1
    (True, 700.0, 0.8, 0.5, 0.4),  # a lighter touch
    (False, 400.0, 0.3, 2.0, 0.3),  # not enrolled: inspection 1 whatever the score
]


@pytest.mark.parametrize(("enrolled", "score", "detect", "inspection", "share"), REGISTRATION)
def test_registered_share_is_detect_times_inspection(enrolled, score, detect, inspection, share):
    n = 30_000
    tier = {400.0: "poor", 500.0: "fair", 620.0: "good", 700.0: "excellent"}[score]
    soc, params = make(n, (), {
        "policy.records": [kind("a", rate=0.5, delta=1.0, detect=detect)],
        f"tiers.{tier}.inspection": inspection,
    })  # fmt: skip
    soc.enrolled[:] = enrolled
    soc.score[:] = score
    rec = draw(soc, params, seed=7)
    assert rec.offences > 10_000
    if share == 1.0:
        assert rec.offences_registered == rec.offences
    else:
        assert_freq(rec.offences_registered, rec.offences, share)
    if enrolled:  # the points are the registered records, agent by agent
        assert rec.record_points.sum() == rec.offences_registered
    else:  # registered, but nobody scores them
        assert not rec.record_points.any()
        assert rec.offences_registered > 0 and (rec.record_flags & OFFENCE).any()


def test_deeds_are_registered_at_detect_whatever_the_inspection():
    n = 30_000
    soc, params = make(n, (), {
        "policy.records": [kind("help", "deed", rate=0.5, delta=2.0, detect=0.35)],
        "tiers.poor.inspection": 3.0,
    })  # fmt: skip
    soc.enrolled[:] = True
    soc.score[:] = 400.0  # poor tier
    rec = draw(soc, params, seed=9)
    total_expected = 0.5 * soc.civic.sum()
    # registered deeds are Poisson with mean detect * rate * sum(civic) (a thinned Poisson)
    assert abs(rec.deeds_registered - 0.35 * total_expected) <= Z * np.sqrt(0.35 * total_expected)
    assert rec.record_points.sum() == 2.0 * rec.deeds_registered
    assert rec.offences == 0


def test_no_record_kinds_no_records():
    soc, params = make(500, (), {})
    assert soc.propensity.size == 0 and soc.civic.size == 0
    rec = draw(soc, params)
    assert rec.record_points.size == 0 and rec.record_flags.size == 0
    assert rec.offences == rec.offences_registered == rec.deeds_registered == 0


# =========================================================================== scoring, sanctions
def step_through_consequences(soc, params, seed=0):
    """Records, scoring (no posts or purchases) and consequences of one step."""
    rng = np.random.default_rng(seed)
    rec = empty_record(soc.n)
    records(soc, params, rng, rec)
    points = rec.record_points.copy()
    flags = rec.record_flags.copy()
    scoring(soc, params, rng, rec)
    consequences(soc, params, rng, rec)
    return rec, points, flags


def test_registered_offences_score_and_sanction_enrolled_agents_only():
    n = 4_000
    soc, params = make(n, (), {
        "policy.records": [kind("fine", rate=0.5, delta=-7.0, detect=0.5),
                           kind("help", "deed", rate=0.5, delta=3.0, detect=0.5)],
        "policy.decay": 0.0, "policy.friend_weight": 0.0, "policy.low_friend_penalty": 0.0,
        "policy.max_step_change": 1000.0,
    })  # fmt: skip
    soc.enrolled = np.arange(n) % 2 == 0
    rec = empty_record(n)
    records(soc, params, np.random.default_rng(4), rec)
    before = soc.score.copy()
    scoring(soc, params, np.random.default_rng(5), rec)
    offence = (rec.record_flags & OFFENCE) != 0
    np.testing.assert_array_equal(rec.sanctioned, soc.enrolled & offence)
    np.testing.assert_array_equal(soc.score - before, rec.record_points)  # inside the clip
    assert not rec.record_points[~soc.enrolled].any()
    assert (offence & ~soc.enrolled).any() and (offence & soc.enrolled).any()
    # whole points: -7 per registered offence, +3 per registered deed
    values = rec.record_points[soc.enrolled]
    assert np.all(np.isclose(np.mod(values, 1.0), 0.0))


def test_records_points_are_clipped_with_the_other_events():
    soc, params = make(3, (), {
        "policy.records": [kind("fine", rate=200.0, delta=-1.0, detect=1.0)],
        "policy.decay": 0.0, "policy.max_step_change": 50.0,
    })  # fmt: skip
    soc.enrolled[:] = True
    soc.propensity[:] = 1.0
    rec = empty_record(3)
    records(soc, params, np.random.default_rng(0), rec)
    assert np.all(rec.record_points < -100)  # about 200 offences each (sd 14)
    scoring(soc, params, np.random.default_rng(0), rec)
    np.testing.assert_array_equal(soc.score, 550.0)


def test_an_offence_that_lists_puts_the_agent_on_the_blacklist():
    """Enrolled or not: a registered ``lists`` offence lists the agent in this step's
    consequences; for an enrolled agent it is a sanction too, a plain offence only a sanction."""
    n = 6_000
    soc, params = make(n, (), {
        "policy.records": [kind("judgment", rate=0.3, delta=-10.0, detect=0.5, lists=True),
                           kind("fine", rate=0.3, delta=-1.0, detect=1.0)],
        "blacklist.enabled": True,
        "blacklist.score_delta": -30.0,
    })  # fmt: skip
    soc.enrolled = np.arange(n) % 3 != 0
    rec, _, flags = step_through_consequences(soc, params)
    lists = (flags & LISTS) != 0
    offence = (flags & OFFENCE) != 0
    np.testing.assert_array_equal(soc.listed, lists)
    np.testing.assert_array_equal(soc.ever_listed, lists)
    np.testing.assert_array_equal(soc.listing_pending, lists)  # the delta is due next scoring
    assert rec.listings == int(lists.sum())
    assert (lists & ~soc.enrolled).any() and (lists & soc.enrolled).any()
    np.testing.assert_array_equal(rec.sanctioned, soc.enrolled & offence)
    assert not rec.sanctioned[~soc.enrolled].any()
    assert (offence & ~lists).any()  # plain offences happened and listed nobody
    # the share listed: P(at least one registered judgment) = 1 - exp(-0.3 * 0.5 * propensity)
    p = 1.0 - np.exp(-0.15 * soc.propensity)
    assert abs(lists.sum() - p.sum()) <= Z * np.sqrt((p * (1 - p)).sum())


def test_an_offence_that_lists_does_nothing_without_the_blacklist():
    n = 2_000
    soc, params = make(n, (), {
        "policy.records": [kind("judgment", rate=1.0, detect=1.0, lists=True)],
    })  # fmt: skip
    assert soc.listed.size == 0  # no blacklist in the run: no flags at all
    rec, _, flags = step_through_consequences(soc, params)
    assert ((flags & LISTS) != 0).any()
    assert rec.listings == 0


# =========================================================================== traits
@pytest.mark.parametrize("shape", [0.5, 2.0, 8.0])
def test_traits_are_gamma_with_mean_one_and_variance_one_over_shape(shape):
    n = 50_000
    sc = Scenario.preset("seed").with_overrides({
        "population.agents": n, "graph.degree": 0,
        "population.propensity_shape": shape, "population.civic_shape": 2.0 * shape,
        "policy.records": [kind("a")],
    })  # fmt: skip
    soc = Society.initial(sc, np.random.default_rng(11), _empty_graph(n))
    for trait, s in ((soc.propensity, shape), (soc.civic, 2.0 * shape)):
        var = 1.0 / s
        assert trait.mean() == pytest.approx(1.0, abs=Z * np.sqrt(var / n))
        # the sample variance has variance sigma^4 (2 + 6 / s) / n (excess kurtosis 6 / s)
        assert trait.var() == pytest.approx(var, abs=Z * var * np.sqrt((2 + 6 / s) / n))
        assert scipy.stats.kstest(trait, scipy.stats.gamma(s, scale=1 / s).cdf).pvalue > 1e-6
    assert abs(np.corrcoef(soc.propensity, soc.civic)[0, 1]) < Z / np.sqrt(n)


def _empty_graph(n):
    return Graph(n, np.zeros(0, np.int64), np.zeros(0, np.int64))


def test_traits_are_drawn_after_every_v1_draw():
    """Adding record kinds leaves the v1 population as it was (6: drawn after all v1 draws)."""
    n = 5_000
    base = Scenario.preset("seed").with_overrides({"population.agents": n, "graph.degree": 0})
    with_records = base.with_overrides({"policy.records": [kind("a"), kind("d", "deed")]})
    plain = Society.initial(base, np.random.default_rng(3), _empty_graph(n))
    v2 = Society.initial(with_records, np.random.default_rng(3), _empty_graph(n))
    for name in V1_TRAITS:
        np.testing.assert_array_equal(getattr(plain, name), getattr(v2, name), err_msg=name)
    assert v2.propensity.size == v2.civic.size == n and plain.propensity.size == 0


# =========================================================================== properties
record_kinds = st.lists(
    st.builds(
        lambda offence, rate, delta, detect, lists: kind(
            "x", "offence" if offence else "deed", rate, delta, detect, lists and offence
        ),
        st.booleans(), st.floats(0.0, 3.0), st.sampled_from([-20.0, -1.0, 0.5, 4.0]),
        st.floats(0.0, 1.0), st.booleans(),
    ),
    min_size=1, max_size=4,
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=record_kinds,
    inspection=st.floats(0.0, 3.0),
    deterrence=st.floats(0.0, 1.0),
    deed_gaming=st.floats(0.0, 3.0),
    seed=st.integers(0, 2**16),
)
def test_records_invariants(kinds, inspection, deterrence, deed_gaming, seed):
    """Whatever the kinds: registered offences never exceed committed ones (equal where every
    offence kind registers with probability 1); non-enrolled agents score nothing; the flag
    bits say exactly whether a (listing) offence was registered; the draws are reproducible."""
    for k, entry in enumerate(kinds):
        entry["name"] = f"kind{k}"
    n = 300
    soc, params = make(n, (), {
        "policy.records": kinds, "policy.deterrence": deterrence, "policy.deed_gaming": deed_gaming,
        **{f"tiers.{t}.inspection": inspection for t in ("poor", "fair", "good", "excellent")},
    }, seed=seed % 7)  # fmt: skip
    rng = np.random.default_rng(seed)
    soc.enrolled = rng.random(n) < 0.6
    soc.score = rng.choice([400.0, 500.0, 620.0, 700.0], n)
    soc.risk = rng.random(n) * soc.enrolled
    soc.gaming = 0.3 * rng.random(n) * soc.enrolled
    rec = draw(soc, params, seed)
    again = draw(soc, params, seed)
    np.testing.assert_array_equal(rec.record_points, again.record_points)
    np.testing.assert_array_equal(rec.record_flags, again.record_flags)
    assert 0 <= rec.offences_registered <= rec.offences
    detects = [e["detect"] for e in kinds if e["kind"] == "offence"]
    if all(d >= 1.0 for d in detects) and inspection >= 1.0:  # everyone registers everything
        assert rec.offences_registered == rec.offences
    if max(detects, default=0.0) == 0.0:
        assert rec.offences_registered == 0 and not rec.record_flags.any()
    if inspection == 0.0:  # only the non-enrolled (inspection 1) are registered
        assert not rec.record_flags[soc.enrolled].any()
    assert not rec.record_points[~soc.enrolled].any()
    assert np.all(rec.record_flags & ~np.uint8(OFFENCE | LISTS) == 0)
    listing = any(e["lists"] for e in kinds)
    assert listing or not (rec.record_flags & LISTS).any()
    assert np.all((rec.record_flags & LISTS == 0) | (rec.record_flags & OFFENCE != 0))
    if rec.offences_registered == 0:
        assert not rec.record_flags.any()


def test_params_carry_the_record_kinds_in_order():
    """The records bundle carries the record kinds in scenario order."""
    sc = Scenario.preset("seed").with_overrides({
        "policy.records": [kind("a", rate=0.25, delta=-3.0, detect=0.5, lists=True),
                           kind("b", "deed", rate=1.5, delta=2.0, detect=0.75)],
    })  # fmt: skip
    p = Params.from_scenario(sc).bundle(RecordsParams)
    assert p.offence.tolist() == [True, False]
    assert p.rate.tolist() == [0.25, 1.5]
    assert p.delta.tolist() == [-3.0, 2.0]
    assert p.detect.tolist() == [0.5, 0.75]
    assert p.lists.tolist() == [True, False]

"""7.5: the voice metrics, the climate-voice correlation, bunching and the income gaps against
their definitions on hand-made societies; the three channels of the chilling effect against
the expected chill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoresim import Scenario, simulate
from scoresim.experiments.effects import headline_table
from scoresim.metrics import metrics_row
from scoresim.metrics.behaviour import bunching
from scoresim.phases.activity import activity
from scoresim.phases.adaptation import adaptation

from .helpers import neighbours, random_edges, record, society

TIER_MIN = np.array([350.0, 450.0, 600.0, 650.0])
REACH = np.array([0.5, 1.0, 1.0, 1.0])


def test_each_voice_against_its_definition():
    n = 300
    soc, params = society(n, [], {"adoption.initial": 0.5}, seed=4)
    rng = np.random.default_rng(5)
    soc.dissent[:] = rng.uniform(0, 1, n)
    soc.censor[:] = rng.uniform(0, 1, n)
    soc.score[:] = rng.uniform(350, 950, n)
    rec = record(n)
    activity(soc, params, np.random.default_rng(0), rec)
    gamma = params.scenario.activity.critical_propensity
    reach = np.where(soc.enrolled, REACH[np.searchsorted(TIER_MIN, soc.score, "right") - 1], 1.0)
    expressed = soc.dissent * (1 - soc.censor)
    assert (soc.enrolled & (reach < 1)).any()
    for got, x in ((rec.voice_private, soc.dissent), (rec.voice_expressed, expressed),
                   (rec.voice_posted, reach * expressed)):  # fmt: skip
        assert got == pytest.approx((soc.post_rate * gamma * x).sum() / n, rel=1e-13)


@pytest.mark.parametrize("model", ["linear", "threshold"])
def test_climate_voice_corr_against_numpy_on_a_hand_made_society(model):
    n = 400
    soc, params = society(n, random_edges(n, 1600, np.random.default_rng(2)),
                          {"adoption.initial": 0.6, "expression.model": model},
                          seed=3)  # fmt: skip
    rng = np.random.default_rng(9)
    soc.dissent[:] = rng.uniform(0, 1, n)
    soc.censor[:] = rng.uniform(0, 1, n) * (rng.uniform(0, 1, n) < 0.5)
    sanctioned = rng.uniform(0, 1, n) < 0.2
    before = soc.dissent.copy()
    expressed = before * (1 - soc.censor)
    nbrs = neighbours(soc)
    rec = record(n, sanctioned=sanctioned)
    adaptation(soc, params, np.random.default_rng(0), rec)
    critics = np.flatnonzero(before > 0.5)
    support = [np.mean(expressed[nbrs[i]] > 0.5) if nbrs[i] else 0.0 for i in critics]
    expected = np.corrcoef(support, 1 - soc.censor[critics])[0, 1]
    assert rec.climate_voice_corr == pytest.approx(expected, abs=1e-12)


def test_bunching_against_a_count_by_hand():
    params = society(10, [])[1]
    scores = np.sort(np.random.default_rng(1).uniform(350, 950, 5000))
    scores[:3] = 450.0  # at a bound: in neither window
    scores.sort()
    w = 600.0 / 50
    above = sum(((scores > m) & (scores <= m + w)).sum() for m in TIER_MIN[1:])
    below = sum(((scores >= m - w) & (scores < m)).sum() for m in TIER_MIN[1:])
    assert bunching(scores, params) == pytest.approx(above / below - 1, abs=1e-15)
    assert np.isnan(bunching(np.array([900.0]), params))


def test_the_income_gaps_against_their_definitions():
    n = 1000
    soc, params = society(n, [], {"adoption.initial": 0.5}, preset="zhima-2015", seed=6)  # perks
    rng = np.random.default_rng(6)
    soc.score[:] = rng.uniform(350, 950, n)
    mins = params.tiers.min_score
    soc.tier[:] = np.searchsorted(mins, soc.score, "right") - 1
    row = metrics_row(soc, params, record(n))
    low, high = np.percentile(soc.income, (20, 80))
    bottom, top = soc.income <= low, soc.income >= high
    lowest = soc.enrolled & (soc.tier == 0)
    perk = soc.enrolled & (params.tiers.perk_value[soc.tier] > 0)

    def share(x, within):
        return x[within].sum() / within.sum()

    gap = share(lowest, soc.enrolled & bottom) - share(lowest, soc.enrolled & top)
    assert row["low_tier_income_gap"] == pytest.approx(gap, abs=1e-15)
    assert row["perk_income_gap"] == pytest.approx(share(perk, bottom) - share(perk, top),
                                                   abs=1e-15)  # fmt: skip
    assert lowest.any() and perk.any()


def test_the_three_channels_multiply_to_the_expected_chill():
    small = {"population.agents": 2000, "steps": 40, "adoption.mandatory_step": 15}
    v3 = {"expression.model": "threshold", "population.susceptibility": {"a": 2.0, "b": 2.0},
          "adaptation.backlash": 0.2, "adaptation.stake_exponent": 1.0}  # fmt: skip
    frames = []
    for rep, seed in enumerate((1, 2)):
        for arm, preset in (("treatment", "seed"), ("control", "control")):
            sc = Scenario.preset(preset).with_overrides({**small, **v3, "seed": seed})
            frames.append(simulate(sc).metrics.assign(arm=arm, replication=rep))
    runs = pd.concat(frames, ignore_index=True)
    last = runs[runs["step"] == 40].set_index(["arm", "replication"])
    names = ("self-censorship effect", "throttling effect", "private drift")
    by_hand = {name: [] for name in names}
    for rep in (0, 1):
        t, c = last.loc[("treatment", rep)], last.loc[("control", rep)]
        hand = dict(zip(names, (
            1 - (t.voice_expressed / t.voice_private) / (c.voice_expressed / c.voice_private),
            1 - t.voice_posted / t.voice_expressed,
            1 - t.voice_private / c.voice_private,
        ), strict=True))  # fmt: skip
        # the headline code's own per-replication values: the table of that replication alone
        one = headline_table(runs[runs["replication"] == rep]).set_index("effect")["estimate"]
        for name in names:
            assert one[name] == pytest.approx(hand[name], rel=1e-12, abs=1e-15), (name, rep)
            by_hand[name].append(hand[name])
        s, th, d = (one[name] for name in names)
        chill = 1 - t.voice_posted / c.voice_posted  # the control posts what it expresses
        assert chill == pytest.approx(1 - (1 - s) * (1 - th) * (1 - d), abs=1e-14)
        assert th > 0 and s != 0 and d != 0  # every channel is at work
    head = headline_table(runs).set_index("effect")["estimate"]
    for name in names:  # each estimate is the mean over the replications
        assert head[name] == pytest.approx(np.mean(by_hand[name]), rel=1e-12, abs=1e-15), name


def test_the_channels_are_left_out_without_the_voice_columns():
    cols = ["critical_posts", "falsification_gap", "pluralistic_ignorance", "isolated",
            "employment", "employment_poor", "wealth_gini", "score_dissent_corr"]  # fmt: skip
    rows = [dict(arm=a, replication=0, step=1, **dict.fromkeys(cols, 0.5))
            for a in ("treatment", "control")]  # fmt: skip
    effects = set(headline_table(pd.DataFrame(rows))["effect"])
    assert "chilling effect" in effects and "throttling effect" not in effects


def test_the_v3_columns_in_a_control_run():
    run = simulate(Scenario.preset("control").with_overrides({"population.agents": 500,
                                                               "steps": 5}))  # fmt: skip
    m = run.metrics
    # nobody censors, nobody is enrolled: the voices agree, the rest is undefined
    assert (m.voice_private == m.voice_expressed).all()
    assert (m.voice_posted == m.voice_expressed).all()
    assert m[["climate_voice_corr", "bunching", "low_tier_income_gap",
              "perk_income_gap"]].isna().all().all()  # fmt: skip

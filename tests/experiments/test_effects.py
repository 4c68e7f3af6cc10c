"""Interval arithmetic of paired effects, checked against hand computations."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from scoresim.experiments.effects import (
    EFFECT_COLUMNS,
    LAST_YEAR,
    blacklist_on,
    effects_table,
    headline_table,
    mean_interval,
    paired_interval,
)

T975 = {1: 12.706204736174707, 2: 4.302652729749464, 3: 3.182446305284263}


def test_mean_interval_matches_hand_computation() -> None:
    # diffs 1, 2, 6: mean 3, sd sqrt(((-2)^2 + (-1)^2 + 3^2) / 2) = sqrt(7)
    iv = mean_interval([1.0, 2.0, 6.0])
    half = T975[2] * math.sqrt(7.0) / math.sqrt(3.0)
    assert iv.estimate == pytest.approx(3.0)
    assert iv.low == pytest.approx(3.0 - half, rel=1e-12)
    assert iv.high == pytest.approx(3.0 + half, rel=1e-12)
    assert iv.n == 3


def test_paired_interval_is_on_differences_not_on_arms() -> None:
    # the arms vary a lot, their differences not at all: a zero-width interval
    t = np.array([10.0, 20.0, 30.0, 40.0])
    c = t - 0.5
    iv = paired_interval(t, c)
    assert (iv.estimate, iv.low, iv.high, iv.n) == (0.5, 0.5, 0.5, 4)


def test_nan_pairs_are_dropped_and_one_pair_has_no_interval() -> None:
    iv = paired_interval([1.0, float("nan"), 4.0], [0.0, 1.0, 1.0])
    half = T975[1] * math.sqrt(2.0) / math.sqrt(2.0)  # diffs 1, 3: sd sqrt(2)
    assert iv.n == 2
    assert iv.estimate == pytest.approx(2.0)
    assert iv.high - iv.estimate == pytest.approx(half)
    one = paired_interval([3.0], [1.0])
    assert one.estimate == 2.0 and math.isnan(one.low) and math.isnan(one.high)
    none = mean_interval([float("nan")])
    assert math.isnan(none.estimate) and none.n == 0


def _runs(values: dict[str, list[list[float]]]) -> pd.DataFrame:
    """values[arm][replication][step] of one metric ``x``."""
    rows = []
    for arm, reps in values.items():
        for r, series in enumerate(reps):
            for s, v in enumerate(series, start=1):
                rows.append({"arm": arm, "replication": r, "step": s, "x": v})
    return pd.DataFrame(rows)


def test_effects_table_per_step_by_hand() -> None:
    runs = _runs({
        "treatment": [[1.0, 5.0], [2.0, float("nan")], [4.0, 7.0], [3.0, 9.0]],
        "control": [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0], [2.0, 1.0]],
    })
    eff = effects_table(runs, ["x"])
    assert list(eff.columns) == list(EFFECT_COLUMNS)
    s1, s2 = eff.iloc[0], eff.iloc[1]
    # step 1: diffs 1, 1, 3, 1 -> mean 1.5, sd 1, n 4
    assert s1["treatment_mean"] == pytest.approx(2.5)
    assert s1["control_mean"] == pytest.approx(1.0)
    assert s1["difference"] == pytest.approx(1.5)
    assert s1["ci_high"] - s1["difference"] == pytest.approx(T975[3] * 1.0 / 2.0)
    assert s1["n"] == 4
    # step 2: the NaN pair is dropped: diffs 4, 6, 8 -> mean 6, sd 2, n 3
    assert s2["treatment_mean"] == pytest.approx(7.0)
    assert s2["difference"] == pytest.approx(6.0)
    assert s2["ci_low"] == pytest.approx(6.0 - T975[2] * 2.0 / math.sqrt(3.0))
    assert s2["n"] == 3


def test_effects_table_one_replication_has_nan_interval() -> None:
    eff = effects_table(_runs({"treatment": [[2.0]], "control": [[1.0]]}), ["x"])
    assert eff["difference"].tolist() == [1.0]
    assert eff["ci_low"].isna().all() and eff["ci_high"].isna().all()


def test_headline_by_hand() -> None:
    metrics = ["critical_posts", "falsification_gap", "pluralistic_ignorance", "isolated",
               "employment", "employment_poor", "wealth_gini", "score_dissent_corr"]
    rows = []
    for r, (tc, cc) in enumerate(((0.5, 1.0), (0.3, 0.6), (0.8, 1.0))):
        base = dict.fromkeys(metrics, 0.0)
        rows.append({**base, "arm": "treatment", "replication": r, "step": 2,
                     "critical_posts": tc, "employment_poor": 0.5 + 0.1 * r,
                     "wealth_gini": 0.4, "score_dissent_corr": -0.5 - 0.1 * r})
        rows.append({**base, "arm": "control", "replication": r, "step": 2,
                     "critical_posts": cc, "employment": 0.9, "wealth_gini": 0.3,
                     "score_dissent_corr": float("nan")})
        rows.append({**base, "arm": "treatment", "replication": r, "step": 1,
                     "critical_posts": 99.0})  # an earlier step: ignored
        rows.append({**base, "arm": "control", "replication": r, "step": 1})
    h = headline_table(pd.DataFrame(rows)).set_index("effect")
    chill = np.array([0.5, 0.5, 0.2])  # 1 - t/c per replication
    iv = mean_interval(chill)
    assert h.loc["chilling effect", "estimate"] == pytest.approx(chill.mean())
    assert h.loc["chilling effect", "ci_low"] == pytest.approx(iv.low)
    assert h.loc["employment gap, poor tier", "estimate"] == pytest.approx(0.6 - 0.9)
    assert h.loc["wealth Gini change", "estimate"] == pytest.approx(0.1)
    assert h.loc["score-dissent correlation", "estimate"] == pytest.approx(-0.6)
    assert math.isnan(h.loc["score-dissent correlation", "control"])
    assert h.loc["isolated share", "estimate"] == 0.0
    assert (h["replications"] == 3).all()


BLACKLIST = ["share ever listed", "travel denied per listed person", "employment gap, listed"]


def _blacklist_runs(steps: int = 60) -> pd.DataFrame:
    """Three replications; the treatment lists one citizen a week and denies r + 2 trips a
    week; its listed are employed at 0.5 + 0.01 r against 0.9 overall in the last year (0
    before it, NaN in one week, both of which the gap must ignore)."""
    v1 = ["critical_posts", "falsification_gap", "pluralistic_ignorance", "isolated",
          "employment_poor", "wealth_gini", "score_dissent_corr"]  # fmt: skip
    rows = []
    for r in range(3):
        for step in range(1, steps + 1):
            base = {**dict.fromkeys(v1, 0.5), "replication": r, "step": step, "employment": 0.9}
            in_year = step > steps - LAST_YEAR
            listed_jobs = (0.5 + 0.01 * r) if in_year else 0.0
            if step == steps - 3:
                listed_jobs = float("nan")  # nobody listed that week
            rows.append({**base, "arm": "treatment", "ever_listed": 0.001 * step * (r + 1),
                         "listings": 1, "travel_denied": r + 2,
                         "employment_listed": listed_jobs})  # fmt: skip
            rows.append({**base, "arm": "control", "ever_listed": 0.0, "listings": 0,
                         "travel_denied": 0, "employment_listed": float("nan")})  # fmt: skip
    return pd.DataFrame(rows)


def test_blacklist_measures_by_hand() -> None:
    h = headline_table(_blacklist_runs(), blacklist=True).set_index("effect")
    assert list(h.index[-3:]) == BLACKLIST
    ever = np.array([0.06, 0.12, 0.18])  # 0.001 * 60 * (r + 1)
    iv = mean_interval(ever)
    row = h.loc["share ever listed"]
    assert row["estimate"] == pytest.approx(0.12)
    assert iv.low < 0  # the t interval leaves the share's range: clipped to [0, 1]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.0, iv.high))
    assert row["control"] == 0.0 and row["replications"] == 3
    # 60 listings and 60 (r + 2) denied trips: r + 2 trips per listing
    trips = h.loc["travel denied per listed person"]
    assert trips["estimate"] == pytest.approx(3.0)
    assert trips["ci_high"] - 3.0 == pytest.approx(T975[2] * 1.0 / math.sqrt(3.0))
    assert math.isnan(trips["control"])  # nobody listed in the control
    gap = h.loc["employment gap, listed"]
    assert gap["estimate"] == pytest.approx(-0.39)  # mean of 0.5 + 0.01 r - 0.9
    assert gap["ci_high"] - gap["estimate"] == pytest.approx(T975[2] * 0.01 / math.sqrt(3.0))
    assert math.isnan(gap["control"])


def test_blacklist_measures_left_out_when_off_or_without_columns() -> None:
    runs = _blacklist_runs(steps=8)
    assert not set(BLACKLIST) & set(headline_table(runs)["effect"])
    # an effect is left out of runs without its columns, the others stay
    without = headline_table(runs.drop(columns="listings"), blacklist=True)["effect"]
    assert set(BLACKLIST) & set(without) == set(BLACKLIST) - {"travel denied per listed person"}
    with_list = headline_table(runs, blacklist=True)
    assert len(with_list) == 10 and with_list["effect"].tolist()[:7] == list(
        headline_table(runs)["effect"]
    )
    # a run shorter than a year averages the gap over all its weeks (the NaN week skipped)
    gap = with_list.set_index("effect").loc["employment gap, listed", "estimate"]
    assert gap == pytest.approx(-0.39)


def test_blacklist_on_reads_the_section_and_the_schedule() -> None:
    off = SimpleNamespace(enabled=False)
    assert blacklist_on(SimpleNamespace(blacklist=SimpleNamespace(enabled=True)))
    assert not blacklist_on(SimpleNamespace(blacklist=off, schedule=[]))
    later = [
        {"step": 5, "set": {"policy.decay": 0.1}},
        {"step": 9, "set": {"blacklist.enabled": True}},
    ]
    assert blacklist_on(SimpleNamespace(blacklist=off, schedule=later))
    entry = SimpleNamespace(step=9, set={"blacklist.enabled": True})
    assert blacklist_on(SimpleNamespace(blacklist=off, schedule=[entry]))
    assert not blacklist_on(SimpleNamespace())  # a scenario from before model v2

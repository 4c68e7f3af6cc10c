"""Support and suppression of the headline effects (issue 20): every effect carries the
replications that define it and the fewest agents behind it; one resting on fewer than 3
replications or fewer agents than the floor is "too few", never a number; no interval or band
leaves its quantity's range."""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoresim.cli import main
from scoresim.experiments.effects import headline_table
from scoresim.experiments.headline_view import estimate_cell
from scoresim.experiments.support import MIN_GROUP, suppress, suppressed, too_few
from scoresim.report.figures import arm_bands

METRICS = ["critical_posts", "falsification_gap", "pluralistic_ignorance", "isolated",
           "employment", "employment_poor", "wealth_gini", "score_dissent_corr"]  # fmt: skip


def _runs(adoption: list[float], poor: list[float], employment_poor: list[float]) -> pd.DataFrame:
    """Last-step rows of three replications: the treatment's enrolled share, its lowest tier's
    share of the enrolled and that tier's employment (NaN where the tier is empty)."""
    rows = []
    for r, (a, p, e) in enumerate(zip(adoption, poor, employment_poor, strict=True)):
        base = {**dict.fromkeys(METRICS, 0.5), "replication": r, "step": 4, "employment": 0.9}
        rows.append({**base, "arm": "treatment", "adoption": a, "tier_poor": p, "tier_good": 1 - p,
                     "employment_poor": e})  # fmt: skip
        rows.append({**base, "arm": "control", "adoption": 0.0, "tier_poor": math.nan,
                     "tier_good": math.nan, "score_dissent_corr": math.nan})  # fmt: skip
    return pd.DataFrame(rows)


def test_support_counts_the_defining_replications_and_the_fewest_agents_by_hand() -> None:
    # 1,000 agents; replication 1 has nobody in the lowest tier (its employment is NaN)
    runs = _runs([0.5, 0.8, 0.4], [0.1, 0.0, 0.006], [0.6, math.nan, 0.5])
    h = headline_table(runs, agents=1000, lowest_tier="poor").set_index("effect")
    gap = h.loc["employment gap, poor tier"]
    # replications 0 and 2 define it: 0.1 * 0.5 * 1000 = 50 and 0.006 * 0.4 * 1000 = 2.4 -> 2
    assert (gap["replications"], gap["min_agents"]) == (2, 2)
    corr = h.loc["score-dissent correlation"]  # among the enrolled: 500, 800, 400
    assert (corr["replications"], corr["min_agents"]) == (3, 400)
    chill = h.loc["chilling effect"]  # over everyone
    assert (chill["replications"], chill["min_agents"]) == (3, 1000)
    # nothing is withheld by the table itself; suppress() withholds the gap (2 runs, 2 agents)
    assert np.isfinite(gap["estimate"])
    shown = suppress(h.reset_index(), MIN_GROUP).set_index("effect")
    assert math.isnan(shown.loc["employment gap, poor tier", "estimate"])
    assert math.isnan(shown.loc["employment gap, poor tier", "ci_low"])
    assert shown.loc["employment gap, poor tier", "min_agents"] == 2  # the support stays
    assert shown.loc["employment gap, poor tier", "control"] == pytest.approx(0.9)
    assert np.isfinite(shown.loc["chilling effect", "estimate"])
    row = shown.loc["employment gap, poor tier"].to_dict() | {"effect": "employment gap, poor tier"}
    assert estimate_cell(row, MIN_GROUP) == "too few (n = 2 runs, 2 agents)"


@pytest.mark.parametrize(("reps", "agents", "floor", "hidden"), [
    (3, 30, 30, False), (3, 29, 30, True), (2, 10_000, 30, True), (5, 5, 0, False),
    (5, 5, 6, True), (0, 0, 30, True),
])  # fmt: skip
def test_the_suppression_rule_at_its_edges(reps: int, agents: int, floor: int,
                                           hidden: bool) -> None:  # fmt: skip
    frame = pd.DataFrame({"effect": ["x"], "estimate": [0.1], "ci_low": [0.0], "ci_high": [0.2],
                          "treatment": [0.5], "control": [0.4], "replications": [reps],
                          "min_agents": [agents]})  # fmt: skip
    assert bool(suppressed(frame, floor)[0]) is hidden
    out = suppress(frame, floor)
    assert math.isnan(out["estimate"][0]) is hidden and math.isnan(out["treatment"][0]) is hidden
    assert out["control"][0] == 0.4 and out["replications"][0] == reps


def test_too_few_names_what_is_missing() -> None:
    assert too_few(2, 5000, 30) == "too few (n = 2 runs)"
    assert too_few(4, 1, 30) == "too few (n = 1 agent)"
    assert too_few(None, 12, 30) == "too few (n = 12 agents)"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=6))
def test_a_shares_band_never_leaves_zero_to_one(values: list[float]) -> None:
    runs = pd.DataFrame({"arm": "t", "replication": range(len(values)), "step": 1,
                         "employment_poor": values, "score_dissent_corr": values})  # fmt: skip
    bands = arm_bands(runs, "employment_poor")
    assert (bands["low"] >= 0).all() and (bands["high"] <= 1).all()
    assert bands["low"].iloc[0] <= bands["mean"].iloc[0] <= bands["high"].iloc[0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 0.05), min_size=3, max_size=3),
       st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3))  # fmt: skip
def test_headline_intervals_stay_in_their_range(isolated: list[float], poor: list[float]) -> None:
    runs = _runs([0.5] * 3, [0.5] * 3, poor)
    runs.loc[runs["arm"] == "treatment", "isolated"] = isolated
    runs.loc[runs["arm"] == "control", "isolated"] = 0.0
    h = headline_table(runs, agents=10_000).set_index("effect")
    for effect in ("isolated share", "employment gap, poor tier"):  # differences of shares
        low, high = h.loc[effect, "ci_low"], h.loc[effect, "ci_high"]
        assert -1.0 <= low <= high <= 1.0
    assert h.loc["chilling effect", "ci_high"] <= 1.0


def test_compare_min_group_withholds_in_csv_terminal_and_folder(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "seed", "--replications", "3", "--seed", "2", "--set",
            "population.agents=200", "--set", "steps=6", "--out", str(out)]  # fmt: skip
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        assert main([*args, "--min-group", "1000", "--format", "csv"]) == 0
    headline = pd.read_csv(out / "headline.csv")
    assert shown.getvalue() == (out / "headline.csv").read_text()  # stdout holds the table alone
    # every effect rests on at most 200 agents < 1000: all withheld, support kept
    assert headline["estimate"].isna().all() and headline["ci_low"].isna().all()
    assert headline["replications"].le(3).all() and headline["min_agents"].le(200).all()
    chill = headline.set_index("effect").loc["chilling effect"]
    assert (chill["replications"], chill["min_agents"]) == (3, 200)
    table = io.StringIO()
    with contextlib.redirect_stdout(table):
        assert main([*args[:-1], str(tmp_path / "again"), "--min-group", "1000"]) == 0
    chill_line = next(line for line in table.getvalue().splitlines() if "chilling effect" in line)
    assert "too few (n = 200 agents)" in chill_line
    assert not any(ch.isdigit() for ch in chill_line.split("too few")[0])  # no number shown

"""Property-based tests of the experiment arithmetic: the vectorised effects table against the
one-interval-at-a-time definition, outcome reductions against numpy, and parameter mappings."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scoresim.experiments.effects import effects_table, paired_interval
from scoresim.experiments.samplers import Parameter, grid
from scoresim.experiments.spec import Outcome

values = st.floats(-1e3, 1e3, allow_nan=False) | st.just(math.nan)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.data())
def test_effects_table_equals_paired_intervals(reps: int, steps: int, data: st.DataObject):
    t = data.draw(arrays(np.float64, (reps, steps), elements=values))
    c = data.draw(arrays(np.float64, (reps, steps), elements=values))
    rows = [
        {"arm": arm, "replication": r, "step": s + 1, "m": float(x[r, s])}
        for arm, x in (("treatment", t), ("control", c))
        for r in range(reps)
        for s in range(steps)
    ]
    table = effects_table(pd.DataFrame(rows), ["m"]).sort_values("step")
    for s, row in zip(range(steps), table.itertuples(index=False), strict=True):
        ref = paired_interval(t[:, s], c[:, s])
        assert row.n == ref.n
        for got, want in ((row.difference, ref.estimate), (row.ci_low, ref.low),
                          (row.ci_high, ref.high)):  # fmt: skip
            assert (math.isnan(got) and math.isnan(want)) or math.isclose(
                got, want, rel_tol=1e-9, abs_tol=1e-9
            )


@settings(max_examples=80, deadline=None)
@given(arrays(np.float64, st.integers(1, 12), elements=values), st.integers(1, 12))
def test_outcome_reductions_match_numpy(x: np.ndarray, k: int) -> None:
    frame = pd.DataFrame({"step": np.arange(1, x.size + 1)[::-1], "m": x[::-1]})  # unsorted
    finite = x[np.isfinite(x)]

    def same(got: float, want: float) -> bool:
        return (math.isnan(got) and math.isnan(want)) or math.isclose(got, want, abs_tol=1e-9)

    def outcome(how: str | None, k: int | None = None) -> float:
        return Outcome.of("o", "m", ["m"], how, k).reduce(frame)

    assert same(outcome(None), x[-1]) and same(outcome("last"), x[-1])
    assert same(outcome("first"), x[0])
    assert same(outcome("change"), x[-1] - x[0])
    for how, fn in (("mean", np.mean), ("min", np.min), ("max", np.max), ("sum", np.sum)):
        want = float(fn(finite)) if finite.size else math.nan
        assert same(outcome(how), want)
    tail = x[-k:][np.isfinite(x[-k:])]
    want = float(tail.mean()) if tail.size else math.nan
    assert same(outcome("mean_last", k), want)


@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=6, unique=True),
       st.floats(-5, 20, allow_nan=False))  # fmt: skip
def test_value_lists_map_every_coordinate_to_a_listed_value(listed: list[float], x: float):
    assert Parameter("p", values=tuple(listed)).value(x) in listed


@given(st.floats(-100, 100, allow_nan=False), st.floats(0.001, 100, allow_nan=False),
       st.floats(0, 1))  # fmt: skip
def test_range_values_stay_within_bounds(low: float, width: float, share: float) -> None:
    p = Parameter("p", low=low, high=low + width)
    lo, hi = p.bounds
    assert lo <= p.value(lo + share * (hi - lo)) <= hi


@given(st.lists(st.integers(2, 5), min_size=1, max_size=3))
def test_grid_is_the_full_factorial(levels: list[int]) -> None:
    params = [Parameter(f"p{k}", low=0.0, high=1.0, levels=n) for k, n in enumerate(levels)]
    design = grid(params)
    assert design.shape == (math.prod(levels), len(levels))
    assert len({tuple(row) for row in design}) == design.shape[0]

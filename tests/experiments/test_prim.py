"""PRIM recovers a known box: the restricted inputs, their bounds, coverage and density; the
trajectory's invariants; quasi-p-values that tell a real restriction from a spurious one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoresim.experiments.prim import prim


def test_a_known_box_is_recovered() -> None:
    """Runs of interest exactly where a >= 0.6 and c <= 0.5 (b, d irrelevant): the box found
    restricts a and c only, to within a hundredth, holding nearly all runs of interest and
    nothing else."""
    rng = np.random.default_rng(11)
    X = rng.random((3000, 4))
    y = (X[:, 0] >= 0.6) & (X[:, 2] <= 0.5)
    found = prim(X, y, ["a", "b", "c", "d"])
    box = found.restricted.set_index("parameter")
    assert list(box.index) == ["a", "c"]
    assert box.loc["a", "low"] == pytest.approx(0.6, abs=0.01) and np.isnan(box.loc["a", "high"])
    assert box.loc["c", "high"] == pytest.approx(0.5, abs=0.01) and np.isnan(box.loc["c", "low"])
    assert found.box.density == 1.0
    assert found.box.coverage > 0.97
    assert (box["quasi_p"] < 1e-50).all()


@given(low=st.floats(0.1, 0.6), width=st.floats(0.25, 0.4), seed=st.integers(0, 2**16))
@settings(max_examples=15, deadline=None, derandomize=True)
def test_any_interval_box_is_recovered(low: float, width: float, seed: int) -> None:
    """A two-sided box on the second input, with 5% label noise: its ends are found to within
    0.05 and no other input is restricted significantly."""
    rng = np.random.default_rng(seed)
    X = rng.random((2000, 3))
    inside = (X[:, 1] >= low) & (X[:, 1] <= low + width)
    flip = rng.random(2000) < 0.05
    y = inside ^ flip
    found = prim(X, y, ["a", "b", "c"])
    box = found.restricted.set_index("parameter")
    significant = box[box["quasi_p"] < 0.01]
    assert list(significant.index) == ["b"]
    assert significant.loc["b", "low"] == pytest.approx(low, abs=0.05)
    assert significant.loc["b", "high"] == pytest.approx(low + width, abs=0.05)


def test_the_trajectory_is_consistent() -> None:
    """Every box of the trajectory lies inside the one before it, mass falls, density is the
    share of interest among its runs, and the chosen box is the largest with enough coverage
    within two standard errors of the densest."""
    rng = np.random.default_rng(12)
    X = rng.random((1000, 3))
    y = rng.random(1000) < X[:, 0]  # interest grows with a: no sharp box
    found = prim(X, y, ["a", "b", "c"])
    frame = found.trajectory_frame()
    for before, after in zip(found.trajectory, found.trajectory[1:], strict=False):
        assert (after.lower >= before.lower).all() and (after.upper <= before.upper).all()
        assert after.mass < before.mass
        inside = after.contains(X)
        assert after.density == pytest.approx(y[inside].mean())
        assert after.coverage == pytest.approx(y[inside].sum() / y.sum())
    assert frame["mass"].iloc[-1] >= 0.05
    eligible = frame[frame["coverage"] >= 0.5]
    best = eligible.loc[eligible["density"].idxmax()]
    error = 2 * np.sqrt(best["density"] * (1 - best["density"]) / (best["mass"] * 1000))
    chosen = frame.loc[frame["chosen"]].iloc[0]
    assert chosen["step"] == eligible[eligible["density"] >= best["density"] - error]["step"].min()
    assert found.box.density >= found.trajectory[found.chosen].density  # pasting never loses


def test_discrete_inputs_are_peeled_one_value_at_a_time() -> None:
    """An input with three values (each a third of the runs): an alpha peel would cut nothing,
    so PRIM removes whole values; interest only at the top value is found as b >= 2."""
    rng = np.random.default_rng(13)
    X = np.column_stack([rng.random(900), np.repeat([0.0, 1.0, 2.0], 300)])
    y = X[:, 1] == 2.0
    found = prim(X, y, ["a", "b"])
    assert found.restricted[["parameter", "low"]].values.tolist() == [["b", 2.0]]
    assert found.box.density == 1.0 and found.box.coverage == 1.0


def test_nothing_to_find_leaves_no_restriction_or_weak_ones() -> None:
    """Interest independent of the inputs: whatever PRIM restricts is not significant."""
    rng = np.random.default_rng(14)
    X = rng.random((1500, 2))
    y = rng.random(1500) < 0.3
    found = prim(X, y, ["a", "b"])
    assert (found.restricted["quasi_p"] > 0.001).all()

"""The totals of the kernels' per-chunk sums (core.moments.column_sums) are the row-order sums,
so a run's metrics (the voice sums, the opinion sums, the enrolled's moments) have the same bits
with the kernels on threads as in the calling thread."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scoresim import Scenario, Simulation
from scoresim.core import jit
from scoresim.core.moments import column_sums, count_total

FINITE = st.floats(-1e12, 1e12, allow_nan=False, allow_subnormal=False)


@settings(max_examples=60, deadline=None)  # the first example compiles
@given(arrays(np.float64, st.tuples(st.integers(1, 70), st.integers(1, 12)), elements=FINITE))
def test_column_sums_are_the_row_order_sums(rows):
    expected = []
    for k in range(rows.shape[1]):
        acc = 0.0
        for c in range(rows.shape[0]):
            acc += float(rows[c, k])  # Python's float addition: the same IEEE steps
        expected.append(acc)
    assert column_sums(rows).tobytes() == np.array(expected).tobytes()


@settings(max_examples=60, deadline=None)  # the first example compiles
@given(arrays(np.int64, st.tuples(st.integers(1, 70), st.integers(1, 12)),
              elements=st.integers(-(2**40), 2**40)))  # fmt: skip
def test_column_sums_of_counts_are_exact(rows):
    totals = column_sums(rows)
    assert totals.dtype == np.int64
    assert totals.tolist() == [int(v) for v in rows.sum(axis=0)]


COUNT_WIDTHS = st.sampled_from([np.uint8, np.uint16, np.uint32, np.int64])


@settings(max_examples=80, deadline=None)  # the first example of each width compiles
@given(COUNT_WIDTHS.flatmap(lambda t: arrays(
    t, st.one_of(st.tuples(st.integers(0, 300)), st.tuples(st.integers(1, 4), st.integers(0, 90))),
    elements=st.integers(0, int(min(np.iinfo(t).max, 2**40))))))  # fmt: skip
def test_count_total_is_the_exact_total(counts):
    """The metrics' post and purchase totals: Python's exact integer sum, whatever the width
    (a narrow width's total passes its maximum) and the shape (topics x agents)."""
    assert count_total(counts) == sum(int(v) for v in counts.ravel())


def _rows(overrides: dict, parallel_from: int) -> list[dict[str, float]]:
    """Every row of a short run, with the kernels on threads from ``parallel_from`` agents."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jit, "PARALLEL_MIN_SIZE", parallel_from)
        sim = Simulation(Scenario.preset("seed").with_overrides(overrides), seed=3)
        return [sim.step() for _ in range(overrides["steps"])]


@pytest.mark.parametrize("mandatory", [2, 100])
def test_the_rows_on_threads_have_the_bits_of_the_serial_kernels(mandatory):
    overrides = {"population.agents": 3000, "steps": 5, "adoption.mandatory_step": mandatory}
    serial, threaded = _rows(overrides, 10**12), _rows(overrides, 0)
    for a, b in zip(serial, threaded, strict=True):
        assert list(a) == list(b)
        assert np.array(list(a.values())).tobytes() == np.array(list(b.values())).tobytes()

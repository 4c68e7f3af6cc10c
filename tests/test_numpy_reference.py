"""The numpy reference's graph (benchmarks/numpy_graph.py, issue 22's yardstick): its
Watts-Strogatz edges, and its CSR neighbour sums and edits against ``np.bincount`` over the
directed edge list."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from numpy_graph import Friends, watts_strogatz

sys.path.pop(0)


def _edge_list(g: Friends) -> tuple[np.ndarray, np.ndarray]:
    return np.repeat(np.arange(g.n), g.deg), g.dst


def _assert_simple_undirected(g: Friends) -> None:
    src, dst = _edge_list(g)
    keys = src * g.n + dst
    assert np.unique(keys).size == keys.size  # no repeated tie
    assert not np.any(src == dst)  # no self-loop
    assert np.array_equal(np.sort(keys), np.sort(dst * g.n + src))  # each tie both ways


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_watts_strogatz_is_simple_with_the_lattice_edge_count(seed: int) -> None:
    n, degree = 3000, 12
    keys = watts_strogatz(n, degree, 0.3, np.random.default_rng(seed))
    g = Friends(keys, n)
    _assert_simple_undirected(g)
    assert keys.size == n * degree  # a rewired edge is redrawn, never lost


def _random_graph(n: int, ties: int, seed: int) -> Friends:
    """A simple undirected graph whose lowest and highest agents have no ties."""
    rng = np.random.default_rng(seed)
    i, j = rng.integers(1, n - 2, (2, ties))
    i, j = i[i != j], j[i != j]
    keys = np.unique(np.concatenate([i * n + j, j * n + i]))
    return Friends(keys, n)


def test_neighbour_sums_and_packed_counts_match_bincount_with_empty_rows() -> None:
    g = _random_graph(500, 1500, 7)
    assert g.empty[0] and g.empty[-1]  # an empty first and trailing row
    rng = np.random.default_rng(8)
    x, flags = rng.normal(size=g.n), rng.random((3, g.n)) < [[0.2], [0.5], [0.9]]
    src, dst = _edge_list(g)
    assert np.allclose(g.sums(x), np.bincount(src, weights=x[dst], minlength=g.n))
    for got, flag in zip(g.counts(*flags), flags, strict=True):
        assert np.array_equal(got, np.bincount(src[flag[dst]], minlength=g.n))
    share = g.shares(flags[0])[0]
    assert share[g.empty].sum() == 0
    assert np.allclose(share * g.deg, g.counts(flags[0])[0])


def test_find_and_edit_keep_the_graph_simple_and_consistent() -> None:
    g = _random_graph(400, 1200, 9)
    src, dst = _edge_list(g)
    rng = np.random.default_rng(10)
    drop = rng.choice(src.size, 50, replace=False)
    gone = np.unique(np.concatenate([src[drop] * g.n + dst[drop], dst[drop] * g.n + src[drop]]))
    assert np.all(g.find(*np.divmod(gone, g.n)) >= 0)
    present = set((src * g.n + dst).tolist())
    cand = rng.integers(0, g.n, (2, 200))
    new = np.unique([a * g.n + b for a, b in cand.T if a != b and a * g.n + b not in present])
    new = np.unique(np.concatenate([new, (new % g.n) * g.n + new // g.n]))
    assert np.all(g.find(*np.divmod(new, g.n)) == -1)
    expected = np.sort(np.concatenate([np.setdiff1d(src * g.n + dst, gone), new]))
    g.edit(np.divmod(gone, g.n), np.divmod(new, g.n))
    src, dst = _edge_list(g)
    assert np.array_equal(np.sort(src * g.n + dst), expected)
    assert np.array_equal(g.indptr, np.concatenate([[0], np.cumsum(g.deg)]))
    _assert_simple_undirected(g)
    x = rng.normal(size=g.n)
    assert np.allclose(g.sums(x), np.bincount(src, weights=x[dst], minlength=g.n))


@pytest.mark.parametrize("program", ["vs_numpy", "numpy_reference"])
def test_agree_gets_every_option_it_is_given(program, monkeypatch):
    """``--agree`` hands the agreement all the other options, ``--agents`` and ``--steps``
    among them (the timing's parser used to keep those for itself)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    try:
        import numpy_reference
        import vs_numpy
    finally:
        sys.path.pop(0)
    given: list[list[str]] = []
    monkeypatch.setattr(vs_numpy, "agreement", lambda argv: given.append(argv) or 0)
    main = {"vs_numpy": vs_numpy.main, "numpy_reference": numpy_reference.main}[program]
    assert main(["--agree", "--agents", "1000", "--steps", "30", "--seeds", "3"]) == 0
    assert given == [["--agents", "1000", "--steps", "30", "--seeds", "3"]]

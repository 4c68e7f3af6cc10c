"""The CSR graph: updates against set arithmetic on edge lists."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoresim import graph as graph_module
from scoresim.graph import Graph


def edge_set(g: Graph) -> set[tuple[int, int]]:
    return set(zip(g.src.tolist(), g.dst.tolist(), strict=True))


@st.composite
def updates(draw):
    n = draw(st.integers(2, 30))
    pairs = list(itertools.combinations(range(n), 2))
    edges = draw(st.sets(st.sampled_from(pairs), max_size=4 * n))
    removed = draw(st.sets(st.sampled_from(sorted(edges)), max_size=len(edges))) if edges else set()
    absent = sorted(set(pairs) - edges)
    added = draw(st.sets(st.sampled_from(absent), max_size=len(absent))) if absent else set()
    flip = draw(st.booleans())  # orientation of the pairs handed to update
    return n, edges, removed, added, flip


def as_arrays(pairs, flip):
    a = np.array(sorted(pairs), np.int64).reshape(-1, 2)
    return (a[:, 1], a[:, 0]) if flip else (a[:, 0], a[:, 1])


@pytest.mark.parametrize("block_rows", [1, 3, 1 << 16])
@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # constant across examples
@given(case=updates())
def test_update_is_set_arithmetic(monkeypatch, block_rows, case):
    monkeypatch.setattr(graph_module, "_BLOCK_ROWS", block_rows)
    n, edges, removed, added, flip = case
    e = np.array(sorted(edges), np.int64).reshape(-1, 2)
    g = Graph(n, e[:, 0], e[:, 1])
    g.update(as_arrays(removed, flip), as_arrays(added, not flip))
    assert edge_set(g) == (edges - removed) | added
    for i in range(n):  # rows stay sorted and symmetric, degrees follow
        row = g.indices[g.indptr[i] : g.indptr[i + 1]].tolist()
        assert row == sorted({b for a, b in edge_set(g) if a == i} | {a for a, b in edge_set(g)
                                                                     if b == i})
    np.testing.assert_array_equal(g.degree, np.diff(g.indptr))
    assert g.indptr[-1] == g.indices.size == 2 * g.edge_count


def test_update_serial_and_parallel_agree():
    rng = np.random.default_rng(5)
    n = 5000
    u, v = rng.integers(0, n, 30000), rng.integers(0, n, 30000)
    base = Graph(n, u, v)
    edges = sorted(edge_set(base))
    pick = rng.choice(len(edges), 4000, replace=False)
    removed = [edges[k] for k in pick]
    cand = set(zip(rng.integers(0, n, 6000).tolist(), rng.integers(0, n, 6000).tolist(),
                   strict=True))
    added = {(min(a, b), max(a, b)) for a, b in cand if a != b} - set(edges)
    results = []
    for parallel in (False, True):
        g = Graph(n, u, v)
        g.__class__ = type("G", (Graph,), {"parallel": property(lambda self, p=parallel: p)})
        g.update(as_arrays(removed, False), as_arrays(added, False))
        results.append((g.indptr, g.indices))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert edge_set(g) == (set(edges) - set(removed)) | added


def address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def ring_with_chords(n: int = 50) -> Graph:
    u = np.arange(n)
    return Graph(n, np.concatenate([u, u]), np.concatenate([(u + 1) % n, (u + 7) % n]))


def test_update_reuses_the_arrays_of_the_version_before_when_unshared():
    g = ring_with_chords()
    first = address(g.indices), address(g.indptr)
    g.update((np.array([0]), np.array([1])), (np.array([0]), np.array([2])))
    g.update((np.array([3]), np.array([4])), (np.array([3]), np.array([5])))
    assert (address(g.indices), address(g.indptr)) == first  # version 3 in version 1's memory
    assert edge_set(g) == (edge_set(ring_with_chords()) - {(0, 1), (3, 4)}) | {(0, 2), (3, 5)}


def test_update_never_writes_into_arrays_someone_holds():
    g = ring_with_chords()
    held_indices, held_indptr = g.indices, g.indptr[10:]  # a view is a hold too
    kept = held_indices.copy(), held_indptr.copy()
    for k in range(4):
        g.update((np.array([k]), np.array([k + 1])), (np.empty(0, np.int64),) * 2)
        assert not np.shares_memory(g.indices, held_indices)
        assert not np.shares_memory(g.indptr, held_indptr)
    np.testing.assert_array_equal(held_indices, kept[0])
    np.testing.assert_array_equal(held_indptr, kept[1])

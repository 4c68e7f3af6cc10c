"""The CSR graph: updates against set arithmetic on edge lists."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoresim.society import graph as graph_module
from scoresim.society.graph import Graph


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
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # constant across examples
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
        assert row == sorted(
            {b for a, b in edge_set(g) if a == i} | {a for a, b in edge_set(g) if b == i}
        )
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
    cand = set(
        zip(rng.integers(0, n, 6000).tolist(), rng.integers(0, n, 6000).tolist(), strict=True)
    )
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


def test_update_writes_in_place_when_unshared():
    g = ring_with_chords()
    first = address(g.indices), address(g.indptr)
    g.update((np.array([0]), np.array([1])), (np.array([0]), np.array([2])))
    g.update((np.array([3]), np.array([4])), (np.array([3]), np.array([5])))
    assert (address(g.indices), address(g.indptr)) == first
    assert edge_set(g) == (edge_set(ring_with_chords()) - {(0, 1), (3, 4)}) | {(0, 2), (3, 5)}
    assert g.version == 2


@st.composite
def update_sequences(draw):
    n = draw(st.integers(2, 25))
    pairs = list(itertools.combinations(range(n), 2))
    edges = draw(st.sets(st.sampled_from(pairs), max_size=3 * n))
    steps, current = [], set(edges)
    for _ in range(draw(st.integers(1, 6))):
        removed = draw(st.sets(st.sampled_from(sorted(current)))) if current else set()
        absent = sorted(set(pairs) - current)
        added = draw(st.sets(st.sampled_from(absent))) if absent else set()
        steps.append((removed, added))
        current = (current - removed) | added
    return n, edges, steps


@pytest.mark.parametrize("block_rows", [1, 4, 1 << 16])
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # constant across examples
@given(case=update_sequences(), hold=st.booleans())
def test_updates_in_sequence_are_set_arithmetic(monkeypatch, block_rows, case, hold):
    """Successive updates of one graph, in place or (when an old version is held, or the ties
    outgrow the room kept for them) into new memory, each as set arithmetic on edge lists."""
    monkeypatch.setattr(graph_module, "_BLOCK_ROWS", block_rows)
    n, edges, steps = case
    e = np.array(sorted(edges), np.int64).reshape(-1, 2)
    g = Graph(n, e[:, 0], e[:, 1])
    expected, held = set(edges), []
    for removed, added in steps:
        if hold:
            held.append((g.indptr, g.indices, edge_set(g)))
        g.update(as_arrays(removed, False), as_arrays(added, True))
        expected = (expected - removed) | added
        assert edge_set(g) == expected
        rows = [g.indices[g.indptr[i] : g.indptr[i + 1]].tolist() for i in range(n)]
        assert rows == [
            sorted({b for a, b in expected if a == i} | {a for a, b in expected if b == i})
            for i in range(n)
        ]
        assert g.indptr[-1] == g.indices.size == 2 * len(expected)
    for indptr, indices, edges_then in held:  # the versions held were never written
        pairs = {(i, int(j)) for i in range(n) for j in indices[indptr[i] : indptr[i + 1]] if i < j}
        assert pairs == edges_then


def test_update_that_removes_ties_from_a_held_graph_copies_it_whole():
    """A held graph (another owner of its arrays) that loses more ties than its spare room is
    copied into memory that holds its old entries, not only its new ones (found by the
    property above: the copy was sized for the new count and could not take the old)."""
    n = 9
    u, v = np.triu_indices(n, 1)
    g = Graph(n, u, v)  # complete: 72 entries
    held = (g.indptr, g.indices)
    g.update((u[:-1], v[:-1]), (np.empty(0, np.int64),) * 2)  # down to one tie
    assert edge_set(g) == {(int(u[-1]), int(v[-1]))}
    assert held[1].size == 72 and g.indices.size == 2


def test_update_grows_the_memory_when_ties_outgrow_it():
    n = 200
    g = Graph(n, np.arange(n - 1), np.arange(1, n))  # a path: 398 entries, and some room
    room = g._storage.size
    u, v = np.arange(0, n - 2, 2), np.arange(2, n, 2)  # 99 new ties, 198 entries
    g.update((np.empty(0, np.int64),) * 2, (u, v))
    assert g._storage.size > room and g.indices.size == 2 * (n - 1 + u.size)
    path = {(i, i + 1) for i in range(n - 1)}
    assert edge_set(g) == path | set(zip(u.tolist(), v.tolist(), strict=True))


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


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 40),
    data=st.data(),
)
def test_any_pairs_make_the_graph_of_their_canonical_edges(n, data):
    """Graph(n, pairs) (self-loops, repeats, both orientations, any order) is the graph of the
    pairs' canonical edge list: the same row pointers and the same sorted rows."""
    from scoresim.society.generators import canonical_edges

    ids = st.integers(0, n - 1)
    pairs = data.draw(st.lists(st.tuples(ids, ids), max_size=120))
    src = np.array([a for a, _ in pairs], np.int64)
    dst = np.array([b for _, b in pairs], np.int64)
    g = Graph(n, src, dst)
    want = Graph(n, *canonical_edges(src, dst), canonical=True)
    assert np.array_equal(g.indptr, want.indptr)
    assert np.array_equal(g.indices, want.indices)
    for i in range(n):  # rows sorted, without repeats or the node itself
        row = g.indices[g.indptr[i] : g.indptr[i + 1]]
        assert np.all(np.diff(row) > 0) and not np.any(row == i)


@pytest.mark.parametrize(
    ("src", "dst", "message"),
    [
        ([0, 5], [1, 2], "node ids in 0..4"),
        ([0, -1], [1, 2], "node ids in 0..4"),
        ([0.5], [1.0], "1-d array of integers"),
        ([0, 1], [1], "differ in shape"),
    ],
)
def test_pairs_outside_the_nodes_are_refused(src, dst, message):
    with pytest.raises(ValueError, match=message):
        Graph(5, np.array(src), np.array(dst))

"""Tests of scoresim.society.generators: canonical form, determinism, exact counts and
statistics."""

from __future__ import annotations

import math
import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scoresim.core.errors import ScenarioError
from scoresim.society.generators import (
    barabasi_albert,
    canonical_edges,
    read_edgelist,
    sbm,
    sbm_blocks,
    watts_strogatz,
)

# --------------------------------------------------------------------------- helpers


def assert_canonical(src: np.ndarray, dst: np.ndarray, n: int) -> None:
    assert isinstance(src, np.ndarray) and isinstance(dst, np.ndarray)
    assert src.dtype == np.int32 and dst.dtype == np.int32
    assert src.ndim == 1 and src.shape == dst.shape
    if src.size == 0:
        return
    assert np.all(src < dst), "src < dst (no self-loops, oriented)"
    assert src.min() >= 0 and dst.max() < n, "ids in range"
    key = src.astype(np.int64) * n + dst
    assert np.all(np.diff(key) > 0), "sorted by (src, dst) without duplicates"


def degrees(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(np.concatenate([src, dst]), minlength=n)


def to_nx(src: np.ndarray, dst: np.ndarray, n: int) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
    return g


def edge_set(g: nx.Graph) -> set[tuple[int, int]]:
    return {(min(u, v), max(u, v)) for u, v in g.edges()}


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


GENERATORS = {
    "ws": (lambda n, r: watts_strogatz(n, 6, 0.3, r)),
    "ws_p1": (lambda n, r: watts_strogatz(n, 8, 1.0, r)),
    "ba": (lambda n, r: barabasi_albert(n, 4, r)),
    "sbm": (lambda n, r: sbm(n, 5, 8.0, 0.2, r)),
}


# --------------------------------------------------------------------------- all generators


@pytest.mark.parametrize("name", sorted(GENERATORS))
@pytest.mark.parametrize("n", [50, 997, 5000])
def test_output_is_canonical(name: str, n: int) -> None:
    src, dst = GENERATORS[name](n, rng(n))
    assert_canonical(src, dst, n)
    assert src.size > 0


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_deterministic_in_rng_state(name: str) -> None:
    make = GENERATORS[name]
    a = make(3000, rng(11))
    b = make(3000, rng(11))
    c = make(3000, rng(12))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not (np.array_equal(a[0], c[0]) and np.array_equal(a[1], c[1]))


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_rng_is_advanced(name: str) -> None:
    """Two graphs drawn in a row from one generator differ; the global numpy state is unused."""
    r = rng(5)
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    a = GENERATORS[name](2000, r)
    b = GENERATORS[name](2000, r)
    assert not (np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]))
    assert np.array_equal(np.random.get_state()[1], before)


RAW = {
    "ws": (lambda n, r: watts_strogatz(n, 6, 0.3, r, canonical=False)),
    "ws_p1": (lambda n, r: watts_strogatz(n, 8, 1.0, r, canonical=False)),
    "ba": (lambda n, r: barabasi_albert(n, 4, r, canonical=False)),
    "sbm": (lambda n, r: sbm(n, 5, 8.0, 0.2, r, canonical=False)),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_edges_as_drawn_are_the_canonical_edges_each_once(name: str) -> None:
    """``canonical=False`` gives the same edges from the same draws, each exactly once (no
    loop, no repeat in either orientation), and leaves the generator where the canonical
    form leaves it."""
    r1, r2 = rng(21), rng(21)
    src, dst = RAW[name](3000, r1)
    want = GENERATORS[name](3000, r2)
    lo, hi = np.minimum(src, dst).astype(np.int64), np.maximum(src, dst).astype(np.int64)
    assert np.all(lo < hi)
    assert np.unique(lo * 3000 + hi).size == src.size
    got = canonical_edges(src, dst)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert r1.random() == r2.random()


# --------------------------------------------------------------------------- Watts-Strogatz


@pytest.mark.parametrize(
    ("n", "k", "p"),
    [(10, 2, 0.5), (11, 10, 1.0), (12, 10, 0.7), (100, 4, 1.0), (1000, 10, 0.2), (4000, 20, 1.0)],
)
def test_ws_edge_count_exact(n: int, k: int, p: float) -> None:
    for seed in range(3):
        src, dst = watts_strogatz(n, k, p, rng(seed))
        assert_canonical(src, dst, n)
        assert src.size == n * k // 2


def test_ws_complete_graph_cannot_rewire() -> None:
    # n = k + 1: the lattice is complete, every rewiring is impossible, every edge is kept.
    src, dst = watts_strogatz(9, 8, 1.0, rng(0))
    assert src.size == 36
    assert edge_set(to_nx(src, dst, 9)) == edge_set(nx.complete_graph(9))


@pytest.mark.parametrize(("n", "k"), [(5, 2), (7, 6), (100, 4), (2000, 10), (31, 12)])
def test_ws_no_rewiring_is_networkx_ring_lattice(n: int, k: int) -> None:
    src, dst = watts_strogatz(n, k, 0.0, rng(1))
    assert edge_set(to_nx(src, dst, n)) == edge_set(nx.watts_strogatz_graph(n, k, 0))


def test_ws_degree_zero_is_empty() -> None:
    src, dst = watts_strogatz(10, 0, 0.5, rng(0))
    assert src.size == 0 and dst.size == 0 and src.dtype == np.int32


@pytest.mark.parametrize(
    ("n", "k", "p"), [(10, 3, 0.1), (10, 10, 0.1), (10, -2, 0.1), (10, 4, 1.5), (0, 0, 0.0)]
)
def test_ws_rejects_bad_arguments(n: int, k: int, p: float) -> None:
    with pytest.raises(ValueError):
        watts_strogatz(n, k, p, rng(0))


def test_ws_lattice_clustering_closed_form() -> None:
    n, k = 2000, 10
    c = nx.average_clustering(to_nx(*watts_strogatz(n, k, 0.0, rng(0)), n))
    assert c == pytest.approx(3 * (k - 2) / (4 * (k - 1)), abs=1e-12)


@pytest.mark.parametrize("p", [0.01, 0.05, 0.2])
def test_ws_clustering_follows_barrat_weigt(p: float) -> None:
    # C(p) ~= C(0) (1 - p)^3 (Barrat & Weigt 2000); sampling spread at n = 2000 is ~0.003.
    n, k = 2000, 10
    c0 = 3 * (k - 2) / (4 * (k - 1))
    c = np.mean([nx.average_clustering(to_nx(*watts_strogatz(n, k, p, rng(s)), n)) for s in (1, 2)])
    assert c == pytest.approx(c0 * (1 - p) ** 3, abs=0.015)


def test_ws_full_rewiring_degree_distribution_matches_networkx() -> None:
    n, k, seeds = 2000, 10, range(5)
    ours = [degrees(*watts_strogatz(n, k, 1.0, rng(s)), n) for s in seeds]
    theirs = [
        np.array([d for _, d in nx.watts_strogatz_graph(n, k, 1.0, seed=s).degree()]) for s in seeds
    ]
    for d in ours:
        assert d.mean() == k  # edge count is exact
        assert d.min() >= k // 2  # every node keeps the k/2 edges it owns
    # Degree = k/2 + (about) Poisson(k/2): variance near k/2; per-seed spread ~0.1.
    var_ours = np.mean([d.var() for d in ours])
    var_theirs = np.mean([d.var() for d in theirs])
    assert var_ours == pytest.approx(var_theirs, abs=0.3)
    assert var_ours == pytest.approx(k / 2, rel=0.1)


def test_ws_rewiring_share() -> None:
    # The share of edges off the lattice is ~p (a rewired edge lands on a vacated lattice slot
    # with probability ~k p / n only).
    n, k, p = 20000, 8, 0.3
    src, dst = watts_strogatz(n, k, p, rng(3))
    gap = dst - src
    off_lattice = np.mean((gap > k // 2) & (gap < n - k // 2))
    se = math.sqrt(p * (1 - p) / src.size)
    assert abs(off_lattice - p) < 5 * se


# --------------------------------------------------------------------------- Barabasi-Albert


@pytest.mark.parametrize(("n", "m"), [(2, 1), (5, 4), (6, 4), (50, 1), (1000, 3), (3000, 7)])
def test_ba_edge_count_and_minimum_degree(n: int, m: int) -> None:
    for seed in range(3):
        src, dst = barabasi_albert(n, m, rng(seed))
        assert_canonical(src, dst, n)
        assert src.size == m + (n - m - 1) * m
        d = degrees(src, dst, n)
        assert d.min() >= 1
        assert d[0] >= m  # the star centre
        assert d[m + 1 :].min(initial=m) >= m  # every added node brings m edges


def test_ba_starts_from_star() -> None:
    n, m = 500, 5
    src, dst = barabasi_albert(n, m, rng(0))
    g = to_nx(src, dst, n)
    assert all(g.has_edge(0, i) for i in range(1, m + 1))
    assert not any(g.has_edge(i, j) for i in range(1, m + 1) for j in range(i + 1, m + 1))
    # the first added node attaches to m distinct nodes among 0..m
    assert len(set(g.neighbors(m + 1)) & set(range(m + 1))) == m
    star_src, star_dst = barabasi_albert(m + 1, m, rng(0))
    assert edge_set(to_nx(star_src, star_dst, m + 1)) == edge_set(nx.star_graph(m))


def test_ba_every_new_node_links_to_older_nodes() -> None:
    n, m = 3000, 3
    _, dst = barabasi_albert(n, m, rng(4))
    # dst is the newer node of every edge outside the star; each node >= m+1 is dst m times
    newer = np.bincount(dst, minlength=n)
    assert np.all(newer[m + 1 :] == m)
    assert np.all(newer[1 : m + 1] == 1) and newer[0] == 0


@pytest.mark.parametrize("m", [0, 10, 11])
def test_ba_rejects_bad_m(m: int) -> None:
    with pytest.raises(ValueError):
        barabasi_albert(10, m, rng(0))


def test_ba_degree_distribution_heavy_tail_matches_networkx() -> None:
    n, m, seeds = 2000, 3, range(5)
    ours = [degrees(*barabasi_albert(n, m, rng(s)), n) for s in seeds]
    theirs = [
        np.array([d for _, d in nx.barabasi_albert_graph(n, m, seed=s).degree()]) for s in seeds
    ]
    mean = 2 * (m + (n - m - 1) * m) / n
    for d in ours:
        assert d[m + 1 :].min() == m
        assert d.mean() == pytest.approx(mean)
        assert d.max() > 8 * d.mean()  # ~ m sqrt(n); a Poisson(6) tail never gets near 48
    # P(deg >= k) = m (m + 1) / (k (k + 1)) for the BA model; per-seed spread ~0.003.
    tail_ours = np.mean([np.mean(d >= 4 * m) for d in ours])
    tail_theirs = np.mean([np.mean(d >= 4 * m) for d in theirs])
    assert tail_ours == pytest.approx(tail_theirs, abs=0.008)
    assert tail_ours == pytest.approx(m * (m + 1) / (4 * m * (4 * m + 1)), abs=0.008)
    # Far heavier than the Poisson tail of an Erdos-Renyi graph of the same mean.
    poisson_tail = 1 - sum(math.exp(-mean) * mean**j / math.factorial(j) for j in range(6 * m))
    assert np.mean([np.mean(d >= 6 * m) for d in ours]) > 50 * poisson_tail
    var_ours = np.mean([d.var() for d in ours])
    var_theirs = np.mean([d.var() for d in theirs])
    assert var_ours == pytest.approx(var_theirs, rel=0.25)
    assert var_ours > 5 * mean


# --------------------------------------------------------------------------- SBM


@pytest.mark.parametrize(("n", "blocks"), [(10, 1), (10, 3), (7, 7), (1000, 7), (1001, 10)])
def test_sbm_blocks_equal_and_contiguous(n: int, blocks: int) -> None:
    block = sbm_blocks(n, blocks)
    assert block.dtype == np.int32 and block.size == n
    assert np.all(np.diff(block) >= 0) and block[0] == 0 and block[-1] == blocks - 1
    sizes = np.bincount(block)
    assert sizes.size == blocks and sizes.max() - sizes.min() <= 1
    assert np.all(np.diff(sizes) <= 0)  # larger blocks first


def _sbm_probabilities(n: int, blocks: int, degree: float, mixing: float) -> np.ndarray:
    block = sbm_blocks(n, blocks)
    sizes = np.bincount(block)
    same = block[:, None] == block[None, :]
    p_in = np.minimum(1.0, degree * (1 - mixing) / np.maximum(sizes[block] - 1, 1))
    p_out = min(1.0, degree * mixing / (n - n / blocks)) if blocks > 1 else 0.0
    return np.where(same, p_in[:, None], p_out)


@pytest.mark.parametrize(
    ("n", "blocks", "degree", "mixing"),
    [
        (8, 2, 1.8, 0.25),  # sparse path for both classes
        (8, 2, 2.4, 0.25),  # p_in = 0.6: enumeration path
        (7, 2, 1.5, 0.3),  # unequal blocks: two inner classes
        (6, 3, 5.0, 0.9),  # p_in clipped to 1, p_out = 0.75 enumerated
        (9, 1, 3.0, 0.5),  # one block: no outer pairs
    ],
)
def test_sbm_each_pair_has_its_probability(
    n: int, blocks: int, degree: float, mixing: float
) -> None:
    trials = 1500
    count = np.zeros((n, n))
    r = rng(2024)
    for _ in range(trials):
        src, dst = sbm(n, blocks, degree, mixing, r)
        assert_canonical(src, dst, n)
        count[src, dst] += 1
    expected = _sbm_probabilities(n, blocks, degree, mixing)
    iu = np.triu_indices(n, 1)
    freq = count[iu] / trials
    p = expected[iu]
    se = np.sqrt(p * (1 - p) / trials)
    assert np.all(np.abs(freq - p) <= 5 * se + 1e-12)


def test_sbm_mean_degree_and_mixing() -> None:
    n, blocks, degree, mixing = 24000, 8, 12.0, 0.15
    s = n // blocks
    block = sbm_blocks(n, blocks)
    p_in = degree * (1 - mixing) / (s - 1)
    p_out = degree * mixing / (n - s)
    inner_pairs = blocks * s * (s - 1) // 2
    outer_pairs = n * (n - 1) // 2 - inner_pairs
    var_edges = inner_pairs * p_in * (1 - p_in) + outer_pairs * p_out * (1 - p_out)
    for seed in range(3):
        src, dst = sbm(n, blocks, degree, mixing, rng(seed))
        assert_canonical(src, dst, n)
        edges = src.size
        mean_degree = 2 * edges / n
        assert abs(mean_degree - degree) < 4 * 2 * math.sqrt(var_edges) / n
        share = np.mean(block[src] != block[dst])
        assert abs(share - mixing) < 4 * math.sqrt(mixing * (1 - mixing) / edges)


def test_sbm_extremes() -> None:
    block = sbm_blocks(600, 3)
    src, dst = sbm(600, 3, 6.0, 0.0, rng(0))
    assert np.all(block[src] == block[dst])
    src, dst = sbm(600, 3, 6.0, 1.0, rng(0))
    assert np.all(block[src] != block[dst])
    src, dst = sbm(600, 3, 0.0, 0.3, rng(0))
    assert src.size == 0 and src.dtype == np.int32
    src, dst = sbm(30, 3, 1000.0, 0.5, rng(0))  # every probability clipped to 1
    assert src.size == 30 * 29 // 2


@pytest.mark.parametrize(
    ("n", "blocks", "degree", "mixing"),
    [(10, 0, 2.0, 0.1), (10, 11, 2.0, 0.1), (10, 2, -1.0, 0.1), (10, 2, 2.0, 1.5)],
)
def test_sbm_rejects_bad_arguments(n: int, blocks: int, degree: float, mixing: float) -> None:
    with pytest.raises(ValueError):
        sbm(n, blocks, degree, mixing, rng(0))


# --------------------------------------------------------------------------- canonical_edges


pairs = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 40))
    | st.tuples(st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1)),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(pairs=pairs, dtype=st.sampled_from([np.int64, np.int32, np.uint32, np.int64]))
def test_canonical_edges_property(pairs: list[tuple[int, int]], dtype: type) -> None:
    src = np.array([u for u, _ in pairs], dtype=dtype)
    dst = np.array([v for _, v in pairs], dtype=dtype)
    out_src, out_dst = canonical_edges(src, dst)
    n = int(max([*src.tolist(), *dst.tolist(), 0])) + 1
    assert_canonical(out_src, out_dst, n)
    expected = {(min(u, v), max(u, v)) for u, v in pairs if u != v}
    got = set(zip(out_src.tolist(), out_dst.tolist(), strict=True))
    assert got == expected and len(got) == out_src.size


@settings(max_examples=50, deadline=None)
@given(
    edges=hnp.arrays(
        np.int64, st.tuples(st.integers(0, 200), st.just(2)), elements=st.integers(0, 30)
    )
)
def test_canonical_edges_idempotent_and_order_free(edges: np.ndarray) -> None:
    a = canonical_edges(edges[:, 0], edges[:, 1])
    b = canonical_edges(*a)
    c = canonical_edges(edges[::-1, 1], edges[::-1, 0])
    for x, y in ((a, b), (a, c)):
        assert np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1])


def test_canonical_edges_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        canonical_edges([0, -1], [1, 2])
    with pytest.raises(ValueError):
        canonical_edges([0, 1], [1])
    with pytest.raises(ValueError):
        canonical_edges([0.5], [1.0])
    with pytest.raises(ValueError):
        canonical_edges([0], [2**31])
    s, d = canonical_edges([], [])
    assert s.dtype == d.dtype == np.int32 and s.size == d.size == 0


# --------------------------------------------------------------------------- read_edgelist


def test_read_edgelist_round_trip(tmp_path) -> None:
    n = 3000
    src, dst = barabasi_albert(n, 3, rng(9))
    path = tmp_path / "edges.txt"
    # shuffle and flip half the pairs: the reader must canonicalise
    order = rng(1).permutation(src.size)
    flip = rng(2).random(src.size) < 0.5
    u = np.where(flip, dst, src)[order]
    v = np.where(flip, src, dst)[order]
    np.savetxt(path, np.column_stack([u, v]), fmt="%d", header="generated", comments="# ")
    got = read_edgelist(path, n)
    assert_canonical(*got, n)
    assert np.array_equal(got[0], src) and np.array_equal(got[1], dst)
    assert np.array_equal(read_edgelist(str(path), n)[1], dst)


def test_read_edgelist_drops_loops_duplicates_and_comments(tmp_path) -> None:
    path = tmp_path / "g.txt"
    path.write_text(
        "# a comment\n"
        "\n"
        "0 1\n"
        "1 0\n"  # reverse duplicate
        "   # indented comment\n"
        "2\t3\r\n"
        "3 3\n"  # self-loop
        "0 1   # inline comment\n"  # duplicate
        "  4    2  \n"
        "+1 4\n"
    )
    src, dst = read_edgelist(path, 5)
    assert list(zip(src.tolist(), dst.tolist(), strict=True)) == [(0, 1), (1, 4), (2, 3), (2, 4)]
    assert src.dtype == np.int32 and dst.dtype == np.int32


def _error(path, n: int) -> str:
    with pytest.raises(ScenarioError) as info:
        read_edgelist(path, n)
    message = str(info.value)
    assert message.startswith("graph.path: ")
    assert "\n" not in message and "\r" not in message
    assert str(path) in message
    return message


@pytest.mark.parametrize(
    ("text", "n", "line", "reason"),
    [
        ("0 1\n# c\n\n1 2 3\n", 10, 4, "expected two ids, found 3"),
        ("0 1\n7\n", 10, 2, "expected two ids, found 1"),
        ("1 2 3\n0 1\n", 10, 1, "expected two ids, found 3"),
        ("0,1\n1,2,3\n", 10, 2, "expected two ids, found 3"),
        ("a b\nc\n", 10, 2, "expected two ids, found 1"),
        ("0 1\n1, \n", 10, 2, "expected two ids, found 1"),
    ],
)
def test_read_edgelist_bad_line(tmp_path, text: str, n: int, line: int, reason: str) -> None:
    path = tmp_path / "edges.txt"
    path.write_text(text)
    message = _error(path, n)
    assert f"edges.txt line {line}: " in message
    assert reason in message


def test_read_edgelist_example_message(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "edges.txt").write_text("0 1\n" * 6 + "12 3 4\n")
    message = _error("edges.txt", 10000)
    assert message == "graph.path: edges.txt line 7: expected two ids, found 3"


@pytest.mark.parametrize(
    ("text", "n", "edges"),
    [
        ("0 1\n1 x\n", 10, [(0, 1), (1, 2)]),  # a word: every id relabelled, first seen first
        ("0 1\n\n# x\n12000 2\n", 10000, [(0, 1), (2, 3)]),  # past n - 1
        ("5 -1\n-1 7\n", 3, [(0, 1), (1, 2)]),  # negative
        ("0 1\n3 99999999999999999999999\n", 10, [(0, 1), (2, 3)]),  # past int64
        ("1.0 2\n2 b\n", 3, [(0, 1), (1, 2)]),
    ],
)
def test_read_edgelist_relabels_other_ids_in_first_seen_order(
    tmp_path, text: str, n: int, edges: list[tuple[int, int]]
) -> None:
    path = tmp_path / "edges.txt"
    path.write_text(text)
    src, dst = read_edgelist(path, n)
    assert list(zip(src.tolist(), dst.tolist(), strict=True)) == edges


def test_read_edgelist_refuses_more_ids_than_agents(tmp_path) -> None:
    path = tmp_path / "edges.txt"
    path.write_text("a b\nb c\n")
    with pytest.raises(ScenarioError) as info:
        read_edgelist(path, 2)
    assert str(info.value) == f"population.agents: 2 is below the 3 ids of graph.path {path}"


def test_read_edgelist_missing_file(tmp_path) -> None:
    message = _error(tmp_path / "nope.txt", 10)
    assert "not found" in message
    assert "not a file" in _error(tmp_path, 10)


@pytest.mark.parametrize("text", ["", "\n\n", "# only\n# comments\n", "3 3\n4 4\n"])
def test_read_edgelist_empty(tmp_path, text: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(text)
    assert "no edges" in _error(path, 10)


def test_read_edgelist_not_utf8(tmp_path) -> None:
    path = tmp_path / "bin.txt"
    path.write_bytes(b"0 1\n\xff\xfe 2\n")
    assert "line 2: not UTF-8 text" in _error(path, 10)


# --------------------------------------------------------------------------- speed


@pytest.mark.slow
def test_million_node_graphs_are_fast() -> None:
    """10**6 nodes, mean degree 12, in under 3 s each (CPU time: robust to a shared machine)."""
    n = 10**6
    barabasi_albert(100, 3, rng(0))  # numba compilation (or cache load) outside the timing
    watts_strogatz(100, 4, 0.5, rng(0))
    makers = {
        "ws": lambda r: watts_strogatz(n, 12, 0.1, r),
        "ba": lambda r: barabasi_albert(n, 6, r),
        "sbm": lambda r: sbm(n, 10, 12.0, 0.1, r),
    }
    for name, make in makers.items():
        start = time.process_time()
        src, dst = make(rng(0))
        elapsed = time.process_time() - start
        assert_canonical(src, dst, n)
        assert 11.9 < 2 * src.size / n < 12.1, name
        assert elapsed < 3.0, f"{name}: {elapsed:.2f} s"


@settings(max_examples=60, deadline=None)
@given(num=st.integers(0, 100_000), p=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_rewiring_draws_are_drawn_in_slices_as_in_one(num: int, p: float, seed: int) -> None:
    """The edges chosen for rewiring, drawn slice by slice into one buffer, are those of one
    ``rng.random(num)`` call, and the generator ends in the same state."""
    from scoresim.society.generators.small_world import _bernoulli_indices

    r1, r2 = rng(seed), rng(seed)
    got = _bernoulli_indices(r1, num, p)
    want = np.flatnonzero(r2.random(num) < p)
    assert got.dtype == want.dtype and np.array_equal(got, want)
    assert r1.random() == r2.random()

"""The friendship graph as a CSR adjacency that changes between steps.

Each undirected edge is stored in both orientations: ``indices[indptr[i]:indptr[i+1]]`` are the
neighbours of ``i``, sorted, as int32 (4 bytes per entry, 8 per edge; ``indptr`` is int64). That
single structure serves neighbour aggregates (one compiled pass over the rows), membership tests
(a binary search in a sorted row) and the canonical edge list (entries with ``j > i``).
Ostracism removes and adds a few edges per step; :meth:`Graph.update` rebuilds the CSR in one
linear, row-parallel pass. Every kernel is parallel over rows, each row handled by one thread in
CSR order, so results do not depend on the number of threads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numba import njit, prange

from scoresim import generators
from scoresim.jit import kernel, use_threads
from scoresim.scenario import Scenario


@njit(cache=True)
def _csr(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    indptr = np.zeros(n + 1, np.int64)
    for e in range(src.size):
        indptr[src[e] + 1] += 1
        indptr[dst[e] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    pos = indptr[:-1].copy()
    indices = np.empty(2 * src.size, np.int32)
    # canonical edges sorted by (src, dst): every row receives its smaller neighbours first,
    # ascending, then its larger ones, ascending, so each row comes out sorted
    for e in range(src.size):
        s, d = src[e], dst[e]
        indices[pos[s]] = d
        pos[s] += 1
        indices[pos[d]] = s
        pos[d] += 1
    return indptr, indices


@kernel
def _row_sums(indptr: np.ndarray, indices: np.ndarray, x: np.ndarray) -> np.ndarray:
    n = indptr.size - 1
    out = np.zeros(n, np.float64)
    for i in prange(n):
        acc = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            acc += x[indices[p]]
        out[i] = acc
    return out


@njit(inline="always", cache=True)
def row_position(indptr: np.ndarray, indices: np.ndarray, i: int, j: int) -> int:
    """Where ``j`` is, or would be inserted, in the sorted row of ``i`` (binary search)."""
    lo, hi = indptr[i], indptr[i + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if indices[mid] < j:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(inline="always", cache=True)
def row_contains(indptr: np.ndarray, indices: np.ndarray, i: int, j: int) -> bool:
    """Whether ``j`` is a neighbour of ``i``."""
    pos = row_position(indptr, indices, i, j)
    return pos < indptr[i + 1] and indices[pos] == j


@njit(cache=True)
def _find_entries(
    indptr: np.ndarray, indices: np.ndarray, u: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """Positions of the entries (u -> v) and (v -> u) of each edge, in one array."""
    out = np.empty(2 * u.size, np.int64)
    for e in range(u.size):
        out[2 * e] = row_position(indptr, indices, u[e], v[e])
        out[2 * e + 1] = row_position(indptr, indices, v[e], u[e])
    return out


@kernel
def _merge_rows(
    indptr: np.ndarray, indices: np.ndarray, changed: np.ndarray, dropped: np.ndarray,
    add_ptr: np.ndarray, add_cols: np.ndarray, new_indptr: np.ndarray, new_indices: np.ndarray,
) -> None:  # fmt: skip
    n = indptr.size - 1
    for i in prange(n):
        out = new_indptr[i]
        if not changed[i]:  # most rows: a straight copy
            new_indices[out : out + indptr[i + 1] - indptr[i]] = indices[indptr[i] : indptr[i + 1]]
            continue
        a, a_end = add_ptr[i], add_ptr[i + 1]
        for p in range(indptr[i], indptr[i + 1]):
            if dropped[p]:
                continue
            while a < a_end and add_cols[a] < indices[p]:
                new_indices[out] = add_cols[a]
                out += 1
                a += 1
            new_indices[out] = indices[p]
            out += 1
        while a < a_end:
            new_indices[out] = add_cols[a]
            out += 1
            a += 1


class Graph:
    """An undirected simple graph on nodes ``0..n-1`` that changes between steps.

    Examples
    --------
    >>> import numpy as np
    >>> g = Graph(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    >>> g.degree.tolist(), g.edge_count
    ([1, 2, 2, 1], 3)
    >>> g.neighbour_sum(np.array([1.0, 10.0, 100.0, 1000.0])).tolist()
    [10.0, 101.0, 1010.0, 100.0]
    >>> g.update(remove=(np.array([2]), np.array([1])), add=(np.array([0]), np.array([3])))
    >>> g.src.tolist(), g.dst.tolist()
    ([0, 0, 2], [1, 3, 3])
    """

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray, canonical: bool = False) -> None:
        if not canonical:
            src, dst = generators.canonical_edges(np.asarray(src), np.asarray(dst))
        self.n = int(n)
        self.indptr, self.indices = _csr(self.n, src, dst)
        self._changed()

    def _changed(self) -> None:
        self.degree = np.diff(self.indptr).astype(np.int32)
        self._edges: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def parallel(self) -> bool:
        """Whether kernels over this graph should use threads."""
        return use_threads(self.indices.size)

    @property
    def edge_count(self) -> int:
        return int(self.indices.size // 2)

    def _edge_list(self) -> tuple[np.ndarray, np.ndarray]:
        if self._edges is None:
            rows = np.repeat(np.arange(self.n, dtype=np.int32), self.degree)
            upper = self.indices > rows
            self._edges = (rows[upper], self.indices[upper])
        return self._edges

    @property
    def src(self) -> np.ndarray:
        """First end of each edge (``src < dst``, sorted by ``(src, dst)``)."""
        return self._edge_list()[0]

    @property
    def dst(self) -> np.ndarray:
        """Second end of each edge."""
        return self._edge_list()[1]

    def neighbour_sum(self, x: np.ndarray) -> np.ndarray:
        """``sum_{j in N(i)} x_j`` for every node, as float64."""
        x = np.ascontiguousarray(x, np.float64)
        return _row_sums(self.parallel, self.indptr, self.indices, x)

    def has_edge(self, u: int, v: int) -> bool:
        """Whether ``(u, v)`` is an edge."""
        return bool(row_contains(self.indptr, self.indices, int(u), int(v)))

    def update(
        self, remove: tuple[np.ndarray, np.ndarray], add: tuple[np.ndarray, np.ndarray]
    ) -> None:
        """Remove the edges ``remove = (u, v)`` (present) and add ``add = (u, v)`` (absent).

        Both may be in any orientation and order but must be free of duplicates.
        """
        ru, rv = (np.asarray(a, np.int64) for a in remove)
        au, av = (np.asarray(a, np.int64) for a in add)
        if ru.size == 0 and au.size == 0:
            return
        dropped = np.zeros(self.indices.size, np.bool_)
        if ru.size:
            dropped[_find_entries(self.indptr, self.indices, ru, rv)] = True
        changed = np.zeros(self.n, np.bool_)
        for ends in (ru, rv, au, av):
            changed[ends] = True
        rows = np.concatenate([au, av])
        cols = np.concatenate([av, au]).astype(np.int32)
        order = np.lexsort((cols, rows))
        rows, cols = rows[order], cols[order]
        add_ptr = np.zeros(self.n + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n), out=add_ptr[1:])
        kept = self.degree - np.bincount(ru, minlength=self.n) - np.bincount(rv, minlength=self.n)
        new_indptr = np.zeros(self.n + 1, np.int64)
        np.cumsum(kept + np.diff(add_ptr), out=new_indptr[1:])
        new_indices = np.empty(int(new_indptr[-1]), np.int32)
        _merge_rows(
            self.parallel,
            self.indptr,
            self.indices,
            changed,
            dropped,
            add_ptr,
            cols,
            new_indptr,
            new_indices,
        )
        self.indptr, self.indices = new_indptr, new_indices
        self._changed()


def build_graph(scenario: Scenario, rng: np.random.Generator) -> Graph:
    """The initial graph of MODEL.md section 1, as ``scenario.graph`` selects it."""
    g, n = scenario.graph, scenario.population.agents
    if g.kind == "watts_strogatz":
        src, dst = generators.watts_strogatz(n, g.degree, g.rewire, rng)
    elif g.kind == "barabasi_albert":
        src, dst = generators.barabasi_albert(n, g.m, rng)
    elif g.kind == "sbm":
        src, dst = generators.sbm(n, g.blocks, float(g.degree), g.mixing, rng)
    else:
        src, dst = generators.read_edgelist(Path(g.path), n)
    return Graph(n, src, dst, canonical=True)  # generators return canonical edge lists

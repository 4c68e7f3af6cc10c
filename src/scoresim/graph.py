"""The friendship graph: a sorted set of undirected edges plus a CSR view for neighbour sums.

Edges are stored once each as sorted int64 keys ``u * n + v`` with ``u < v``. Ostracism removes
and adds a few edges per step; :meth:`Graph.update` merges them in O(E) without a global sort, and
the CSR adjacency (both orientations, int32 column indices) is rebuilt once per change by a
linear counting sort. Neighbour aggregates are one compiled pass over the CSR, parallel over rows
and therefore independent of the number of threads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numba import njit, prange

from scoresim import generators
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
    # edges sorted by (src, dst): every row receives its smaller neighbours first, ascending,
    # then its larger ones, ascending, so each row of the CSR is sorted
    for e in range(src.size):
        s, d = src[e], dst[e]
        indices[pos[s]] = d
        pos[s] += 1
        indices[pos[d]] = s
        pos[d] += 1
    return indptr, indices


def _row_sums(indptr: np.ndarray, indices: np.ndarray, x: np.ndarray) -> np.ndarray:
    n = indptr.size - 1
    out = np.zeros(n, np.float64)
    for i in prange(n):
        acc = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            acc += x[indices[p]]
        out[i] = acc
    return out


# Each row is summed in CSR order by one thread, so both give bit-identical results; threads pay
# only on large graphs (on small ones their wake-up costs more than the sum).
_neighbour_sum_serial = njit(cache=True)(_row_sums)
_neighbour_sum_parallel = njit(cache=True, parallel=True)(_row_sums)
PARALLEL_MIN_ENTRIES = 2_000_000


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
    """

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray) -> None:
        src, dst = generators.canonical_edges(np.asarray(src), np.asarray(dst))
        self.n = int(n)
        self.keys = src.astype(np.int64) * self.n + dst
        self._refresh()

    def _refresh(self) -> None:
        self.src = (self.keys // self.n).astype(np.int32)
        self.dst = (self.keys % self.n).astype(np.int32)
        self.indptr, self.indices = _csr(self.n, self.src, self.dst)
        self.degree = np.diff(self.indptr).astype(np.int32)

    @property
    def edge_count(self) -> int:
        return int(self.keys.size)

    def neighbour_sum(self, x: np.ndarray) -> np.ndarray:
        """``sum_{j in N(i)} x_j`` for every node, as float64."""
        kernel = (
            _neighbour_sum_parallel
            if self.indices.size >= PARALLEL_MIN_ENTRIES
            else _neighbour_sum_serial
        )
        return kernel(self.indptr, self.indices, np.ascontiguousarray(x, np.float64))

    def neighbour_mean(self, x: np.ndarray, empty: np.ndarray | float) -> np.ndarray:
        """Mean of ``x`` over each node's neighbours; ``empty`` where a node has none."""
        total = self.neighbour_sum(x)
        out = np.where(self.degree > 0, total / np.maximum(self.degree, 1), empty)
        return out.astype(np.float64)

    def key(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Edge keys of the undirected pairs (u, v), whatever their orientation."""
        u = u.astype(np.int64)
        v = v.astype(np.int64)
        return np.minimum(u, v) * self.n + np.maximum(u, v)

    def has_edges(self, keys: np.ndarray) -> np.ndarray:
        """Whether each key is an edge of the graph."""
        pos = np.searchsorted(self.keys, keys)
        pos = np.minimum(pos, max(self.keys.size - 1, 0))
        return (self.keys.size > 0) & (self.keys[pos] == keys)

    def update(self, remove: np.ndarray, add: np.ndarray) -> None:
        """Remove the edges with keys ``remove`` (present) and add ``add`` (absent, any order)."""
        if remove.size == 0 and add.size == 0:
            return
        keys = self.keys
        if remove.size:
            keys = keys[~np.isin(keys, remove, assume_unique=False, kind="sort")]
        if add.size:
            add = np.unique(add)
            keys = np.insert(keys, np.searchsorted(keys, add), add)
        self.keys = keys
        self._refresh()


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
    return Graph(n, src, dst)

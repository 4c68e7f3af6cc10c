"""The friendship graph as a CSR adjacency that changes between steps.

Each undirected edge is stored in both orientations: ``indices[indptr[i]:indptr[i+1]]`` are the
neighbours of ``i``, sorted, as int32 (4 bytes per entry, 8 per edge; ``indptr`` is int32 while
the entries allocated fit, 4 bytes per node). That single structure serves neighbour aggregates (one
compiled pass over the rows), membership tests (a binary search in a sorted row) and the
canonical edge list (entries with ``j > i``). Ostracism removes and adds a few edges per step;
:meth:`Graph.update` rewrites the CSR in place: the rows it touches are merged aside, the rest
slide over by a few ``memmove`` calls, so an update needs no second copy of the graph. Every
kernel is parallel over rows, each row handled by one thread in CSR order, so results do not
depend on the number of threads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numba import njit, prange

from scoresim.core.buffers import unshared
from scoresim.core.jit import kernel, memmove, use_threads
from scoresim.scenario import Scenario
from scoresim.society import generators
from scoresim.society.csr import fill_csr, node_ids


def _index_dtype(entries: int) -> type:
    """Offsets as int32 while ``entries`` (those allocated) fit, 4 bytes per node; else int64."""
    return np.int32 if entries <= np.iinfo(np.int32).max else np.int64


def _capacity(entries: int) -> int:
    """Entries to allocate for ``entries``: room for the ties made later, without a copy."""
    return entries + entries // 64 + 64


@kernel
def _row_sums(indptr: np.ndarray, indices: np.ndarray, x: np.ndarray) -> np.ndarray:
    n = indptr.size - 1
    out = np.empty(n, np.float64)  # np.zeros would be a parallel region of its own
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


#: rows per block at most in :meth:`Graph.update`, so that the offsets split over threads
_BLOCK_ROWS = 1 << 16


def _both_orientations(u: np.ndarray, v: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Entries ``(u, v)`` and ``(v, u)`` of each edge, sorted by row then column."""
    keys = np.concatenate([u * n + v, v * n + u])
    keys.sort()
    return keys // n, (keys % n).astype(np.int32)


@njit(cache=True)
def _plan(n, rem_rows, add_rows, block_rows):
    """The rows an update touches (plus one every ``block_rows``), sorted, with their slices.

    Returns ``rows`` and, per row, where its removed and added entries start and end in the
    sorted entry lists, and ``shift``: how far the row moves (the net change of the rows before).
    """
    cap = rem_rows.size + add_rows.size + n // block_rows + 1
    rows = np.empty(cap, np.int64)
    bounds = np.empty((cap, 4), np.int64)
    shift = np.empty(cap + 1, np.int64)
    k = 0
    r = a = 0
    moved = 0
    next_split = 0
    while r < rem_rows.size or a < add_rows.size or next_split < n:
        row = next_split
        if r < rem_rows.size and rem_rows[r] < row:
            row = rem_rows[r]
        if a < add_rows.size and add_rows[a] < row:
            row = add_rows[a]
        if row == next_split:
            next_split += block_rows
        r0, a0 = r, a
        while r < rem_rows.size and rem_rows[r] == row:
            r += 1
        while a < add_rows.size and add_rows[a] == row:
            a += 1
        rows[k] = row
        bounds[k, 0], bounds[k, 1], bounds[k, 2], bounds[k, 3] = r0, r, a0, a
        shift[k] = moved
        moved += (a - a0) - (r - r0)
        k += 1
    shift[k] = moved
    return rows[:k], bounds[:k], shift[: k + 1]


@kernel
def _merge_rows(
    indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray, bounds: np.ndarray,
    rem_cols: np.ndarray, add_cols: np.ndarray, changed: np.ndarray, offsets: np.ndarray,
    scratch: np.ndarray,
) -> None:  # fmt: skip
    """Each changed planned row, merged with its removals and additions, into ``scratch``."""
    for c in prange(changed.size):
        b = changed[c]
        i, out = rows[b], offsets[c]
        rem, rem_end, add, add_end = bounds[b, 0], bounds[b, 1], bounds[b, 2], bounds[b, 3]
        for p in range(indptr[i], indptr[i + 1]):
            col = indices[p]
            if rem < rem_end and rem_cols[rem] == col:
                rem += 1
                continue
            while add < add_end and add_cols[add] < col:
                scratch[out] = add_cols[add]
                out += 1
                add += 1
            scratch[out] = col
            out += 1
        while add < add_end:
            scratch[out] = add_cols[add]
            out += 1
            add += 1


@njit(cache=True, nogil=True)
def _move_entries(
    storage: np.ndarray, first: np.ndarray, after: np.ndarray, shift: np.ndarray, total: int,
    is_changed: np.ndarray, changed: np.ndarray, offsets: np.ndarray, scratch: np.ndarray,
) -> None:  # fmt: skip
    """Move the unchanged entries to their new places in ``storage`` itself, then write the
    changed rows from ``scratch``.

    Entries between planned rows move together, and so does an unchanged planned row; adjacent
    stretches with the same shift merge into one ``memmove``. Stretches moving right go first,
    the last one first, then those moving left, the first one first: a stretch then only ever
    lands on entries already moved, on changed rows (which ``scratch`` holds) or on the room past
    the old end.
    """
    k = first.size
    lo, hi, by = np.empty(2 * k, np.int64), np.empty(2 * k, np.int64), np.empty(2 * k, np.int64)
    count = 0
    for b in range(k):
        for part in range(2):
            if part == 0:  # the planned row itself, if unchanged
                if is_changed[b]:
                    continue
                a, z, m = first[b], after[b], shift[b]
            else:  # the rows after it, up to the next planned row
                a, z, m = after[b], first[b + 1] if b + 1 < k else total, shift[b + 1]
            if z <= a or m == 0:
                continue
            if count > 0 and by[count - 1] == m and hi[count - 1] == a:
                hi[count - 1] = z
            else:
                lo[count], hi[count], by[count] = a, z, m
                count += 1
    for q in range(count - 1, -1, -1):
        if by[q] > 0:
            memmove(storage, lo[q] + by[q], lo[q], hi[q] - lo[q])
    for q in range(count):
        if by[q] < 0:
            memmove(storage, lo[q] + by[q], lo[q], hi[q] - lo[q])
    for c in range(changed.size):
        b = changed[c]
        to = first[b] + shift[b] - offsets[c]
        for p in range(offsets[c], offsets[c + 1]):
            storage[to + p] = scratch[p]


@kernel
def _shift_offsets(indptr: np.ndarray, rows: np.ndarray, shift: np.ndarray) -> None:
    """Offsets after an update, in place: a planned row moves by its own shift, the unchanged
    rows after it by the next one."""
    n = indptr.size - 1
    for b in prange(rows.size):
        i = rows[b]
        indptr[i] += shift[b]
        stop = rows[b + 1] if b + 1 < rows.size else n
        moved = shift[b + 1]
        for j in range(i + 1, stop):
            indptr[j] += moved
    indptr[n] += shift[rows.size]


@njit(cache=True, nogil=True)
def _count_isolated(indptr: np.ndarray) -> int:
    count = 0
    for i in range(indptr.size - 1):
        count += indptr[i + 1] == indptr[i]
    return count


@kernel
def _count_upper(indptr: np.ndarray, indices: np.ndarray, first: int, counts: np.ndarray) -> None:
    for i in prange(indptr.size - 1):  # row i is node first + i
        counts[i] = indptr[i + 1] - row_position(indptr, indices, i, first + i + 1)


@kernel
def _fill_upper(
    indptr: np.ndarray, indices: np.ndarray, first: int, offsets: np.ndarray, out: np.ndarray
) -> None:
    for i in prange(indptr.size - 1):
        o = offsets[i]
        for p in range(row_position(indptr, indices, i, first + i + 1), indptr[i + 1]):
            out[0, o] = first + i
            out[1, o] = indices[p]
            o += 1


def upper_edges(
    indptr: np.ndarray, indices: np.ndarray, parallel: bool, a: int = 0, b: int | None = None
) -> np.ndarray:
    """A new ``(2, edges)`` int32 array of the edges ``(src, dst)``, ``src < dst``, whose
    ``src`` is one of the nodes ``a..b-1`` (all nodes by default), sorted: the CSR entries above
    the diagonal, in one compiled pass (parallel over rows if ``parallel``)."""
    b = indptr.size - 1 if b is None else b
    rows = indptr[a : b + 1]
    counts = np.empty(b - a, np.int64)
    _count_upper(parallel, rows, indices, a, counts)
    offsets = np.zeros(b - a + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    out = np.empty((2, int(offsets[-1])), np.int32)
    _fill_upper(parallel, rows, indices, a, offsets, out)
    return out


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
        """The graph on ``n`` nodes of the pairs ``(src, dst)``: any pairs of node ids (a
        self-loop is dropped, an edge given twice or in both orientations is one edge), or, with
        ``canonical``, a canonical edge list
        (:func:`scoresim.society.generators.canonical_edges`)."""
        self.n = int(n)
        if not canonical:
            src, dst = node_ids(src, self.n), node_ids(dst, self.n)
            if src.shape != dst.shape:
                raise ValueError(f"src and dst differ in shape: {src.shape} and {dst.shape}")
        # entries at most (repeats and loops are dropped), with room for ties made later
        self._storage = np.empty(_capacity(2 * len(src)), np.int32)
        self.indptr = np.zeros(self.n + 1, _index_dtype(self._storage.size))
        entries = fill_csr(src, dst, self.indptr, self._storage, canonical)
        self.indices = self._storage[:entries]
        #: counts updates, so that what is derived from the graph knows when to recount
        self.version = 0
        self._edges: tuple[np.ndarray, np.ndarray] | None = None

    def _own_arrays(self, entries: int) -> None:
        """Make ``indptr`` and the memory of ``indices`` safe to write in place, with room for
        ``entries``: kept if nothing outside the graph holds them (or a view of them) and they
        fit, else replaced by copies with room to spare. Whoever holds the old arrays keeps the
        version they saw. The room holds the old entries as well as the new: the update moves
        them within it, so a graph that loses ties still needs its old size meanwhile."""
        entries = max(entries, self.indices.size)
        if (
            self._storage.size >= entries
            and self.indices.base is self._storage  # not so after a copy or an unpickling
            and unshared(self.indptr)
            and unshared(self.indices)
            and unshared(self._storage, holders=1)  # ``indices`` is a view of it
        ):
            return
        storage = np.empty(_capacity(entries), np.int32)
        storage[: self.indices.size] = self.indices
        self.indptr = self.indptr.astype(_index_dtype(storage.size))
        self._storage, self.indices = storage, storage[: self.indices.size]

    @property
    def parallel(self) -> bool:
        """Whether kernels over this graph should use threads."""
        return use_threads(self.indices.size)

    @property
    def degree(self) -> np.ndarray:
        """Neighbours of each node, as a new int32 array (computed from the offsets)."""
        return np.diff(self.indptr).astype(np.int32, copy=False)

    def isolated_count(self) -> int:
        """Nodes without a neighbour."""
        return int(_count_isolated(self.indptr))

    @property
    def edge_count(self) -> int:
        return int(self.indices.size // 2)

    def edge_array(self) -> np.ndarray:
        """A new ``(2, edges)`` int32 array: each edge once as ``(src, dst)`` with ``src < dst``,
        sorted (:func:`upper_edges`)."""
        return upper_edges(self.indptr, self.indices, self.parallel)

    def _edge_list(self) -> tuple[np.ndarray, np.ndarray]:
        if self._edges is None:
            edges = self.edge_array()
            self._edges = (edges[0], edges[1])
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
        rem_rows, rem_cols = _both_orientations(ru, rv, self.n)
        add_rows, add_cols = _both_orientations(au, av, self.n)
        rows, bounds, shift = _plan(self.n, rem_rows, add_rows, _BLOCK_ROWS)
        entries = self.indices.size + int(shift[-1])
        self._own_arrays(entries)
        removed, added = bounds[:, 1] - bounds[:, 0], bounds[:, 3] - bounds[:, 2]
        first, after = self.indptr[rows].astype(np.int64), self.indptr[rows + 1].astype(np.int64)
        is_changed = (removed + added) > 0
        changed = np.flatnonzero(is_changed)
        offsets = np.zeros(changed.size + 1, np.int64)
        np.cumsum((after - first + added - removed)[changed], out=offsets[1:])
        scratch = np.empty(int(offsets[-1]), np.int32)
        _merge_rows(
            use_threads(scratch.size), self.indptr, self.indices, rows, bounds, rem_cols,
            add_cols, changed, offsets, scratch,
        )  # fmt: skip
        total = self.indices.size
        _move_entries(self._storage, first, after, shift, total, is_changed, changed, offsets,
                      scratch)  # fmt: skip
        _shift_offsets(use_threads(total), self.indptr, rows, shift)
        self.indices = self._storage[:entries]
        self.version += 1
        self._edges = None


def build_graph(scenario: Scenario, rng: np.random.Generator) -> Graph:
    """The initial graph of docs/model.md section 1, as ``scenario.graph`` selects it."""
    g, n = scenario.graph, scenario.population.agents
    # the generators' edges as drawn, which Graph sorts into its rows at once
    if g.kind == "watts_strogatz":
        src, dst = generators.watts_strogatz(n, g.degree, g.rewire, rng, canonical=False)
    elif g.kind == "barabasi_albert":
        src, dst = generators.barabasi_albert(n, g.m, rng, canonical=False)
    elif g.kind == "sbm":
        src, dst = generators.sbm(n, g.blocks, float(g.degree), g.mixing, rng, canonical=False)
    else:
        return Graph(n, *generators.read_edgelist(Path(g.path), n, g.sha256), canonical=True)
    return Graph(n, src, dst)

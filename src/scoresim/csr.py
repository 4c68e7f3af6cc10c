"""The rows of a CSR adjacency filled from pairs of node ids, in compiled passes.

Used by :class:`scoresim.graph.Graph` to index the edges a generator draws, in any order and
orientation, without first sorting them into a canonical edge list: the rows are counted,
filled and sorted in place, split over the threads by ranges of rows (each row filled by one
thread in the order of the pairs, so any number of threads gives the same rows).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from scoresim.jit import kernel, use_threads


def node_ids(ids: object, n: int) -> np.ndarray:
    """``ids`` as a 1-d int32 array of node ids, checked to lie in ``0..n-1``."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or not (ids.size == 0 or np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(f"edge ends must be a 1-d array of integers, got {ids.dtype} {ids.shape}")
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= n):
        raise ValueError(f"edge ends must be node ids in 0..{n - 1}")
    return ids.astype(np.int32, copy=False)


@kernel
def _count_rows(src, dst, indptr, bounds):  # pragma: no cover - compiled
    """``indptr[i + 1]``: the entries of row ``i`` (self-loops skipped); thread ``t`` counts
    the rows ``bounds[t]..bounds[t+1]-1``."""
    for t in prange(bounds.size - 1):
        lo, hi = bounds[t], bounds[t + 1]
        for e in range(src.size):
            s, d = src[e], dst[e]
            if s != d:
                if lo <= s < hi:
                    indptr[s + 1] += 1
                if lo <= d < hi:
                    indptr[d + 1] += 1


@kernel
def _fill_rows(src, dst, indptr, indices, bounds, canonical):  # pragma: no cover - compiled
    """Fill the rows of the pairs (self-loops skipped) at the offsets ``indptr``.

    Thread ``t`` fills the rows ``bounds[t]..bounds[t+1]-1``, each in the order of the pairs,
    so the result is the same for any number of threads. A row receives its smaller neighbours
    first, then its larger ones: for canonical pairs (sorted, distinct, ``src < dst``) both
    come ascending and the rows are sorted. Other pairs give the smaller neighbours in reverse,
    so that lattice-like pairs made offset by offset (Watts-Strogatz) arrive nearly sorted.
    """
    for t in prange(bounds.size - 1):
        lo, hi = bounds[t], bounds[t + 1]
        pos = indptr[lo:hi].astype(np.int64)
        for k in range(src.size):  # each row's smaller neighbours
            e = k if canonical else src.size - 1 - k
            s, d = max(src[e], dst[e]), min(src[e], dst[e])
            if s != d and lo <= s < hi:
                indices[pos[s - lo]] = d
                pos[s - lo] += 1
        for e in range(src.size):  # then its larger ones
            s, d = min(src[e], dst[e]), max(src[e], dst[e])
            if s != d and lo <= s < hi:
                indices[pos[s - lo]] = d
                pos[s - lo] += 1


@kernel
def _sort_rows(indptr, indices, distinct):  # pragma: no cover - compiled
    """Sort every row in place; ``distinct[i]``: the entries of row ``i`` without repeats."""
    for i in prange(indptr.size - 1):
        start, end = indptr[i], indptr[i + 1]
        if end - start > 32:
            indices[start:end].sort()
        else:  # insertion sort: rows are short and nearly sorted
            for p in range(start + 1, end):
                v = indices[p]
                q = p - 1
                while q >= start and indices[q] > v:
                    indices[q + 1] = indices[q]
                    q -= 1
                indices[q + 1] = v
        count = 0
        for p in range(start, end):
            if p == start or indices[p] != indices[p - 1]:
                count += 1
        distinct[i] = count


@njit(cache=True, nogil=True)
def _drop_repeats(indptr, indices):  # pragma: no cover - compiled
    """Drop repeated entries from the sorted rows, packing the rows to the left."""
    out = 0
    start = 0
    for i in range(indptr.size - 1):
        end = indptr[i + 1]
        indptr[i] = out
        for p in range(start, end):
            if p == start or indices[p] != indices[p - 1]:
                indices[out] = indices[p]
                out += 1
        start = end
    indptr[-1] = out


def fill_csr(src, dst, indptr, indices, canonical: bool) -> int:
    """Fill the CSR of the pairs (:func:`_fill_rows`; rows sorted and rid of repeats unless the
    pairs are canonical); returns the number of entries."""
    parallel = use_threads(2 * src.size)
    threads = numba.get_num_threads() if parallel else 1
    bounds = np.linspace(0, indptr.size - 1, threads + 1).astype(np.int64)
    _count_rows(parallel, src, dst, indptr, bounds)
    np.cumsum(indptr, out=indptr)
    _fill_rows(parallel, src, dst, indptr, indices, bounds, canonical)
    if not canonical:
        distinct = np.empty(indptr.size - 1, np.int64)
        _sort_rows(parallel, indptr, indices, distinct)
        if int(distinct.sum()) < int(indptr[-1]):
            _drop_repeats(indptr, indices)
    return int(indptr[-1])

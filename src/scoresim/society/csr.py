"""The rows of a CSR adjacency filled from pairs of node ids, in compiled passes.

Used by :class:`scoresim.society.graph.Graph` to index the edges a generator draws, in any order and
orientation, without first sorting them into a canonical edge list: the rows are counted,
filled and sorted in place. The kernels let go of the GIL (the population is drawn in another
thread meanwhile).
"""

from __future__ import annotations

import numpy as np
from numba import njit


def node_ids(ids: object, n: int) -> np.ndarray:
    """``ids`` as a 1-d int32 array of node ids, checked to lie in ``0..n-1``."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or not (ids.size == 0 or np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(f"edge ends must be a 1-d array of integers, got {ids.dtype} {ids.shape}")
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= n):
        raise ValueError(f"edge ends must be node ids in 0..{n - 1}")
    return ids.astype(np.int32, copy=False)


@njit(cache=True, nogil=True)
def _count_rows(src, dst, indptr):  # pragma: no cover - compiled
    """``indptr[i + 1]``: the entries of row ``i`` (self-loops skipped)."""
    for e in range(src.size):
        s, d = src[e], dst[e]
        if s != d:
            indptr[s + 1] += 1
            indptr[d + 1] += 1


@njit(cache=True, nogil=True)
def _fill_rows(src, dst, indptr, indices, canonical):  # pragma: no cover - compiled
    """Fill the rows of the pairs (self-loops skipped) at the offsets ``indptr``.

    A row receives its smaller neighbours first, then its larger ones, each in the order of the
    pairs: for canonical pairs (sorted, distinct, ``src < dst``) both come ascending and the
    rows are sorted. Other pairs give the smaller neighbours in reverse, so that lattice-like
    pairs made offset by offset (Watts-Strogatz) arrive nearly sorted.
    """
    pos = indptr[:-1].copy()  # the offsets' dtype: int32 while the entries fit
    for k in range(src.size):  # each row's smaller neighbours
        e = k if canonical else src.size - 1 - k
        s, d = max(src[e], dst[e]), min(src[e], dst[e])
        if s != d:
            indices[pos[s]] = d
            pos[s] += 1
    for e in range(src.size):  # then its larger ones
        s, d = min(src[e], dst[e]), max(src[e], dst[e])
        if s != d:
            indices[pos[s]] = d
            pos[s] += 1


@njit(cache=True, nogil=True)
def _sort_rows(indptr, indices):  # pragma: no cover - compiled
    """Sort every row in place and drop its repeated entries, packing the rows to the left."""
    out = 0
    start = 0
    for i in range(indptr.size - 1):
        end = indptr[i + 1]
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
        indptr[i] = out
        for p in range(start, end):
            if p == start or indices[p] != indices[p - 1]:
                indices[out] = indices[p]
                out += 1
        start = end
    indptr[-1] = out


def fill_csr(src, dst, indptr, indices, canonical: bool) -> int:
    """Fill the CSR of the pairs (:func:`_fill_rows`; rows sorted and rid of repeats unless the
    pairs are canonical); returns the number of entries. Serial passes: they are bound by
    memory, and two threads each scanning every pair for its own rows were no faster."""
    _count_rows(src, dst, indptr)
    np.cumsum(indptr, out=indptr)
    _fill_rows(src, dst, indptr, indices, canonical)
    if not canonical:
        _sort_rows(indptr, indices)
    return int(indptr[-1])

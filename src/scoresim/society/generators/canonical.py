"""The canonical edge list that every generator returns, and the helpers they share.

A canonical edge list of an undirected simple graph on the nodes ``0..n-1`` is a pair
``(src, dst)`` of ``int32`` arrays with ``src < dst`` for every edge, no duplicate edge, no
self-loop, sorted lexicographically by ``(src, dst)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EdgeList = tuple[np.ndarray, np.ndarray]

_INT32_MAX = int(np.iinfo(np.int32).max)


def _empty() -> EdgeList:
    return np.empty(0, np.int32), np.empty(0, np.int32)


def _check_n(n: int, lowest: int = 1) -> int:
    if isinstance(n, bool) or int(n) != n or not lowest <= n <= _INT32_MAX:
        raise ValueError(f"n must be an integer in {lowest}..{_INT32_MAX}, got {n!r}")
    return int(n)


def canonical_edges(src, dst) -> EdgeList:
    """Canonical edge list of the simple undirected graph spanned by the pairs ``(src, dst)``.

    Each pair is oriented so that ``src < dst``; self-loops are dropped; an edge given more than
    once (in either orientation) is kept once; the result is sorted by ``(src, dst)``.

    Parameters
    ----------
    src, dst : array_like of int
        Endpoints of the edges, one-dimensional and of equal length; ids must lie in
        ``0..2**31-1``.

    Returns
    -------
    src, dst : numpy.ndarray of int32
        The canonical edge list.

    Raises
    ------
    ValueError
        If the arrays differ in shape, are not integer arrays, or hold a negative id or one
        that does not fit in int32.

    Examples
    --------
    >>> canonical_edges([3, 1, 2, 2, 0], [1, 3, 2, 0, 2])
    (array([0, 1], dtype=int32), array([2, 3], dtype=int32))
    """
    src = np.asarray(src)
    dst = np.asarray(dst)
    if src.ndim != 1 or src.shape != dst.shape:
        raise ValueError(
            f"src and dst must be 1-d of equal length, got {src.shape} and {dst.shape}"
        )
    if src.size == 0:
        return _empty()
    for a in (src, dst):
        if not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"edge ids must be integers, got dtype {a.dtype}")
    if src.dtype != np.int32 or dst.dtype != np.int32:
        src = src.astype(np.int64, copy=False)  # uint64 ids >= 2**63 turn negative: rejected
        dst = dst.astype(np.int64, copy=False)
        low, high = min(int(src.min()), int(dst.min())), max(int(src.max()), int(dst.max()))
        if low < 0 or high > _INT32_MAX:
            raise ValueError(f"edge ids must lie in 0..{_INT32_MAX}")
        src, dst = src.astype(np.int32), dst.astype(np.int32)
    elif min(int(src.min()), int(dst.min())) < 0:
        raise ValueError(f"edge ids must lie in 0..{_INT32_MAX}")
    return canonical_of_keys(_pair_keys(src, dst))


def canonical_of_keys(key: np.ndarray) -> EdgeList:
    """Canonical edge list from pair keys ``min * 2**32 + max`` (:func:`_pair_keys`), sorting
    ``key`` in place. A caller that drops its endpoint arrays once it has the keys builds a
    graph with the keys and the result as its only edge-sized arrays."""
    key.sort()
    return _split_unique_keys(key)


@njit(cache=True, nogil=True)
def _pair_keys(src, dst):  # pragma: no cover - compiled
    """Key ``min * 2**32 + max`` (int64, no overflow for int32 ids) of each pair."""
    key = np.empty(src.size, np.int64)
    for e in range(src.size):
        a, b = np.int64(src[e]), np.int64(dst[e])
        key[e] = (min(a, b) << 32) | max(a, b)
    return key


@njit(cache=True, nogil=True)
def _split_unique_keys(key):  # pragma: no cover - compiled
    """Distinct non-loop pairs of sorted keys, as int32 (lo, hi)."""
    count = 0
    for e in range(key.size):
        if (e == 0 or key[e] != key[e - 1]) and (key[e] >> 32) != (key[e] & 0xFFFFFFFF):
            count += 1
    lo = np.empty(count, np.int32)
    hi = np.empty(count, np.int32)
    out = 0
    for e in range(key.size):
        if (e == 0 or key[e] != key[e - 1]) and (key[e] >> 32) != (key[e] & 0xFFFFFFFF):
            lo[out] = key[e] >> 32
            hi[out] = key[e] & 0xFFFFFFFF
            out += 1
    return lo, hi


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values of ``x`` (``np.unique`` is several times slower for int64)."""
    x = np.sort(x)
    if x.size < 2:
        return x
    keep = np.empty(x.size, dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def _split_keys(key: np.ndarray, n: int) -> EdgeList:
    """The pairs ``(lo, hi)`` of pair keys ``lo * n + hi``, as int32, in the keys' order."""
    return (key // n).astype(np.int32), (key % n).astype(np.int32)


def _from_keys(key: np.ndarray, n: int) -> EdgeList:
    """Canonical edges from pair keys ``lo * n + hi``."""
    return canonical_edges(*_split_keys(key, n))

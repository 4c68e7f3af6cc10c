"""Barabasi-Albert preferential-attachment graphs (Barabasi and Albert 1999) in a numba kernel."""

from __future__ import annotations

import numpy as np
from numba import njit

from scoresim.society.generators.canonical import EdgeList, _check_n, canonical_edges


@njit(cache=True, nogil=True)
def _ba_kernel(n, m, first, extra):  # pragma: no cover - compiled
    """Preferential attachment with the repeated-endpoints list.

    ``first[(v - m - 1) * m + t]`` is the uniform number for target ``t`` of node ``v``;
    ``extra`` supplies the redraws after a repeated target. Returns ``(src, dst, ok)``;
    ``ok`` is False if ``extra`` ran out.
    """
    num = m + (n - m - 1) * m
    src = np.empty(num, np.int32)
    dst = np.empty(num, np.int32)
    ends = np.empty(2 * num, np.int32)  # every edge end once: node v appears deg(v) times
    for i in range(m):  # star: centre 0, leaves 1..m
        src[i] = 0
        dst[i] = i + 1
        ends[2 * i] = 0
        ends[2 * i + 1] = i + 1
    e = m
    size = 2 * m
    k = 0
    chosen = np.empty(m, np.int32)
    for v in range(m + 1, n):
        base = (v - m - 1) * m
        for t in range(m):
            x = ends[int(first[base + t] * size)]
            while True:
                repeated = False
                for q in range(t):
                    if chosen[q] == x:
                        repeated = True
                        break
                if not repeated:
                    break
                if k == extra.size:
                    return src, dst, False
                x = ends[int(extra[k] * size)]
                k += 1
            chosen[t] = x
        for t in range(m):
            src[e] = chosen[t]
            dst[e] = v
            e += 1
            ends[size] = chosen[t]
            ends[size + 1] = v
            size += 2
    return src, dst, True


def barabasi_albert(
    n: int, m: int, rng: np.random.Generator, *, canonical: bool = True
) -> EdgeList:
    """Barabasi-Albert preferential-attachment graph [BA99]_.

    Start from a star on the nodes ``0..m`` (node 0 the centre). Each further node
    ``v = m+1, ..., n-1`` then attaches ``m`` edges to ``m`` distinct existing nodes, each chosen
    with probability proportional to its current degree. The graph has exactly
    ``m + (n - m - 1) * m`` edges, mean degree close to ``2 m`` and a power-law degree tail
    ``P(k) ~ k**-3``; every node added after the star has degree at least ``m`` (a leaf of the
    initial star may keep a smaller degree, as in networkx).

    Parameters
    ----------
    n : int
        Number of nodes.
    m : int
        Edges attached by each new node, ``1 <= m < n``.
    rng : numpy.random.Generator
        The only source of randomness.
    canonical : bool
        False gives the same edges as drawn: each once, unsorted (see :func:`watts_strogatz`).

    Returns
    -------
    src, dst : numpy.ndarray of int32
        Canonical edge list (see :func:`canonical_edges`).

    Notes
    -----
    The sampling is the one of ``networkx.barabasi_albert_graph(n, m)`` with no initial graph:
    a list holds every edge end (node ``v`` appears ``deg(v)`` times; [BB05]_) and the targets
    of a new node are drawn uniformly from it, a target that repeats within the same new node
    being redrawn; the list is extended once all ``m`` targets are chosen. The random numbers come
    from ``rng`` rather than from Python's ``random``, so the graphs have the same
    distribution as networkx's but are not the same graphs for a given seed.

    References
    ----------
    .. [BA99] Albert-Laszlo Barabasi and Reka Albert, "Emergence of scaling in random networks",
       Science 286, 509-512 (1999).
    .. [BB05] Vladimir Batagelj and Ulrik Brandes, "Efficient generation of large random
       networks", Physical Review E 71, 036113 (2005) (the edge-end list method).

    Examples
    --------
    >>> src, dst = barabasi_albert(1000, 3, np.random.default_rng(7))
    >>> src.size == 3 + (1000 - 3 - 1) * 3
    True
    """
    n = _check_n(n)
    if isinstance(m, bool) or int(m) != m or not 1 <= m < n:
        raise ValueError(f"m must be an integer in 1..{n - 1}, got {m!r}")
    m = int(m)
    first = rng.random((n - m - 1) * m)
    extra_size = 1024 + first.size // 16
    while True:
        extra = rng.random(extra_size)
        src, dst, ok = _ba_kernel(n, m, first, extra)
        if ok:
            return canonical_edges(src, dst) if canonical else (src, dst)
        extra_size *= 4  # pragma: no cover - needs a pathological number of repeats

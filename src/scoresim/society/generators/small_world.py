"""Watts-Strogatz small-world graphs (Watts and Strogatz 1998), rewired in vectorized rounds."""

from __future__ import annotations

import numpy as np
from numba import njit

from scoresim.society.generators.canonical import (
    EdgeList,
    _check_n,
    _empty,
    _pair_keys,
    _sorted_unique,
    canonical_of_keys,
)

# Rounds of redrawing rejected rewiring targets before a Watts-Strogatz edge is kept as is.
_WS_MAX_ROUNDS = 100


def watts_strogatz(
    n: int, degree: int, rewire: float, rng: np.random.Generator, *, canonical: bool = True
) -> EdgeList:
    """Watts-Strogatz small-world graph [WS98]_.

    Start from a ring lattice in which every node ``u`` is joined to its ``degree / 2`` nearest
    neighbours on each side, i.e. to ``(u + j) mod n`` for ``j = 1..degree/2``. Then each lattice
    edge ``(u, u + j)`` is rewired with probability ``rewire``: its far end is replaced by a node
    ``w`` drawn uniformly among the nodes that are neither ``u`` nor already a neighbour of
    ``u``. The number of edges stays exactly ``n * degree / 2``.

    Parameters
    ----------
    n : int
        Number of nodes.
    degree : int
        Even lattice degree ``k`` with ``0 <= k < n``; the mean degree of the result.
    rewire : float
        Rewiring probability ``p`` in ``[0, 1]``.
    rng : numpy.random.Generator
        The only source of randomness.
    canonical : bool
        False gives the same edges as drawn: each once, in either orientation, unsorted (what
        ``scoresim.society.graph.Graph`` takes; it sorts them into its rows itself).

    Returns
    -------
    src, dst : numpy.ndarray of int32
        Canonical edge list (see :func:`canonical_edges`).

    Notes
    -----
    ``rewire = 0`` gives exactly the lattice of ``networkx.watts_strogatz_graph(n, k, 0)``. The
    rewiring rule is the one of networkx (the near end ``u`` stays, the far end moves to a
    uniform non-neighbour, an edge that cannot move is kept), but the edges are rewired in
    vectorized rounds rather than one at a time: all edges chosen for rewiring draw a target at
    once; a target is rejected if it is ``u``, if the edge ``{u, w}`` is present in the graph as
    it stood before the round (an edge moved away in the round still counts as present), or if
    an earlier edge in the same round drew the same new edge; rejected edges redraw in the next
    round. After 100 rounds any edge still unplaced keeps its lattice position (networkx keeps
    an edge only when ``u`` is adjacent to every node). The conflicts resolved this way have
    probability of order ``k / n`` per edge, so the graph distribution is that of networkx up
    to terms of that order. Unlike networkx, ``degree`` must be even (networkx silently uses
    ``k - 1`` for odd ``k``) and ``degree == n`` is rejected rather than giving a complete graph.

    References
    ----------
    .. [WS98] Duncan J. Watts and Steven H. Strogatz, "Collective dynamics of 'small-world'
       networks", Nature 393, 440-442 (1998).

    Examples
    --------
    >>> src, dst = watts_strogatz(1000, 10, 0.1, np.random.default_rng(7))
    >>> src.size
    5000
    """
    n = _check_n(n)
    if isinstance(degree, bool) or int(degree) != degree or degree < 0 or degree % 2:
        raise ValueError(f"degree must be a non-negative even integer, got {degree!r}")
    if degree >= n:
        raise ValueError(f"degree must be below n = {n}, got {degree}")
    if not 0.0 <= rewire <= 1.0:
        raise ValueError(f"rewire must be a probability in [0, 1], got {rewire!r}")
    h = int(degree) // 2
    if h == 0:
        return _empty()
    # Lattice edge i = (j - 1) * n + u joins u to (u + j) mod n.
    nodes = np.arange(n, dtype=np.int32)
    u = np.tile(nodes, h)
    v = np.empty(n * h, dtype=np.int32)
    for j in range(1, h + 1):  # k/2 vectorized slices, one per lattice offset
        far = v[(j - 1) * n : j * n]
        np.add(nodes, j, out=far)
        far[n - j :] -= n
    if rewire > 0.0:
        v = _ws_rewire(u, v, n, h, float(rewire), rng)
    if not canonical:
        return u, v
    key = _pair_keys(u, v)
    del u, v  # the keys and the edge list are then the only edge-sized arrays
    return canonical_of_keys(key)


def _ws_rewire(
    u: np.ndarray, v: np.ndarray, n: int, h: int, p: float, rng: np.random.Generator
) -> np.ndarray:
    """Far ends of the lattice edges after rewiring (see :func:`watts_strogatz`)."""
    num = u.size
    pending = _bernoulli_indices(rng, num, p)
    moved = np.zeros(num, dtype=bool)
    far = v  # updated in place
    none = np.empty(0, np.int64)
    first_round = none  # sorted keys of the edges placed in round 1
    later = none  # sorted keys of the edges placed in later rounds
    for _ in range(_WS_MAX_ROUNDS):
        if pending.size == 0:
            break
        w = rng.integers(0, n - 1, size=pending.size, dtype=np.int64)
        key, free = _ws_candidates(u[pending], w, n, h, moved, first_round, later)
        free = np.flatnonzero(free)
        key = key[free]
        ordered = np.sort(key)
        same = ordered[1:] == ordered[:-1]
        if same.any():  # two edges drew the same new edge: the first one wins
            repeated = _sorted_unique(ordered[1:][same])
            win = free[_first_of_repeated(key, repeated)]
            ordered = ordered[np.concatenate(([True], ~same))]
        else:
            win = free
        far[pending[win]] = w[win]
        moved[pending[win]] = True
        if first_round.size == 0:
            first_round = ordered
        else:
            later = np.sort(np.concatenate([later, ordered]))
        keep = np.ones(pending.size, dtype=bool)
        keep[win] = False
        pending = pending[keep]
    return far


def _bernoulli_indices(rng: np.random.Generator, num: int, p: float) -> np.ndarray:
    """Indices ``i`` with ``u_i < p`` for ``num`` uniforms ``u`` drawn from ``rng``: the result
    of ``np.flatnonzero(rng.random(num) < p)``, drawn into one cache-sized buffer slice after
    slice (the same numbers: the generator fills them in sequence), so that ``num`` floats are
    never held, nor fresh memory faulted in for them."""
    step = max(1, min(num, 1 << 15))
    uniform, below = np.empty(step), np.empty(step, bool)
    parts = [np.empty(0, np.int64)]
    for a in range(0, num, step):
        k = min(step, num - a)
        rng.random(out=uniform[:k])
        np.less(uniform[:k], p, out=below[:k])
        parts.append(np.flatnonzero(below[:k]) + a)
    return np.concatenate(parts)


@njit(cache=True, nogil=True)
def _ws_candidates(pu, w, n, h, moved, placed1, placed2):  # pragma: no cover - compiled
    """Targets of one rewiring round: shift ``w`` past ``u``; key of ``{u, w}``; is it free?

    ``w[i]`` is uniform in ``0..n-2`` on entry and uniform over the nodes other than ``pu[i]``
    on exit. An edge is taken if it is a lattice edge that has not moved, or was placed in an
    earlier round (``placed1``, ``placed2``: sorted keys).
    """
    size = pu.size
    key = np.empty(size, np.int64)
    free = np.empty(size, np.bool_)
    for i in range(size):
        a = np.int64(pu[i])
        b = w[i]
        if b >= a:
            b += 1
        w[i] = b
        if b < a:
            a, b = b, a
        d = b - a
        k = a * n + b
        key[i] = k
        if d <= h:
            taken = not moved[(d - 1) * n + a]
        elif d >= n - h:
            taken = not moved[(n - d - 1) * n + b]
        else:
            taken = False
        for placed in (placed1, placed2):
            if not taken and placed.size:
                j = np.searchsorted(placed, k)
                taken = j < placed.size and placed[j] == k
        free[i] = not taken
    return key, free


@njit(cache=True, nogil=True)
def _first_of_repeated(x, repeated):  # pragma: no cover - compiled
    """Mask of ``x``: False at every occurrence but the first of a value in ``repeated``."""
    first = np.ones(x.size, np.bool_)
    seen = np.zeros(repeated.size, np.bool_)
    for i in range(x.size):
        j = np.searchsorted(repeated, x[i])
        if j < repeated.size and repeated[j] == x[i]:
            if seen[j]:
                first[i] = False
            seen[j] = True
    return first

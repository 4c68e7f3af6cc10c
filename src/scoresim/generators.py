"""Fast random-graph generators for the initial friendship graph.

Every function returns the *canonical edge list* of an undirected simple graph on the nodes
``0..n-1``: a pair ``(src, dst)`` of ``int32`` arrays with ``src < dst`` for every edge, no
duplicate edge, no self-loop, sorted lexicographically by ``(src, dst)``
(see :func:`canonical_edges`).

All randomness comes from the ``rng`` argument (a :class:`numpy.random.Generator`): the same
generator state gives the same graph. The generators are vectorized with numpy; the one
inherently sequential algorithm (preferential attachment) runs in a numba kernel fed with
uniform numbers drawn from ``rng`` in bulk. A graph with 10**6 nodes and mean degree 12 takes
about a second or two.

Examples
--------
>>> import numpy as np
>>> from scoresim.generators import watts_strogatz
>>> src, dst = watts_strogatz(10, 4, 0.0, np.random.default_rng(1))
>>> src.size, src.dtype.name, bool(np.all(src < dst))
(20, 'int32', True)
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
from numba import njit

from scoresim.errors import ScenarioError

__all__ = [
    "barabasi_albert",
    "canonical_edges",
    "read_edgelist",
    "sbm",
    "sbm_blocks",
    "watts_strogatz",
]

EdgeList = tuple[np.ndarray, np.ndarray]

_INT32_MAX = int(np.iinfo(np.int32).max)
# Rounds of redrawing rejected rewiring targets before a Watts-Strogatz edge is kept as is.
_WS_MAX_ROUNDS = 100


def _empty() -> EdgeList:
    return np.empty(0, np.int32), np.empty(0, np.int32)


def _check_n(n: int, lowest: int = 1) -> int:
    if isinstance(n, bool) or int(n) != n or not lowest <= n <= _INT32_MAX:
        raise ValueError(f"n must be an integer in {lowest}..{_INT32_MAX}, got {n!r}")
    return int(n)


# --------------------------------------------------------------------------- canonical form


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
    key = _pair_keys(src, dst)  # lo * 2**32 + hi, int64, no overflow for int32 ids
    key.sort()
    return _split_unique_keys(key)


@njit(cache=True)
def _pair_keys(src, dst):  # pragma: no cover - compiled
    key = np.empty(src.size, np.int64)
    for e in range(src.size):
        a, b = np.int64(src[e]), np.int64(dst[e])
        key[e] = (min(a, b) << 32) | max(a, b)
    return key


@njit(cache=True)
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


def _from_keys(key: np.ndarray, n: int) -> EdgeList:
    """Canonical edges from pair keys ``lo * n + hi``."""
    return canonical_edges(key // n, key % n)


# --------------------------------------------------------------------------- Watts-Strogatz


def watts_strogatz(n: int, degree: int, rewire: float, rng: np.random.Generator) -> EdgeList:
    """Watts-Strogatz small-world graph.

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
    .. [1] Duncan J. Watts and Steven H. Strogatz, "Collective dynamics of 'small-world'
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
    return canonical_edges(u, v)


def _ws_rewire(
    u: np.ndarray, v: np.ndarray, n: int, h: int, p: float, rng: np.random.Generator
) -> np.ndarray:
    """Far ends of the lattice edges after rewiring (see :func:`watts_strogatz`)."""
    num = u.size
    pending = np.flatnonzero(rng.random(num) < p)
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


@njit(cache=True)
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


@njit(cache=True)
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


# --------------------------------------------------------------------------- Barabasi-Albert


@njit(cache=True)
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


def barabasi_albert(n: int, m: int, rng: np.random.Generator) -> EdgeList:
    """Barabasi-Albert preferential-attachment graph.

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

    Returns
    -------
    src, dst : numpy.ndarray of int32
        Canonical edge list (see :func:`canonical_edges`).

    Notes
    -----
    The sampling is the one of ``networkx.barabasi_albert_graph(n, m)`` with no initial graph:
    a list holds every edge end (node ``v`` appears ``deg(v)`` times) and the targets of a new
    node are drawn uniformly from it, a target that repeats within the same new node being
    redrawn; the list is extended once all ``m`` targets are chosen. The random numbers come
    from ``rng`` rather than from Python's ``random``, so the graphs have the same
    distribution as networkx's but are not the same graphs for a given seed.

    References
    ----------
    .. [1] Albert-Laszlo Barabasi and Reka Albert, "Emergence of scaling in random networks",
       Science 286, 509-512 (1999).
    .. [2] Vladimir Batagelj and Ulrik Brandes, "Efficient generation of large random
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
            return canonical_edges(src, dst)
        extra_size *= 4  # pragma: no cover - needs a pathological number of repeats


# --------------------------------------------------------------------------- stochastic block model


def sbm_blocks(n: int, blocks: int) -> np.ndarray:
    """Block of every node in :func:`sbm`: contiguous ids, sizes differing by at most 1.

    The first ``n % blocks`` blocks have ``n // blocks + 1`` nodes, the others ``n // blocks``.

    Parameters
    ----------
    n : int
        Number of nodes.
    blocks : int
        Number of blocks, ``1 <= blocks <= n``.

    Returns
    -------
    numpy.ndarray of int32
        ``block[i]`` is the block of node ``i``; non-decreasing.

    Examples
    --------
    >>> sbm_blocks(7, 3)
    array([0, 0, 0, 1, 1, 2, 2], dtype=int32)
    """
    n = _check_n(n)
    if isinstance(blocks, bool) or int(blocks) != blocks or not 1 <= blocks <= n:
        raise ValueError(f"blocks must be an integer in 1..{n}, got {blocks!r}")
    size, extra = divmod(n, int(blocks))
    sizes = np.full(int(blocks), size, dtype=np.int64)
    sizes[:extra] += 1
    return np.repeat(np.arange(blocks, dtype=np.int32), sizes)


def sbm(n: int, blocks: int, degree: float, mixing: float, rng: np.random.Generator) -> EdgeList:
    """Stochastic block model with equal blocks, given mean degree and mixing.

    The nodes are split into ``blocks`` blocks of contiguous ids whose sizes differ by at most
    one (:func:`sbm_blocks`). Every pair of nodes is joined independently, with probability
    ``p_in`` if both lie in the same block (of size ``s``) and ``p_out`` otherwise::

        p_in  = degree * (1 - mixing) / (s - 1)
        p_out = degree * mixing / (n - n / blocks)

    so a node has expected degree ``degree``, an expected share ``mixing`` of it to other
    blocks (exactly when ``blocks`` divides ``n``; up to a relative ``O(blocks / n)`` otherwise).

    Parameters
    ----------
    n : int
        Number of nodes.
    blocks : int
        Number of blocks, ``1 <= blocks <= n``.
    degree : float
        Expected mean degree, ``>= 0``.
    mixing : float
        Expected share of a node's edges that leave its block, in ``[0, 1]``.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    src, dst : numpy.ndarray of int32
        Canonical edge list (see :func:`canonical_edges`).

    Notes
    -----
    Probabilities above 1 are clipped to 1, so a ``degree`` too large for the block sizes gives
    fewer edges than asked (a block of one node has no inner pairs; with ``blocks == 1`` there
    are no outer pairs, so the expected degree is ``degree * (1 - mixing)``). For every class of
    equivalent pairs (inner pairs of the blocks of one size; all outer pairs) with ``p <= 1/2``
    the number of edges is drawn from ``Binomial(#pairs, p)`` and that many distinct pairs are
    drawn uniformly (uniform draws with rejection of self-loops, wrong-class pairs and repeats,
    vectorized), which is exactly the independent-pairs (``G(n, p)``) distribution in
    ``O(#edges)`` time. For ``p > 1/2`` every pair is enumerated and kept with probability
    ``p``. networkx's ``stochastic_block_model`` takes block sizes and a probability matrix
    instead; it gives the same distribution for the equivalent parameters.

    References
    ----------
    .. [1] Paul W. Holland, Kathryn B. Laskey and Samuel Leinhardt, "Stochastic blockmodels:
       First steps", Social Networks 5(2), 109-137 (1983).

    Examples
    --------
    >>> src, dst = sbm(1000, 4, 10.0, 0.2, np.random.default_rng(7))
    >>> block = sbm_blocks(1000, 4)
    >>> 0.15 < float(np.mean(block[src] != block[dst])) < 0.25
    True
    """
    block = sbm_blocks(n, blocks)
    n, blocks = int(n), int(blocks)
    if not (math.isfinite(degree) and degree >= 0):
        raise ValueError(f"degree must be a finite number >= 0, got {degree!r}")
    if not 0.0 <= mixing <= 1.0:
        raise ValueError(f"mixing must be a probability in [0, 1], got {mixing!r}")
    size, extra = divmod(n, blocks)
    keys = []
    # Inner pairs, one class per block size: blocks of size s + 1 first, then of size s.
    for s, count, start in ((size + 1, extra, 0), (size, blocks - extra, extra * (size + 1))):
        if count == 0 or s < 2:
            continue
        p = min(1.0, degree * (1.0 - mixing) / (s - 1))
        keys.append(_sbm_inner(rng, n, s, count, start, p))
    # Outer pairs.
    inner_pairs = extra * (size + 1) * size // 2 + (blocks - extra) * size * (size - 1) // 2
    outer_pairs = n * (n - 1) // 2 - inner_pairs
    if outer_pairs > 0:
        p = min(1.0, degree * mixing / (n - n / blocks))
        keys.append(_sbm_outer(rng, n, block, outer_pairs, p))
    if not keys:
        return _empty()
    return _from_keys(np.concatenate(keys), n)


def _sbm_inner(
    rng: np.random.Generator, n: int, s: int, count: int, start: int, p: float
) -> np.ndarray:
    """Keys of the inner edges of ``count`` blocks of size ``s`` starting at node ``start``."""
    if p <= 0.0:
        return np.empty(0, np.int64)
    if p > 0.5:
        iu, ju = np.triu_indices(s, 1)
        offsets = start + s * np.arange(count, dtype=np.int64)[:, None]
        a = (offsets + iu).ravel()
        b = (offsets + ju).ravel()
        keep = rng.random(a.size) < p
        return a[keep] * n + b[keep]
    pairs = count * s * (s - 1) // 2
    nodes = count * s

    def draw(k: int) -> np.ndarray:
        x = rng.integers(0, nodes, size=k, dtype=np.int64)
        y = x - x % s + rng.integers(0, s, size=k, dtype=np.int64)  # same block as x
        ok = x != y
        a = np.minimum(x[ok], y[ok]) + start
        b = np.maximum(x[ok], y[ok]) + start
        return a * n + b

    return _distinct(rng, pairs, p, (s - 1) / s, draw)


def _sbm_outer(
    rng: np.random.Generator, n: int, block: np.ndarray, pairs: int, p: float
) -> np.ndarray:
    """Keys of the edges between blocks."""
    if p <= 0.0:
        return np.empty(0, np.int64)
    if p > 0.5:
        iu, ju = np.triu_indices(n, 1)
        between = block[iu] != block[ju]
        a = iu[between].astype(np.int64)
        b = ju[between].astype(np.int64)
        keep = rng.random(a.size) < p
        return a[keep] * n + b[keep]
    accept = 2.0 * pairs / (float(n) * n)

    def draw(k: int) -> np.ndarray:
        x = rng.integers(0, n, size=k, dtype=np.int64)
        y = rng.integers(0, n, size=k, dtype=np.int64)
        ok = block[x] != block[y]
        return np.minimum(x[ok], y[ok]) * n + np.maximum(x[ok], y[ok])

    return _distinct(rng, pairs, p, accept, draw)


def _distinct(rng: np.random.Generator, pairs: int, p: float, accept: float, draw) -> np.ndarray:
    """``Binomial(pairs, p)`` distinct keys, uniform among the ``pairs`` possible ones.

    ``draw(k)`` makes ``k`` attempts and returns the keys of the accepted ones (iid uniform over
    the possible keys); ``accept`` is the expected acceptance rate. Given its size, the set of
    distinct values of an iid uniform sequence is a uniform subset, and so is a uniform subset
    of it: the surplus is dropped uniformly at random.
    """
    count = int(rng.binomial(pairs, p))
    if count == 0:
        return np.empty(0, np.int64)
    # Draws needed for `count` distinct keys on average (coupon collector), with some slack.
    share = min(count / pairs, 0.999)
    attempts = int(-pairs * math.log1p(-share) * 1.002 / accept) + 64
    keys = _sorted_unique(draw(attempts))
    while keys.size < count:
        missing = count - keys.size
        more = draw(int(missing / accept * 1.1) + 64)
        keys = _sorted_unique(np.concatenate([keys, more]))
    if keys.size > count:
        drop = rng.choice(keys.size, size=keys.size - count, replace=False)
        keys = np.delete(keys, drop)
    return keys


# --------------------------------------------------------------------------- edge list file

_INT_TOKEN = re.compile(rb"[+-]?[0-9]+")


def read_edgelist(path: str | Path, n: int) -> EdgeList:
    """Read an undirected graph on the nodes ``0..n-1`` from a text edge list.

    The file holds one edge per line as two whitespace-separated integer ids ``u v``. Blank
    lines are ignored and ``#`` starts a comment that runs to the end of the line (so lines
    starting with ``#`` are ignored). Self-loops are dropped and an edge given more than once,
    in either orientation, is kept once.

    Parameters
    ----------
    path : str or pathlib.Path
        The edge list file.
    n : int
        Number of nodes; every id must lie in ``0..n-1``.

    Returns
    -------
    src, dst : numpy.ndarray of int32
        Canonical edge list (see :func:`canonical_edges`).

    Raises
    ------
    scoresim.errors.ScenarioError
        If the file is missing or unreadable, holds no edge, has a line that is not exactly two
        integers, or an id outside ``0..n-1``. The one-line message starts with
        ``graph.path: `` and names the file and, where it applies, the line, e.g.
        ``graph.path: edges.txt line 7: id 12000 out of range 0..9999``.

    Notes
    -----
    Parsing uses numpy's C ``loadtxt``; only when it fails is the file scanned line by line
    to find the first offending line. Unlike ``networkx.read_edgelist``, ids are not relabelled
    (they are the node ids), extra columns (edge data) are an error, nodes without edges still
    exist (``n`` is given), and self-loops are dropped.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "g.txt")
    ...     _ = open(p, "w").write("# friends\\n2 1\\n1 2\\n3 3\\n0 3\\n")
    ...     read_edgelist(p, 4)
    (array([0, 1], dtype=int32), array([3, 2], dtype=int32))
    """
    n = _check_n(n)
    name = str(path)
    where = f"graph.path: {name}"
    p = Path(path)
    if not p.is_file():
        reason = "not a file" if p.exists() else "file not found"
        raise ScenarioError(f"{where}: {reason}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            data = np.loadtxt(p, dtype=np.int64, comments="#", ndmin=2, encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # includes UnicodeDecodeError
        raise _diagnose(p, where, n, exc) from None
    if data.size == 0:
        raise ScenarioError(f"{where}: no edges in file")
    if data.shape[1] != 2 or data.min() < 0 or data.max() >= n:
        raise _diagnose(p, where, n, None)
    src, dst = canonical_edges(data[:, 0], data[:, 1])
    if src.size == 0:
        raise ScenarioError(f"{where}: no edges in file (only self-loops)")
    return src, dst


def _diagnose(path: Path, where: str, n: int, exc: Exception | None) -> ScenarioError:
    """Error for the first bad line of ``path`` (slow, only used once parsing has failed)."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            fields = raw.split(b"#", 1)[0].split()
            if not fields:
                continue
            if len(fields) != 2:
                return ScenarioError(
                    f"{where} line {number}: expected two integer ids, found {len(fields)} fields"
                )
            for field in fields:
                if not _INT_TOKEN.fullmatch(field):
                    text = field.decode("utf-8", "replace")[:40]
                    return ScenarioError(f"{where} line {number}: not an integer id: {text!r}")
                value = int(field)
                if not 0 <= value < n:
                    return ScenarioError(
                        f"{where} line {number}: id {value} out of range 0..{n - 1}"
                    )
    detail = str(exc).splitlines()[0] if exc is not None else "unreadable edge list"
    return ScenarioError(f"{where}: cannot parse: {detail}")

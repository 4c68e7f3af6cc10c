"""Stochastic block models with equal blocks, given mean degree and mixing (Holland et al. 1983)."""

from __future__ import annotations

import math

import numpy as np

from scoresim.society.generators.canonical import (
    EdgeList,
    _check_n,
    _empty,
    _from_keys,
    _sorted_unique,
    _split_keys,
)


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


def sbm(
    n: int, blocks: int, degree: float, mixing: float, rng: np.random.Generator,
    *, canonical: bool = True,
) -> EdgeList:  # fmt: skip
    """Stochastic block model [HLL83]_ with equal blocks, given mean degree and mixing.

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
    canonical : bool
        False gives the same edges as drawn: each once, unsorted (see
        :func:`~scoresim.society.generators.watts_strogatz`).

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
    .. [HLL83] Paul W. Holland, Kathryn B. Laskey and Samuel Leinhardt, "Stochastic blockmodels:
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
    key = np.concatenate(keys)
    return _from_keys(key, n) if canonical else _split_keys(key, n)


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

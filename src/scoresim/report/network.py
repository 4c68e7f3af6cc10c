"""A drawable sample of a friendship graph: snowball sampling and a force-directed layout.

A uniform sample of nodes from a sparse graph keeps almost no edges, so the sample grows by
breadth-first search (a snowball) from random start nodes until it has ``size`` nodes; the
drawing shows the edges among them. The layout is Fruchterman-Reingold (1991): repulsion
``k²/d`` between every pair, attraction ``d²/k`` along edges, a cooling step size; numpy only.
"""

from __future__ import annotations

from collections import deque

import numpy as np


def snowball_sample(
    n: int, src: np.ndarray, dst: np.ndarray, size: int = 300, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes reached by breadth-first search from random starts, and the edges among them.

    Parameters
    ----------
    n : int
        Number of nodes (ids ``0..n-1``).
    src, dst : ndarray of int
        Edge list.
    size : int
        Target number of nodes (all of them when ``n <= size``).
    seed : int
        Seed of the start nodes.

    Returns
    -------
    nodes, a, b : ndarray
        The sampled node ids, and the edges among them as indices into ``nodes``.

    Examples
    --------
    >>> src, dst = np.arange(9), np.arange(1, 10)          # a path 0-1-...-9
    >>> nodes, a, b = snowball_sample(10, src, dst, size=4, seed=0)
    >>> len(nodes), len(a)
    (4, 3)
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    size = min(size, n)
    order = np.argsort(np.concatenate([src, dst]), kind="stable")
    heads = np.concatenate([src, dst])[order]
    tails = np.concatenate([dst, src])[order]
    start = np.searchsorted(heads, np.arange(n + 1))
    rng = np.random.default_rng(seed)
    chosen = np.zeros(n, dtype=bool)
    picked: list[int] = []
    candidates = rng.permutation(n)
    ci = 0
    while len(picked) < size:
        while chosen[candidates[ci]]:
            ci += 1
        queue = deque([int(candidates[ci])])
        chosen[candidates[ci]] = True
        while queue and len(picked) < size:
            v = queue.popleft()
            picked.append(v)
            for w in tails[start[v] : start[v + 1]]:
                if not chosen[w] and len(picked) + len(queue) < size:
                    chosen[w] = True
                    queue.append(int(w))
    nodes = np.array(sorted(picked), dtype=np.int64)
    index = np.full(n, -1, dtype=np.int64)
    index[nodes] = np.arange(nodes.size)
    keep = (index[src] >= 0) & (index[dst] >= 0)
    return nodes, index[src[keep]], index[dst[keep]]


def spring_layout(
    n: int, a: np.ndarray, b: np.ndarray, iterations: int = 100, seed: int = 0
) -> np.ndarray:
    """Fruchterman-Reingold positions in the unit square.

    Examples
    --------
    >>> pos = spring_layout(3, np.array([0, 1]), np.array([1, 2]), iterations=50)
    >>> pos.shape, bool((pos >= 0).all() and (pos <= 1).all())
    ((3, 2), True)
    """
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    if n < 2:
        return pos
    k = np.sqrt(1.0 / n)
    step = 0.1
    for _ in range(iterations):
        dx = pos[:, 0, None] - pos[None, :, 0]
        dy = pos[:, 1, None] - pos[None, :, 1]
        force = dx * dx
        force += dy * dy
        np.maximum(force, 1e-6, out=force)
        np.divide(k * k, force, out=force)  # repulsion k²/d along the unit vector
        disp = np.stack([(force * dx).sum(1), (force * dy).sum(1)], axis=1)
        if a.size:
            d = pos[a] - pos[b]
            length = np.maximum(np.sqrt((d**2).sum(-1)), 1e-3)
            pull = (length / k)[:, None] * d
            np.add.at(disp, a, -pull)
            np.add.at(disp, b, pull)
        length = np.maximum(np.sqrt((disp**2).sum(-1)), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, step)[:, None]
        step = max(step * 0.97, 0.002)
    lo, hi = pos.min(0), pos.max(0)
    return (pos - lo) / np.where(hi > lo, hi - lo, 1.0)

"""A fixed sample of the friendship network, laid out once, for drawing as the graph changes.

The sample is a few snowballs (breadth-first balls around random agents), so that sampled
agents keep many of their ties; a uniform sample of a few hundred out of thousands would show
almost no edges. Each ball gets a Fruchterman-Reingold spring layout of its initial ties in a
cell of its own, computed once; later drawings reuse the positions and only redraw the edges:
the ties present now, those added since the start (rewired to a friend of a friend) and those
cut since the start.

Examples
--------
>>> import numpy as np
>>> from scoresim.society.graph import Graph
>>> ring = Graph(40, np.arange(40), (np.arange(40) + 1) % 40)
>>> sample = NetworkSample.draw(ring, size=12, balls=2, rng=np.random.default_rng(0))
>>> sample.nodes.size, sample.positions.shape
(12, (12, 2))
>>> view = sample.view(ring)
>>> len(view.cut), len(view.added)
(0, 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoresim.society.graph import Graph


def edge_keys(graph: Graph) -> np.ndarray:
    """Keys ``min(u, v) * n + max(u, v)`` of the graph's edges (from its public edge arrays)."""
    u, v = graph.src.astype(np.int64), graph.dst.astype(np.int64)
    return np.minimum(u, v) * graph.n + np.maximum(u, v)


def _adjacency(graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    """A CSR adjacency (both orientations) built from the edge arrays."""
    u = np.concatenate([graph.src, graph.dst]).astype(np.int64)
    v = np.concatenate([graph.dst, graph.src]).astype(np.int64)
    order = np.argsort(u, kind="stable")
    indptr = np.zeros(graph.n + 1, np.int64)
    np.cumsum(np.bincount(u, minlength=graph.n), out=indptr[1:])
    return indptr, v[order]


def _snowballs(graph: Graph, size: int, balls: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Breadth-first balls around ``balls`` random agents, ``size`` agents in all, disjoint."""
    size = min(size, graph.n)
    indptr, indices = _adjacency(graph)
    seen = np.zeros(graph.n, bool)
    per_ball = max(1, size // max(balls, 1))
    out: list[np.ndarray] = []
    taken_total = 0
    for start in rng.permutation(graph.n):
        if taken_total >= size:
            break
        if seen[start]:
            continue
        quota = min(per_ball, size - taken_total)
        ball: list[int] = []
        frontier = [int(start)]
        seen[start] = True
        while frontier and len(ball) < quota:
            nxt: list[int] = []
            for node in frontier:
                if len(ball) >= quota:
                    break
                ball.append(node)
                nbrs = indices[indptr[node] : indptr[node + 1]]
                for j in rng.permutation(nbrs):
                    if not seen[j]:
                        seen[j] = True
                        nxt.append(int(j))
            frontier = nxt
        out.append(np.array(ball, dtype=np.int64))
        taken_total += len(ball)
    return out


def spring_layout(
    n: int, src: np.ndarray, dst: np.ndarray, rng: np.random.Generator, iterations: int = 150
) -> np.ndarray:
    """Fruchterman-Reingold positions in ``[0, 1]^2`` of a graph on ``0..n-1`` (dense, small n).

    Fruchterman, T. M. J. & Reingold, E. M. (1991), Graph drawing by force-directed placement,
    Software: Practice and Experience 21(11).
    """
    pos = rng.random((n, 2))
    if n < 2:
        return pos
    k = 1.0 / np.sqrt(n)
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        disp = (delta * (k * k / dist**2)[..., None]).sum(axis=1)  # repulsion between all pairs
        d = pos[src] - pos[dst]
        length = np.maximum(np.linalg.norm(d, axis=1), 1e-3)
        pull = d * (length / k)[:, None]  # attraction along edges
        np.add.at(disp, src, -pull)
        np.add.at(disp, dst, pull)
        step = np.linalg.norm(disp, axis=1)
        pos += disp / np.maximum(step, 1e-9)[:, None] * np.minimum(step, temperature)[:, None]
        temperature -= cooling
    pos -= pos.min(axis=0)
    return pos / np.maximum(pos.max(axis=0), 1e-9)


@dataclass(frozen=True)
class NetworkView:
    """Edges among the sampled agents now, as pairs of sample positions (``0..len(nodes)-1``)."""

    kept: list[tuple[int, int]]  # present at the start and now
    added: list[tuple[int, int]]  # present now, not at the start
    cut: list[tuple[int, int]]  # present at the start, not now


@dataclass(frozen=True)
class NetworkSample:
    """Sampled agent ids, their fixed positions and the edges among them at the start."""

    nodes: np.ndarray
    positions: np.ndarray
    initial_keys: np.ndarray  # sorted keys ``u * n + v`` (agent ids, ``u < v``)
    n: int

    @classmethod
    def draw(
        cls, graph: Graph, size: int, rng: np.random.Generator, balls: int = 4
    ) -> NetworkSample:
        """Sample ``size`` agents of ``graph`` and lay their subgraph out once."""
        groups = _snowballs(graph, size, balls, rng)
        nodes = np.sort(np.concatenate(groups)) if groups else np.zeros(0, np.int64)
        positions = np.zeros((nodes.size, 2))
        cols = max(1, int(np.ceil(np.sqrt(len(groups)))))
        rows = max(1, int(np.ceil(len(groups) / cols)))
        for b, ball in enumerate(groups):  # each ball laid out in a cell of its own
            members = np.sort(ball)
            keys = cls._keys_among(graph, members)
            local = np.searchsorted(members, np.stack([keys // graph.n, keys % graph.n]))
            xy = spring_layout(members.size, local[0], local[1], rng)
            cell = np.array([b % cols, b // cols], dtype=np.float64)
            scale = np.array([1.0 / cols, 1.0 / rows])
            positions[np.searchsorted(nodes, members)] = (cell + 0.06 + 0.88 * xy) * scale
        keys = cls._keys_among(graph, nodes)
        return cls(nodes=nodes, positions=positions, initial_keys=keys, n=graph.n)

    @staticmethod
    def _keys_among(graph: Graph, nodes: np.ndarray) -> np.ndarray:
        member = np.zeros(graph.n, bool)  # a mask is cheaper than np.isin: this runs every step
        member[nodes] = True
        inside = member[graph.src] & member[graph.dst]
        u, v = graph.src[inside].astype(np.int64), graph.dst[inside].astype(np.int64)
        return np.sort(np.minimum(u, v) * graph.n + np.maximum(u, v))

    def keys_now(self, graph: Graph) -> np.ndarray:
        """Sorted keys of the ties among the sampled agents in ``graph``."""
        return self._keys_among(graph, self.nodes)

    def view(self, graph: Graph) -> NetworkView:
        """The sample's edges in ``graph`` compared with the start."""
        return self.compare(self.keys_now(graph))

    def compare(self, now: np.ndarray) -> NetworkView:
        """Ties among the sample given by their sorted keys ``now``, compared with the start."""

        def pairs(keys: np.ndarray) -> list[tuple[int, int]]:
            u = np.searchsorted(self.nodes, keys // self.n)
            v = np.searchsorted(self.nodes, keys % self.n)
            return list(zip(u.tolist(), v.tolist(), strict=True))

        return NetworkView(
            kept=pairs(np.intersect1d(now, self.initial_keys, assume_unique=True)),
            added=pairs(np.setdiff1d(now, self.initial_keys, assume_unique=True)),
            cut=pairs(np.setdiff1d(self.initial_keys, now, assume_unique=True)),
        )

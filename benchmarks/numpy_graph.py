"""The numpy reference's friendship graph (benchmarks/numpy_reference.py, issue 22): a
vectorised Watts-Strogatz generator (docs/model.md 1.2) and CSR arrays with neighbour sums by
gather and ``np.add.reduceat``, tie look-ups and edits. numpy alone."""

from __future__ import annotations

import numpy as np


def watts_strogatz(n: int, degree: int, rewire: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted directed edge keys ``i * n + j`` of a Watts-Strogatz graph (docs/model.md 1.2):
    the ring lattice, each lattice edge given a uniform new far end with probability ``rewire``
    (redrawn while it is a self-loop or a tie the node already has)."""
    u = np.tile(np.arange(n, dtype=np.int64), degree // 2)
    v = (u + np.repeat(np.arange(1, degree // 2 + 1), n)) % n
    moved = np.flatnonzero(rng.random(u.size) < rewire)
    for _ in range(100):  # redraw the clashes: few, and fewer each round
        v[moved] = rng.integers(0, n, moved.size)
        key = np.minimum(u, v) * n + np.maximum(u, v)
        moving = np.zeros(u.size, bool)
        moving[moved] = True
        order = np.lexsort((moving, key))  # by pair, a settled edge before a moving one
        clash = u == v
        clash[order[1:][key[order[1:]] == key[order[:-1]]]] = True  # a repeat of a pair
        moved = moved[clash[moved]]
        if moved.size == 0:
            break
    keep = u != v
    return np.sort(np.concatenate([u[keep] * n + v[keep], v[keep] * n + u[keep]]))


#: bits of one packed neighbour count: a degree stays below 2**21
FIELD = 21


class Friends:
    """The friendship graph as CSR arrays: row offsets ``indptr``, neighbours ``dst`` (each row
    in no particular order), degrees ``deg``.

    Neighbour sums gather into a reused buffer and reduce along the rows (``np.add.reduceat``;
    an empty row reads the zero after the last entry and is then set to 0)."""

    def __init__(self, keys: np.ndarray, n: int) -> None:
        self.n, self.dst = n, keys % n
        self.deg = np.bincount(keys // n, minlength=n)
        self._buf = {np.dtype(np.float64): np.empty(0), np.dtype(np.int64): np.empty(0, np.int64)}
        self._derive()

    def _derive(self) -> None:
        """Row offsets, empty rows and gather buffers from ``deg``."""
        n, e = self.n, self.dst.size
        if self.deg.max(initial=0) >= 1 << FIELD:
            raise ValueError("a degree too large for the packed counts")
        self.indptr = np.zeros(n + 1, np.int64)
        np.cumsum(self.deg, out=self.indptr[1:])
        self.starts, self.empty = self.indptr[:-1], self.deg == 0
        for dtype, buf in self._buf.items():
            if buf.size < e + 1:
                self._buf[dtype] = np.empty(e + e // 8 + 1, dtype)

    def sums(self, x: np.ndarray) -> np.ndarray:
        """Each agent's sum of ``x`` (float64 or int64) over its neighbours."""
        e = self.dst.size
        gathered = self._buf[x.dtype][: e + 1]
        np.take(x, self.dst, out=gathered[:e], mode="clip")  # "clip": no buffered copy
        gathered[e] = 0
        out = np.add.reduceat(gathered, self.starts)
        out[self.empty] = 0
        return out

    def counts(self, *flags: np.ndarray) -> list[np.ndarray]:
        """Each agent's number of neighbours with each flag; up to three share one gather."""
        packed = np.zeros(self.n, np.int64)
        for k, flag in enumerate(flags):
            packed |= flag.astype(np.int64) << (FIELD * k)
        total = self.sums(packed)
        return [(total >> (FIELD * k)) & ((1 << FIELD) - 1) for k in range(len(flags))]

    def shares(self, *flags: np.ndarray) -> list[np.ndarray]:
        """Each agent's share of neighbours with each flag (0 without neighbours)."""
        return [self.mean(c) for c in self.counts(*flags)]

    def mean(self, total: np.ndarray) -> np.ndarray:
        """``total`` over the degree, 0 without neighbours."""
        return np.divide(total, self.deg, out=np.zeros(self.n), where=~self.empty)

    def rows(self, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The entries of the rows ``who``: for each, its index into ``who`` and its position
        in ``dst``."""
        count = self.deg[who]
        first = np.cumsum(count) - count
        index = np.repeat(np.arange(who.size), count)
        return index, np.arange(index.size) + np.repeat(self.indptr[who] - first, count)

    def find(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The position in ``dst`` of each tie (``i``, ``j``), -1 where there is none."""
        index, at = self.rows(i)
        hit = self.dst[at] == j[index]
        out = np.full(i.size, -1)
        out[index[hit]] = at[hit]
        return out

    def edit(self, gone: tuple[np.ndarray, np.ndarray], new: tuple[np.ndarray, np.ndarray]) -> None:
        """Drops the present directed ties ``gone`` (a keep mask) and adds the absent ones
        ``new`` at the ends of their rows (``np.insert``)."""
        n = self.n
        keep = np.ones(self.dst.size, bool)
        keep[self.find(*gone)] = False
        self.deg = self.deg - np.bincount(gone[0], minlength=n)
        self.dst = np.insert(self.dst[keep], np.cumsum(self.deg)[new[0]], new[1])
        self.deg += np.bincount(new[0], minlength=n)
        self._derive()

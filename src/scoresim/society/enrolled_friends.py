"""Enrolled friends per agent, kept up to date between steps instead of recounted every step.

Bass adoption (docs/model.md 2.1) needs, for every agent not yet enrolled, how many of its friends
are enrolled. Counting walks every edge of the graph each step; the counts change only where an
agent enrols or a tie is cut or made, so they are kept and patched there. A tally remembers the
very ``enrolled`` array and the graph (and its version) it counted: when either changes other
than through the patching functions below (a caller assigning ``society.enrolled``, a graph
replaced or updated elsewhere), the next read recounts from scratch. ``enrolled`` is replaced,
never written in place, by the phases; callers should do the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from scoresim.society.agents import Society
    from scoresim.society.graph import Graph


KEY = "enrolled_friends"  #: where the tally is kept in ``Society.derived``


@dataclass
class Tally:
    """``counts[i]``: enrolled neighbours of ``i``, for this ``enrolled`` and graph version."""

    counts: np.ndarray
    enrolled: np.ndarray
    graph: Graph
    version: int


def _valid(society: Society) -> Tally | None:
    tally = society.derived.get(KEY)
    if (
        isinstance(tally, Tally)
        and tally.enrolled is society.enrolled
        and tally.graph is society.graph
        and tally.version == society.graph.version
    ):
        return tally
    return None


def enrolled_friends(society: Society) -> np.ndarray:
    """Enrolled neighbours per agent (int32), recounted only when the tally is not valid.

    Examples
    --------
    >>> from scoresim import Scenario, Simulation
    >>> sim = Simulation(Scenario.preset("seed").with_overrides({"population.agents": 200}))
    >>> s = sim.society
    >>> bool((enrolled_friends(s) == s.graph.neighbour_sum(s.enrolled)).all())
    True
    """
    tally = _valid(society)
    if tally is None:
        counts = society.graph.neighbour_sum(society.enrolled).astype(np.int32)
        tally = Tally(counts, society.enrolled, society.graph, society.graph.version)
        society.derived[KEY] = tally
    return tally.counts


@njit(cache=True)
def _count_enrolments(indptr, indices, joined, counts):
    for j in joined:
        for q in range(indptr[j], indptr[j + 1]):
            counts[indices[q]] += 1


@njit(cache=True)
def _count_edges(enrolled, u, v, sign, counts):
    for e in range(u.size):
        if enrolled[v[e]]:
            counts[u[e]] += sign
        if enrolled[u[e]]:
            counts[v[e]] += sign


def set_enrolled(society: Society, enrolled: np.ndarray) -> None:
    """Replace ``society.enrolled`` by a superset of it, patching a valid tally."""
    tally = _valid(society)
    if tally is not None:
        joined = np.flatnonzero(enrolled & ~society.enrolled)
        g = society.graph
        _count_enrolments(g.indptr, g.indices, joined, tally.counts)
        tally.enrolled = enrolled
    society.enrolled = enrolled


def update_graph(
    society: Society, remove: tuple[np.ndarray, np.ndarray], add: tuple[np.ndarray, np.ndarray]
) -> None:
    """:meth:`Graph.update` of the society's graph, patching a valid tally."""
    tally = _valid(society)
    society.graph.update(remove, add)
    if tally is not None:
        _count_edges(society.enrolled, *remove, -1, tally.counts)
        _count_edges(society.enrolled, *add, 1, tally.counts)
        tally.version = society.graph.version

"""Phase 6, network: ostracism of low scorers and triadic closure (MODEL.md 2.6).

Each enrolled agent drops each enrolled friend scoring below ``low_threshold`` with probability
``drop_rate * fear`` (one decision per ordered pair), and for each tie dropped, with probability
``replace_prob``, befriends a friend of a friend (a two-step random walk: Holme & Kim 2002,
Jackson & Rogers 2007) whose score is not low. All choices read the graph at the start of the
phase. The cost is proportional to the ties of low scorers, not to the whole graph.
"""

from __future__ import annotations

import numpy as np

from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society


def drop_decisions(
    society: Society, params: Params, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``(i, j)`` of the ordered pairs where ``i`` decides to drop low-scoring friend ``j``."""
    pol, g = params.scenario.policy, society.graph
    low = society.enrolled & (society.score < pol.low_threshold)
    entries = np.flatnonzero(low[g.indices])  # CSR entries (i -> j) with j enrolled and low
    i = (np.searchsorted(g.indptr, entries, side="right") - 1).astype(np.int64)
    keep = society.enrolled[i]
    entries, i = entries[keep], i[keep]
    j = g.indices[entries].astype(np.int64)
    drop = rng.random(entries.size) < params.scenario.network.drop_rate * society.fear[i]
    return i[drop], j[drop]


def replacements(
    society: Society, params: Params, rng: np.random.Generator, i: np.ndarray
) -> np.ndarray:
    """Keys of the friend-of-friend ties added for the drop decisions of agents ``i``."""
    pol, g = params.scenario.policy, society.graph
    u_replace, u_k, u_l = rng.random((3, i.size))
    tries = u_replace < params.scenario.network.replace_prob
    i, u_k, u_l = i[tries], u_k[tries], u_l[tries]
    k = g.indices[g.indptr[i] + (u_k * g.degree[i]).astype(np.int64)]
    fof = g.indices[g.indptr[k] + (u_l * g.degree[k]).astype(np.int64)].astype(np.int64)
    ok = (fof != i) & (society.score[fof] >= pol.low_threshold)
    keys = g.key(i[ok], fof[ok])
    return np.unique(keys[~g.has_edges(keys)])


def network(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Drop ties to low scorers and replace some by friends of friends."""
    if not params.scenario.ostracism_on:
        return
    g = society.graph
    i, j = drop_decisions(society, params, rng)
    removed = np.unique(g.key(i, j))
    added = replacements(society, params, rng, i)
    g.update(removed, added)
    rec.edges_dropped, rec.edges_added = int(removed.size), int(added.size)

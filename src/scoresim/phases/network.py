"""Phase 6, network: ostracism of low scorers and triadic closure (MODEL.md 2.6).

Each enrolled agent drops each enrolled friend scoring below ``low_threshold`` with probability
``drop_rate * fear`` (one decision per ordered pair), and for each decision to drop, with
probability ``replace_prob``, befriends a friend of a friend (a two-step random walk: Holme & Kim
2002, Jackson & Rogers 2007) whose score is not low. All choices read the graph at the start of
the phase. The work is proportional to the ties of low scorers, not to the whole graph: the
kernel walks the rows of low scorers only, whose entries are exactly the ordered pairs (i, j)
that may be dropped. The draws of a decision are keyed by the low scorer ``j`` and the position
of ``i`` in its row, so they do not depend on threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from scoresim.counter_rng import agent_key, step_key, uniform
from scoresim.enrolled_friends import update_graph
from scoresim.generators import canonical_edges
from scoresim.graph import row_contains
from scoresim.jit import kernel
from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society


@njit(inline="always", cache=True)
def _drops(akey, position, fear_i, drop_rate):
    """Whether the friend at ``position`` in a low scorer's row drops it (draw 4 * position)."""
    return uniform(akey, 4 * position) < drop_rate * fear_i


@kernel
def _count_drops(key, indptr, indices, low_rows, enrolled, fear, drop_rate):
    counts = np.empty(low_rows.size, np.int64)  # np.zeros would be a parallel region of its own
    for r in prange(low_rows.size):
        j = low_rows[r]
        akey = agent_key(key, j)
        count = 0
        for q in range(indptr[j], indptr[j + 1]):
            i = indices[q]
            if enrolled[i] and _drops(akey, q - indptr[j], fear[i], drop_rate):
                count += 1
        counts[r] = count
    return counts


@kernel
def _decide(
    key, indptr, indices, low_rows, offsets, enrolled, fear, drop_rate, score, low_threshold,
    replace_prob, drop_i, drop_j, add_i, add_l,
):  # fmt: skip
    for r in prange(low_rows.size):
        if offsets[r] == offsets[r + 1]:
            continue
        j = low_rows[r]
        akey = agent_key(key, j)
        out = offsets[r]
        for q in range(indptr[j], indptr[j + 1]):
            i = indices[q]
            if not (enrolled[i] and _drops(akey, q - indptr[j], fear[i], drop_rate)):
                continue
            c = 4 * (q - indptr[j])
            drop_i[out] = i
            drop_j[out] = j
            add_l[out] = -1
            add_i[out] = i
            if uniform(akey, c + 1) < replace_prob:
                deg_i = indptr[i + 1] - indptr[i]
                k = indices[indptr[i] + int(uniform(akey, c + 2) * deg_i)]
                deg_k = indptr[k + 1] - indptr[k]
                fof = indices[indptr[k] + int(uniform(akey, c + 3) * deg_k)]
                if (
                    fof != i
                    and score[fof] >= low_threshold
                    and not row_contains(indptr, indices, i, fof)
                ):
                    add_l[out] = fof
            out += 1


def network(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Drop ties to low scorers and replace some by friends of friends."""
    key = step_key(rng)
    if not params.scenario.ostracism_on:
        return
    pol, net, g = params.scenario.policy, params.scenario.network, society.graph
    low_rows = np.flatnonzero(society.enrolled & (society.score < pol.low_threshold))
    counts = _count_drops(
        g.parallel, key, g.indptr, g.indices, low_rows, society.enrolled, society.fear,
        net.drop_rate,
    )  # fmt: skip
    offsets = np.zeros(low_rows.size + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    drop_i, drop_j = np.empty(total, np.int32), np.empty(total, np.int32)
    add_i, add_l = np.empty(total, np.int32), np.empty(total, np.int32)
    _decide(
        g.parallel, key, g.indptr, g.indices, low_rows, offsets, society.enrolled, society.fear,
        net.drop_rate, society.score, pol.low_threshold, net.replace_prob,
        drop_i, drop_j, add_i, add_l,
    )  # fmt: skip
    removed = canonical_edges(drop_i, drop_j)  # each pair once, sorted
    made = add_l >= 0
    added = canonical_edges(add_i[made], add_l[made])
    update_graph(society, removed, added)
    rec.edges_dropped, rec.edges_added = int(removed[0].size), int(added[0].size)

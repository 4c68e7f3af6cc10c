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
from numba import prange

from scoresim.counter_rng import agent_key, step_key, uniform
from scoresim.enrolled_friends import update_graph
from scoresim.graph import row_contains
from scoresim.jit import kernel
from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society


@kernel
def _count_drops(key, indptr, indices, low, enrolled, fear, drop_rate, dropped):
    counts = np.zeros(low.size, np.int64)
    for j in prange(low.size):
        if not low[j]:
            continue
        akey = agent_key(key, j)
        for q in range(indptr[j], indptr[j + 1]):
            i = indices[q]
            if enrolled[i] and uniform(akey, 4 * (q - indptr[j])) < drop_rate * fear[i]:
                dropped[q] = True
                counts[j] += 1
    return counts


@kernel
def _decide(
    key, indptr, indices, low, dropped, offsets, score, low_threshold, replace_prob,
    drop_i, drop_j, add_i, add_l,
):  # fmt: skip
    for j in prange(low.size):
        if not low[j] or offsets[j] == offsets[j + 1]:
            continue
        akey = agent_key(key, j)
        out = offsets[j]
        for q in range(indptr[j], indptr[j + 1]):
            if not dropped[q]:
                continue
            i = indices[q]
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


def _unique_pairs(u: np.ndarray, v: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    keys = np.minimum(u, v).astype(np.int64) * n + np.maximum(u, v)
    keys.sort()  # a sort and a comparison: np.unique is several times slower on int64 keys
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if keys.size else keys
    return keys // n, keys % n


def network(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Drop ties to low scorers and replace some by friends of friends."""
    key = step_key(rng)
    if not params.scenario.ostracism_on:
        return
    pol, net, g = params.scenario.policy, params.scenario.network, society.graph
    low = society.enrolled & (society.score < pol.low_threshold)
    dropped = np.zeros(g.indices.size, np.bool_)
    counts = _count_drops(
        g.parallel,
        key,
        g.indptr,
        g.indices,
        low,
        society.enrolled,
        society.fear,
        net.drop_rate,
        dropped,
    )
    offsets = np.zeros(society.n + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    drop_i, drop_j = np.empty(total, np.int32), np.empty(total, np.int32)
    add_i, add_l = np.empty(total, np.int32), np.empty(total, np.int32)
    _decide(
        g.parallel, key, g.indptr, g.indices, low, dropped, offsets, society.score,
        pol.low_threshold, net.replace_prob, drop_i, drop_j, add_i, add_l,
    )  # fmt: skip
    removed = _unique_pairs(drop_i, drop_j, society.n)
    made = add_l >= 0
    added = _unique_pairs(add_i[made], add_l[made], society.n)
    update_graph(society, removed, added)
    rec.edges_dropped, rec.edges_added = int(removed[0].size), int(added[0].size)

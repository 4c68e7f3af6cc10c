"""Phase 6, network: ostracism of low scorers, shaming of listed agents, triadic closure
(docs/model.md 2.6 and 6.3).

Ostracism: each enrolled agent drops each enrolled friend scoring below ``low_threshold`` with
probability ``drop_rate * fear`` (one decision per ordered pair), and for each decision to drop,
with probability ``replace_prob``, befriends a friend of a friend (a two-step random walk: Holme
& Kim 2002, Jackson & Rogers 2007) whose score is not low. Shaming (model v2: the defaulter
list publishes names): every agent drops each listed friend with probability ``shaming_drop *
fear``, and replaces the tie likewise by a friend of a friend who is not listed; its decisions
are independent of ostracism's, and a pair both drop is removed once.

All choices read the graph at the start of the phase. The work is proportional to the ties of
low scorers (listed agents), not to the whole graph: the kernels walk the rows of those agents
only, whose entries are exactly the ordered pairs (i, j) that may be dropped. The draws of a
decision are keyed by ``j`` and the position of ``i`` in its row, so they do not depend on
threads; shaming keys its draws from the same step key, mixed (an independent stream).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from scoresim.core.counter_rng import agent_key, mix64, step_key, uniform
from scoresim.core.jit import kernel
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society.agents import Society
from scoresim.society.enrolled_friends import update_graph
from scoresim.society.generators import canonical_edges
from scoresim.society.graph import row_contains

#: what the kernels decide: dropping low scorers, or dropping listed agents
OSTRACISM, SHAMING = 0, 1
_SHAMING_SALT = np.uint64(0x5348414D494E4721)  # "SHAMING!": shaming's key, from the step's


@njit(inline="always", cache=True)
def _drops(akey, position, fear_i, drop_rate):
    """Whether the friend at ``position`` in a low scorer's row drops it (draw 4 * position)."""
    return uniform(akey, 4 * position) < drop_rate * fear_i


@njit(inline="always", cache=True)
def _decides(mode, enrolled_i, akey, position, fear_i, drop_rate):
    """Ostracism asks an enrolled agent; shaming asks everyone."""
    return (mode == SHAMING or enrolled_i) and _drops(akey, position, fear_i, drop_rate)


@kernel
def _count_drops(key, indptr, indices, low_rows, enrolled, fear, drop_rate, mode):
    counts = np.empty(low_rows.size, np.int64)  # np.zeros would be a parallel region of its own
    for r in prange(low_rows.size):
        j = low_rows[r]
        akey = agent_key(key, j)
        count = 0
        for q in range(indptr[j], indptr[j + 1]):
            i = indices[q]
            if _decides(mode, enrolled[i], akey, q - indptr[j], fear[i], drop_rate):
                count += 1
        counts[r] = count
    return counts


@kernel
def _decide(
    key, indptr, indices, low_rows, offsets, enrolled, fear, drop_rate, score, low_threshold,
    replace_prob, drop_i, drop_j, add_i, add_l, mode, listed,
):  # fmt: skip
    for r in prange(low_rows.size):
        if offsets[r] == offsets[r + 1]:
            continue
        j = low_rows[r]
        akey = agent_key(key, j)
        out = offsets[r]
        for q in range(indptr[j], indptr[j + 1]):
            i = indices[q]
            if not _decides(mode, enrolled[i], akey, q - indptr[j], fear[i], drop_rate):
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
                welcome = score[fof] >= low_threshold if mode == OSTRACISM else not listed[fof]
                if fof != i and welcome and not row_contains(indptr, indices, i, fof):
                    add_l[out] = fof
            out += 1


def _decisions(
    society: Society, key: np.uint64, rows: np.ndarray, rate: float, mode: int, params: Params
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Drop and add pairs ``(drop_i, drop_j, add_i, add_l)`` decided over the rows ``rows``
    (``add_l`` is -1 where a drop makes no new tie)."""
    g, pol, net = society.graph, params.scenario.policy, params.scenario.network
    counts = _count_drops(
        g.parallel, key, g.indptr, g.indices, rows, society.enrolled, society.fear, rate, mode
    )
    offsets = np.zeros(rows.size + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    drop_i, drop_j = np.empty(total, np.int32), np.empty(total, np.int32)
    add_i, add_l = np.empty(total, np.int32), np.empty(total, np.int32)
    _decide(
        g.parallel, key, g.indptr, g.indices, rows, offsets, society.enrolled, society.fear,
        rate, society.score, pol.low_threshold, net.replace_prob,
        drop_i, drop_j, add_i, add_l, mode, society.listed,
    )  # fmt: skip
    return drop_i, drop_j, add_i, add_l


def network(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Drop ties to low scorers (and to listed agents) and replace some by friends of friends."""
    key = step_key(rng)
    sc = params.scenario
    parts = []
    if sc.ostracism_on:
        low_rows = np.flatnonzero(society.enrolled & (society.score < sc.policy.low_threshold))
        parts.append(_decisions(society, key, low_rows, sc.network.drop_rate, OSTRACISM, params))
    if sc.shaming_on and society.blacklist_on:
        listed_rows = np.flatnonzero(society.listed)
        shaming_key = np.uint64(mix64(key ^ _SHAMING_SALT))  # numba boxes it as a Python int
        rate = sc.blacklist.shaming_drop
        parts.append(_decisions(society, shaming_key, listed_rows, rate, SHAMING, params))
    if not parts:
        return
    drop_i, drop_j, add_i, add_l = (
        parts[0] if len(parts) == 1 else tuple(np.concatenate(p) for p in zip(*parts, strict=True))
    )
    removed = canonical_edges(drop_i, drop_j)  # each pair once, sorted
    made = add_l >= 0
    added = canonical_edges(add_i[made], add_l[made])
    update_graph(society, removed, added)
    rec.edges_dropped, rec.edges_added = int(removed[0].size), int(added[0].size)

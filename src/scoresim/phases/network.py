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

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from scoresim.core.counter_rng import agent_key, mix64, step_key, uniform
from scoresim.core.jit import kernel
from scoresim.phases.params import Params
from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord
from scoresim.scenario import Scenario
from scoresim.society.agents import Society
from scoresim.society.enrolled_friends import update_graph
from scoresim.society.generators import canonical_edges
from scoresim.society.graph import row_contains
from scoresim.society.tiers import TierTable

#: what the kernels decide: dropping low scorers, or dropping listed agents
OSTRACISM, SHAMING = 0, 1
_SHAMING_SALT = np.uint64(0x5348414D494E4721)  # "SHAMING!": shaming's key, from the step's


class NetworkParams(NamedTuple):
    """The parameters of :func:`network` (``[network]``, ``policy.low_threshold``, the
    blacklist's shaming) and the rules that switch its two mechanisms on."""

    #: ostracism runs only when a friend term is on (``policy.friend_weight`` or
    #: ``policy.low_friend_penalty`` above 0): without one a low scorer costs its friends nothing
    ostracism: bool
    #: shaming runs when the blacklist publishes names (``blacklist.enabled``, ``shaming_drop``
    #: above 0)
    shaming: bool
    drop_rate: float  #: ostracism's drop chance per decision, times fear, ``network.drop_rate``
    shaming_drop: float  #: shaming's, times fear, ``blacklist.shaming_drop``
    low_threshold: float  #: who is a low scorer, ``policy.low_threshold``
    replace_prob: float  #: ``network.replace_prob``

    @classmethod
    def of(cls, scenario: Scenario, tiers: TierTable) -> NetworkParams:
        """The bundle of ``scenario``.

        >>> from scoresim import Scenario
        >>> from scoresim.society.tiers import TierTable
        >>> [NetworkParams.of(s, TierTable.from_scenario(s)).ostracism
        ...  for s in (Scenario.preset("seed"), Scenario.preset("control"))]
        [True, False]
        """
        pol, net, bl = scenario.policy, scenario.network, scenario.blacklist
        return cls(
            ostracism=pol.friend_weight > 0 or pol.low_friend_penalty > 0,
            shaming=bl.enabled and bl.shaming_drop > 0,
            drop_rate=net.drop_rate,
            shaming_drop=bl.shaming_drop,
            low_threshold=pol.low_threshold,
            replace_prob=net.replace_prob,
        )


@njit(inline="always", cache=True)
def _drop_rate(p, mode):
    """The drop probability per decision (times the dropper's fear) of ``mode``."""
    return p.drop_rate if mode == OSTRACISM else p.shaming_drop


@njit(inline="always", cache=True)
def _drops(akey, position, fear_i, drop_rate):
    """Whether the friend at ``position`` in a low scorer's row drops it (draw 4 * position)."""
    return uniform(akey, 4 * position) < drop_rate * fear_i


@njit(inline="always", cache=True)
def _decides(mode, enrolled_i, akey, position, fear_i, drop_rate):
    """Ostracism asks an enrolled agent; shaming asks everyone."""
    return (mode == SHAMING or enrolled_i) and _drops(akey, position, fear_i, drop_rate)


@kernel
def _count_drops(key, indptr, indices, low_rows, enrolled, fear, mode, p):
    drop_rate = _drop_rate(p, mode)
    counts = np.empty(low_rows.size, np.int64)  # np.zeros would be a parallel region of its own
    for r in prange(low_rows.size):
        j = low_rows[r]
        akey = agent_key(key, j)
        count = 0
        lo = indptr[j]
        for t in range(indptr[j + 1] - lo):
            i = np.uint64(indices[np.uint64(lo + t)])
            if _decides(mode, enrolled[i], akey, t, fear[i], drop_rate):
                count += 1
        counts[r] = count
    return counts


@kernel
def _decide(
    key, indptr, indices, low_rows, offsets, enrolled, fear, score, listed,
    drop_i, drop_j, add_i, add_l, mode, p,
):  # fmt: skip
    drop_rate = _drop_rate(p, mode)
    low_threshold = p.low_threshold
    replace_prob = p.replace_prob
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
    society: Society, key: np.uint64, rows: np.ndarray, mode: int, p: NetworkParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Drop and add pairs ``(drop_i, drop_j, add_i, add_l)`` decided over the rows ``rows``
    (``add_l`` is -1 where a drop makes no new tie)."""
    g = society.graph
    counts = _count_drops(
        g.parallel, key, g.indptr, g.indices, rows, society.enrolled, society.fear, mode, p
    )
    offsets = np.zeros(rows.size + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    drop_i, drop_j = np.empty(total, np.int32), np.empty(total, np.int32)
    add_i, add_l = np.empty(total, np.int32), np.empty(total, np.int32)
    _decide(
        g.parallel, key, g.indptr, g.indices, rows, offsets, society.enrolled, society.fear,
        society.score, society.listed, drop_i, drop_j, add_i, add_l, mode, p,
    )  # fmt: skip
    return drop_i, drop_j, add_i, add_l


def network(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Drop ties to low scorers (and to listed agents) and replace some by friends of friends.

    Reads
    -----
    society.enrolled, society.score, society.fear : arrays
        Who ostracises whom (enrolled agents, enrolled low scorers) and how readily.
    society.listed : bool array
        Who is shamed (model v2; empty without a blacklist).
    society.graph : Graph
        The friendships at the start of the phase.

    Writes
    ------
    society.graph : Graph
        Ties dropped and ties made (the enrolled-friends tally is updated with them).
    rec.edges_dropped, rec.edges_added : int
        This step's counts.

    Notes
    -----
    Parameters: :class:`NetworkParams`, which also holds the rules that switch ostracism (a
    friend term is on) and shaming (the blacklist publishes names) on. Each decision to drop is
    one per ordered pair; with probability ``replace_prob`` the dropper befriends a friend of a
    friend (a two-step random walk) who is not low (not listed). A pair both mechanisms drop is
    removed once.

    References
    ----------
    1. Holme, P. and Kim, B. J. (2002). Growing scale-free networks with tunable clustering.
       *Physical Review E* 65(2), 026107.
    2. Jackson, M. O. and Rogers, B. W. (2007). Meeting strangers and friends of friends: how
       random are social networks? *American Economic Review* 97(3), 890-915.
    3. docs/model.md, sections 2.6 and 6.3.
    """
    key = step_key(rng)
    p = params.bundle(NetworkParams)
    parts = []
    if p.ostracism:
        low_rows = np.flatnonzero(society.enrolled & (society.score < p.low_threshold))
        parts.append(_decisions(society, key, low_rows, OSTRACISM, p))
    if p.shaming and society.blacklist_on:
        listed_rows = np.flatnonzero(society.listed)
        shaming_key = np.uint64(mix64(key ^ _SHAMING_SALT))  # numba boxes it as a Python int
        parts.append(_decisions(society, shaming_key, listed_rows, SHAMING, p))
    if not parts:
        return
    drop_i, drop_j, add_i, add_l = (
        parts[0] if len(parts) == 1 else tuple(np.concatenate(c) for c in zip(*parts, strict=True))
    )
    removed = canonical_edges(drop_i, drop_j)  # each pair once, sorted
    made = add_l >= 0
    added = canonical_edges(add_i[made], add_l[made])
    update_graph(society, removed, added)
    rec.edges_dropped, rec.edges_added = int(removed[0].size), int(added[0].size)


PHASE = Phase(name="network", stream="network", run=network)

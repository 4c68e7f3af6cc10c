"""Phase 5, adaptation: risk, self-censorship, conformity, gaming, spiral of silence
(docs/model.md 2.5).

Enrolled agents learn from sanctions on themselves and their friends (an exponentially weighted
risk), censor what they express, conform their purchases, and game the score with loyal posts.
Every agent's private opinion then moves towards a mix of the climate it perceives (the mean
expressed opinion of its friends) and its own initial view: the Friedkin-Johnsen (1990) model of
opinion dynamics with stubbornness, coupled to Noelle-Neumann's (1974) spiral of silence through
self-censorship. Neighbour quantities read the state at the start of the phase.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from scoresim.core.buffers import reuse_or_empty
from scoresim.core.jit import kernel, use_threads
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society.agents import Society, expressed_of

#: ``Society.derived`` key of the expressed-dissent snapshot, whose memory the metrics borrow
SNAPSHOT = "adaptation.expressed"
FLAGS = "adaptation.flags"  #: and of the friends' flags


@kernel
def _snapshot(dissent, censor, enrolled, tier, public_tier, sanctioned, expressed, flags):
    """Expressed dissent, and a friend's flags in one byte: sanctioned + 2 * public."""
    for i in prange(dissent.size):
        expressed[i] = expressed_of(dissent[i], censor[i])
        public = enrolled[i] and public_tier[tier[i]]
        flags[i] = (1 if sanctioned[i] else 0) + (2 if public else 0)


@kernel
def _adapt(
    indptr, indices, enrolled, sanctioned, flags, expressed, fear, score, tier, next_min,
    dissent, dissent0, risk, censor, buy_conform, gaming, climate,
    risk_rate, w_own, w_friends, censor_rate, awareness, sensitivity, conform_rate, pressure,
    gaming_cap, w_gap, gap_scale, w_public, opinion_rate, climate_weight,
):  # fmt: skip
    top = next_min.size - 1
    for i in prange(dissent.size):
        degree = indptr[i + 1] - indptr[i]
        expressed_total = 0.0
        if enrolled[i]:  # one walk over the friends reads both of their snapshots
            n_sanctioned = 0
            n_public = 0
            for q in range(indptr[i], indptr[i + 1]):
                j = indices[q]
                expressed_total += expressed[j]
                bits = flags[j]
                n_sanctioned += bits & 1
                n_public += bits >> 1
            f = fear[i]
            friends_sanctioned = n_sanctioned / degree if degree > 0 else 0.0
            public_friends = n_public / degree if degree > 0 else 0.0
            r = (1.0 - risk_rate) * risk[i] + risk_rate * (
                w_own * sanctioned[i] + w_friends * friends_sanctioned
            )
            risk[i] = r
            censor[i] += censor_rate * (f * min(1.0, awareness + sensitivity * r) - censor[i])
            buy_conform[i] += conform_rate * (f * pressure - buy_conform[i])
            gap = 0.0 if tier[i] == top else next_min[tier[i]] - score[i]
            gaming[i] = min(gaming_cap, f * (w_gap * gap / gap_scale + w_public * public_friends))
        else:
            for q in range(indptr[i], indptr[i + 1]):
                expressed_total += expressed[indices[q]]
        c = expressed_total / degree if degree > 0 else dissent[i]
        climate[i] = c
        dissent[i] = (1.0 - opinion_rate) * dissent[i] + opinion_rate * (
            climate_weight * c + (1.0 - climate_weight) * dissent0[i]
        )


def adaptation(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Update adaptation state of enrolled agents, then everyone's private dissent."""
    ad, tiers, g = params.scenario.adaptation, params.tiers, society.graph
    # the snapshot every neighbour reads, in the last step's memory when unshared (its own: in
    # the spare score array it costs this phase a fifth more time on this machine, for 8 MB)
    expressed = reuse_or_empty(society.derived, SNAPSHOT, society.n, np.float64)
    flags = reuse_or_empty(society.derived, FLAGS, society.n, np.uint8)
    _snapshot(
        use_threads(society.n), society.dissent, society.censor, society.enrolled, society.tier,
        tiers.public, rec.sanctioned, expressed, flags,
    )  # fmt: skip
    next_min = np.append(tiers.min_score[1:], np.inf)
    _adapt(
        g.parallel, g.indptr, g.indices, society.enrolled, rec.sanctioned, flags, expressed,
        society.fear, society.score, society.tier, next_min, society.dissent, society.dissent0,
        society.risk, society.censor, society.buy_conform, society.gaming, society.climate,
        ad.risk_rate, ad.risk_own_weight, ad.risk_friends_weight, ad.censor_rate, ad.awareness,
        ad.risk_sensitivity, ad.conform_rate, 1.0 if params.purchases_penalised else 0.0,
        ad.gaming_cap, ad.gaming_gap_weight, ad.gaming_gap_scale, ad.gaming_public_weight,
        ad.opinion_rate, ad.climate_weight,
    )  # fmt: skip
    society.derived[SNAPSHOT], society.derived[FLAGS] = expressed, flags

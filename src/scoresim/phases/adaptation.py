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

from typing import NamedTuple

import numpy as np
from numba import prange

from scoresim.core.buffers import reuse_or_empty
from scoresim.core.jit import kernel, use_threads
from scoresim.phases.params import Params
from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord
from scoresim.scenario import Scenario
from scoresim.society.agents import Society, expressed_of
from scoresim.society.tiers import TierTable

#: ``Society.derived`` key of the expressed-dissent snapshot, whose memory the metrics borrow
SNAPSHOT = "adaptation.expressed"
FLAGS = "adaptation.flags"  #: and of the friends' flags


class AdaptationParams(NamedTuple):
    """The parameters of :func:`adaptation` (``[adaptation]``, the tiers, the purchase deltas)."""

    public_tier: np.ndarray  #: per tier, whether its members are shown, ``tiers.*.public``
    #: per tier, the lower bound of the next tier (inf for the top one), which gaming closes in on
    next_min: np.ndarray
    risk_rate: float  #: ``adaptation.risk_rate``
    risk_own_weight: float  #: ``adaptation.risk_own_weight``
    risk_friends_weight: float  #: ``adaptation.risk_friends_weight``
    censor_rate: float  #: ``adaptation.censor_rate``
    awareness: float  #: ``adaptation.awareness``
    risk_sensitivity: float  #: ``adaptation.risk_sensitivity``
    conform_rate: float  #: ``adaptation.conform_rate``
    #: section 2.5's P, 1.0 when purchases are penalised (some ``policy.purchases.*.delta`` is
    #: negative), else 0.0
    purchase_pressure: float
    gaming_cap: float  #: ``adaptation.gaming_cap``
    gaming_gap_weight: float  #: ``adaptation.gaming_gap_weight``
    gaming_gap_scale: float  #: ``adaptation.gaming_gap_scale``
    gaming_public_weight: float  #: ``adaptation.gaming_public_weight``
    opinion_rate: float  #: ``adaptation.opinion_rate``
    climate_weight: float  #: ``adaptation.climate_weight``

    @classmethod
    def of(cls, scenario: Scenario, tiers: TierTable) -> AdaptationParams:
        """The bundle of ``scenario``."""
        ad, pur = scenario.adaptation, scenario.policy.purchases
        penalised = min(pur.desirable.delta, pur.undesirable.delta, pur.neutral.delta) < 0
        return cls(
            public_tier=tiers.public,
            next_min=np.append(tiers.min_score[1:], np.inf),
            risk_rate=ad.risk_rate,
            risk_own_weight=ad.risk_own_weight,
            risk_friends_weight=ad.risk_friends_weight,
            censor_rate=ad.censor_rate,
            awareness=ad.awareness,
            risk_sensitivity=ad.risk_sensitivity,
            conform_rate=ad.conform_rate,
            purchase_pressure=1.0 if penalised else 0.0,
            gaming_cap=ad.gaming_cap,
            gaming_gap_weight=ad.gaming_gap_weight,
            gaming_gap_scale=ad.gaming_gap_scale,
            gaming_public_weight=ad.gaming_public_weight,
            opinion_rate=ad.opinion_rate,
            climate_weight=ad.climate_weight,
        )


@kernel
def _snapshot(dissent, censor, enrolled, tier, sanctioned, expressed, flags, p):
    """Expressed dissent, and a friend's flags in one byte: sanctioned + 2 * public."""
    public_tier = p.public_tier
    for i in prange(dissent.size):
        expressed[i] = expressed_of(dissent[i], censor[i])
        public = enrolled[i] and public_tier[tier[i]]
        flags[i] = (1 if sanctioned[i] else 0) + (2 if public else 0)


@kernel
def _adapt(
    indptr, indices, enrolled, sanctioned, flags, expressed, fear, score, tier,
    dissent, dissent0, risk, censor, buy_conform, gaming, climate, p,
):  # fmt: skip
    next_min = p.next_min
    risk_rate = p.risk_rate
    opinion_rate = p.opinion_rate
    climate_weight = p.climate_weight
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
                p.risk_own_weight * sanctioned[i] + p.risk_friends_weight * friends_sanctioned
            )
            risk[i] = r
            censor[i] += p.censor_rate * (
                f * min(1.0, p.awareness + p.risk_sensitivity * r) - censor[i]
            )
            buy_conform[i] += p.conform_rate * (f * p.purchase_pressure - buy_conform[i])
            gap = 0.0 if tier[i] == top else next_min[tier[i]] - score[i]
            gaming[i] = min(
                p.gaming_cap,
                f * (p.gaming_gap_weight * gap / p.gaming_gap_scale
                     + p.gaming_public_weight * public_friends),
            )  # fmt: skip
        else:
            for q in range(indptr[i], indptr[i + 1]):
                expressed_total += expressed[indices[q]]
        c = expressed_total / degree if degree > 0 else dissent[i]
        climate[i] = c
        dissent[i] = (1.0 - opinion_rate) * dissent[i] + opinion_rate * (
            climate_weight * c + (1.0 - climate_weight) * dissent0[i]
        )


def adaptation(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Update adaptation state of enrolled agents, then everyone's private dissent.

    Reads
    -----
    society.enrolled, society.fear, society.score, society.tier, society.graph : arrays
        Who adapts, how fearful, how far from the next tier, and the friends.
    society.dissent0 : float array
        Each agent's initial view, to which its stubbornness pulls.
    rec.sanctioned : bool array
        This step's sanctions, on the agent and on its friends.

    Writes
    ------
    society.risk, society.censor, society.buy_conform, society.gaming : float arrays
        The perceived risk and the responses to it (enrolled agents only).
    society.climate : float array
        The opinion climate each agent perceives: its friends' mean expressed dissent.
    society.dissent : float array
        Everyone's private dissent after the opinion update.
    society.derived["adaptation.expressed"], society.derived["adaptation.flags"] : arrays
        The snapshot the friends were read from (its memory is lent to the metrics).

    Notes
    -----
    Parameters: :class:`AdaptationParams`. Risk is an exponentially weighted share of sanctions
    on the agent and its friends; censorship, purchase conformity and gaming move towards what
    fear and risk make of them. Private dissent then moves towards a mix of the climate and the
    initial view (the Friedkin-Johnsen model with stubbornness), coupled to the spiral of
    silence through self-censorship. Every neighbour term reads the state at the start of the
    phase.

    References
    ----------
    1. Friedkin, N. E. and Johnsen, E. C. (1990). Social influence and opinions. *Journal of
       Mathematical Sociology* 15(3-4), 193-206.
    2. Noelle-Neumann, E. (1974). The spiral of silence: a theory of public opinion. *Journal
       of Communication* 24(2), 43-51.
    3. docs/model.md, section 2.5.
    """
    p, g = params.bundle(AdaptationParams), society.graph
    # the snapshot every neighbour reads, in the last step's memory when unshared (its own: in
    # the spare score array it costs this phase a fifth more time on this machine, for 8 MB)
    expressed = reuse_or_empty(society.derived, SNAPSHOT, society.n, np.float64)
    flags = reuse_or_empty(society.derived, FLAGS, society.n, np.uint8)
    _snapshot(
        use_threads(society.n), society.dissent, society.censor, society.enrolled, society.tier,
        rec.sanctioned, expressed, flags, p,
    )  # fmt: skip
    _adapt(
        g.parallel, g.indptr, g.indices, society.enrolled, rec.sanctioned, flags, expressed,
        society.fear, society.score, society.tier, society.dissent, society.dissent0,
        society.risk, society.censor, society.buy_conform, society.gaming, society.climate, p,
    )  # fmt: skip
    society.derived[SNAPSHOT], society.derived[FLAGS] = expressed, flags


PHASE = Phase(name="adaptation", stream="adaptation", run=adaptation)

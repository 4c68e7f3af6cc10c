"""Phase 5, adaptation: risk, self-censorship, conformity, gaming, spiral of silence
(docs/model.md 2.5 and, model v3, section 7).

Enrolled agents learn from sanctions on themselves and their friends (an exponentially weighted
risk), censor what they express, conform their purchases, and game the score with loyal posts.
Every agent's private opinion then moves towards a mix of the climate it perceives (the mean
expressed opinion of its friends) and its own initial view: the Friedkin-Johnsen (1990) model of
opinion dynamics with stubbornness, coupled to Noelle-Neumann's (1974) spiral of silence through
self-censorship. Neighbour quantities read the state at the start of the phase.

Model v3 (each part off by default, :mod:`scoresim.phases.behaviour` holds its rules): each
agent's own susceptibility and a confidence bound on the views it listens to (7.1), speech by a
threshold on the support it sees (7.2), fear scaled by what one has to lose and backlash (7.3),
and gaming as a best response to the next cut-off (7.4), in the order of 7.7.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from scoresim.core.buffers import SPARE_FLOATS, reuse_or_empty
from scoresim.core.jit import STREAM_AHEAD, kernel, prefetch, use_threads
from scoresim.phases.behaviour import (
    CRITICAL,
    backlash,
    effective_fear,
    opinion_update,
    speaks,
    support_of,
    threshold_gaming,
)
from scoresim.phases.climate_voice import climate_voice_comoments, climate_voice_corr
from scoresim.phases.params import Params
from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord
from scoresim.scenario import Scenario
from scoresim.society.agents import Society, expressed_of
from scoresim.society.tiers import TierTable
from scoresim.society.traits import COMMON_SUSCEPTIBILITY

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
    # model v3 (docs/model.md section 7)
    confidence: float  #: epsilon of 7.1, ``adaptation.confidence``
    bounded: bool  #: whether the confidence bound excludes some views (``confidence < 1``)
    stake_exponent: float  #: xi of 7.3, ``adaptation.stake_exponent``
    income_scale: float  #: ``exp(-population.income_mu)``: a stake of 1 at the median income
    backlash: float  #: beta of 7.3, ``adaptation.backlash``
    #: whether agents speak by 7.2's threshold model (``expression.model = "threshold"``)
    threshold_expression: bool
    sanction_weight: float  #: kappa of 7.2, ``expression.sanction_weight``
    conviction: float  #: omega of 7.2, ``expression.conviction``
    #: whether gaming is 7.4's best response (``adaptation.gaming_model = "threshold"``)
    threshold_gaming: bool
    gaming_reach: float  #: ``adaptation.gaming_reach``

    @classmethod
    def of(cls, scenario: Scenario, tiers: TierTable) -> AdaptationParams:
        """The bundle of ``scenario``."""
        ad, pur, ex = scenario.adaptation, scenario.policy.purchases, scenario.expression
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
            confidence=ad.confidence,
            bounded=ad.confidence < 1.0,
            stake_exponent=ad.stake_exponent,
            income_scale=math.exp(-scenario.population.income_mu),
            backlash=ad.backlash,
            threshold_expression=ex.model == "threshold",
            sanction_weight=ex.sanction_weight,
            conviction=ex.conviction,
            threshold_gaming=ad.gaming_model == "threshold",
            gaming_reach=ad.gaming_reach,
        )


@kernel
def _snapshot(dissent, censor, enrolled, tier, sanctioned, expressed, flags, p):
    """Expressed dissent, and each agent's flags in one byte: sanctioned + 2 * public + 4 *
    critical (``dissent > 0.5`` at the start of the phase, which 7.5's ``climate_voice_corr``
    reads after the update)."""
    public_tier = p.public_tier
    for i in prange(dissent.size):
        if i % 8 == 0:  # a line of each float array ahead
            prefetch(dissent, i + STREAM_AHEAD)
            prefetch(censor, i + STREAM_AHEAD)
            prefetch(expressed, i + STREAM_AHEAD)
        d = dissent[i]
        expressed[i] = expressed_of(d, censor[i])
        public = enrolled[i] and public_tier[tier[i]]
        flags[i] = (1 if sanctioned[i] else 0) + (2 if public else 0) + (4 if d > CRITICAL else 0)


@njit(inline="always", cache=True)
def _walk(indices, expressed, flags, lo, hi, d, eps, bounded):  # type: ignore[no-untyped-def]
    """One agent's walk over its friends ``indices[lo:hi]`` with some model v3 mechanism on:
    the sum of their expressed views, that of the views within ``eps`` of ``d`` and their
    number (``bounded``), the number expressing a critical view, and the numbers sanctioned
    and shown."""
    expressed_total = near_total = 0.0
    n_near = n_critical = n_sanctioned = n_public = 0
    # unsigned positions and ids (never negative): no test for Python's negative indices on
    # each read, which made a third of the walk's time
    for q in range(np.uint64(lo), np.uint64(hi)):
        j = np.uint64(indices[q])
        e = expressed[j]
        expressed_total += e
        n_critical += e > CRITICAL
        if bounded and abs(e - d) <= eps:
            near_total += e
            n_near += 1
        bits = flags[j]
        n_sanctioned += bits & 1
        n_public += (bits >> 1) & 1
    return expressed_total, near_total, n_near, n_critical, n_sanctioned, n_public


@kernel
def _adapt(
    indptr, indices, enrolled, sanctioned, flags, expressed, fear, employed, income, score, tier,
    susceptibility, threshold, aware, dissent, dissent0, risk, censor, buy_conform, gaming,
    climate, supports, p, model_v3,
):  # fmt: skip
    """Every agent's adaptation in the order of docs/model.md 7.7; the support of each critic
    (of every agent, with the threshold model) is kept in ``supports``.

    ``model_v3`` is True when some mechanism of section 7 is on and None when all are off:
    None has a type of its own, so numba compiles the kernel apart for it, with every switch
    below a constant False and model v3's code folded away."""
    next_min = p.next_min
    risk_rate = p.risk_rate
    opinion_rate = p.opinion_rate
    eps = p.confidence
    v3 = model_v3 is not None
    bounded = v3 and p.bounded
    speech = v3 and p.threshold_expression  # every agent counts its support
    read_all_flags = v3 and p.backlash > 0.0  # backlash reads every agent's sanctioned friends
    stake = v3 and p.stake_exponent != 0.0
    heterogeneous = v3 and susceptibility.size > 0
    some_unaware = v3 and aware.size > 0
    best_response = v3 and p.threshold_gaming
    top = next_min.size - 1
    for i in prange(dissent.size):
        d = dissent[i]
        degree = indptr[i + 1] - indptr[i]
        # the start-of-phase snapshot: the walks over the friends read what this agent needs
        # of it (model v3's one walk reads everything; model v1's, only what v1 uses)
        lo, hi = indptr[i], indptr[i + 1]
        critic = d > CRITICAL
        if bounded or speech or read_all_flags:  # model v3
            walk = _walk(indices, expressed, flags, lo, hi, d, eps, bounded)
            expressed_total, near_total, n_near, n_critical, n_sanctioned, n_public = walk
        else:  # model v1's two walks, as they were (unsigned, as in _walk)
            expressed_total = near_total = 0.0
            n_near = n_critical = n_sanctioned = n_public = 0
            if enrolled[i]:
                for q in range(np.uint64(lo), np.uint64(hi)):
                    j = np.uint64(indices[q])
                    expressed_total += expressed[j]
                    bits = flags[j]
                    n_sanctioned += bits & 1
                    n_public += (bits >> 1) & 1
            else:
                for q in range(np.uint64(lo), np.uint64(hi)):
                    expressed_total += expressed[np.uint64(indices[q])]
            if critic:  # its support, 7.5's climate_voice_corr's: the row again, in cache now
                for q in range(np.uint64(lo), np.uint64(hi)):
                    n_critical += expressed[np.uint64(indices[q])] > CRITICAL
        if critic or speech:
            supports[i] = support_of(critic, n_critical, degree)
        friends_sanctioned = n_sanctioned / degree if degree > 0 else 0.0
        # 7.3's effective fear, made only where a term uses it (a power of the stake costs):
        # below 0 until then; a term it multiplies by zero is skipped, which is exact
        f_eff = -1.0
        if enrolled[i]:
            f = fear[i]
            public_friends = n_public / degree if degree > 0 else 0.0
            r = (1.0 - risk_rate) * risk[i] + risk_rate * (
                p.risk_own_weight * sanctioned[i] + p.risk_friends_weight * friends_sanctioned
            )
            risk[i] = r
            if not speech:
                f_eff = effective_fear(f, employed[i], income[i], p) if stake else f
                censor[i] += p.censor_rate * (
                    f_eff * min(1.0, p.awareness + p.risk_sensitivity * r) - censor[i]
                )
            buy_conform[i] += p.conform_rate * (f * p.purchase_pressure - buy_conform[i])
            gap = 0.0 if tier[i] == top else next_min[tier[i]] - score[i]
            aware_i = (1.0 if aware[i] else 0.0) if some_unaware else 1.0
            if best_response:
                gaming[i] = threshold_gaming(gap, aware_i, p)
            else:
                g = min(
                    p.gaming_cap,
                    f * (p.gaming_gap_weight * gap / p.gaming_gap_scale
                         + p.gaming_public_weight * public_friends),
                )  # fmt: skip
                gaming[i] = g * aware_i if some_unaware else g
        if speech:  # every agent: the non-enrolled have risk 0
            support = supports[i]
            r_i = risk[i]
            if r_i > 0.0 and f_eff < 0.0:
                f_eff = effective_fear(fear[i], employed[i], income[i], p)
            cost_fear = f_eff if r_i > 0.0 else 0.0
            censor[i] = 0.0 if speaks(support, d, threshold[i], cost_fear, r_i, p) else 1.0
        c = expressed_total / degree if degree > 0 else d
        climate[i] = c
        if bounded or heterogeneous or read_all_flags:  # model v3
            pull = (near_total / n_near if n_near > 0 else d) if bounded else c
            lam = susceptibility[i] if heterogeneous else COMMON_SUSCEPTIBILITY
            updated = opinion_update(d, dissent0[i], pull, lam, p)
            if read_all_flags and friends_sanctioned > 0.0:
                if f_eff < 0.0:
                    f_eff = effective_fear(fear[i], employed[i], income[i], p)
                updated = backlash(updated, friends_sanctioned, f_eff, p)
            dissent[i] = updated
        else:  # section 2.5, in the same arithmetic as opinion_update
            dissent[i] = (1.0 - opinion_rate) * d + opinion_rate * (
                p.climate_weight * c + (1.0 - p.climate_weight) * dissent0[i]
            )


def _model_v3(p: AdaptationParams, society: Society) -> bool | None:
    """``_adapt``'s ``model_v3``: True when some mechanism of section 7 is on, else None."""
    on = (
        p.bounded or p.threshold_expression or p.backlash > 0.0 or p.stake_exponent != 0.0
        or p.threshold_gaming or society.susceptibility.size > 0 or society.aware.size > 0
    )  # fmt: skip
    return True if on else None


def adaptation(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Update adaptation state of enrolled agents, then everyone's private dissent.

    Reads
    -----
    society.enrolled, society.fear, society.score, society.tier, society.graph : arrays
        Who adapts, how fearful, how far from the next tier, and the friends.
    society.employed, society.income : arrays
        What one has to lose (model v3, 7.3; read only when ``stake_exponent > 0``).
    society.susceptibility, society.threshold, society.aware : arrays
        Model v3's traits (7.1, 7.2, 7.4), empty when their mechanism is off.
    society.dissent0 : float array
        Each agent's initial view, to which its stubbornness pulls.
    rec.sanctioned : bool array
        This step's sanctions, on the agent and on its friends.

    Writes
    ------
    society.risk, society.censor, society.buy_conform, society.gaming : float arrays
        The perceived risk and the responses to it (enrolled agents only; with the threshold
        model of expression, ``censor`` is ``1 - speak`` for every agent, 0 or 1).
    society.climate : float array
        The opinion climate each agent perceives: its friends' mean expressed dissent.
    society.dissent : float array
        Everyone's private dissent after the opinion update.
    society.derived["adaptation.expressed"], society.derived["adaptation.flags"] : arrays
        The snapshot the friends were read from (its memory is lent to the metrics).
    rec.climate_voice_corr : float
        7.5's correlation of support and speech among the privately critical.

    Notes
    -----
    Parameters: :class:`AdaptationParams`. Risk is an exponentially weighted share of sanctions
    on the agent and its friends; censorship, purchase conformity and gaming move towards what
    fear and risk make of them. Private dissent then moves towards a mix of the climate and the
    initial view (the Friedkin-Johnsen model with stubbornness), coupled to the spiral of
    silence through self-censorship. Every neighbour term reads the state at the start of the
    phase. Model v3's order (7.7): the snapshot (sanctioned friends, climate, support, the
    friends within the confidence bound), risk, effective fear, censor or speak, purchases,
    gaming, the private update, backlash; one walk over the friends reads the whole snapshot.

    References
    ----------
    1. Friedkin, N. E. and Johnsen, E. C. (1990). Social influence and opinions. *Journal of
       Mathematical Sociology* 15(3-4), 193-206.
    2. Noelle-Neumann, E. (1974). The spiral of silence: a theory of public opinion. *Journal
       of Communication* 24(2), 43-51.
    3. Friedkin, N. E. and Johnsen, E. C. (1999). Social influence networks and opinion
       change. *Advances in Group Processes* 16, 1-29.
    4. Deffuant, G., Neau, D., Amblard, F. and Weisbuch, G. (2000). Mixing beliefs among
       interacting agents. *Advances in Complex Systems* 3, 87-98; Hegselmann, R. and Krause,
       U. (2002). Opinion dynamics and bounded confidence. *JASSS* 5(3).
    5. Granovetter, M. (1978). Threshold models of collective behavior. *American Journal of
       Sociology* 83(6), 1420-1443; Kuran, T. (1989). Sparks and prairie fires. *Public
       Choice* 61, 41-74; Kuran, T. (1995). *Private Truths, Public Lies*. Harvard.
    6. Jiang, J. and Yang, D. L. (2016). Lying or believing? *Comparative Political Studies*
       49(5), 600-634; Robinson, D. and Tannenberg, M. (2019). Self-censorship of regime
       support in authoritarian states. *Research & Politics* 6(3); Pan, J. and Siegel, A. A.
       (2020). How Saudi crackdowns fail to silence online dissent. *American Political
       Science Review* 114(1), 109-125.
    7. Hardt, M., Megiddo, N., Papadimitriou, C. and Wootters, M. (2016). Strategic
       classification. *ITCS*; Kleinberg, J. and Raghavan, M. (2019). How do classifiers
       induce agents to invest effort strategically? *EC*.
    8. docs/model.md, section 2.5 (and section 7).
    """
    p, g = params.bundle(AdaptationParams), society.graph
    # the snapshot every neighbour reads, in the last step's memory when unshared (its own: in
    # the spare score array it costs this phase a fifth more time on this machine, for 8 MB)
    expressed = reuse_or_empty(society.derived, SNAPSHOT, society.n, np.float64)
    flags = reuse_or_empty(society.derived, FLAGS, society.n, np.uint8)
    # the critics' supports go into the spare floats, free from scoring to the metrics
    supports = reuse_or_empty(society.derived, SPARE_FLOATS, society.n, np.float64)
    _snapshot(
        use_threads(society.n), society.dissent, society.censor, society.enrolled, society.tier,
        rec.sanctioned, expressed, flags, p,
    )  # fmt: skip
    _adapt(
        g.parallel, g.indptr, g.indices, society.enrolled, rec.sanctioned, flags, expressed,
        society.fear, society.employed, society.income, society.score, society.tier,
        society.susceptibility, society.threshold, society.aware, society.dissent,
        society.dissent0, society.risk, society.censor, society.buy_conform, society.gaming,
        society.climate, supports, p, _model_v3(p, society),
    )  # fmt: skip
    comoments = climate_voice_comoments(use_threads(society.n), flags, society.censor, supports)
    society.derived[SPARE_FLOATS] = supports
    rec.climate_voice_corr = climate_voice_corr(comoments)
    society.derived[SNAPSHOT], society.derived[FLAGS] = expressed, flags


PHASE = Phase(name="adaptation", stream="adaptation", run=adaptation)

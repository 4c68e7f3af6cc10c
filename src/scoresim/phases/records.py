"""Records phase (model v2, docs/model.md 6.1): offences and good deeds, drawn and registered.

The documented government schemes score records, not speech: Rongcheng deducts points for
traffic and administrative penalties and court judgments and adds them for volunteering and
donations; the court-judgment defaulter list is fed by judgments not complied with. Every
agent, enrolled or not, commits offences of kind ``r`` at a Poisson rate ``rate_r *
propensity_i * (1 - deterrence * risk_i)`` and does deeds at ``rate_r * civic_i * (1 +
deed_gaming * gaming_i)`` (``risk`` and ``gaming`` as the last adaptation left them). Each
offence is registered with probability ``min(1, detect_r * inspection)``, the inspection of
the tier of the score at the start of the step (1 for non-enrolled agents: "key supervision"
of low grades), each deed with ``detect_r``. This phase draws both (the counts and their
thinning in one agent stream; the joint law is the model's) and leaves for scoring the points
of enrolled agents and, for consequences, who had an offence that lists.

Runs between activity and scoring, from a random stream of its own; without record kinds it
does nothing.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from scoresim.counter_rng import agent_key, binomial_thin, poisson, step_key
from scoresim.jit import kernel, use_threads
from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society
from scoresim.tiers import tier_of

#: ``StepRecord.record_flags`` bits: a registered offence, and a registered offence that lists
OFFENCE, LISTS = 1, 2


@njit(cache=True)
def _agent_records(
    akey, inspection, risk, gaming, propensity, civic,
    offence, rate, delta, detect, lists, deterrence, deed_gaming,
):  # fmt: skip
    """One agent's records: its points, flag bits and (committed offences, registered
    offences, registered deeds), each kind drawn in turn from the agent's stream."""
    c = 0
    total = 0.0
    bits = 0
    committed = registered_offences = registered_deeds = 0
    for r in range(rate.size):
        if offence[r]:
            count, c = poisson(akey, c, rate[r] * propensity * (1.0 - deterrence * risk))
            kept, c = binomial_thin(akey, c, count, min(1.0, detect[r] * inspection))
            committed += count
            registered_offences += kept
            if kept > 0:
                bits |= OFFENCE | (LISTS if lists[r] else 0)
        else:
            count, c = poisson(akey, c, rate[r] * civic * (1.0 + deed_gaming * gaming))
            kept, c = binomial_thin(akey, c, count, detect[r])
            registered_deeds += kept
        total += delta[r] * kept
    return total, bits, (committed, registered_offences, registered_deeds)


@kernel
def _records(
    key, enrolled, score, tier_min, tier_inspection, risk, gaming, propensity, civic,
    offence, rate, delta, detect, lists, deterrence, deed_gaming, points, flags,
):  # fmt: skip
    offences = 0
    offences_registered = 0
    deeds_registered = 0
    for i in prange(score.size):
        akey = agent_key(key, i)
        inspection = 1.0
        if enrolled[i]:
            inspection = tier_inspection[tier_of(score[i], tier_min)]
        total, bits, counts = _agent_records(
            akey, inspection, risk[i], gaming[i], propensity[i], civic[i],
            offence, rate, delta, detect, lists, deterrence, deed_gaming,
        )  # fmt: skip
        points[i] = total if enrolled[i] else 0.0
        flags[i] = bits
        offences += counts[0]
        offences_registered += counts[1]
        deeds_registered += counts[2]
    return offences, offences_registered, deeds_registered


def records(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Draw and register this step's offences and deeds (nothing without record kinds)."""
    key = step_key(rng)  # every step, so that a record kind scheduled later keys as any other
    if params.record_rate.size == 0:
        return
    n, policy, tiers = society.n, params.scenario.policy, params.tiers
    rec.record_points = rec.empty("record_points", n, np.float64)
    rec.record_flags = rec.empty("record_flags", n, np.uint8)
    rec.offences, rec.offences_registered, rec.deeds_registered = _records(
        use_threads(n), key, society.enrolled, society.score, tiers.min_score, tiers.inspection,
        society.risk, society.gaming, society.propensity, society.civic,
        params.record_offence, params.record_rate, params.record_delta, params.record_detect,
        params.record_lists, policy.deterrence, policy.deed_gaming,
        rec.record_points, rec.record_flags,
    )  # fmt: skip

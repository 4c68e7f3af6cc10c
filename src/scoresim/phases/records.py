"""Records phase (model v2, docs/model.md 6.1): offences and good deeds, drawn and registered.

The documented government schemes score records, not speech: Rongcheng deducts points for
traffic and administrative penalties and court judgments and adds them for volunteering and
donations; the court-judgment defaulter list is fed by judgments not complied with. Every
agent, enrolled or not, commits offences of kind ``r`` at a Poisson rate ``rate_r *
propensity_i * (1 - deterrence * risk_i)`` and does deeds at ``rate_r * civic_i * (1 +
deed_gaming * gaming_i)`` (``risk`` and ``gaming`` as the last adaptation left them). Each
offence is registered with probability ``min(1, detect_r * inspection)``, the inspection of
the tier of the score at the start of the step (1 for non-enrolled agents: "key supervision"
of low grades), each deed with ``detect_r``. This phase draws both in one agent stream (the
total count of records, then each record's kind and registration: the joint law of the
model's per-kind counts and binomial thinning) and leaves for scoring the points of enrolled
agents and, for consequences, who had an offence that lists.

Runs between activity and scoring, from a random stream of its own; without record kinds it
does nothing.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from scoresim.core.counter_rng import agent_key, poisson, step_key, uniform
from scoresim.core.jit import kernel, use_threads
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society.agents import Society
from scoresim.society.tiers import tier_of

#: ``StepRecord.record_flags`` bits: a registered offence, and a registered offence that lists
OFFENCE, LISTS = 1, 2


@njit(inline="always", cache=True)
def _rate(r, offence, rate, offence_factor, deed_factor):
    """The agent's Poisson rate of record kind ``r``."""
    return rate[r] * (offence_factor if offence[r] else deed_factor)


@njit(cache=True)
def _agent_records(
    akey, inspection, risk, gaming, propensity, civic,
    offence, rate, delta, detect, lists, deterrence, deed_gaming,
):  # fmt: skip
    """One agent's records: its points, flag bits and (committed offences, registered
    offences, registered deeds).

    The kinds' independent Poisson counts are drawn as one Poisson count of all records at
    the summed rate, each record then taking its kind with probability proportional to the
    kind's rate (the same joint law; one draw instead of one per kind, and records are rare).
    """
    offence_factor = propensity * (1.0 - deterrence * risk)
    deed_factor = civic * (1.0 + deed_gaming * gaming)
    total_rate = 0.0
    for r in range(rate.size):
        total_rate += _rate(r, offence, rate, offence_factor, deed_factor)
    count, c = poisson(akey, 0, total_rate)
    points = 0.0
    bits = 0
    committed = registered_offences = registered_deeds = 0
    for _ in range(count):
        target = uniform(akey, c) * total_rate
        r = 0
        cumulative = _rate(0, offence, rate, offence_factor, deed_factor)
        while r + 1 < rate.size and target >= cumulative:
            r += 1
            cumulative += _rate(r, offence, rate, offence_factor, deed_factor)
        if offence[r]:
            committed += 1
            registered = uniform(akey, c + 1) < detect[r] * inspection
            if registered:
                registered_offences += 1
                bits |= OFFENCE | (LISTS if lists[r] else 0)
        else:
            registered = uniform(akey, c + 1) < detect[r]
            registered_deeds += registered
        if registered:
            points += delta[r]
        c += 2
    return points, bits, (committed, registered_offences, registered_deeds)


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

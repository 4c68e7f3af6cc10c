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

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from scoresim.core.counter_rng import agent_key, poisson, step_key, uniform
from scoresim.core.jit import kernel, use_threads
from scoresim.phases.params import Params
from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord
from scoresim.scenario import Scenario
from scoresim.society.agents import Society
from scoresim.society.tiers import TierTable, tier_of

#: ``StepRecord.record_flags`` bits: a registered offence, and a registered offence that lists
OFFENCE, LISTS = 1, 2


class RecordsParams(NamedTuple):
    """The parameters of :func:`records`: the record kinds of ``policy.records`` in scenario
    order (one entry each), the tiers' inspection and the policy's behavioural factors."""

    offence: np.ndarray  #: whether an offence (else a good deed), ``kind``
    rate: np.ndarray  #: mean records per agent per step, ``rate``
    delta: np.ndarray  #: points per registered record, ``delta``
    detect: np.ndarray  #: probability a record is registered, ``detect``
    lists: np.ndarray  #: whether a registered offence of this kind lists, ``lists``
    tier_min: np.ndarray  #: the tiers' lower bounds, ``tiers.*.min_score``
    tier_inspection: np.ndarray  #: each tier's factor on detection, ``tiers.*.inspection``
    deterrence: float  #: offences fall by deterrence * risk, ``policy.deterrence``
    deed_gaming: float  #: deeds rise by deed_gaming * gaming, ``policy.deed_gaming``

    @classmethod
    def of(cls, scenario: Scenario, tiers: TierTable) -> RecordsParams:
        """The bundle of ``scenario``."""
        kinds, policy = scenario.policy.records, scenario.policy
        return cls(
            offence=np.array([r.kind == "offence" for r in kinds], dtype=np.bool_),
            rate=np.array([r.rate for r in kinds], dtype=np.float64),
            delta=np.array([r.delta for r in kinds], dtype=np.float64),
            detect=np.array([r.detect for r in kinds], dtype=np.float64),
            lists=np.array([r.lists for r in kinds], dtype=np.bool_),
            tier_min=tiers.min_score,
            tier_inspection=tiers.inspection,
            deterrence=policy.deterrence,
            deed_gaming=policy.deed_gaming,
        )


@njit(inline="always", cache=True)
def _rate(r, p, offence_factor, deed_factor):
    """The agent's Poisson rate of record kind ``r``."""
    return p.rate[r] * (offence_factor if p.offence[r] else deed_factor)


@njit(cache=True)
def _agent_records(akey, inspection, risk, gaming, propensity, civic, p):
    """One agent's records: its points, flag bits and (committed offences, registered
    offences, registered deeds).

    The kinds' independent Poisson counts are drawn as one Poisson count of all records at
    the summed rate, each record then taking its kind with probability proportional to the
    kind's rate (the same joint law; one draw instead of one per kind, and records are rare).
    """
    offence_factor = propensity * (1.0 - p.deterrence * risk)
    deed_factor = civic * (1.0 + p.deed_gaming * gaming)
    kinds = p.rate.size
    total_rate = 0.0
    for r in range(kinds):
        total_rate += _rate(r, p, offence_factor, deed_factor)
    count, c = poisson(akey, 0, total_rate)
    points = 0.0
    bits = 0
    committed = registered_offences = registered_deeds = 0
    for _ in range(count):
        target = uniform(akey, c) * total_rate
        r = 0
        cumulative = _rate(0, p, offence_factor, deed_factor)
        while r + 1 < kinds and target >= cumulative:
            r += 1
            cumulative += _rate(r, p, offence_factor, deed_factor)
        if p.offence[r]:
            committed += 1
            registered = uniform(akey, c + 1) < p.detect[r] * inspection
            if registered:
                registered_offences += 1
                bits |= OFFENCE | (LISTS if p.lists[r] else 0)
        else:
            registered = uniform(akey, c + 1) < p.detect[r]
            registered_deeds += registered
        if registered:
            points += p.delta[r]
        c += 2
    return points, bits, (committed, registered_offences, registered_deeds)


@kernel
def _records(
    key, enrolled, score, risk, gaming, propensity, civic, points, flags, p,
):  # fmt: skip
    offences = 0
    offences_registered = 0
    deeds_registered = 0
    for i in prange(score.size):
        akey = agent_key(key, i)
        inspection = 1.0
        if enrolled[i]:
            inspection = p.tier_inspection[tier_of(score[i], p.tier_min)]
        total, bits, counts = _agent_records(
            akey, inspection, risk[i], gaming[i], propensity[i], civic[i], p
        )
        points[i] = total if enrolled[i] else 0.0
        flags[i] = bits
        offences += counts[0]
        offences_registered += counts[1]
        deeds_registered += counts[2]
    return offences, offences_registered, deeds_registered


def records(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Draw and register this step's offences and deeds (nothing without record kinds).

    Reads
    -----
    society.enrolled, society.score : arrays
        Who is enrolled, and the score whose tier sets the inspection of offences.
    society.risk, society.gaming : float arrays
        As the last adaptation left them: deterrence of offences, gaming by good deeds.
    society.propensity, society.civic : float arrays
        The traits of offending and of doing good deeds.

    Writes
    ------
    rec.record_points : float array
        The points of each enrolled agent's registered records (0 for the others).
    rec.record_flags : uint8 array
        ``OFFENCE`` (1) for a registered offence, plus ``LISTS`` (2) if one of them lists.
    rec.offences, rec.offences_registered, rec.deeds_registered : int
        This step's counts over all agents.

    Notes
    -----
    Parameters: :class:`RecordsParams`. A step key is drawn every step, with or without
    record kinds, so that a kind scheduled later keys as any other.

    References
    ----------
    1. docs/model.md, section 6.1 (the schemes of Rongcheng and the defaulter list).
    """
    key = step_key(rng)  # every step, so that a record kind scheduled later keys as any other
    p = params.bundle(RecordsParams)
    if p.rate.size == 0:
        return
    n = society.n
    rec.record_points = rec.empty("record_points", n, np.float64)
    rec.record_flags = rec.empty("record_flags", n, np.uint8)
    rec.offences, rec.offences_registered, rec.deeds_registered = _records(
        use_threads(n), key, society.enrolled, society.score, society.risk, society.gaming,
        society.propensity, society.civic, rec.record_points, rec.record_flags, p,
    )  # fmt: skip


PHASE = Phase(name="records", stream="records", run=records)

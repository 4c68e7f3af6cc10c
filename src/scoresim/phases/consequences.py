"""Phase 4, consequences: tiers gate jobs, loans and travel; wealth accrues (docs/model.md 2.4).

Per agent, in order: job (an employed agent can only lose its job, an unemployed one can only be
hired, at the tier's ``hire_multiplier``), loan (apply and be approved at the tier's
``loan_approval``, or close or default an existing loan; a default flags a penalty for the next
step's scoring), travel (denied in a banning tier), then wealth from the updated job and loan.
Non-enrolled agents are treated as the tier holding ``score.base``, with no travel ban.

Model v2 adds the tier's ``perk_value`` to the wealth of enrolled agents (6.2: deposit waivers,
bill discounts) and the defaulter blacklist (6.3; the Supreme People's Court's list of judgment
defaulters since 2013), which applies to every agent, enrolled or not: first a listed agent may
comply and be delisted; while listed it is denied every loan and every trip it asks for and is
hired at ``hire_multiplier`` times the tier's rate; a loan default is deterred by ``fear``; last,
an agent that defaulted this step (with ``from_default``) or had an offence that lists
registered is listed, which for an enrolled agent is a sanction.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from scoresim.core.counter_rng import agent_key, step_key, uniform
from scoresim.core.jit import kernel, use_threads
from scoresim.phases.params import Params
from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord
from scoresim.phases.records import LISTS
from scoresim.scenario import Scenario
from scoresim.society.agents import Society
from scoresim.society.tiers import TierTable


def perk_tiers(tiers: TierTable) -> np.ndarray:
    """Which tiers pay a perk (section 6.2: a ``perk_value`` above 0), as a bool per tier."""
    return tiers.perk_value > 0


class ConsequencesParams(NamedTuple):
    """The parameters of :func:`consequences` (the tier table, ``[economy]``, ``[blacklist]``)."""

    hire_multiplier: np.ndarray  #: per tier, ``tiers.*.hire_multiplier``
    loan_approval: np.ndarray  #: per tier, ``tiers.*.loan_approval``
    travel_ban: np.ndarray  #: bool, per tier, ``tiers.*.travel_ban``
    perk_value: np.ndarray  #: per tier (model v2, 6.2), ``tiers.*.perk_value``
    any_perk: bool  #: whether some tier pays a perk (``perk_tiers``)
    job_loss: float  #: ``economy.job_loss``
    hire: float  #: ``economy.hire``
    loan_apply: float  #: ``economy.loan_apply``
    loan_close: float  #: ``economy.loan_close``
    default: float  #: ``economy.default``
    default_unemployed_factor: float  #: ``economy.default_unemployed_factor``
    travel: float  #: ``economy.travel``
    loan_income_bonus: float  #: ``economy.loan_income_bonus``
    blacklist: bool  #: the blacklist lists and bans (model v2, 6.3), ``blacklist.enabled``
    from_default: float  #: ``blacklist.from_default``
    listed_hire_multiplier: float  #: ``blacklist.hire_multiplier``
    comply: float  #: ``blacklist.comply``
    comply_unemployed_factor: float  #: ``blacklist.comply_unemployed_factor``
    default_deterrence: float  #: ``blacklist.default_deterrence``

    @classmethod
    def of(cls, scenario: Scenario, tiers: TierTable) -> ConsequencesParams:
        """The bundle of ``scenario``."""
        eco, bl = scenario.economy, scenario.blacklist
        return cls(
            hire_multiplier=tiers.hire_multiplier,
            loan_approval=tiers.loan_approval,
            travel_ban=tiers.travel_ban,
            perk_value=tiers.perk_value,
            any_perk=bool(perk_tiers(tiers).any()),
            job_loss=eco.job_loss,
            hire=eco.hire,
            loan_apply=eco.loan_apply,
            loan_close=eco.loan_close,
            default=eco.default,
            default_unemployed_factor=eco.default_unemployed_factor,
            travel=eco.travel,
            loan_income_bonus=eco.loan_income_bonus,
            blacklist=bl.enabled,
            from_default=bl.from_default,
            listed_hire_multiplier=bl.hire_multiplier,
            comply=bl.comply,
            comply_unemployed_factor=bl.comply_unemployed_factor,
            default_deterrence=bl.default_deterrence,
        )


@kernel
def _consequences(
    key, tier, enrolled, employed, has_loan, defaulted, income, wealth, fear, sanctioned,
    record_flags, listed, ever_listed, listing_pending, p,
):  # fmt: skip
    has_blacklist = listed.size > 0
    has_flags = record_flags.size > 0
    loans_denied = 0
    travel_denied = 0
    listings = 0
    delistings = 0
    for i in prange(tier.size):
        akey = agent_key(key, i)
        t = tier[i]
        banned = False  # listed after this step's delisting: every loan and trip is denied
        if has_blacklist and listed[i]:
            p_comply = p.comply if employed[i] else p.comply * p.comply_unemployed_factor
            if uniform(akey, 6) < p_comply:
                listed[i] = False
                delistings += 1
            else:
                banned = True
        if employed[i]:
            employed[i] = not uniform(akey, 0) < p.job_loss
        else:
            p_hire = p.hire * p.hire_multiplier[t]
            if banned:
                p_hire *= p.listed_hire_multiplier
            employed[i] = uniform(akey, 0) < p_hire
        if not has_loan[i]:
            if uniform(akey, 1) < p.loan_apply:
                if not banned and uniform(akey, 2) < p.loan_approval[t]:
                    has_loan[i] = True
                else:
                    loans_denied += 1
        elif uniform(akey, 3) < p.loan_close:
            has_loan[i] = False
        else:
            p_default = p.default if employed[i] else p.default * p.default_unemployed_factor
            if has_blacklist:
                p_default *= 1.0 - p.default_deterrence * fear[i]
            if uniform(akey, 4) < p_default:
                has_loan[i] = False
                defaulted[i] = True
        if uniform(akey, 5) < p.travel and (banned or (enrolled[i] and p.travel_ban[t])):
            travel_denied += 1
        if employed[i]:
            wealth[i] += income[i] * (1.0 + p.loan_income_bonus) if has_loan[i] else income[i]
        if p.any_perk and enrolled[i]:
            wealth[i] += p.perk_value[t]
        if has_blacklist and not listed[i]:
            lists = has_flags and (record_flags[i] & LISTS) != 0
            if lists or (defaulted[i] and uniform(akey, 7) < p.from_default):
                listed[i] = True
                ever_listed[i] = True
                listing_pending[i] = True
                listings += 1
                if enrolled[i]:
                    sanctioned[i] = True
    return loans_denied, travel_denied, listings, delistings


def consequences(
    society: Society, params: Params, rng: np.random.Generator, rec: StepRecord
) -> None:
    """Apply the perks and penalties of each agent's tier, and the blacklist where there is one.

    Reads
    -----
    society.score, society.enrolled : arrays
        The scores this step's scoring left, which set the tiers.
    society.income, society.fear : float arrays
        Wages, and the fear that deters a listed agent's default.
    rec.record_flags : uint8 array
        Registered offences that list (model v2; empty without record kinds).

    Writes
    ------
    society.tier : int8 array
        Each agent's tier (the tier of ``score.base`` if not enrolled).
    society.employed, society.has_loan, society.wealth : arrays
        Jobs, loans and wealth after this step.
    society.defaulted : bool array
        A default this step, penalised at the next scoring.
    society.listed, society.ever_listed, society.listing_pending : bool arrays
        The blacklist (model v2): delistings and listings of this step.
    rec.loans_denied, rec.travel_denied, rec.listings, rec.delistings : int
        This step's counts.
    rec.sanctioned : bool array
        An enrolled agent listed this step is sanctioned too.

    Notes
    -----
    Parameters: :class:`ConsequencesParams`. A blacklist disabled by the timeline keeps its
    flags but neither lists nor bans.

    References
    ----------
    1. docs/model.md, sections 2.4, 6.2 and 6.3 (the Supreme People's Court's list of judgment
       defaulters).
    """
    p = params.bundle(ConsequencesParams)
    society.tier = params.tiers.of_agents(society.score, society.enrolled)
    # a blacklist disabled by the timeline keeps its flags but neither lists nor bans
    listed = society.listed if p.blacklist else society.listed[:0]
    rec.loans_denied, rec.travel_denied, rec.listings, rec.delistings = _consequences(
        use_threads(society.n), step_key(rng), society.tier, society.enrolled, society.employed,
        society.has_loan, society.defaulted, society.income, society.wealth, society.fear,
        rec.sanctioned, rec.record_flags, listed, society.ever_listed, society.listing_pending,
        p,
    )  # fmt: skip


PHASE = Phase(name="consequences", stream="consequences", run=consequences)

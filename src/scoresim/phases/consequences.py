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

import numpy as np
from numba import prange

from scoresim.core.counter_rng import agent_key, step_key, uniform
from scoresim.core.jit import kernel, use_threads
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.phases.records import LISTS
from scoresim.society.agents import Society


@kernel
def _consequences(
    key, tier, enrolled, employed, has_loan, defaulted, income, wealth,
    hire_multiplier, loan_approval, travel_ban,
    job_loss, hire, loan_apply, loan_close, default, unemployed_factor, travel, loan_bonus,
    perk_value, any_perk, fear, sanctioned, record_flags, listed, ever_listed, listing_pending,
    from_default, listed_hire, comply, comply_unemployed, default_deterrence,
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
            p_comply = comply if employed[i] else comply * comply_unemployed
            if uniform(akey, 6) < p_comply:
                listed[i] = False
                delistings += 1
            else:
                banned = True
        if employed[i]:
            employed[i] = not uniform(akey, 0) < job_loss
        else:
            p_hire = hire * hire_multiplier[t]
            if banned:
                p_hire *= listed_hire
            employed[i] = uniform(akey, 0) < p_hire
        if not has_loan[i]:
            if uniform(akey, 1) < loan_apply:
                if not banned and uniform(akey, 2) < loan_approval[t]:
                    has_loan[i] = True
                else:
                    loans_denied += 1
        elif uniform(akey, 3) < loan_close:
            has_loan[i] = False
        else:
            p_default = default if employed[i] else default * unemployed_factor
            if has_blacklist:
                p_default *= 1.0 - default_deterrence * fear[i]
            if uniform(akey, 4) < p_default:
                has_loan[i] = False
                defaulted[i] = True
        if uniform(akey, 5) < travel and (banned or (enrolled[i] and travel_ban[t])):
            travel_denied += 1
        if employed[i]:
            wealth[i] += income[i] * (1.0 + loan_bonus) if has_loan[i] else income[i]
        if any_perk and enrolled[i]:
            wealth[i] += perk_value[t]
        if has_blacklist and not listed[i]:
            lists = has_flags and (record_flags[i] & LISTS) != 0
            if lists or (defaulted[i] and uniform(akey, 7) < from_default):
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
    """Apply the perks and penalties of each agent's tier, and the blacklist where there is one."""
    eco, tiers, bl = params.scenario.economy, params.tiers, params.scenario.blacklist
    society.tier = tiers.of_agents(society.score, society.enrolled)
    # a blacklist disabled by the timeline keeps its flags but neither lists nor bans
    listed = society.listed if bl.enabled else society.listed[:0]
    rec.loans_denied, rec.travel_denied, rec.listings, rec.delistings = _consequences(
        use_threads(society.n), step_key(rng), society.tier, society.enrolled, society.employed,
        society.has_loan, society.defaulted, society.income, society.wealth,
        tiers.hire_multiplier, tiers.loan_approval, tiers.travel_ban,
        eco.job_loss, eco.hire, eco.loan_apply, eco.loan_close, eco.default,
        eco.default_unemployed_factor, eco.travel, eco.loan_income_bonus,
        tiers.perk_value, params.any_perk, society.fear, rec.sanctioned, rec.record_flags,
        listed, society.ever_listed, society.listing_pending,
        bl.from_default, bl.hire_multiplier, bl.comply, bl.comply_unemployed_factor,
        bl.default_deterrence,
    )  # fmt: skip

"""Phase 4, consequences: tiers gate jobs, loans and travel; wealth accrues (MODEL.md 2.4).

Per agent, in order: job (an employed agent can only lose its job, an unemployed one can only be
hired, at the tier's ``hire_multiplier``), loan (apply and be approved at the tier's
``loan_approval``, or close or default an existing loan; a default flags a penalty for the next
step's scoring), travel (denied in a banning tier), then wealth from the updated job and loan.
Non-enrolled agents are treated as the tier holding ``score.base``, with no travel ban.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from scoresim.counter_rng import agent_key, step_key, uniform
from scoresim.jit import kernel, use_threads
from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society


@kernel
def _consequences(
    key, tier, enrolled, employed, has_loan, defaulted, income, wealth,
    hire_multiplier, loan_approval, travel_ban,
    job_loss, hire, loan_apply, loan_close, default, unemployed_factor, travel, loan_bonus,
):  # fmt: skip
    loans_denied = 0
    travel_denied = 0
    for i in prange(tier.size):
        akey = agent_key(key, i)
        t = tier[i]
        if employed[i]:
            employed[i] = not uniform(akey, 0) < job_loss
        else:
            employed[i] = uniform(akey, 0) < hire * hire_multiplier[t]
        if not has_loan[i]:
            if uniform(akey, 1) < loan_apply:
                if uniform(akey, 2) < loan_approval[t]:
                    has_loan[i] = True
                else:
                    loans_denied += 1
        elif uniform(akey, 3) < loan_close:
            has_loan[i] = False
        else:
            p_default = default if employed[i] else default * unemployed_factor
            if uniform(akey, 4) < p_default:
                has_loan[i] = False
                defaulted[i] = True
        if uniform(akey, 5) < travel and enrolled[i] and travel_ban[t]:
            travel_denied += 1
        if employed[i]:
            wealth[i] += income[i] * (1.0 + loan_bonus) if has_loan[i] else income[i]
    return loans_denied, travel_denied


def consequences(
    society: Society, params: Params, rng: np.random.Generator, rec: StepRecord
) -> None:
    """Apply the perks and penalties of each agent's tier."""
    eco, tiers = params.scenario.economy, params.tiers
    society.tier = tiers.of_agents(society.score, society.enrolled)
    rec.loans_denied, rec.travel_denied = _consequences(
        use_threads(society.n), step_key(rng), society.tier, society.enrolled, society.employed,
        society.has_loan, society.defaulted, society.income, society.wealth,
        tiers.hire_multiplier, tiers.loan_approval, tiers.travel_ban,
        eco.job_loss, eco.hire, eco.loan_apply, eco.loan_close, eco.default,
        eco.default_unemployed_factor, eco.travel, eco.loan_income_bonus,
    )  # fmt: skip

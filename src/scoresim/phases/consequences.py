"""Phase 4, consequences: tiers gate jobs, loans and travel; wealth accrues (MODEL.md 2.4).

Per agent, in order: job (an employed agent can only lose its job, an unemployed one can only be
hired, at the tier's ``hire_multiplier``), loan (apply and be approved at the tier's
``loan_approval``, or close or default an existing loan; a default flags a penalty for the next
step's scoring), travel (denied in a banning tier), then wealth from the updated job and loan.
"""

from __future__ import annotations

import numpy as np

from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society


def consequences(
    society: Society, params: Params, rng: np.random.Generator, rec: StepRecord
) -> None:
    """Apply the perks and penalties of each agent's tier."""
    eco, tiers, n = params.scenario.economy, params.tiers, society.n
    tier = tiers.of_agents(society.score, society.enrolled)
    society.tier = tier
    u_job, u_apply, u_approve, u_close, u_default, u_travel = rng.random((6, n))

    employed = society.employed
    lose = employed & (u_job < eco.job_loss)
    hired = ~employed & (u_job < eco.hire * tiers.hire_multiplier[tier])
    society.employed = (employed & ~lose) | hired

    had_loan = society.has_loan
    applies = ~had_loan & (u_apply < eco.loan_apply)
    approved = applies & (u_approve < tiers.loan_approval[tier])
    closes = had_loan & (u_close < eco.loan_close)
    p_default = eco.default * np.where(society.employed, 1.0, eco.default_unemployed_factor)
    defaults = had_loan & ~closes & (u_default < p_default)
    society.has_loan = (had_loan & ~closes & ~defaults) | approved
    society.defaulted = society.defaulted | defaults
    rec.loans_denied = int(np.count_nonzero(applies & ~approved))

    banned = society.enrolled & tiers.travel_ban[tier]
    rec.travel_denied = int(np.count_nonzero((u_travel < eco.travel) & banned))

    society.wealth += (
        society.income * society.employed * (1.0 + eco.loan_income_bonus * society.has_loan)
    )

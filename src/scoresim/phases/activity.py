"""Phase 2, activity: posts and purchases of every agent (MODEL.md 2.2).

Posting is a Poisson process whose events are split by a multinomial into critical, loyal and
neutral posts, and critical posts over the critical topics by their weights. By the splitting
property of the Poisson distribution this is drawn here as one independent Poisson per final
category (each critical topic, loyal, neutral), with the same joint distribution (MODEL.md
section 5). Purchases likewise: one Poisson each for desirable, undesirable and neutral goods.
"""

from __future__ import annotations

import numpy as np

from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society


def post_probabilities(society: Society, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """``(p_critical, p_loyal)`` per agent from the state left by the last adaptation."""
    a = params.scenario.activity
    p_c = a.critical_propensity * society.expressed
    p_l = np.minimum(1.0 - p_c, a.loyal_propensity * (1.0 - society.dissent) + society.gaming)
    return p_c, p_l


def purchase_probabilities(society: Society, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """``(p_undesirable, p_desirable)`` per agent."""
    a = params.scenario.activity
    p_u = society.import_taste * (1.0 - society.buy_conform)
    p_d = np.minimum(
        1.0 - p_u, a.desirable_share * (1.0 + a.desirable_conform_gain * society.buy_conform)
    )
    return p_u, p_d


def reach(society: Society, params: Params) -> np.ndarray:
    """The tier's reach for enrolled agents (score at the start of the step), 1 otherwise."""
    tiers = params.tiers
    return np.where(society.enrolled, tiers.reach[tiers.of(society.score)], 1.0)


def activity(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Draw this step's posts and purchases for every agent."""
    n = society.n
    rate = society.post_rate * reach(society, params)
    p_c, p_l = post_probabilities(society, params)
    critical_rate = rate * p_c
    rec.critical_by_topic = np.stack(
        [rng.poisson(critical_rate * w, n) for w in params.topic_weights]
    )
    rec.loyal = rng.poisson(rate * p_l, n)
    rec.neutral = rng.poisson(rate * np.maximum(0.0, 1.0 - p_c - p_l), n)
    p_u, p_d = purchase_probabilities(society, params)
    rec.undesirable = rng.poisson(society.buy_rate * p_u, n)
    rec.desirable = rng.poisson(society.buy_rate * p_d, n)
    rec.groceries = rng.poisson(society.buy_rate * np.maximum(0.0, 1.0 - p_u - p_d), n)

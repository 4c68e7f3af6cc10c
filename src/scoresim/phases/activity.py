"""Phase 2, activity: posts and purchases of every agent (MODEL.md 2.2).

As the model states it: the number of posts is Poisson with mean ``post_rate * reach``, and each
post is independently critical (``p_c``), loyal (``p_l``) or neutral, which is the multinomial
split; a critical post picks its topic by the topic weights. Purchases likewise: a Poisson number,
each undesirable (``p_u``), desirable (``p_d``) or neutral. One uniform per post or purchase
decides its category (and, for a critical post, its topic, from the same uniform rescaled).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from scoresim.counter_rng import agent_key, poisson, step_key, uniform
from scoresim.jit import kernel, use_threads
from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society
from scoresim.tiers import tier_of


@kernel
def _draw(
    key, enrolled, score, tier_min, tier_reach, dissent, censor, gaming, post_rate,
    post_zero, import_taste, buy_conform, buy_rate, buy_zero, topic_cumulative,
    gamma_c, gamma_l, desirable_share, desirable_gain,
    critical, loyal, neutral, desirable, undesirable, groceries,
):  # fmt: skip
    n_topics = topic_cumulative.size
    for i in prange(dissent.size):
        akey = agent_key(key, i)
        reach = 1.0
        if enrolled[i]:
            reach = tier_reach[tier_of(score[i], tier_min)]
        p_c = gamma_c * dissent[i] * (1.0 - censor[i])
        p_l = min(1.0 - p_c, gamma_l * (1.0 - dissent[i]) + gaming[i])
        for k in range(n_topics):
            critical[k, i] = 0
        n_loyal = 0
        lam = post_rate[i] * reach
        n_posts, c = poisson(akey, 0, lam, post_zero[i] if reach == 1.0 else math.exp(-lam))
        for _ in range(n_posts):
            u = uniform(akey, c)
            c += 1
            if u < p_c:  # rare: the branch predicts well
                k = 0
                while k + 1 < n_topics and u >= p_c * topic_cumulative[k]:
                    k += 1
                critical[k, i] += 1
            n_loyal += (u >= p_c) & (u < p_c + p_l)  # no branch: it would mispredict often
        loyal[i] = n_loyal
        neutral[i] = n_posts - n_loyal
        for k in range(n_topics):
            neutral[i] -= critical[k, i]

        p_u = import_taste[i] * (1.0 - buy_conform[i])
        p_d = min(1.0 - p_u, desirable_share * (1.0 + desirable_gain * buy_conform[i]))
        n_buys, c = poisson(akey, c, buy_rate[i], buy_zero[i])
        n_u = 0
        n_d = 0
        for _ in range(n_buys):
            u = uniform(akey, c)
            c += 1
            n_u += u < p_u
            n_d += (u >= p_u) & (u < p_u + p_d)
        undesirable[i] = n_u
        desirable[i] = n_d
        groceries[i] = n_buys - n_u - n_d


@njit(cache=True)
def _exp_neg(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = math.exp(-x[i])  # the same function as inside the kernel, so the same bits
    return out


def _zero_probabilities(society: Society) -> tuple[np.ndarray, np.ndarray]:
    """``exp(-rate)`` of the fixed post and purchase rates, computed once per society.

    The chance of no post at reach 1 and of no purchase: the start of each Poisson inversion,
    and a tenth of the cost of a draw when computed in it.
    """
    kept = society.derived.get("activity")
    if kept is None or kept[0] is not society.post_rate or kept[1] is not society.buy_rate:
        kept = (society.post_rate, society.buy_rate, _exp_neg(society.post_rate),
                _exp_neg(society.buy_rate))  # fmt: skip
        society.derived["activity"] = kept
    return kept[2], kept[3]


def activity(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Draw this step's posts and purchases for every agent."""
    n, key, a, tiers = society.n, step_key(rng), params.scenario.activity, params.tiers
    rec.critical_by_topic = rec.empty("critical_by_topic", (params.topic_weights.size, n), np.int32)
    for name in ("loyal", "neutral", "desirable", "undesirable", "groceries"):
        setattr(rec, name, rec.empty(name, n, np.int32))
    post_zero, buy_zero = _zero_probabilities(society)
    _draw(
        use_threads(n), key, society.enrolled, society.score, tiers.min_score, tiers.reach,
        society.dissent, society.censor, society.gaming, society.post_rate, post_zero,
        society.import_taste, society.buy_conform, society.buy_rate, buy_zero,
        np.cumsum(params.topic_weights), a.critical_propensity, a.loyal_propensity,
        a.desirable_share, a.desirable_conform_gain,
        rec.critical_by_topic, rec.loyal, rec.neutral, rec.desirable, rec.undesirable,
        rec.groceries,
    )  # fmt: skip

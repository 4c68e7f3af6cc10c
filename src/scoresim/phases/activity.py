"""Phase 2, activity: posts and purchases of every agent (docs/model.md 2.2).

As the model states it: the number of posts is Poisson with mean ``post_rate * reach``, and each
post is independently critical (``p_c``), loyal (``p_l``) or neutral, which is the multinomial
split; a critical post picks its topic by the topic weights. Purchases likewise: a Poisson number,
each undesirable (``p_u``), desirable (``p_d``) or neutral. One uniform per post or purchase
decides its category (and, for a critical post, its topic, from the same uniform rescaled).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from scoresim.core.counter_rng import agent_key, poisson, step_key, uniform
from scoresim.core.jit import kernel, use_threads
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society.agents import Society
from scoresim.society.tiers import tier_of


@kernel
def _draw(
    key, enrolled, score, tier_min, tier_reach, dissent, censor, gaming, post_rate,
    import_taste, buy_conform, buy_rate, topic_cumulative,
    gamma_c, gamma_l, desirable_share, desirable_gain,
    critical, loyal, neutral, desirable, undesirable, groceries,
):  # fmt: skip
    n_topics = topic_cumulative.size
    most = 0  # the largest count drawn, so the caller can check it fitted the arrays
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
        n_posts, c = poisson(akey, 0, lam)
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
        n_buys, c = poisson(akey, c, buy_rate[i])
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
        biggest = max(n_posts, n_buys)
        most = max(most, biggest)  # a two-argument max: the form numba reduces over threads
    return most


#: where the widest count width a step has needed so far is kept in ``Society.derived``
COUNT_WIDTH = "activity.count_dtype"


#: count types, narrowest first; the widest is signed (numba mixes uint64 and int64 into float64)
COUNT_DTYPES = (np.uint8, np.uint16, np.uint32, np.int64)


def count_dtype(most: int) -> type:
    """The narrowest of :data:`COUNT_DTYPES` that holds counts up to ``most``.

    >>> count_dtype(255).__name__, count_dtype(256).__name__
    ('uint8', 'uint16')
    """
    return next(t for t in COUNT_DTYPES if most <= np.iinfo(t).max)


def activity(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Draw this step's posts and purchases for every agent.

    Counts are stored as narrow as they fit (one byte an agent per category unless someone posts
    or buys over 255 times in a step). Whether they fit is known only once drawn: if not, the
    step's draws are made again, from the same key and so the same numbers, into wider arrays,
    and later steps keep that width (a wide step is likely followed by another).
    """
    n, key, a, tiers = society.n, step_key(rng), params.scenario.activity, params.tiers
    topics, topic_cumulative = params.topic_weights.size, np.cumsum(params.topic_weights)
    dtype = society.derived.get(COUNT_WIDTH, np.uint8)
    while True:
        rec.critical_by_topic = rec.empty("critical_by_topic", (topics, n), dtype)
        for name in ("loyal", "neutral", "desirable", "undesirable", "groceries"):
            setattr(rec, name, rec.empty(name, n, dtype))
        most = _draw(
            use_threads(n), key, society.enrolled, society.score, tiers.min_score, tiers.reach,
            society.dissent, society.censor, society.gaming, society.post_rate,
            society.import_taste, society.buy_conform, society.buy_rate,
            topic_cumulative, a.critical_propensity, a.loyal_propensity,
            a.desirable_share, a.desirable_conform_gain,
            rec.critical_by_topic, rec.loyal, rec.neutral, rec.desirable, rec.undesirable,
            rec.groceries,
        )  # fmt: skip
        if most <= np.iinfo(dtype).max:
            break
        dtype = count_dtype(most)
    society.derived[COUNT_WIDTH] = dtype

"""Phase 2, activity: posts and purchases of every agent (docs/model.md 2.2).

As the model states it: the number of posts is Poisson with mean ``post_rate * reach``, and each
post is independently critical (``p_c``), loyal (``p_l``) or neutral, which is the multinomial
split; a critical post picks its topic by the topic weights. Purchases likewise: a Poisson number,
each undesirable (``p_u``), desirable (``p_d``) or neutral. One uniform per post or purchase
decides its category (and, for a critical post, its topic, from the same uniform rescaled).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from scoresim.core.counter_rng import (
    agent_key,
    inversion_term,
    poisson_continues,
    poisson_start,
    step_key,
    uniform,
)
from scoresim.core.jit import SUM_CHUNKS, kernel, use_threads
from scoresim.core.moments import column_sums
from scoresim.phases.params import Params
from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord
from scoresim.scenario import Scenario
from scoresim.society.agents import Society, expressed_of
from scoresim.society.tiers import TierTable, tier_of


class ActivityParams(NamedTuple):
    """The parameters of :func:`activity` (``[activity]``, the topic weights, the tiers' reach)."""

    tier_min: np.ndarray  #: the tiers' lower bounds, ``tiers.*.min_score``
    tier_reach: np.ndarray  #: each tier's factor on the post rate, ``tiers.*.reach``
    #: cumulative shares of the critical topics, ``policy.posts.critical_topics.*.weight``
    #: normalised to sum to 1
    topic_cumulative: np.ndarray
    critical_propensity: float  #: gamma_c, ``activity.critical_propensity``
    loyal_propensity: float  #: gamma_l, ``activity.loyal_propensity``
    desirable_share: float  #: ``activity.desirable_share``
    desirable_conform_gain: float  #: ``activity.desirable_conform_gain``

    @classmethod
    def of(cls, scenario: Scenario, tiers: TierTable) -> ActivityParams:
        """The bundle of ``scenario``."""
        a = scenario.activity
        weights = np.array([t.weight for t in scenario.policy.posts.critical_topics], np.float64)
        return cls(
            tier_min=tiers.min_score,
            tier_reach=tiers.reach,
            topic_cumulative=np.cumsum(weights / weights.sum()),
            critical_propensity=a.critical_propensity,
            loyal_propensity=a.loyal_propensity,
            desirable_share=a.desirable_share,
            desirable_conform_gain=a.desirable_conform_gain,
        )


@kernel
def _draw(
    key, enrolled, score, dissent, censor, gaming, post_rate, import_taste, buy_conform, buy_rate,
    critical, loyal, neutral, desirable, undesirable, groceries, p,
):  # fmt: skip
    topic_cumulative = p.topic_cumulative
    n_topics = topic_cumulative.size
    n = dissent.size
    size = (n + SUM_CHUNKS - 1) // SUM_CHUNKS
    voice = np.empty((SUM_CHUNKS, 3))  # every chunk writes its row
    mosts = np.empty(SUM_CHUNKS, np.int64)
    for chunk in prange(SUM_CHUNKS):
        v_private = v_expressed = v_posted = 0.0
        chunk_most = 0
        for i in range(chunk * size, min(n, (chunk + 1) * size)):
            akey = agent_key(key, i)
            reach = 1.0
            if enrolled[i]:
                reach = p.tier_reach[tier_of(score[i], p.tier_min)]
            p_c = p.critical_propensity * dissent[i] * (1.0 - censor[i])
            e = expressed_of(dissent[i], censor[i])
            v_private += post_rate[i] * dissent[i]
            v_expressed += post_rate[i] * e
            v_posted += post_rate[i] * reach * e
            p_l = min(1.0 - p_c, p.loyal_propensity * (1.0 - dissent[i]) + gaming[i])
            for k in range(n_topics):
                critical[k, i] = 0
            n_loyal = 0
            lam = post_rate[i] * reach
            # post k's uniform is drawn once the count is known to reach k (poisson_start)
            u0, term, known, first = poisson_start(akey, 0, lam)
            cdf = term
            n_posts = 0
            while poisson_continues(u0, cdf, known, n_posts):
                n_posts += 1
                term = inversion_term(term, lam, n_posts)
                cdf += term
                u = uniform(akey, first + n_posts - 1)
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
            p_d = min(
                1.0 - p_u, p.desirable_share * (1.0 + p.desirable_conform_gain * buy_conform[i])
            )
            lam = buy_rate[i]
            u0, term, known, first = poisson_start(akey, first + n_posts, lam)
            cdf = term
            n_buys = n_u = n_d = 0
            while poisson_continues(u0, cdf, known, n_buys):
                n_buys += 1
                term = inversion_term(term, lam, n_buys)
                cdf += term
                u = uniform(akey, first + n_buys - 1)
                n_u += u < p_u
                n_d += (u >= p_u) & (u < p_u + p_d)
            undesirable[i] = n_u
            desirable[i] = n_d
            groceries[i] = n_buys - n_u - n_d
            chunk_most = max(chunk_most, max(n_posts, n_buys))
        voice[chunk, 0], voice[chunk, 1], voice[chunk, 2] = v_private, v_expressed, v_posted
        mosts[chunk] = chunk_most
    # element by element: an array expression here would be a parallel region per chunk
    most = 0  # the largest count drawn, so the caller can check it fitted the arrays
    for chunk in range(SUM_CHUNKS):
        most = max(most, mosts[chunk])
    return most, column_sums(voice)


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

    Reads
    -----
    society.enrolled, society.score : arrays
        Who is enrolled, and the score whose tier sets the reach of their posts.
    society.dissent, society.censor, society.gaming, society.post_rate : float arrays
        What decides the number and the kind of posts.
    society.import_taste, society.buy_conform, society.buy_rate : float arrays
        What decides the number and the kind of purchases.

    Writes
    ------
    rec.critical_by_topic : array, topics x n
        Critical posts per topic.
    rec.loyal, rec.neutral : arrays
        Loyal and neutral posts.
    rec.desirable, rec.undesirable, rec.groceries : arrays
        Purchases by category.
    society.derived["activity.count_dtype"]
        The count width that has held every step's counts so far.
    rec.voice_private, rec.voice_expressed, rec.voice_posted : float
        Model v3 (7.5): the expected critical posts per capita from private dissent, from
        expressed dissent, and from expressed dissent times reach (summed in fixed chunks of
        agents, so the bits do not depend on the threads).

    Notes
    -----
    Parameters: :class:`ActivityParams`. Counts are stored as narrow as they fit (one byte an
    agent per category unless someone posts or buys over 255 times in a step). Whether they fit
    is known only once drawn: if not, the step's draws are made again, from the same key and so
    the same numbers, into wider arrays, and later steps keep that width (a wide step is likely
    followed by another).

    References
    ----------
    1. docs/model.md, section 2.2 (and section 5 on the split of posts and purchases; 7.5
       for the voice sums).
    """
    p = params.bundle(ActivityParams)
    n, key, topics = society.n, step_key(rng), p.topic_cumulative.size
    dtype = society.derived.get(COUNT_WIDTH, np.uint8)
    while True:
        rec.critical_by_topic = rec.empty("critical_by_topic", (topics, n), dtype)
        for name in ("loyal", "neutral", "desirable", "undesirable", "groceries"):
            setattr(rec, name, rec.empty(name, n, dtype))
        most, voice = _draw(
            use_threads(n), key, society.enrolled, society.score, society.dissent,
            society.censor, society.gaming, society.post_rate, society.import_taste,
            society.buy_conform, society.buy_rate,
            rec.critical_by_topic, rec.loyal, rec.neutral, rec.desirable, rec.undesirable,
            rec.groceries, p,
        )  # fmt: skip
        if most <= np.iinfo(dtype).max:
            break
        dtype = count_dtype(most)
    society.derived[COUNT_WIDTH] = dtype
    # 7.5: expected critical posts per capita, from private, expressed and reached dissent
    rec.voice_private, rec.voice_expressed, rec.voice_posted = (
        p.critical_propensity * float(v) / n for v in voice
    )


PHASE = Phase(name="activity", stream="activity", run=activity)

"""Phase 3, scoring: detections, friend terms and decay move enrolled scores (docs/model.md 2.3).

Detection thins each post category binomially (only enrolled agents are watched). The friend
term is a DeGroot / Friedkin-Johnsen style pull towards the mean score of enrolled friends;
``decay`` pulls the score back to ``score.base`` (mean reversion). All neighbour quantities read
the scores at the start of the phase (a synchronous update).

Model v2 adds, for enrolled agents: the points of registered records (6.1, inside the clip; a
registered offence is a sanction), the score inputs of a commercial credit score (6.4, inside
the clip: ``repayment_delta`` for holding a loan, ``income_weight * (ln income - income_mu)``
for the ability to pay) and a listing's ``score_delta`` (6.3, outside the clip, like the
default penalty; lost by an agent not enrolled at this scoring).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from scoresim.core.buffers import SPARE_FLOATS, reuse_or_empty
from scoresim.core.counter_rng import agent_key, binomial_thin, step_key
from scoresim.core.jit import ROWS_AHEAD, kernel, prefetch, use_threads
from scoresim.phases.params import Params
from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord
from scoresim.scenario import Scenario
from scoresim.society.agents import Society
from scoresim.society.tiers import TierTable


class ScoringParams(NamedTuple):
    """The parameters of :func:`scoring` (``[policy]`` and its tables, ``population.income_mu``,
    ``blacklist.score_delta``)."""

    #: points per detected critical post, by topic, ``policy.posts.critical_topics.*.delta``
    topic_deltas: np.ndarray
    detect_critical: float  #: ``policy.detect.critical``
    detect_loyal: float  #: ``policy.detect.loyal``
    detect_false_positive: float  #: ``policy.detect.false_positive``
    loyal_delta: float  #: ``policy.posts.loyal_delta``
    false_positive_delta: float  #: ``policy.detect.false_positive_delta``
    desirable_delta: float  #: ``policy.purchases.desirable.delta``
    undesirable_delta: float  #: ``policy.purchases.undesirable.delta``
    groceries_delta: float  #: ``policy.purchases.neutral.delta``
    max_step_change: float  #: the clip of a step's event points, ``policy.max_step_change``
    default_penalty: float  #: ``policy.default_penalty``
    friend_weight: float  #: ``policy.friend_weight``
    low_friend_penalty: float  #: ``policy.low_friend_penalty``
    low_threshold: float  #: ``policy.low_threshold``
    decay: float  #: ``policy.decay``
    score_base: float  #: to which decay pulls, ``policy.score.base``
    score_min: float  #: ``policy.score.min``
    score_max: float  #: ``policy.score.max``
    repayment_delta: float  #: model v2 (6.4), ``policy.repayment_delta``
    income_mu: float  #: the centre of ln income (model v2, 6.4), ``population.income_mu``
    income_weight: float  #: model v2 (6.4), ``policy.income_weight``
    listing_delta: float  #: model v2 (6.3), ``blacklist.score_delta``

    @classmethod
    def of(cls, scenario: Scenario, tiers: TierTable) -> ScoringParams:
        """The bundle of ``scenario``."""
        pol = scenario.policy
        pur, det = pol.purchases, pol.detect
        return cls(
            topic_deltas=np.array([t.delta for t in pol.posts.critical_topics], dtype=np.float64),
            detect_critical=det.critical,
            detect_loyal=det.loyal,
            detect_false_positive=det.false_positive,
            loyal_delta=pol.posts.loyal_delta,
            false_positive_delta=det.false_positive_delta,
            desirable_delta=pur.desirable.delta,
            undesirable_delta=pur.undesirable.delta,
            groceries_delta=pur.neutral.delta,
            max_step_change=pol.max_step_change,
            default_penalty=pol.default_penalty,
            friend_weight=pol.friend_weight,
            low_friend_penalty=pol.low_friend_penalty,
            low_threshold=pol.low_threshold,
            decay=pol.decay,
            score_base=pol.score.base,
            score_min=pol.score.min,
            score_max=pol.score.max,
            repayment_delta=pol.repayment_delta,
            income_mu=scenario.population.income_mu,
            income_weight=pol.income_weight,
            listing_delta=scenario.blacklist.score_delta,
        )


@kernel
def _score_events(
    key, enrolled, score, defaulted, critical, loyal, neutral, desirable, undesirable,
    groceries, record_points, record_flags, has_loan, income, listing_pending,
    new_score, detected_critical, false_positives, sanctioned, p,
):  # fmt: skip
    """The first pass: each enrolled agent's detections, sanction and event points, and
    ``new_score = score + events`` (the first addition of the new score, stored exactly);
    ``new_score = score`` for the others."""
    topic_deltas = p.topic_deltas
    max_change = p.max_step_change
    has_records = record_points.size > 0
    has_listings = listing_pending.size > 0
    for i in prange(score.size):
        detected_critical[i] = 0
        false_positives[i] = 0
        sanctioned[i] = False
        if not enrolled[i]:
            new_score[i] = score[i]
            continue
        akey = agent_key(key, i)
        c = 0
        events = 0.0
        for k in range(topic_deltas.size):
            d, c = binomial_thin(akey, c, critical[k, i], p.detect_critical)
            detected_critical[i] += d
            events += topic_deltas[k] * d
        d, c = binomial_thin(akey, c, loyal[i], p.detect_loyal)
        events += p.loyal_delta * d
        d, c = binomial_thin(akey, c, neutral[i], p.detect_false_positive)
        false_positives[i] = d
        sanctioned[i] = detected_critical[i] > 0 or d > 0
        events += p.false_positive_delta * d
        events += p.desirable_delta * desirable[i] + p.undesirable_delta * undesirable[i]
        events += p.groceries_delta * groceries[i]
        if has_records:
            events += record_points[i]
            if record_flags[i] & 1:  # a registered offence
                sanctioned[i] = True
        if p.repayment_delta != 0.0 and has_loan[i]:
            events += p.repayment_delta
        if p.income_weight != 0.0:
            events += p.income_weight * (np.log(income[i]) - p.income_mu)
        events = min(max(events, -max_change), max_change)
        if defaulted[i]:
            events -= p.default_penalty
        if has_listings and listing_pending[i]:
            events += p.listing_delta
        new_score[i] = score[i] + events


@kernel
def _score_friends(indptr, indices, enrolled, all_enrolled, score, new_score, walk, p):
    """The second pass: the friend terms and decay of each enrolled agent, from the scores at
    the start of the phase, on ``new_score``'s ``score + events``; then the clip. ``walk``:
    some friend term is on (without one, no friend is read). Apart from the draws' pass, the
    walk waits on none of their mispredicted branches: at 10^6 with everyone enrolled, one
    thread, scoring went from 80-89 to 57-60 ms a step."""
    low_threshold = p.low_threshold
    n = score.size
    for i in prange(n):
        if walk and i + ROWS_AHEAD < n:  # the row's first line, ahead of the walk
            prefetch(indices, indptr[i + ROWS_AHEAD])
        if not enrolled[i]:
            continue
        friends = 0
        friend_total = 0.0
        low_friends = 0
        # unsigned positions and ids, as in adaptation's walks: no negative-index test per read
        lo, hi = np.uint64(indptr[i]), np.uint64(indptr[i + 1])
        for q in range(lo, hi if walk else lo):
            j = np.uint64(indices[q])
            if all_enrolled or enrolled[j]:  # after the mandatory date: one array read less
                friends += 1
                friend_total += score[j]
                if score[j] < low_threshold:
                    low_friends += 1
        s = score[i]
        value = new_score[i] - p.low_friend_penalty * low_friends - p.decay * (s - p.score_base)
        if friends > 0:
            value += p.friend_weight * (friend_total / friends - s)
        new_score[i] = min(max(value, p.score_min), p.score_max)


def scoring(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Score enrolled agents; record detections and who was sanctioned.

    Reads
    -----
    society.enrolled, society.score, society.graph : arrays
        Who is scored, the scores at the start of the phase, and the friends.
    society.defaulted, society.listing_pending : bool arrays
        A default (the last consequences) and a listing (model v2) whose penalty is due now.
    society.has_loan, society.income : arrays
        The inputs of a commercial credit score (model v2).
    rec.critical_by_topic, rec.loyal, rec.neutral : arrays
        The posts of :func:`~scoresim.phases.activity.activity`.
    rec.desirable, rec.undesirable, rec.groceries : arrays
        Its purchases.
    rec.record_points, rec.record_flags : arrays
        The records of :func:`~scoresim.phases.records.records` (empty without record kinds).

    Writes
    ------
    society.score : float array
        The new scores (a new array; the old one is kept as spare memory).
    society.defaulted, society.listing_pending : bool arrays
        Cleared: their penalties are paid.
    rec.detected_critical, rec.false_positives : arrays
        Detected critical posts and neutral posts taken for critical ones.
    rec.sanctioned : bool array
        Agents with a detection, a false positive or a registered offence.

    Notes
    -----
    Parameters: :class:`ScoringParams`. Each enrolled agent's new score is its score plus the
    clipped event points, minus the default penalty and the low-friend penalty, plus the
    listing's delta, pulled towards ``score.base`` by ``decay`` and towards the mean score of its
    enrolled friends by ``friend_weight``, then clipped to ``[score.min, score.max]``. Every
    neighbour term reads the scores at the start of the phase.

    References
    ----------
    1. DeGroot, M. H. (1974). Reaching a consensus. *Journal of the American Statistical
       Association* 69(345), 118-121.
    2. Friedkin, N. E. and Johnsen, E. C. (1990). Social influence and opinions. *Journal of
       Mathematical Sociology* 15(3-4), 193-206.
    3. docs/model.md, sections 2.3, 6.1, 6.3 and 6.4.
    """
    p = params.bundle(ScoringParams)
    g, n, key = society.graph, society.n, step_key(rng)
    new_score = reuse_or_empty(society.derived, SPARE_FLOATS, n, np.float64)
    counts = rec.loyal.dtype  # detections are at most the posts: the same width holds them
    rec.detected_critical = rec.empty("detected_critical", n, counts)
    rec.false_positives = rec.empty("false_positives", n, counts)
    rec.sanctioned = rec.empty("sanctioned", n, np.bool_)
    _score_events(
        use_threads(n), key, society.enrolled, society.score, society.defaulted,
        rec.critical_by_topic, rec.loyal, rec.neutral, rec.desirable, rec.undesirable,
        rec.groceries, rec.record_points, rec.record_flags, society.has_loan, society.income,
        society.listing_pending, new_score, rec.detected_critical, rec.false_positives,
        rec.sanctioned, p,
    )  # fmt: skip
    walk = p.friend_weight != 0.0 or p.low_friend_penalty != 0.0
    _score_friends(
        g.parallel, g.indptr, g.indices, society.enrolled, bool(society.enrolled.all()),
        society.score, new_score, walk, p,
    )  # fmt: skip
    society.derived[SPARE_FLOATS], society.score = society.score, new_score
    society.defaulted[:] = False
    society.listing_pending[:] = False  # due once, at this scoring


PHASE = Phase(name="scoring", stream="scoring", run=scoring)

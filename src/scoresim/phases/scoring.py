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

import numpy as np
from numba import prange

from scoresim.core.buffers import SPARE_FLOATS, reuse_or_empty
from scoresim.core.counter_rng import agent_key, binomial_thin, step_key
from scoresim.core.jit import kernel
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society.agents import Society


@kernel
def _score(
    key, indptr, indices, enrolled, all_enrolled, score, defaulted,
    critical, loyal, neutral, desirable, undesirable, groceries,
    topic_deltas, detect_critical, detect_loyal, detect_fp,
    loyal_delta, fp_delta, desirable_delta, undesirable_delta, groceries_delta,
    max_change, default_penalty, friend_weight, low_penalty, low_threshold, decay,
    base, lo, hi, new_score, detected_critical, false_positives, sanctioned,
    record_points, record_flags, has_loan, repayment_delta, income, income_mu, income_weight,
    listing_pending, listing_delta,
):  # fmt: skip
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
            d, c = binomial_thin(akey, c, critical[k, i], detect_critical)
            detected_critical[i] += d
            events += topic_deltas[k] * d
        d, c = binomial_thin(akey, c, loyal[i], detect_loyal)
        events += loyal_delta * d
        d, c = binomial_thin(akey, c, neutral[i], detect_fp)
        false_positives[i] = d
        sanctioned[i] = detected_critical[i] > 0 or d > 0
        events += fp_delta * d
        events += desirable_delta * desirable[i] + undesirable_delta * undesirable[i]
        events += groceries_delta * groceries[i]
        if has_records:
            events += record_points[i]
            if record_flags[i] & 1:  # a registered offence
                sanctioned[i] = True
        if repayment_delta != 0.0 and has_loan[i]:
            events += repayment_delta
        if income_weight != 0.0:
            events += income_weight * (np.log(income[i]) - income_mu)
        events = min(max(events, -max_change), max_change)
        if defaulted[i]:
            events -= default_penalty
        if has_listings and listing_pending[i]:
            events += listing_delta

        friends = 0
        friend_total = 0.0
        low_friends = 0
        for q in range(indptr[i], indptr[i + 1]):
            j = indices[q]
            if all_enrolled or enrolled[j]:  # after the mandatory date: one array read less
                friends += 1
                friend_total += score[j]
                if score[j] < low_threshold:
                    low_friends += 1
        s = score[i]
        value = s + events - low_penalty * low_friends - decay * (s - base)
        if friends > 0:
            value += friend_weight * (friend_total / friends - s)
        new_score[i] = min(max(value, lo), hi)


def scoring(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Score enrolled agents; record detections and who was sanctioned."""
    pol, g, n, key = params.scenario.policy, society.graph, society.n, step_key(rng)
    pur, det = pol.purchases, pol.detect
    new_score = reuse_or_empty(society.derived, SPARE_FLOATS, n, np.float64)
    counts = rec.loyal.dtype  # detections are at most the posts: the same width holds them
    rec.detected_critical = rec.empty("detected_critical", n, counts)
    rec.false_positives = rec.empty("false_positives", n, counts)
    rec.sanctioned = rec.empty("sanctioned", n, np.bool_)
    _score(
        g.parallel, key, g.indptr, g.indices, society.enrolled, bool(society.enrolled.all()),
        society.score, society.defaulted,
        rec.critical_by_topic, rec.loyal, rec.neutral, rec.desirable, rec.undesirable,
        rec.groceries, params.topic_deltas, det.critical, det.loyal, det.false_positive,
        pol.posts.loyal_delta, det.false_positive_delta, pur.desirable.delta,
        pur.undesirable.delta, pur.neutral.delta, pol.max_step_change, pol.default_penalty,
        pol.friend_weight, pol.low_friend_penalty, pol.low_threshold, pol.decay,
        pol.score.base, pol.score.min, pol.score.max,
        new_score, rec.detected_critical, rec.false_positives, rec.sanctioned,
        rec.record_points, rec.record_flags, society.has_loan, pol.repayment_delta,
        society.income, params.scenario.population.income_mu, pol.income_weight,
        society.listing_pending, params.scenario.blacklist.score_delta,
    )  # fmt: skip
    society.derived[SPARE_FLOATS], society.score = society.score, new_score
    society.defaulted[:] = False
    society.listing_pending[:] = False  # due once, at this scoring

"""Phase 3, scoring: detections, friend terms and decay move enrolled scores (MODEL.md 2.3).

Detection thins each post category binomially (only enrolled agents are watched). The friend
term is a DeGroot / Friedkin-Johnsen style pull towards the mean score of enrolled friends;
``decay`` pulls the score back to ``score.base`` (mean reversion). All neighbour quantities read
the scores at the start of the phase.
"""

from __future__ import annotations

import numpy as np

from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society


def event_points(
    rec: StepRecord,
    params: Params,
    detected_by_topic: np.ndarray,
    loyal: np.ndarray,
    false_positives: np.ndarray,
    who: np.ndarray,
) -> np.ndarray:
    """Points from this step's detected posts and purchases of agents ``who``, before the clip."""
    pol = params.scenario.policy
    pur = pol.purchases
    points = params.topic_deltas @ detected_by_topic.astype(np.float64)
    points += pol.posts.loyal_delta * loyal + pol.detect.false_positive_delta * false_positives
    points += (
        pur.desirable.delta * rec.desirable[who]
        + pur.undesirable.delta * rec.undesirable[who]
        + pur.neutral.delta * rec.groceries[who]
    )
    return points


def scoring(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Score enrolled agents; record detections and who was sanctioned."""
    pol = params.scenario.policy
    n, enrolled, score = society.n, society.enrolled, society.score
    who = np.flatnonzero(enrolled)
    detected_by_topic = rng.binomial(rec.critical_by_topic[:, who], pol.detect.critical)
    loyal = rng.binomial(rec.loyal[who], pol.detect.loyal)
    false_pos = rng.binomial(rec.neutral[who], pol.detect.false_positive)

    events = event_points(rec, params, detected_by_topic, loyal, false_pos, who)
    events = np.clip(events, -pol.max_step_change, pol.max_step_change)
    events -= pol.default_penalty * society.defaulted[who]
    society.defaulted[:] = False

    graph = society.graph
    enrolled_f = enrolled.astype(np.float64)
    friends = graph.neighbour_sum(enrolled_f)[who]
    friend_total = graph.neighbour_sum(score * enrolled_f)[who]
    low_friends = graph.neighbour_sum(enrolled & (score < pol.low_threshold))[who]
    s = score[who]
    pull = np.where(friends > 0, friend_total / np.maximum(friends, 1.0) - s, 0.0)
    new = (
        s
        + events
        + pol.friend_weight * pull
        - pol.low_friend_penalty * low_friends
        - pol.decay * (s - pol.score.base)
    )
    score[who] = np.clip(new, pol.score.min, pol.score.max)

    rec.detected_critical = np.zeros(n, np.int64)
    rec.detected_critical[who] = detected_by_topic.sum(axis=0)
    rec.false_positives = np.zeros(n, np.int64)
    rec.false_positives[who] = false_pos
    rec.sanctioned = (rec.detected_critical > 0) | (rec.false_positives > 0)

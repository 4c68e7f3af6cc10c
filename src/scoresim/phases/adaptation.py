"""Phase 5, adaptation: risk, self-censorship, conformity, gaming, spiral of silence (MODEL.md 2.5).

Enrolled agents learn from sanctions on themselves and their friends (an exponentially weighted
risk), censor what they express, conform their purchases, and game the score with loyal posts.
Every agent's private opinion then moves towards a mix of the climate it perceives (the mean
expressed opinion of its friends) and its own initial view: the Friedkin-Johnsen (1990) model of
opinion dynamics with stubbornness, coupled to Noelle-Neumann's (1974) spiral of silence through
self-censorship.
"""

from __future__ import annotations

import numpy as np

from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society


def adaptation(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Update adaptation state of enrolled agents, then everyone's private dissent."""
    ad, tiers, graph = params.scenario.adaptation, params.tiers, society.graph
    expressed_before = society.expressed
    who = np.flatnonzero(society.enrolled)
    tier = society.tier

    friends_sanctioned = graph.neighbour_mean(rec.sanctioned, empty=0.0)[who]
    public = society.enrolled & tiers.public[tier]
    public_friends = graph.neighbour_mean(public, empty=0.0)[who]

    fear = society.fear[who]
    risk = (1.0 - ad.risk_rate) * society.risk[who] + ad.risk_rate * (
        ad.risk_own_weight * rec.sanctioned[who] + ad.risk_friends_weight * friends_sanctioned
    )
    society.risk[who] = risk
    target = fear * np.minimum(1.0, ad.awareness + ad.risk_sensitivity * risk)
    society.censor[who] += ad.censor_rate * (target - society.censor[who])
    pressure = 1.0 if params.purchases_penalised else 0.0
    society.buy_conform[who] += ad.conform_rate * (fear * pressure - society.buy_conform[who])
    gap = tiers.gap_to_next(society.score[who])
    society.gaming[who] = np.minimum(
        ad.gaming_cap,
        fear
        * (
            ad.gaming_gap_weight * gap / ad.gaming_gap_scale
            + ad.gaming_public_weight * public_friends
        ),
    )

    society.climate = graph.neighbour_mean(expressed_before, empty=society.dissent)
    society.dissent = (1.0 - ad.opinion_rate) * society.dissent + ad.opinion_rate * (
        ad.climate_weight * society.climate + (1.0 - ad.climate_weight) * society.dissent0
    )

"""Quantities derived once from a scenario and read by the phases every step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoresim.scenario import Scenario
from scoresim.tiers import TierTable


@dataclass(frozen=True)
class Params:
    """A scenario plus the arrays the phases need (tier table, normalised topic weights).

    Examples
    --------
    >>> from scoresim import Scenario
    >>> p = Params.from_scenario(Scenario.preset("seed"))
    >>> p.topic_weights.tolist(), p.topic_deltas.tolist(), p.purchases_penalised
    ([0.3, 0.7], [-40.0, -20.0], True)
    """

    scenario: Scenario
    tiers: TierTable
    topic_weights: np.ndarray
    topic_deltas: np.ndarray
    purchases_penalised: bool  # MODEL.md 2.5: P = 1 if any purchase category has a negative delta

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Params:
        topics = scenario.policy.posts.critical_topics
        weights = np.array([t.weight for t in topics], dtype=np.float64)
        pur = scenario.policy.purchases
        return cls(
            scenario=scenario,
            tiers=TierTable.from_scenario(scenario),
            topic_weights=weights / weights.sum(),
            topic_deltas=np.array([t.delta for t in topics], dtype=np.float64),
            purchases_penalised=min(pur.desirable.delta, pur.undesirable.delta, pur.neutral.delta)
            < 0,
        )

"""Quantities derived once from a scenario and read by the phases every step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoresim.scenario import Scenario
from scoresim.society.tiers import TierTable


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
    purchases_penalised: bool  # section 2.5: P = 1 if any purchase category has a negative delta
    #: model v2 (6.1), one entry per record kind: offence (or deed), rate, delta, detect, lists
    record_offence: np.ndarray
    record_rate: np.ndarray
    record_delta: np.ndarray
    record_detect: np.ndarray
    record_lists: np.ndarray

    @property
    def any_perk(self) -> bool:
        """Whether some tier pays a perk (section 6.2)."""
        return bool((self.tiers.perk_value > 0).any())

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Params:
        topics = scenario.policy.posts.critical_topics
        weights = np.array([t.weight for t in topics], dtype=np.float64)
        pur = scenario.policy.purchases
        records = scenario.policy.records
        return cls(
            scenario=scenario,
            tiers=TierTable.from_scenario(scenario),
            topic_weights=weights / weights.sum(),
            topic_deltas=np.array([t.delta for t in topics], dtype=np.float64),
            purchases_penalised=min(pur.desirable.delta, pur.undesirable.delta, pur.neutral.delta)
            < 0,
            record_offence=np.array([r.kind == "offence" for r in records], dtype=np.bool_),
            record_rate=np.array([r.rate for r in records], dtype=np.float64),
            record_delta=np.array([r.delta for r in records], dtype=np.float64),
            record_detect=np.array([r.detect for r in records], dtype=np.float64),
            record_lists=np.array([r.lists for r in records], dtype=np.bool_),
        )

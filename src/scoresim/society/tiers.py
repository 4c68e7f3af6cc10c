"""The tier table (docs/model.md sections 2.4 and 6.2) as arrays indexed by tier number."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from scoresim.core.jit import STREAM_AHEAD, kernel, prefetch, use_threads
from scoresim.scenario import Scenario


@dataclass(frozen=True)
class TierTable:
    """Tiers by lower bound; tier ``t`` holds scores in ``[min_score[t], min_score[t+1])``.

    Examples
    --------
    >>> from scoresim import Scenario
    >>> t = TierTable.from_scenario(Scenario.preset("seed"))
    >>> t.of_agents(np.array([350.0, 449.9, 450.0, 600.0, 950.0]), np.ones(5, bool)).tolist()
    [0, 0, 1, 2, 3]
    >>> t.names[t.base]
    'good'
    """

    names: tuple[str, ...]
    min_score: np.ndarray
    loan_approval: np.ndarray
    hire_multiplier: np.ndarray
    reach: np.ndarray
    travel_ban: np.ndarray
    public: np.ndarray
    perk_value: np.ndarray  # model v2 (6.2): wealth per step for an enrolled agent
    inspection: np.ndarray  # model v2 (6.2): factor on offence detection
    base: int  # the tier holding score.base: what non-enrolled agents get

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> TierTable:
        tiers = scenario.tiers
        mins = np.array([t.min_score for t in tiers])
        # in Python: called from Python, the compiled function would load a kernel of its own
        base = tier_of.py_func(scenario.policy.score.base, mins)
        return cls(
            names=tuple(t.name for t in tiers),
            min_score=mins,
            loan_approval=np.array([t.loan_approval for t in tiers]),
            hire_multiplier=np.array([t.hire_multiplier for t in tiers]),
            reach=np.array([t.reach for t in tiers]),
            travel_ban=np.array([t.travel_ban for t in tiers]),
            public=np.array([t.public for t in tiers]),
            perk_value=np.array([t.perk_value for t in tiers]),
            inspection=np.array([t.inspection for t in tiers]),
            base=base,
        )

    def of_agents(self, score: np.ndarray, enrolled: np.ndarray) -> np.ndarray:
        """Tier number per agent; non-enrolled agents get the tier holding ``score.base``."""
        out = np.empty(score.size, np.int8)
        _tiers_of_agents(use_threads(score.size), score, enrolled, self.min_score, self.base, out)
        return out


@kernel
def _tiers_of_agents(score, enrolled, min_score, base, out):
    for i in prange(score.size):
        if i % 8 == 0:  # a line of the scores ahead
            prefetch(score, i + STREAM_AHEAD)
        if enrolled[i]:
            out[i] = tier_of(score[i], min_score)
        else:
            out[i] = base


@njit(inline="always", cache=True)
def tier_of(score: float, min_score: np.ndarray) -> int:
    """The tier of one score: the last lower bound it reaches (the first tier below them all)."""
    t = 0
    while t + 1 < min_score.size and score >= min_score[t + 1]:
        t += 1
    return t

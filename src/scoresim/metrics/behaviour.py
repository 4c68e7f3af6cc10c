"""Model v3's metrics of behaviour under thresholds and by income (docs/model.md 7.5).

``bunching`` reads the sorted enrolled scores the metrics row has made; the income gaps read
the per-quintile counts its pass over the tiers makes, with each agent's income quintile class
made once per run (incomes are fixed at step 0).
"""

from __future__ import annotations

import numpy as np

from scoresim.core.moments import NAN
from scoresim.phases.params import Params
from scoresim.society.agents import Society

#: ``Society.derived`` key of each agent's income quintile class (7.5): -1 in the bottom
#: quintile, 1 in the top one, else 0; from the incomes, which are fixed at step 0
INCOME_CLASS = "metrics.income_class"
#: the score range is cut into this many bins for ``bunching``'s windows (7.5)
BUNCHING_BINS = 50


def income_class(society: Society) -> np.ndarray:
    """Each agent's income quintile class (:data:`INCOME_CLASS`), made once and kept: -1 where
    ``income <=`` the 20th percentile over all agents, 1 where ``>=`` the 80th, else 0."""
    kept = society.derived.get(INCOME_CLASS)
    if isinstance(kept, np.ndarray) and kept.size == society.n:
        return kept
    low, high = np.percentile(society.income, (20.0, 80.0))
    out = np.zeros(society.n, np.int8)
    out[society.income >= high] = 1
    out[society.income <= low] = -1
    society.derived[INCOME_CLASS] = out
    return out


def bunching(sorted_scores: np.ndarray, params: Params) -> float:
    """7.5's ``bunching`` over the enrolled scores (sorted): with ``w`` a fiftieth of the score
    range and ``m`` each tier's lower bound above the lowest, the count in ``(m, m + w]`` over
    the count in ``[m - w, m)``, summed over the bounds, minus 1; NaN when the second is 0.

    >>> from scoresim import Scenario
    >>> params = Params.from_scenario(Scenario.preset("seed"))  # bounds 450, 600, 650; w = 12
    >>> bunching(np.array([440.0, 450.0, 451.0, 455.0, 590.0, 600.0, 655.0]), params)
    0.5
    """
    score = params.scenario.policy.score
    w = (score.max - score.min) / BUNCHING_BINS
    above = below = 0
    for m in params.tiers.min_score[1:]:
        above += int(np.searchsorted(sorted_scores, m + w, "right"))
        above -= int(np.searchsorted(sorted_scores, m, "right"))
        below += int(np.searchsorted(sorted_scores, m, "left"))
        below -= int(np.searchsorted(sorted_scores, m - w, "left"))
    return above / below - 1.0 if below else NAN


def income_gaps(by_income: np.ndarray, quintile_sizes: tuple[int, int]) -> dict[str, float]:
    """``low_tier_income_gap`` and ``perk_income_gap`` (7.5), bottom quintile minus top; NaN
    where a quintile has no enrolled agent."""
    (bottom, bottom_low, bottom_perk), (top, top_low, top_perk) = by_income.tolist()
    if not (bottom and top):
        return {"low_tier_income_gap": NAN, "perk_income_gap": NAN}
    n_bottom, n_top = quintile_sizes
    return {
        "low_tier_income_gap": bottom_low / bottom - top_low / top,
        "perk_income_gap": bottom_perk / n_bottom - top_perk / n_top,
    }


def quintile_sizes(society: Society, classes: np.ndarray) -> tuple[int, int]:
    """The number of agents in the bottom and the top income quintile, counted once and kept."""
    key = INCOME_CLASS + ".sizes"
    kept = society.derived.get(key)
    if not isinstance(kept, tuple):
        kept = society.derived[key] = (
            int(np.count_nonzero(classes < 0)), int(np.count_nonzero(classes > 0))
        )  # fmt: skip
    return kept

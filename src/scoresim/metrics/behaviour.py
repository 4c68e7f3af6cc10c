"""Model v3's metrics of behaviour under thresholds and by income (docs/model.md 7.5).

``bunching`` reads the sorted enrolled scores the metrics row has made; the income gaps read
the per-quintile counts its pass over the tiers makes, with the quintiles' cut-offs made once
per run (incomes are fixed at step 0).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from scoresim.core.moments import NAN, percentile_positions, percentiles_of_sorted
from scoresim.phases.params import Params
from scoresim.society.agents import Society

#: ``Society.derived`` key of the income quintiles' cut-offs and sizes (:func:`income_cuts`)
INCOME_CUTS = "metrics.income_cuts"
#: the percentiles that bound the bottom and the top income quintile (7.5)
QUINTILES = (20.0, 80.0)
#: the score range is cut into this many bins for ``bunching``'s windows (7.5)
BUNCHING_BINS = 50


def income_cuts(society: Society, scratch: np.ndarray) -> tuple[float, float, int, int]:
    """The income quintiles of 7.5, made once and kept (incomes are fixed at step 0): the 20th
    and 80th percentiles over all agents (an agent is in the bottom quintile with ``income <=``
    the first, in the top one with ``>=`` the second) and the number of agents in each. The
    percentiles come from ``scratch`` (at least ``n`` floats, free for now), partitioned in
    place, so no agent-sized array is made."""
    kept = society.derived.get(INCOME_CUTS)
    if isinstance(kept, tuple):
        return kept
    income = society.income
    work = scratch[: income.size]
    np.copyto(work, income)
    places = sorted({k for q in QUINTILES for k in percentile_positions(income.size, q)[:2]})
    work.partition(places)
    low, high = percentiles_of_sorted(work, QUINTILES)
    cuts = (low, high, _count_at_most(income, low), _count_at_least(income, high))
    society.derived[INCOME_CUTS] = cuts
    return cuts


@njit(cache=True, nogil=True)
def _count_at_most(x: np.ndarray, limit: float) -> int:
    count = 0
    for v in x:
        count += v <= limit
    return count


@njit(cache=True, nogil=True)
def _count_at_least(x: np.ndarray, limit: float) -> int:
    count = 0
    for v in x:
        count += v >= limit
    return count


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


def income_gaps(by_income: np.ndarray, cuts: tuple[float, float, int, int]) -> dict[str, float]:
    """``low_tier_income_gap`` and ``perk_income_gap`` (7.5), bottom quintile minus top, from
    the per-quintile counts of enrolled agents (all, in the lowest tier, with a perk); NaN
    where a quintile has no enrolled agent."""
    (bottom, bottom_low, bottom_perk), (top, top_low, top_perk) = by_income.tolist()
    if not (bottom and top):
        return {"low_tier_income_gap": NAN, "perk_income_gap": NAN}
    n_bottom, n_top = cuts[2], cuts[3]
    return {
        "low_tier_income_gap": bottom_low / bottom - top_low / top,
        "perk_income_gap": bottom_perk / n_bottom - top_perk / n_top,
    }

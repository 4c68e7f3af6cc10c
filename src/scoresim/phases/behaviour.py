"""Model v3's rules of behaviour (docs/model.md section 7), one compiled function per rule.

The adaptation kernel (:mod:`scoresim.phases.adaptation`) calls these for one agent at a time,
inlined into its loop over agents; each is the formula of one published model, with the
parameters of :class:`~scoresim.phases.adaptation.AdaptationParams` (``p``).
"""

from __future__ import annotations

from typing import Any

from numba import njit

#: a view is critical when it is above this (7.2)
CRITICAL = 0.5


@njit(inline="always", cache=True)
def effective_fear(fear: float, employed: bool, income: float, p: Any) -> float:
    """Fear scaled by what one has to lose (7.3): ``min(1, fear * stake ** xi)`` with
    ``stake = employed * income / exp(income_mu)`` and ``0 ** 0 = 1``, so ``xi = 0`` gives
    ``fear`` itself and, with ``xi > 0``, the unemployed fear nothing.

    Jiang & Yang (2016): preference falsification is strongest where sanctions bite; Robinson
    & Tannenberg (2019): it rises with what one has.
    """
    if p.stake_exponent == 0.0:
        return fear
    if not employed:
        return 0.0
    return min(1.0, fear * (income * p.income_scale) ** p.stake_exponent)


@njit(inline="always", cache=True)
def support_of(critical: bool, n_critical: int, degree: int) -> float:
    """The share of friends whose expressed view is on one's own side (7.2), from the number
    ``n_critical`` of friends expressing more than 0.5: for a critic (``dissent > 0.5``) that
    share, else the share expressing at most 0.5 (silence counts as not critical); 0 for an
    isolated agent.

    Noelle-Neumann (1974): the perceived climate of opinion, where a majority view finds
    support and a minority view little.
    """
    if degree == 0:
        return 0.0
    if critical:
        return n_critical / degree
    return (degree - n_critical) / degree


@njit(inline="always", cache=True)
def speaks(
    support: float, dissent: float, threshold: float, fear: float, risk: float, p: Any
) -> bool:
    """The threshold model of expression (7.2): speak when ``support + omega * |dissent - 0.5|
    >= theta + kappa * f * risk``.

    Granovetter (1978): threshold models of collective behaviour; Kuran (1989, 1995): one
    speaks out when the support one sees and the intensity of one's conviction outweigh the cost
    of a sanction, which gives cascades, tipping points and hysteresis; Noelle-Neumann (1974).
    """
    return support + p.conviction * abs(dissent - CRITICAL) >= (
        threshold + p.sanction_weight * fear * risk
    )


@njit(inline="always", cache=True)
def threshold_gaming(gap: float, aware: float, p: Any) -> float:
    """Gaming as a best response to the next threshold (7.4): ``gaming_cap * aware`` when the
    next tier's cut-off is within ``gaming_reach`` points (``0 < gap <= reach``; ``gap`` is 0 in
    the top tier), else 0: effort just below a cut-off, bunching just above it.

    Hardt, Megiddo, Papadimitriou & Wootters (2016), strategic classification; Kleinberg &
    Raghavan (2019), how a decision rule shapes the effort it rewards.
    """
    if 0.0 < gap <= p.gaming_reach:
        return p.gaming_cap * aware
    return 0.0


@njit(inline="always", cache=True)
def opinion_update(
    dissent: float, dissent0: float, pull: float, susceptibility: float, p: Any
) -> float:
    """The private update of 7.1: ``(1 - rate) * dissent + rate * (lambda * m + (1 - lambda) *
    dissent0)``, with ``m`` (``pull``) the mean expressed view of the friends within the
    confidence bound and ``lambda`` the agent's susceptibility (below 0: the common
    ``climate_weight``).

    Friedkin & Johnsen (1999): heterogeneous susceptibility to interpersonal influence, with
    stubborn agents (``lambda = 0``) anchored to their initial view; Deffuant et al. (2000) and
    Hegselmann & Krause (2002): bounded confidence, views too far from one's own are ignored.
    """
    lam = susceptibility if susceptibility >= 0.0 else p.climate_weight
    rate = p.opinion_rate
    return (1.0 - rate) * dissent + rate * (lam * pull + (1.0 - lam) * dissent0)


@njit(inline="always", cache=True)
def backlash(dissent: float, friends_sanctioned: float, fear: float, p: Any) -> float:
    """Backlash (7.3): ``dissent + beta * friends_sanctioned * (1 - f) * (1 - dissent)``.

    Pan & Siegel (2020): the repression of a few raises the dissent of those who follow them,
    the less so the more they fear.
    """
    return dissent + p.backlash * friends_sanctioned * (1.0 - fear) * (1.0 - dissent)

"""Phase 7, metrics: one row per step with the columns of MODEL.md section 3.

Read from the end-of-step state. A metric undefined in a step (no enrolled, sanctioned or
poor-tier agent; zero variance; zero total) is NaN.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from scoresim.jit import kernel
from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society

NAN = float("nan")


def metric_columns(params: Params) -> list[str]:
    """Column names in order, ``step`` first (tier columns follow the scenario's tier names)."""
    return [
        "step", "adoption", "score_mean", "score_sd", "score_p10", "score_p50", "score_p90",
        *(f"tier_{name}" for name in params.tiers.names),
        "dissent_mean", "expressed_mean", "falsification_gap", "pluralistic_ignorance",
        "critical_posts", "loyal_posts", "imports", "sanctioned", "false_positive_only",
        "edges", "isolated", "score_assortativity", "employment", "employment_poor",
        "wealth_gini", "score_gini", "score_dissent_corr", "loans_denied", "travel_denied",
    ]  # fmt: skip


def gini(x: np.ndarray) -> float:
    """Gini ``sum_i (2i - n - 1) x_(i) / (n sum x)`` over sorted ``x``; NaN if undefined.

    Examples
    --------
    >>> gini(np.array([1.0, 1.0, 1.0])), gini(np.array([0.0, 0.0, 3.0]))
    (0.0, 0.6666666666666666)
    """
    n = x.size
    total = float(x.sum()) if n else 0.0
    if n == 0 or total == 0.0:
        return NAN
    rank = np.arange(1, n + 1, dtype=np.float64)
    return float(np.dot(2.0 * rank - n - 1.0, np.sort(x)) / (n * total))


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation; NaN for fewer than two points or zero variance.

    Examples
    --------
    >>> pearson(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 7.0])) > 0.99
    True
    """
    if x.size < 2:
        return NAN
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(np.dot(dx, dx)), float(np.dot(dy, dy))
    if sxx <= 0.0 or syy <= 0.0:
        return NAN
    return float(np.dot(dx, dy) / np.sqrt(sxx * syy))


_CHUNKS = 64  # fixed, so that sums do not depend on the number of threads


@kernel
def _edge_moments(indptr, indices, enrolled, score, shift):
    n = enrolled.size
    sums = np.zeros((_CHUNKS, 4))
    size = (n + _CHUNKS - 1) // _CHUNKS
    for c in prange(_CHUNKS):
        for i in range(c * size, min(n, (c + 1) * size)):
            if not enrolled[i]:
                continue
            x = score[i] - shift
            for q in range(indptr[i], indptr[i + 1]):
                j = indices[q]
                if enrolled[j]:
                    y = score[j] - shift
                    sums[c, 0] += 1.0
                    sums[c, 1] += x
                    sums[c, 2] += x * x
                    sums[c, 3] += x * y
    total = np.zeros(4)
    for c in range(_CHUNKS):
        total += sums[c]
    return total


def score_assortativity(society: Society) -> float:
    """Pearson correlation of scores over both orientations of edges between enrolled agents."""
    g, enrolled = society.graph, society.enrolled
    if not enrolled.any():
        return NAN
    shift = float(society.score[enrolled].mean())
    m, sx, sxx, sxy = _edge_moments(g.parallel, g.indptr, g.indices, enrolled, society.score, shift)
    if m < 2:
        return NAN
    mean = sx / m  # the same for both ends: each edge appears in both orientations
    var = sxx / m - mean * mean
    if var <= 0.0:
        return NAN
    return float((sxy / m - mean * mean) / var)


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else NAN


def metrics_row(society: Society, params: Params, rec: StepRecord) -> dict[str, float]:
    """The metrics of the state left at the end of step ``rec.t``."""
    n, enrolled, graph, tiers = society.n, society.enrolled, society.graph, params.tiers
    score_e = society.score[enrolled]
    n_enrolled = score_e.size
    tier_e = society.tier[enrolled]
    row: dict[str, float] = {"step": rec.t, "adoption": n_enrolled / n}

    if n_enrolled:
        p10, p50, p90 = np.percentile(score_e, [10, 50, 90])
        row |= {
            "score_mean": float(score_e.mean()),
            "score_sd": float(score_e.std()),
            "score_p10": float(p10),
            "score_p50": float(p50),
            "score_p90": float(p90),
        }
        counts = np.bincount(tier_e, minlength=len(tiers.names))
        row |= {f"tier_{name}": counts[k] / n_enrolled for k, name in enumerate(tiers.names)}
    else:
        row |= dict.fromkeys(["score_mean", "score_sd", "score_p10", "score_p50", "score_p90"], NAN)
        row |= {f"tier_{name}": NAN for name in tiers.names}

    dissent, expressed = society.dissent, society.expressed
    row["dissent_mean"] = float(dissent.mean())
    row["expressed_mean"] = float(expressed.mean())
    row["falsification_gap"] = float((dissent - expressed).mean())
    row["pluralistic_ignorance"] = float(society.climate.mean()) - row["dissent_mean"]

    row["critical_posts"] = float(rec.critical.sum()) / n
    row["loyal_posts"] = float(rec.loyal.sum()) / n
    row["imports"] = float(rec.undesirable.sum()) / n
    sanctioned = rec.sanctioned
    n_sanctioned = int(np.count_nonzero(sanctioned))
    row["sanctioned"] = n_sanctioned / n
    row["false_positive_only"] = (
        float(np.count_nonzero(sanctioned & (rec.detected_critical == 0))) / n_sanctioned
        if n_sanctioned else NAN
    )  # fmt: skip

    row["edges"] = graph.edge_count
    row["isolated"] = float(np.count_nonzero(graph.degree == 0)) / n
    row["score_assortativity"] = score_assortativity(society)

    row["employment"] = float(society.employed.mean())
    poor = enrolled & (society.tier == 0)
    row["employment_poor"] = _mean(society.employed[poor].astype(np.float64))
    row["wealth_gini"] = gini(society.wealth)
    row["score_gini"] = gini(score_e)
    row["score_dissent_corr"] = pearson(score_e, dissent[enrolled])
    row["loans_denied"] = rec.loans_denied
    row["travel_denied"] = rec.travel_denied
    return row

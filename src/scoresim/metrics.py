"""Phase 7, metrics: one row per step with the columns of MODEL.md section 3.

Read from the end-of-step state. A metric undefined in a step (no enrolled, sanctioned or
poor-tier agent; zero variance; zero total) is NaN.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit, prange

from scoresim.jit import kernel
from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society

NAN = float("nan")
_sorter: tuple[int, ThreadPoolExecutor] | None = None


def _sort_thread() -> ThreadPoolExecutor:
    """A helper thread for sorting, created per process (a forked child gets its own)."""
    global _sorter
    if _sorter is None or _sorter[0] != os.getpid():
        _sorter = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="scoresim-sort"))
    return _sorter[1]


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


def percentiles_of_sorted(x: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """Percentiles of an ascending array, linearly interpolated (numpy's default method).

    Examples
    --------
    >>> percentiles_of_sorted(np.array([1.0, 2.0, 3.0, 4.0]), (10, 50, 90))
    [1.3, 2.5, 3.7]
    """
    out = []
    for q in qs:
        h = (x.size - 1) * q / 100.0
        lo = int(np.floor(h))
        hi = min(lo + 1, x.size - 1)
        out.append(float(x[lo] + (h - lo) * (x[hi] - x[lo])))
    return out


@njit(cache=True)
def _rank_weighted_sum(x: np.ndarray) -> float:
    n = x.size
    acc = 0.0
    for i in range(n):
        acc += (2.0 * (i + 1) - n - 1.0) * x[i]
    return acc


def gini_of_sorted(x: np.ndarray) -> float:
    """:func:`gini` of an array already sorted ascending."""
    n = x.size
    total = float(x.sum()) if n else 0.0
    if n == 0 or total == 0.0:
        return NAN
    return float(_rank_weighted_sum(np.ascontiguousarray(x, np.float64)) / (n * total))


def gini(x: np.ndarray) -> float:
    """Gini ``sum_i (2i - n - 1) x_(i) / (n sum x)`` over sorted ``x``; NaN if undefined.

    Examples
    --------
    >>> gini(np.array([1.0, 1.0, 1.0])), gini(np.array([0.0, 0.0, 3.0]))
    (0.0, 0.6666666666666666)
    """
    return gini_of_sorted(np.sort(x))


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation; NaN for fewer than two points or zero variance.

    Examples
    --------
    >>> pearson(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 7.0])) > 0.99
    True
    """
    if x.size < 2 or x.min() == x.max() or y.min() == y.max():
        return NAN
    dx, dy = x - x.mean(), y - y.mean()
    # plain sums, not np.dot: a BLAS call leaves OpenBLAS threads spinning on the other core
    # for a while, right when the next step's kernels want it
    sxx, syy = float((dx * dx).sum()), float((dy * dy).sum())
    if sxx <= 0.0 or syy <= 0.0:
        return NAN
    return float((dx * dy).sum() / np.sqrt(sxx * syy))


_CHUNKS = 64  # fixed, so that sums do not depend on the number of threads


@kernel
def _edge_moments(indptr, indices, enrolled, score, shift):
    n = enrolled.size
    sums = np.zeros((_CHUNKS, 4))
    size = (n + _CHUNKS - 1) // _CHUNKS
    for c in prange(_CHUNKS):
        m = 0
        sx = 0.0
        sxx = 0.0
        sxy = 0.0
        for i in range(c * size, min(n, (c + 1) * size)):
            if not enrolled[i]:
                continue
            x = score[i] - shift
            k = 0
            sy = 0.0
            for q in range(indptr[i], indptr[i + 1]):
                j = indices[q]
                if enrolled[j]:
                    k += 1
                    sy += score[j] - shift
            m += k
            sx += k * x
            sxx += k * x * x
            sxy += x * sy
        sums[c, 0] = m
        sums[c, 1] = sx
        sums[c, 2] = sxx
        sums[c, 3] = sxy
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
    if var <= 1e-9 * (sxx / m):  # all edge ends equal: only rounding is left
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

    # the two sorts dominate; numpy releases the GIL, so they run side by side
    sorted_wealth = _sort_thread().submit(np.sort, society.wealth)
    sorted_score = np.sort(score_e)
    if n_enrolled:
        p10, p50, p90 = percentiles_of_sorted(sorted_score, (10, 50, 90))
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
    row["wealth_gini"] = gini_of_sorted(sorted_wealth.result())
    row["score_gini"] = gini_of_sorted(sorted_score)
    row["score_dissent_corr"] = pearson(score_e, dissent[enrolled])
    row["loans_denied"] = rec.loans_denied
    row["travel_denied"] = rec.travel_denied
    return row

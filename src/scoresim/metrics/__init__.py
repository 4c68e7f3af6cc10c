"""Phase 7, metrics: one row per step with the columns of docs/model.md sections 3, 6.5 and
7.5 (model v3's own, in :mod:`scoresim.metrics.behaviour`).

Read from the end-of-step state. A metric undefined in a step (no enrolled, sanctioned or
poor-tier agent; zero variance; zero total) is NaN. Model v2's columns are always written, 0
where their mechanism is off (``employment_listed``, the employment of listed agents, is NaN
when nobody is listed).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from numba import get_num_threads, njit, prange

from scoresim.core.buffers import SPARE_FLOATS, reuse_or_empty
from scoresim.core.jit import ROWS_AHEAD as _AHEAD
from scoresim.core.jit import STREAM_AHEAD, kernel, prefetch, use_threads
from scoresim.core.jit import SUM_CHUNKS as _CHUNKS
from scoresim.core.moments import (
    column_sums,
    count_total,
    pearson_of_sums,
    percentiles_of_sorted,
)
from scoresim.metrics.behaviour import bunching, income_cuts, income_gaps
from scoresim.phases.adaptation import SNAPSHOT
from scoresim.phases.consequences import perk_tiers
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.phases.records import OFFENCE
from scoresim.society.agents import Society, expressed_of

NAN = float("nan")
_sorter: tuple[int, ThreadPoolExecutor] | None = None


def _sort_thread() -> ThreadPoolExecutor:
    """Two helper threads for sorting, created per process (a forked child gets its own)."""
    global _sorter
    if _sorter is None or _sorter[0] != os.getpid():
        _sorter = (os.getpid(), ThreadPoolExecutor(2, thread_name_prefix="scoresim-sort"))
    return _sorter[1]


def _sorted(x: np.ndarray) -> np.ndarray:
    x.sort()
    return x


def _sort(x: np.ndarray, threads: bool) -> Future:
    """Sort ``x`` in place, in a helper thread or at once when waking threads costs more (small
    n) or when numba is held to one thread (the run is then held to one core); the future
    gives ``x``."""
    if threads and get_num_threads() > 1:
        return _sort_thread().submit(_sorted, x)
    done: Future = Future()
    done.set_result(_sorted(x))
    return done


def metric_columns(params: Params) -> list[str]:
    """Column names in order, ``step`` first (tier columns follow the scenario's tier names)."""
    return [
        "step", "adoption", "score_mean", "score_sd", "score_p10", "score_p50", "score_p90",
        *(f"tier_{name}" for name in params.tiers.names),
        "dissent_mean", "expressed_mean", "falsification_gap", "pluralistic_ignorance",
        "critical_posts", "loyal_posts", "imports", "sanctioned", "false_positive_only",
        "edges", "isolated", "score_assortativity", "employment", "employment_poor",
        "wealth_gini", "score_gini", "score_dissent_corr", "loans_denied", "travel_denied",
        *V2_COLUMNS, *V3_COLUMNS,
    ]  # fmt: skip


#: model v2's columns (section 6.5), after every v1 column
V2_COLUMNS = (
    "listed", "ever_listed", "listings", "delistings", "offences", "offences_registered",
    "deeds_registered", "perk_share", "private_critics", "public_critics", "employment_listed",
)  # fmt: skip

#: model v3's columns (section 7.5), after model v2's
V3_COLUMNS = (
    "voice_private", "voice_expressed", "voice_posted", "climate_voice_corr", "bunching",
    "low_tier_income_gap", "perk_income_gap",
)  # fmt: skip


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


@kernel
def _enrolled_moments(indptr, indices, enrolled, all_enrolled, score, dissent, shift, shift_d):
    """Sums over enrolled agents (score ``x`` and dissent ``y``, shifted) and over both
    orientations of the edges between them, in fixed chunks; extremes to tell zero variance."""
    n = enrolled.size
    sums = np.empty((_CHUNKS, 10))  # every chunk writes its row
    extremes = np.empty((_CHUNKS, 4))
    size = (n + _CHUNKS - 1) // _CHUNKS
    for c in prange(_CHUNKS):
        m = 0
        sx = sxx = sxy = 0.0  # over edge ends
        count = 0
        ax = ay = axx = ayy = axy = 0.0  # over agents
        x_min = y_min = np.inf
        x_max = y_max = -np.inf
        stop = min(n, (c + 1) * size)
        for i in range(c * size, stop):
            if i + _AHEAD < stop:  # before the mandatory date the enrolled rows are sparse
                prefetch(indices, indptr[i + _AHEAD])
            if not enrolled[i]:
                continue
            x = score[i] - shift
            y = dissent[i] - shift_d
            count += 1
            ax += x
            ay += y
            axx += x * x
            ayy += y * y
            axy += x * y
            x_min, x_max = min(x_min, x), max(x_max, x)
            y_min, y_max = min(y_min, y), max(y_max, y)
            k = 0
            sy = 0.0
            # unsigned positions and ids, as in adaptation's walks: no negative-index test
            for q in range(np.uint64(indptr[i]), np.uint64(indptr[i + 1])):
                j = np.uint64(indices[q])
                if all_enrolled or enrolled[j]:  # after the mandatory date: one read less
                    k += 1
                    sy += score[j] - shift
            m += k
            sx += k * x
            sxx += k * x * x
            sxy += x * sy
        row = sums[c]
        row[0], row[1], row[2], row[3], row[4] = m, sx, sxx, sxy, count
        row[5], row[6], row[7], row[8], row[9] = ax, ay, axx, ayy, axy
        ext = extremes[c]
        ext[0], ext[1], ext[2], ext[3] = x_min, -x_max, y_min, -y_max
    # element by element: an array expression here would be a parallel region per chunk
    lowest = np.empty(4)
    for k in range(4):
        low = np.inf
        for c in range(_CHUNKS):
            low = min(low, extremes[c, k])
        lowest[k] = low
    return column_sums(sums), lowest


@kernel
def _opinion_sums(dissent, censor):
    """Sums of expressed dissent ``d (1 - c)`` and of ``d - d (1 - c)``, in fixed chunks, and
    the counts of private (``d > 0.5``) and public (``d (1 - c) > 0.5``) critics."""
    n = dissent.size
    sums = np.empty((_CHUNKS, 4))  # every chunk writes its row
    size = (n + _CHUNKS - 1) // _CHUNKS
    for c in prange(_CHUNKS):
        se = sg = 0.0
        private = public = 0
        for i in range(c * size, min(n, (c + 1) * size)):
            if i % 8 == 0:  # a line of each ahead (an address past the end is not read)
                prefetch(dissent, i + STREAM_AHEAD)
                prefetch(censor, i + STREAM_AHEAD)
            d = dissent[i]
            e = expressed_of(d, censor[i])
            se += e
            sg += d - e
            private += d > 0.5
            public += e > 0.5
        sums[c, 0], sums[c, 1], sums[c, 2], sums[c, 3] = se, sg, private, public
    return column_sums(sums)


def _enrolled_correlations(
    society: Society, all_enrolled: bool, score_mean: float, dissent_mean: float
) -> tuple[float, float]:
    """Score assortativity over both orientations of edges between enrolled agents, and the
    score-dissent Pearson correlation over enrolled agents; NaN where undefined."""
    g = society.graph
    sums, lowest = _enrolled_moments(
        g.parallel, g.indptr, g.indices, society.enrolled, all_enrolled, society.score,
        society.dissent, score_mean, dissent_mean,
    )  # fmt: skip
    m, sx, sxx, sxy, count, ax, ay, axx, ayy, axy = sums
    assortativity = NAN
    if m >= 2:
        mean = sx / m  # the same for both ends: each edge appears in both orientations
        var = sxx / m - mean * mean
        if var > 1e-9 * (sxx / m):  # else all edge ends are equal: only rounding is left
            assortativity = float((sxy / m - mean * mean) / var)
    constant = lowest[0] == -lowest[1] or lowest[2] == -lowest[3]
    corr = NAN if constant else pearson_of_sums(count, ax, ay, axx, ayy, axy)
    return assortativity, corr


@njit(cache=True, nogil=True)
def _compress(mask: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``x[mask]`` written into ``out``; returns the filled part (``np.compress`` would allocate
    an index array as large as the result)."""
    k = 0
    for i in range(x.size):
        if mask[i]:
            out[k] = x[i]
            k += 1
    return out[:k]


@njit(cache=True, nogil=True)
def _tier_counts(
    tier: np.ndarray, enrolled: np.ndarray, tiers: int, income: np.ndarray,
    cuts: tuple[float, float, int, int], perk: np.ndarray, employed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int]:  # fmt: skip
    """Enrolled agents per tier (``np.bincount`` would first widen the int8 tiers to int64),
    per income quintile (bottom, top): enrolled, enrolled in the lowest tier, with a perk; and
    the employed among the lowest tier's (its size is ``counts[0]``)."""
    counts = np.zeros(tiers, np.int64)
    poor_employed = 0
    # the quintiles' counts in registers, added without a branch (an agent in two of five
    # falls in one, and the branch mispredicted as often)
    bottom = bottom_poor = bottom_perk = top = top_poor = top_perk = 0
    low, high = cuts[0], cuts[1]
    for i in range(tier.size):
        if enrolled[i]:
            t = tier[i]
            counts[t] += 1
            poor = t == 0
            poor_employed += poor & employed[i]
            x = income[i]
            in_bottom, in_top = x <= low, (x >= high) & (x > low)  # bottom first, as cut
            bottom += in_bottom
            bottom_poor += in_bottom & poor
            bottom_perk += in_bottom & perk[t]
            top += in_top
            top_poor += in_top & poor
            top_perk += in_top & perk[t]
    by_income = np.array([[bottom, bottom_poor, bottom_perk], [top, top_poor, top_perk]])
    return counts, by_income, poor_employed


def mean_and_sd(x: np.ndarray, scratch: np.ndarray) -> tuple[float, float]:
    """``x.mean()`` and ``x.std()`` (ddof 0), bit for bit, with the deviations in ``scratch``
    (at least ``x.size`` long) instead of a new array: numpy's own steps, in borrowed memory.

    >>> x = np.random.default_rng(1).normal(600.0, 80.0, 1001)
    >>> mean_and_sd(x, np.empty(2000)) == (x.mean(), x.std())
    True
    """
    mean = x.mean()
    deviations = np.subtract(x, mean, out=scratch[: x.size])
    np.multiply(deviations, deviations, out=deviations)
    return float(mean), float(np.sqrt(deviations.sum() / x.size))


def metrics_row(society: Society, params: Params, rec: StepRecord) -> dict[str, float]:
    """The metrics of the state left at the end of step ``rec.t``."""
    n, enrolled, graph, tiers = society.n, society.enrolled, society.graph, params.tiers
    n_enrolled = int(np.count_nonzero(enrolled))
    # no agent-sized array is allocated here: the enrolled scores, sorted below, go into the
    # adaptation snapshot's memory (free until the next step's adaptation); the spare float
    # array takes the deviations for the score sd, then the wealth to sort
    snapshot = reuse_or_empty(society.derived, SNAPSHOT, n, np.float64)
    spare = reuse_or_empty(society.derived, SPARE_FLOATS, n, np.float64)
    score_e = _compress(enrolled, society.score, snapshot)
    row: dict[str, float] = {"step": rec.t, "adoption": n_enrolled / n}
    if n_enrolled:
        mean, sd = mean_and_sd(score_e, spare)
        row |= {"score_mean": mean, "score_sd": sd}
        cuts = income_cuts(society, spare)  # made once, in the spare memory before the wealth

    # the two sorts take longest: numpy releases the GIL, so they run in helper threads while
    # this one goes on with the compiled passes; the percentiles are filled in at the end
    np.copyto(spare, society.wealth)
    sorted_wealth = _sort(spare, use_threads(n))
    sorted_score = _sort(score_e, use_threads(n))
    if n_enrolled:
        row |= dict.fromkeys(["score_p10", "score_p50", "score_p90"], NAN)  # keeps column order
        counts, by_income, poor_employed = _tier_counts(
            society.tier, enrolled, len(tiers.names), society.income, cuts, perk_tiers(tiers),
            society.employed,
        )  # fmt: skip
        row |= {f"tier_{name}": counts[k] / n_enrolled for k, name in enumerate(tiers.names)}
    else:
        row |= dict.fromkeys(["score_mean", "score_sd", "score_p10", "score_p50", "score_p90"], NAN)
        row |= {f"tier_{name}": NAN for name in tiers.names}

    dissent = society.dissent
    expressed_sum, gap_sum, private_critics, public_critics = _opinion_sums(
        use_threads(n), dissent, society.censor
    ).tolist()
    row["dissent_mean"] = float(dissent.mean())
    row["expressed_mean"] = expressed_sum / n
    row["falsification_gap"] = gap_sum / n
    row["pluralistic_ignorance"] = float(society.climate.mean()) - row["dissent_mean"]

    row["critical_posts"] = float(count_total(rec.critical_by_topic)) / n
    row["loyal_posts"] = float(count_total(rec.loyal)) / n
    row["imports"] = float(count_total(rec.undesirable)) / n
    sanctioned = rec.sanctioned
    n_sanctioned = int(np.count_nonzero(sanctioned))
    row["sanctioned"] = n_sanctioned / n
    row["false_positive_only"] = (
        float(np.count_nonzero(_false_positive_only(society, rec))) / n_sanctioned
        if n_sanctioned else NAN
    )  # fmt: skip

    row["edges"] = graph.edge_count
    row["isolated"] = graph.isolated_count() / n
    assortativity, score_dissent_corr = (
        _enrolled_correlations(society, n_enrolled == n, row["score_mean"], row["dissent_mean"])
        if n_enrolled
        else (NAN, NAN)
    )
    row["score_assortativity"] = assortativity

    row["employment"] = np.count_nonzero(society.employed) / n  # the mean's bits, 10x faster
    n_poor = counts[0] if n_enrolled else 0  # a count over a count: the bits of the mean
    row["employment_poor"] = poor_employed / n_poor if n_poor else NAN
    row["wealth_gini"] = gini_of_sorted(sorted_wealth.result())
    society.derived[SPARE_FLOATS] = spare
    score_sorted = sorted_score.result()
    row["score_gini"] = gini_of_sorted(score_sorted)
    society.derived[SNAPSHOT] = snapshot
    if n_enrolled:
        percentiles = percentiles_of_sorted(score_sorted, (10, 50, 90))
        row |= dict(zip(["score_p10", "score_p50", "score_p90"], percentiles, strict=True))
    row["score_dissent_corr"] = score_dissent_corr
    row["loans_denied"] = rec.loans_denied
    row["travel_denied"] = rec.travel_denied
    perking = perk_tiers(tiers)
    perked = int(counts[perking].sum()) if n_enrolled and perking.any() else 0
    v2 = _blacklist_columns(society) | {
        "listings": rec.listings,
        "delistings": rec.delistings,
        "offences": rec.offences / n,
        "offences_registered": rec.offences_registered / n,
        "deeds_registered": rec.deeds_registered / n,
        "perk_share": perked / n,
        "private_critics": private_critics / n,
        "public_critics": public_critics / n,
    }
    row |= {k: v2[k] for k in V2_COLUMNS}
    row |= {
        "voice_private": rec.voice_private,
        "voice_expressed": rec.voice_expressed,
        "voice_posted": rec.voice_posted,
        "climate_voice_corr": rec.climate_voice_corr,
        "bunching": bunching(score_sorted, params) if n_enrolled else NAN,
    }
    if n_enrolled:
        row |= income_gaps(by_income, cuts)
    else:
        row |= {"low_tier_income_gap": NAN, "perk_income_gap": NAN}
    return row


def _false_positive_only(society: Society, rec: StepRecord) -> np.ndarray:
    """Sanctioned agents whose only sanctions were false positives: no detected critical post,
    and in model v2 no registered offence and no listing this step."""
    only = rec.sanctioned & (rec.detected_critical == 0)
    if rec.record_flags.size:
        only &= (rec.record_flags & OFFENCE) == 0
    if society.blacklist_on:
        only &= ~society.listing_pending  # listed this step (cleared at the next scoring)
    return only


def _blacklist_columns(society: Society) -> dict[str, float]:
    """The listed and ever-listed shares, and the employment of the listed (section 6.5)."""
    if not society.blacklist_on:
        return {"listed": 0.0, "ever_listed": 0.0, "employment_listed": NAN}
    n, listed = society.n, society.listed
    n_listed = int(np.count_nonzero(listed))
    employed = int(np.count_nonzero(listed & society.employed)) if n_listed else 0
    return {
        "listed": n_listed / n,
        "ever_listed": int(np.count_nonzero(society.ever_listed)) / n,
        "employment_listed": employed / n_listed if n_listed else NAN,
    }

"""Effect estimates over paired replications: means, differences and Student-t intervals.

Replication ``r`` runs the treatment and the control with the same seed, so the two arms start
from the same society and share their random streams (common random numbers). Effects are
estimated from the *paired* per-replication differences ``d_r = treatment_r - control_r``:
the estimate is their mean and the 95% interval ``mean ± t(0.975, n-1) · sd(d) / sqrt(n)``.
Pairs where either arm is NaN are dropped; with fewer than two pairs the interval is NaN.

The headline effects (:func:`headline_table`) are the press account's outcomes (chilling,
preference falsification, isolation, the poor tier's jobs, inequality) and, for an arm whose
blacklist is on (model v2, the Supreme People's Court's list of judgment defaulters), the
list's own measures: the share ever listed, travel denied per listed person, and the listed
share's employment gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from scoresim.experiments.quantities import effect_quantity
from scoresim.experiments.support import agents_of, support

LEVEL = 0.95

#: Weeks over which the listed share's employment gap is averaged (the last year of a run).
LAST_YEAR = 52

#: Metric columns (model v2) the blacklist's headline measures need.
BLACKLIST_COLUMNS = ("ever_listed", "listings", "travel_denied", "employment_listed",
                     "employment")  # fmt: skip

#: Columns of ``effects.parquet``.
EFFECT_COLUMNS = ("step", "metric", "treatment_mean", "control_mean", "difference",
                  "ci_low", "ci_high", "n")  # fmt: skip

#: Columns of ``headline.csv``.
HEADLINE_COLUMNS = ("effect", "estimate", "ci_low", "ci_high", "treatment", "control",
                    "replications", "min_agents", "definition")  # fmt: skip


@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided Student-t confidence interval.

    ``low`` and ``high`` are NaN when fewer than two finite values were given.
    """

    estimate: float
    low: float
    high: float
    n: int


def mean_interval(values: Sequence[float] | np.ndarray, level: float = LEVEL) -> Interval:
    """Mean and Student-t interval of the finite values (NaN values are dropped).

    Parameters
    ----------
    values : array-like of float
        One value per replication (for an effect: the paired differences).
    level : float
        Confidence level, default 0.95.

    Returns
    -------
    Interval
        ``estimate`` NaN if no finite value; ``low``/``high`` NaN if fewer than two.

    Examples
    --------
    >>> iv = mean_interval([1.0, 2.0, 3.0])
    >>> iv.estimate, round(iv.low, 4), round(iv.high, 4), iv.n
    (2.0, -0.4841, 4.4841, 3)
    >>> mean_interval([5.0, float("nan")])
    Interval(estimate=5.0, low=nan, high=nan, n=1)
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


def paired_interval(
    treatment: Sequence[float] | np.ndarray,
    control: Sequence[float] | np.ndarray,
    level: float = LEVEL,
) -> Interval:
    """Mean paired difference ``treatment - control`` with its Student-t interval.

    Examples
    --------
    >>> iv = paired_interval([3.0, 5.0, 4.0], [1.0, 2.0, 2.0])
    >>> round(iv.estimate, 4), round(iv.low, 4), round(iv.high, 4)
    (2.3333, 0.8991, 3.7676)
    """
    t = np.asarray(treatment, dtype=np.float64)
    c = np.asarray(control, dtype=np.float64)
    return mean_interval(t - c, level)


def _nanmean(x: np.ndarray, axis: int) -> np.ndarray:
    finite = np.isfinite(x)
    count = finite.sum(axis=axis)
    total = np.where(finite, x, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def effects_table(runs: pd.DataFrame, metrics: Sequence[str], level: float = LEVEL) -> pd.DataFrame:
    """Per step and metric: arm means, mean paired difference and its interval.

    Parameters
    ----------
    runs : DataFrame
        One row per (arm, replication, step), ``arm`` in ``treatment``/``control``, with the
        metric columns (the layout of ``runs.parquet``).
    metrics : sequence of str
        The metric columns to summarise.

    Returns
    -------
    DataFrame
        Columns :data:`EFFECT_COLUMNS`, one row per (step, metric), ordered by metric then step.

    Examples
    --------
    >>> runs = pd.DataFrame({"arm": ["treatment"] * 2 + ["control"] * 2,
    ...                      "replication": [0, 1, 0, 1], "step": [1, 1, 1, 1],
    ...                      "x": [3.0, 5.0, 1.0, 2.0]})
    >>> effects_table(runs, ["x"])[["difference", "n"]].to_dict("records")
    [{'difference': 2.5, 'n': 2}]
    """
    t_wide = _cube(runs[runs["arm"] == "treatment"], metrics)
    c_wide = _cube(runs[runs["arm"] == "control"], metrics)
    steps = t_wide.index.get_level_values("step").unique().sort_values()
    reps = sorted(set(t_wide.index.get_level_values("replication")))
    t_wide = t_wide.reindex(
        pd.MultiIndex.from_product([reps, steps], names=["replication", "step"])
    )
    c_wide = c_wide.reindex(t_wide.index)
    frames = []
    for metric in metrics:
        t = t_wide[metric].to_numpy().reshape(len(reps), len(steps))
        c = c_wide[metric].to_numpy().reshape(len(reps), len(steps))
        d = t - c
        finite = np.isfinite(d)
        n = finite.sum(axis=0)
        mean = _nanmean(d, axis=0)
        dev = np.where(finite, d - mean, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt((dev**2).sum(axis=0) / (n - 1))
            tq = stats.t.ppf(0.5 + level / 2, np.where(n >= 2, n - 1, np.nan))
            half = tq * sd / np.sqrt(n)
        frames.append(pd.DataFrame({
            "step": steps.to_numpy(), "metric": metric,
            "treatment_mean": _nanmean(t, axis=0), "control_mean": _nanmean(c, axis=0),
            "difference": mean, "ci_low": mean - half, "ci_high": mean + half,
            "n": n.astype(np.int64),
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _cube(frame: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    return frame.set_index(["replication", "step"])[list(metrics)].astype("float64").sort_index()


def blacklist_on(scenario: Any) -> bool:
    """Whether a scenario's blacklist (model v2) is enabled at the start or by its schedule
    within the horizon (an entry after it is never applied).

    Scenarios from before model v2 have no ``blacklist`` section: False.
    """
    section = getattr(scenario, "blacklist", None)
    if section is not None and bool(getattr(section, "enabled", False)):
        return True
    horizon = getattr(scenario, "steps", None)
    for entry in getattr(scenario, "schedule", None) or ():
        step = entry.get("step") if isinstance(entry, dict) else getattr(entry, "step", None)
        if horizon is not None and step is not None and step > horizon:
            continue
        changes = entry.get("set", {}) if isinstance(entry, dict) else getattr(entry, "set", {})
        if bool((changes or {}).get("blacklist.enabled", False)):
            return True
    return False


def headline_table(
    runs: pd.DataFrame,
    level: float = LEVEL,
    blacklist: bool = False,
    agents: int | None = None,
    lowest_tier: str | None = None,
) -> pd.DataFrame:
    """The headline effects at the last step, each with its interval over replications and
    its support (:mod:`~scoresim.experiments.support`).

    Effects (each estimated from paired per-replication values at the last step):

    - ``chilling effect``: ``1 - critical_posts(T) / critical_posts(C)``;
    - ``falsification gap``, ``pluralistic ignorance``, ``isolated share``,
      ``wealth Gini change``: difference ``T - C``;
    - ``employment gap, poor tier``: ``employment_poor(T) - employment(C)``;
    - ``score-dissent correlation``: the treatment's value (undefined in a control where
      nobody enrols), a one-sample interval.

    With ``blacklist`` (the treatment's blacklist is on) and the model v2 columns present, the
    list's own measures follow, each the treatment's value (one-sample interval; the
    ``control`` column holds the same quantity in the control):

    - ``share ever listed``: ``ever_listed(T)`` at the last step;
    - ``travel denied per listed person``: ``sum travel_denied(T) / sum listings(T)`` over all
      steps (denied trips per listing; NaN if nobody was listed; denials by a score tier's
      travel ban count too);
    - ``employment gap, listed``: the mean over the last :data:`LAST_YEAR` steps (all steps in
      a shorter run) of ``employment_listed(T) - employment(T)``, steps where nobody is
      listed skipped. A year's mean rather than the last step: the listed are few, so one
      week's share of them in work is noisy.

    Without ``blacklist``, or on runs without those columns, these rows are left out.

    Support: ``replications`` counts the replications with a defined value; ``min_agents`` is
    the smallest group behind those values, from the treatment's last step: everyone
    (``agents``) for the population-wide effects and the listed share; the enrolled
    (``adoption x agents``) for the score-dissent correlation; the enrolled agents of the
    lowest tier (``tier_<lowest_tier> x adoption x agents``; default: the first tier column)
    for the poor tier's employment gap; the ever-listed for travel denied per listing; the
    fewest listed in any week averaged for the listed share's employment gap. Without
    ``agents`` it is NaN. Intervals are clipped to the effect's range
    (:data:`~scoresim.experiments.quantities.EFFECT_QUANTITIES`). Nothing is suppressed here
    (:func:`~scoresim.experiments.support.suppress` does that).

    Returns
    -------
    DataFrame
        Columns :data:`HEADLINE_COLUMNS`; ``treatment``/``control`` are the arm means of the
        compared quantity.

    Examples
    --------
    >>> cols = ["critical_posts", "falsification_gap", "pluralistic_ignorance", "isolated",
    ...         "employment", "employment_poor", "wealth_gini", "score_dissent_corr"]
    >>> rows = [dict(arm=a, replication=r, step=1, **dict.fromkeys(cols, v))
    ...         for a, v in (("treatment", 0.5), ("control", 1.0)) for r in (0, 1)]
    >>> h = headline_table(pd.DataFrame(rows)).set_index("effect")
    >>> float(h.loc["chilling effect", "estimate"]), float(h.loc["isolated share", "estimate"])
    (0.5, -0.5)
    """
    last = runs[runs["step"] == runs["step"].max()]
    t = last[last["arm"] == "treatment"].set_index("replication").sort_index()
    c = last[last["arm"] == "control"].set_index("replication").sort_index()
    c = c.reindex(t.index)

    def col(frame: pd.DataFrame, name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=np.float64)

    rows = []
    n_agents = math.nan if agents is None else agents
    everyone = np.full(len(t), n_agents)
    enrolled = agents_of(col(t, "adoption"), n_agents) if "adoption" in t else everyone * np.nan

    def add(effect: str, per_rep: np.ndarray, tr: np.ndarray, co: np.ndarray, text: str,
            group: np.ndarray = everyone) -> None:  # fmt: skip
        iv = mean_interval(per_rep, level)
        bounded = effect_quantity(effect)
        replications, fewest = support(per_rep, group)
        rows.append({"effect": effect, "estimate": iv.estimate, "ci_low": bounded.clip(iv.low),
                     "ci_high": bounded.clip(iv.high), "treatment": float(_nanmean(tr, 0)),
                     "control": float(_nanmean(co, 0)), "replications": replications,
                     "min_agents": fewest,
                     "definition": text})  # fmt: skip

    tc, cc = col(t, "critical_posts"), col(c, "critical_posts")
    with np.errstate(invalid="ignore", divide="ignore"):
        chill = np.where(cc != 0, 1.0 - tc / np.where(cc != 0, cc, 1.0), np.nan)
    add("chilling effect", chill, tc, cc, "1 - critical_posts(T)/critical_posts(C)")
    for effect, metric in (("falsification gap", "falsification_gap"),
                           ("pluralistic ignorance", "pluralistic_ignorance"),
                           ("isolated share", "isolated")):  # fmt: skip
        tv, cv = col(t, metric), col(c, metric)
        add(effect, tv - cv, tv, cv, f"{metric}(T) - {metric}(C)")
    tv, cv = col(t, "employment_poor"), col(c, "employment")
    lowest = lowest_tier or next((c.removeprefix("tier_") for c in runs.columns
                                  if c.startswith("tier_")), None)  # fmt: skip
    poor = (enrolled * col(t, f"tier_{lowest}") if f"tier_{lowest}" in t
            else everyone * np.nan)  # fmt: skip
    add("employment gap, poor tier", tv - cv, tv, cv, "employment_poor(T) - employment(C)",
        np.rint(poor))  # fmt: skip
    tv, cv = col(t, "wealth_gini"), col(c, "wealth_gini")
    add("wealth Gini change", tv - cv, tv, cv, "wealth_gini(T) - wealth_gini(C)")
    tv, cv = col(t, "score_dissent_corr"), col(c, "score_dissent_corr")
    add("score-dissent correlation", tv, tv, cv, "score_dissent_corr(T)", enrolled)
    if blacklist and all(name in runs.columns for name in BLACKLIST_COLUMNS):
        tv, cv = col(t, "ever_listed"), col(c, "ever_listed")
        add("share ever listed", tv, tv, cv, "ever_listed(T)")
        tv, cv = (_per_listing(runs, arm, t.index) for arm in ("treatment", "control"))
        add("travel denied per listed person", tv, tv, cv,
            "sum travel_denied(T) / sum listings(T), all weeks",
            agents_of(col(t, "ever_listed"), n_agents))  # fmt: skip
        tv, cv = (_listed_gap(runs, arm, t.index) for arm in ("treatment", "control"))
        add("employment gap, listed", tv, tv, cv,
            f"mean of employment_listed(T) - employment(T), last {LAST_YEAR} weeks",
            _fewest_listed(runs, t.index, n_agents))  # fmt: skip
    table = pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))
    table["min_agents"] = table["min_agents"].astype("Int64")  # a count; empty when unknown
    return table


def _per_listing(runs: pd.DataFrame, arm: str, reps: pd.Index) -> np.ndarray:
    """Per replication: all-step total of ``travel_denied`` over the total of ``listings``."""
    sums = runs[runs["arm"] == arm].groupby("replication")[["travel_denied", "listings"]].sum()
    sums = sums.astype(np.float64).reindex(reps)
    denied, listed = sums["travel_denied"].to_numpy(), sums["listings"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(listed > 0, denied / np.where(listed > 0, listed, 1.0), np.nan)


def _fewest_listed(runs: pd.DataFrame, reps: pd.Index, agents: float) -> np.ndarray:
    """Per replication: the fewest listed agents in a week :func:`_listed_gap` averages."""
    if "listed" not in runs.columns:
        return np.full(len(reps), np.nan)
    part = runs[(runs["arm"] == "treatment") & (runs["step"] > runs["step"].max() - LAST_YEAR)]
    listed = pd.Series(agents_of(part["listed"], agents), index=part.index)
    listed = listed[listed > 0]
    fewest = listed.groupby(part.loc[listed.index, "replication"]).min()
    return fewest.reindex(reps).to_numpy(dtype=np.float64)


def _listed_gap(runs: pd.DataFrame, arm: str, reps: pd.Index) -> np.ndarray:
    """Per replication: mean over the last year of ``employment_listed - employment``."""
    part = runs[(runs["arm"] == arm) & (runs["step"] > runs["step"].max() - LAST_YEAR)]
    gap = part["employment_listed"].astype(np.float64) - part["employment"].astype(np.float64)
    return gap.groupby(part["replication"]).mean().reindex(reps).to_numpy(dtype=np.float64)

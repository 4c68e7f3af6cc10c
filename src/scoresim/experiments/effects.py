"""Effect estimates over paired replications: means, differences and Student-t intervals.

Replication ``r`` runs the treatment and the control with the same seed, so the two arms start
from the same society and share their random streams (common random numbers). Effects are
estimated from the *paired* per-replication differences ``d_r = treatment_r - control_r``:
the estimate is their mean and the 95% interval ``mean ± t(0.975, n-1) · sd(d) / sqrt(n)``.
Pairs where either arm is NaN are dropped; with fewer than two pairs the interval is NaN.

The headline effects (:data:`~scoresim.experiments.headline_effects.HEADLINE_EFFECTS`, data:
a name, an expression of the outcome language, how it is paired and the group it rests on)
are the press account's outcomes (chilling, preference falsification, isolation, the poor
tier's jobs, inequality) and, for an arm whose blacklist is on (model v2, the Supreme People's
Court's list of judgment defaulters), the list's own measures: the share ever listed, travel
denied per listed person, and the listed share's employment gap. ``compare --effect
NAME=EXPR`` adds one (:func:`~scoresim.experiments.headline_effects.user_effect`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from scoresim.core.errors import ScenarioError
from scoresim.experiments.headline_effects import (
    GROUPS,
    HEADLINE_EFFECTS,
    HeadlineEffect,
    Series,
)
from scoresim.experiments.headline_effects import LAST_YEAR as LAST_YEAR
from scoresim.experiments.outcomes import parse
from scoresim.experiments.quantities import effect_quantity
from scoresim.experiments.support import support

LEVEL = 0.95

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


#: Conditions an arm must meet for an effect to be shown: name -> test of its scenario.
CONDITIONS: dict[str, Callable[[Any], bool]] = {"blacklist": blacklist_on}


def headline_table(
    runs: pd.DataFrame,
    level: float = LEVEL,
    blacklist: bool = False,
    agents: int | None = None,
    lowest_tier: str | None = None,
    extra: Sequence[HeadlineEffect] = (),
) -> pd.DataFrame:
    """The headline effects (:data:`~scoresim.experiments.headline_effects.HEADLINE_EFFECTS`,
    then ``extra``), each with its interval
    over paired replications and its support (:mod:`~scoresim.experiments.support`).

    ``blacklist`` says whether the treatment's blacklist is on (the effects ``only`` shown
    then); an effect whose columns the runs lack is left out.

    Support: ``replications`` counts the replications with a defined value; ``min_agents`` is
    the smallest group behind those values (from the treatment): everyone
    (``agents``) for the population-wide effects and the listed share; the enrolled for the
    score-dissent correlation; the enrolled agents of the lowest tier (``tier_<lowest_tier>``;
    default: the first tier column) for the poor tier's employment gap; the ever-listed for
    travel denied per listing; the fewest listed in any week averaged for the listed share's
    employment gap; unknown (empty) for an added effect or without ``agents``. Intervals are
    clipped to the effect's range
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
    met = {"blacklist": blacklist}
    columns = [c for c in runs.columns if c not in ("arm", "replication", "seed", "step")]
    reps = sorted(set(runs.loc[runs["arm"] == "treatment", "replication"]))
    steps = sorted(set(runs["step"]))
    arms = {arm: _series(runs[runs["arm"] == arm], columns, reps, steps)
            for arm in ("treatment", "control")}  # fmt: skip
    n_agents = math.nan if agents is None else float(agents)
    lowest = lowest_tier or next((c.removeprefix("tier_") for c in columns
                                  if c.startswith("tier_")), None)  # fmt: skip
    rows = []
    for effect in (*HEADLINE_EFFECTS, *extra):
        if effect.only and not met.get(effect.only, False):
            continue
        values = effect_values(effect, arms["treatment"], arms["control"], columns)
        if values is None:
            continue
        per_rep, tr, co = values
        iv = mean_interval(per_rep, level)
        bounded = effect_quantity(effect.name)
        replications, fewest = support(per_rep, _group(effect, arms["treatment"], n_agents,
                                                       lowest, len(reps)))  # fmt: skip
        rows.append({"effect": effect.name, "estimate": iv.estimate,
                     "ci_low": bounded.clip(iv.low), "ci_high": bounded.clip(iv.high),
                     "treatment": float(_nanmean(tr, 0)), "control": float(_nanmean(co, 0)),
                     "replications": replications, "min_agents": fewest,
                     "definition": effect.words})  # fmt: skip
    table = pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))
    table["min_agents"] = table["min_agents"].astype("Int64")  # a count; empty when unknown
    return table


def _group(effect: HeadlineEffect, treatment: Series, agents: float, lowest: str | None,
           reps: int) -> np.ndarray:  # fmt: skip
    """The sizes of the group each replication's value rests on (NaN where unknown)."""
    try:
        return GROUPS[effect.support](treatment, agents, lowest)
    except KeyError:  # no group named, or a column the runs lack
        return np.full(reps, np.nan)


def effect_values(effect: HeadlineEffect, treatment: Series, control: Series,
                  columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per replication: the effect's paired value and the two shown quantities, from each
    arm's ``column -> [replication, step]`` arrays; None if the runs lack its columns."""
    try:
        e = parse(effect.expression, columns, columns)
        shown_t, shown_c = (parse(x, columns, columns) for x in effect.shown or (
            effect.expression, effect.expression))  # fmt: skip
    except ScenarioError:
        return None
    if effect.paired == "difference":
        t, c = e.at_end(treatment, control), e.at_end(control, control)
        return t - c, t, c
    return e.at_end(treatment, control), shown_t.at_end(treatment, control), shown_c.at_end(
        control, control)  # fmt: skip


def _series(frame: pd.DataFrame, columns: Sequence[str], reps: Sequence[int],
            steps: Sequence[int]) -> Series:  # fmt: skip
    """One arm's ``column -> [replication, step]`` arrays (NaN where a run is missing)."""
    wide = _cube(frame, columns).reindex(
        pd.MultiIndex.from_product([reps, steps], names=["replication", "step"]))
    return {c: wide[c].to_numpy().reshape(len(reps), len(steps)) for c in columns}

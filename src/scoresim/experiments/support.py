"""The support of an effect, and the rule that keeps a number without support from being shown.

Every headline effect carries its *support*: ``replications``, the number of paired
replications whose value defines it (a replication where the group is empty gives no value),
and ``min_agents``, the smallest number of agents any of those values rests on (the poor-tier
enrolled agents for the poor tier's employment gap, the enrolled for a correlation among the
enrolled, everyone for a population share).

An effect is *suppressed* (shown as "too few (n = ...)", never as a number; in
``headline.csv`` its estimate, interval and treatment value are left empty while its support
stays) when it rests on fewer than :data:`MIN_REPLICATIONS` replications or on fewer agents than
the floor, :data:`MIN_GROUP` by default (``--min-group``). The floor follows statistical
disclosure practice, which withholds a cell resting on too few units rather than publish a
number that small numbers make meaningless: the UK Office for National Statistics and
Eurostat's guidelines withhold cells below a minimum frequency (typically 3 to 10 units for
disclosure, and 30 or more for reliability); 30 is also where a share's sampling error falls
below about 9 percentage points.

Examples
--------
>>> frame = pd.DataFrame({"effect": ["a", "b", "c"], "estimate": [0.1, 0.2, 0.3],
...                       "ci_low": [0.0] * 3, "ci_high": [0.5] * 3, "treatment": [1.0] * 3,
...                       "control": [1.0] * 3, "replications": [5, 2, 5],
...                       "min_agents": [10_000, 10_000, 2]})
>>> suppressed(frame, MIN_GROUP).tolist()
[False, True, True]
>>> suppress(frame, MIN_GROUP)["estimate"].tolist()
[0.1, nan, nan]
>>> too_few(2, 10_000, MIN_GROUP), too_few(5, 1, MIN_GROUP)
('too few (n = 2 runs)', 'too few (n = 1 agent)')
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: The default floor; an effect resting on fewer agents than this is not shown.
MIN_GROUP = 30
#: An effect defined by fewer paired replications than this is not shown.
MIN_REPLICATIONS = 3
#: The support columns of ``headline.csv``.
SUPPORT_COLUMNS = ("replications", "min_agents")
#: The columns a suppressed row leaves empty.
WITHHELD = ("estimate", "ci_low", "ci_high", "treatment")


def support(per_replication: np.ndarray, group: np.ndarray) -> tuple[int, float]:
    """``(replications, min_agents)`` of an effect: the replications with a finite value, and
    the smallest group (agents) among them (0 when no replication defines it; NaN when the
    group's size is unknown).

    >>> support(np.array([0.1, np.nan, 0.3]), np.array([40, 0, 12]))
    (2, 12.0)
    """
    values = np.asarray(per_replication, dtype=np.float64)
    sizes = np.broadcast_to(np.asarray(group, dtype=np.float64), values.shape)
    defined = np.isfinite(values)
    if not defined.any():
        return 0, 0.0
    known = sizes[defined & np.isfinite(sizes)]
    return int(defined.sum()), float(known.min()) if known.size else math.nan


def agents_of(share: np.ndarray, agents: int) -> np.ndarray:
    """Agent counts from shares of ``agents`` (the metrics store shares; counts are exact
    after rounding, since each share is a count over ``agents``). NaN stays NaN."""
    return np.rint(np.asarray(share, dtype=np.float64) * agents)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return pd.to_numeric(frame[name], errors="coerce").astype("float64").to_numpy()


def suppressed(frame: pd.DataFrame, min_group: int = MIN_GROUP) -> np.ndarray:
    """Per row of a headline table: whether its effect rests on too few replications or agents
    (a missing ``min_agents``, from a table made without the population size, is no reason)."""
    reps = _column(frame, "replications")
    agents = _column(frame, "min_agents")
    few_agents = np.isfinite(agents) & (agents < min_group)
    return (reps < MIN_REPLICATIONS) | few_agents


def suppress(frame: pd.DataFrame, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """A headline table with the estimate, interval and treatment value of every suppressed
    row emptied (the support and the control value stay)."""
    out = frame.copy()
    hide = suppressed(out, min_group)
    for column in WITHHELD:
        if column in out.columns:
            out[column] = out[column].astype(np.float64).mask(hide)
    return out


def too_few(replications: int | None, min_agents: float, min_group: int = MIN_GROUP) -> str:
    """What a suppressed effect shows instead of a number: ``too few (n = 2 runs)``,
    ``too few (n = 12 agents)``, or both (``replications`` None: a single run's number)."""
    parts = []
    if replications is not None and replications < MIN_REPLICATIONS:
        parts.append(_counted(replications, "run"))
    if not math.isnan(float(min_agents)) and min_agents < min_group:
        parts.append(_counted(int(min_agents), "agent"))
    return f"too few (n = {', '.join(parts)})"


def support_text(replications: int, min_agents: float) -> str:
    """The support in words: ``5 runs, >= 1,234 agents``."""
    text = _counted(int(replications), "run")
    if not math.isnan(float(min_agents)):
        text += f", >= {int(min_agents):,} agents"
    return text


def _counted(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def with_support(frame: pd.DataFrame) -> pd.DataFrame:
    """A headline table read from a folder written before support existed (an ``n`` column):
    ``replications`` from ``n``, ``min_agents`` unknown (NaN)."""
    if "replications" in frame.columns:
        return frame
    out = frame.rename(columns={"n": "replications"})
    out["min_agents"] = np.nan
    return out


def headline_order(columns: Sequence[str]) -> list[str]:
    """``columns`` with the support columns just before ``definition`` (where headline.csv
    keeps them)."""
    rest = [c for c in columns if c not in SUPPORT_COLUMNS and c != "definition"]
    tail = ["definition"] if "definition" in columns else []
    return [*rest, *SUPPORT_COLUMNS, *tail]

"""Replications chosen by precision: paired replications in batches until every headline
effect's 95% interval is narrow enough.

``compare --replications auto --precision P [--max-replications N]`` runs the arms and the
control in batches of :data:`BATCH` paired replications (seeds ``S .. S+4``, then
``S+5 .. S+9``, ...). After each batch it computes the headline effects of every arm over all
the replications so far (``compare.arm_headlines``) and stops when
every effect's 95% Student-t half-width is below ``P`` (in the effect's own units), or once
``N`` replications are done. A sequential stopping rule of this kind is the fixed-width
procedure of Chow & Robbins (1965), checked after batches as Law (2015, ch. 9) recommends
for simulation output.

The batches depend on the command alone: the same command gives the same replications
whatever ``--workers``, and a comparison that stops at ``n`` replications is, run for run and
bit for bit, the fixed comparison with ``--replications n``. The effects are those shown
(:mod:`~scoresim.experiments.support`): one that is not shown, because no replication defines
it (e.g. the score-dissent correlation of a system nobody joins) or because it rests on too
few agents or replications, does not hold the run (status ``not shown``). Intervals are
clipped to their quantity's range; the half-width is the wider side's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.experiments.arms import Arms
from scoresim.experiments.backends import RunOutput, session
from scoresim.results.run import Run

#: Paired replications per batch.
BATCH = 5
#: The default cap on replications.
MAX_REPLICATIONS = 100
#: Columns of ``precision.csv``: every effect's half-width after every batch.
HISTORY_COLUMNS = ("arm", "effect", "replications", "estimate", "half_width")


@dataclass(frozen=True)
class PrecisionRule:
    """When ``--replications auto`` stops: every half-width below ``precision``, or
    ``max_replications`` done; ``batch`` replications at a time."""

    precision: float
    max_replications: int = MAX_REPLICATIONS
    batch: int = BATCH

    def __post_init__(self) -> None:
        if not (isinstance(self.precision, int | float) and math.isfinite(self.precision)
                and self.precision > 0):  # fmt: skip
            raise ScenarioError(f"--precision: must be a positive number (got {self.precision!r})")
        if self.max_replications < 2:
            raise ScenarioError("--max-replications: must be at least 2 (an interval needs two "
                                f"replications; got {self.max_replications})")  # fmt: skip
        if self.batch < 2:
            raise ScenarioError(f"batch: must be at least 2 (got {self.batch})")


@dataclass
class PrecisionTrace:
    """How a comparison by precision went: every effect's half-width after every batch."""

    rule: PrecisionRule
    history: pd.DataFrame  # columns HISTORY_COLUMNS

    @property
    def replications(self) -> int:
        return int(self.history["replications"].max())

    def needed(self) -> pd.DataFrame:
        """Per arm and effect: the replications it needed (the first batch from which its
        half-width stayed below the precision; NaN if it never did), its last half-width,
        and its status: ``reached``, ``above`` or ``not shown``."""
        rows = []
        for (arm, effect), part in self.history.groupby(["arm", "effect"], sort=False):
            part = part.sort_values("replications")
            half = part["half_width"].to_numpy()
            below = half < self.rule.precision
            if part["estimate"].isna().iloc[-1]:
                status, needed = "not shown", math.nan
            elif below[-1]:
                above = [i for i, ok in enumerate(below) if not ok]
                first = above[-1] + 1 if above else 0
                status, needed = "reached", float(part["replications"].iloc[first])
            else:
                status, needed = "above", math.nan
            rows.append({"arm": arm, "effect": effect, "needed": needed,
                         "half_width": float(half[-1]), "status": status})  # fmt: skip
        return pd.DataFrame(rows, columns=["arm", "effect", "needed", "half_width", "status"])

    @property
    def reached(self) -> bool:
        """Whether every defined effect got below the precision."""
        return bool((self.needed()["status"] != "above").all())

    def stopped_by(self) -> list[str]:
        """The effects that decided when the run stopped: the last to get below the
        precision, or those still above it at the cap."""
        table = self.needed()
        if self.reached:
            hit = table[table["needed"] == self.replications]
        else:
            hit = table[table["status"] == "above"]
        return [_label(r.arm, r.effect) for r in hit.itertuples(index=False)]

    def summary(self) -> dict[str, Any]:
        """What ``compare.json`` records of the rule and its outcome."""
        needed = self.needed()
        return {
            "precision": self.rule.precision, "max_replications": self.rule.max_replications,
            "batch": self.rule.batch, "reached": self.reached, "stopped_by": self.stopped_by(),
            "needed": [{**r, "needed": None if math.isnan(r["needed"]) else int(r["needed"])}
                       for r in needed.to_dict("records")],
        }  # fmt: skip

    def verdict(self) -> str:
        """One line: where the run stopped and why."""
        n, p = self.replications, f"{self.rule.precision:g}"
        if self.reached:
            return (f"stopped at {n} replications: every effect's 95% half-width is below {p}; "
                    f"the last to get there: {', '.join(self.stopped_by()) or 'none'}")  # fmt: skip
        return (f"stopped at the cap of {n} replications: still above {p}: "
                f"{', '.join(self.stopped_by())}")  # fmt: skip


def _label(arm: str, effect: str) -> str:
    return effect if arm == "treatment" else f"{arm}: {effect}"


def run_until_precise(
    arms: Arms,
    rule: PrecisionRule,
    headlines: Callable[[pd.DataFrame], Sequence[pd.DataFrame]],
    run_batch: Callable[..., tuple[pd.DataFrame, dict[str, Run]]],
    workers: int = 1,
    on_run: Callable[[RunOutput], None] | None = None,
    backend: str = "local",
    address: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Run], PrecisionTrace]:
    """Run batches of paired replications until ``rule`` is met.

    ``run_batch`` is ``compare.run_arms`` and ``headlines`` gives
    each arm's headline table of a runs table (in the order of ``arms.labels``). Returns the
    runs table, the first replication's runs and the trace. The worker processes are started
    once for all the batches.
    """
    frames: list[pd.DataFrame] = []
    examples: dict[str, Run] = {}
    history: list[pd.DataFrame] = []
    done = 0
    with session(workers, backend, address) as runner:
        while done < rule.max_replications:
            size = min(rule.batch, rule.max_replications - done)
            batch, first = run_batch(arms.labelled, size, arms.seed, workers, on_run,
                                     first=done, runner=runner)  # fmt: skip
            frames.append(batch)
            examples.update(first)
            done += size
            runs = pd.concat(frames, ignore_index=True)
            check = _half_widths(headlines(runs), arms.labels, done)
            history.append(check)
            defined = check[check["estimate"].notna()]
            if (defined["half_width"] < rule.precision).all():
                break
    return runs, examples, PrecisionTrace(rule, pd.concat(history, ignore_index=True))


def _half_widths(tables: Sequence[pd.DataFrame], labels: Sequence[str],
                 replications: int) -> pd.DataFrame:  # fmt: skip
    # the wider side: an interval is clipped to its quantity's range on one side at most
    # unless it is wider than the whole range
    frames = [pd.DataFrame({
        "arm": label, "effect": t["effect"], "replications": replications,
        "estimate": t["estimate"], "half_width": np.fmax(t["ci_high"] - t["estimate"],
                                                         t["estimate"] - t["ci_low"]),
    }) for t, label in zip(tables, labels, strict=True)]  # fmt: skip
    return pd.concat(frames, ignore_index=True)[list(HISTORY_COLUMNS)]

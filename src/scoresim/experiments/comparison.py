"""The outcome of a comparison: runs, effects and headline, its folder and its summaries.

A compare folder is written under a temporary name and renamed when whole. It holds
``effects.parquet``, ``runs.parquet``, ``headline.csv``, ``compare.json``, the resolved
scenarios and ``runs/<label>-<seed>/``, the run folders of the first replication (for the
report); with ``--replications auto`` also ``precision.csv``, every headline effect's 95%
half-width after every batch (:mod:`~scoresim.experiments.precision`). Its two forms:

- one arm (a treatment and its control): runs labelled ``treatment``/``control``,
  ``treatment.toml`` and ``control.toml``, ``compare.json`` with ``treatment`` and ``control``;
- several arms: runs labelled by scenario name (the control's rows once), ``effects.parquet``
  and ``headline.csv`` with an ``arm`` column first, ``scenarios/<name>.toml``, and
  ``compare.json`` with ``"form": "arms"``, the ``arms`` and the ``control``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.experiments.arms import Arms, slug
from scoresim.experiments.headline_effects import HeadlineEffect
from scoresim.experiments.headline_view import legend, text_rows
from scoresim.experiments.precision import PrecisionTrace
from scoresim.experiments.support import MIN_GROUP
from scoresim.results.display import html_table
from scoresim.results.folders import atomic_folder
from scoresim.results.network_file import keep_edge_list
from scoresim.results.run import Run
from scoresim.scenario import Scenario
from scoresim.scenario.versions import code_identity


@dataclass
class Comparison:
    """What :func:`~scoresim.experiments.compare.compare` found: per-replication metrics,
    effects and headline effects of every arm against the control."""

    arms: Arms
    replications: int
    runs: pd.DataFrame
    effects: pd.DataFrame
    headline: pd.DataFrame
    examples: dict[str, Run] = field(default_factory=dict)
    wall_seconds: float = 0.0
    workers: int = 1
    min_group: int = MIN_GROUP
    added: tuple[HeadlineEffect, ...] = ()
    precision: PrecisionTrace | None = None
    lift: tuple[int, int] | None = None  # the week a system is lifted and the weeks after it

    @property
    def treatments(self) -> tuple[Scenario, ...]:
        return self.arms.treatments

    @property
    def treatment(self) -> Scenario:
        """The first (in a two-arm comparison, the only) arm."""
        return self.arms.treatments[0]

    @property
    def control(self) -> Scenario:
        return self.arms.control

    @property
    def seed(self) -> int:
        return self.arms.seed

    @property
    def seeds(self) -> list[int]:
        return [self.seed + r for r in range(self.replications)]

    def to_frame(self) -> pd.DataFrame:
        """The headline effects (``headline.csv``): one row per effect (and arm)."""
        return self.headline.copy()

    def _repr_html_(self) -> str:
        """The headline table, for a notebook."""
        return comparison_html(self)

    def scenario_file(self, label: str) -> str:
        """Where the folder keeps the resolved scenario of ``label``."""
        return f"{label}.toml" if self.arms.paired else f"scenarios/{slug(label)}.toml"

    def save(self, folder: str | Path) -> Path:
        """Write the compare folder atomically and return its path."""
        with atomic_folder(folder) as tmp:
            self.effects.to_parquet(tmp / "effects.parquet", index=False)
            self.runs.to_parquet(tmp / "runs.parquet", index=False)
            self.headline.to_csv(tmp / "headline.csv", index=False)
            if not self.arms.paired:
                (tmp / "scenarios").mkdir()
            for label, sc in self.arms.labelled:
                file = tmp / self.scenario_file(label)  # an edge list kept beside it
                file.write_text(keep_edge_list(sc, file.parent).to_toml())
            for label, run in self.examples.items():
                run.save(tmp / _example(label, run))
            if self.precision is not None:
                self.precision.history.to_csv(tmp / "precision.csv", index=False)
            (tmp / "compare.json").write_text(json.dumps(self.summary(), indent=2) + "\n")
        return Path(folder)

    def summary(self) -> dict[str, Any]:
        """What ``compare.json`` records."""
        entries = {}
        for label, sc in self.arms.labelled:
            entries[label] = {"name": sc.name, "key": sc.key(), "file": self.scenario_file(label)}
            if label in self.arms.sources:  # the preset name or file the arm was given as
                entries[label]["source"] = self.arms.sources[label]
            if later := sc.after_horizon():  # kept in its scenario, never applied
                entries[label]["after_horizon"] = later
        control = entries.pop(self.arms.control_label)
        if self.arms.paired:
            form = {"treatment": entries["treatment"], "control": control}
        else:
            form = {"form": "arms", "arms": list(entries.values()), "control": control}
        added = {}  # only when asked for: a fixed comparison's file keeps its bytes
        if self.added:
            added["effects_added"] = [{"name": e.name, "expression": e.expression,
                                       "paired": e.paired} for e in self.added]  # fmt: skip
        if self.precision is not None:
            added["replications_by_precision"] = self.precision.summary()
        if self.lift is not None:
            added["lift"] = {"step": self.lift[0], "weeks": self.lift[1]}
        return {
            **code_identity(sc for _, sc in self.arms.labelled),
            "kind": "compare",
            **form,
            "seed": self.seed,
            "replications": self.replications,
            "min_group": self.min_group,
            "seeds": self.seeds,
            "workers": self.workers,
            "wall_seconds": round(self.wall_seconds, 3),
            "overrides_shared": list(self.arms.shared),
            "overrides_treatment_only": list(self.arms.treatment_only),
            "examples": {label: _example(label, run) for label, run in self.examples.items()},
            **added,
            "headline": json.loads(self.headline.to_json(orient="records")),
        }  # fmt: skip


def _example(label: str, run: Run) -> str:
    return f"runs/{slug(label)}-{run.seed}"


def comparison_html(comparison: Comparison) -> str:
    """The HTML summary of a comparison: the arms and the headline effects with their 95% CIs
    and support, as the terminal shows them (:mod:`~scoresim.experiments.headline_view`).

    Examples
    --------
    >>> from scoresim.experiments.compare import compare
    >>> cmp = compare("seed", replications=3, seed=1,
    ...               overrides={"population.agents": 200, "steps": 4})
    >>> text = comparison_html(cmp)
    >>> "chilling effect" in text and "95% CI" in text and "runs" in text
    True
    """
    c = comparison
    cells = text_rows(c.headline, c.min_group)
    if "arm" not in cells.columns:
        cells["definition"] = c.headline["definition"].astype(str).to_numpy()
    names = ", ".join(t.name for t in c.treatments)
    seeds = f"seeds {c.seed} to {c.seed + c.replications - 1}"
    title = (f"scoresim comparison: <b>{html.escape(names)}</b> against "
             f"<b>{html.escape(c.control.name)}</b>, {c.replications} paired replications "
             f"({seeds}), {c.treatment.population.agents:,} agents, "
             f"effects at step {c.treatment.steps}")  # fmt: skip
    rows = [list(row) for row in cells.itertuples(index=False)]
    note = html.escape(legend(c.min_group))
    return (f"<div><p>{title}</p>{html_table(list(cells.columns), rows)}"
            f'<p style="font-size:85%">{note}</p></div>')  # fmt: skip

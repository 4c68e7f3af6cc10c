"""Several systems against one control: ``scoresim compare A B C ... --against control``.

Every arm is paired with the same control on the same seeds: replication ``r`` runs each arm
and the control with seed ``S + r`` (common random numbers, as in
:mod:`~scoresim.experiments.compare`), and the control runs once per seed, not once per arm.
Each arm's effects are those of a two-arm comparison of that arm with the control, bit for bit:
the same runs, the same pairing, the same estimators.

The ``--set`` rule of :func:`~scoresim.experiments.compare.arms` applies per arm against the
control. An override that one arm shares with the control (so it would change the control) but
another does not would need two different controls; it is refused with one line. So the split
of the overrides into shared and treatment-only is the same for every arm.

A multi-arm folder holds ``effects.parquet`` and ``headline.csv`` with an ``arm`` column first,
``runs.parquet`` (``arm`` = the arm's scenario name, the control's rows once), ``compare.json``
(``"form": "arms"``), ``scenarios/<name>.toml`` (one resolved scenario per arm and the control)
and ``runs/<name>-<seed>/``, the run folders of replication 0. It is written atomically.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.core.version import version
from scoresim.experiments.backends import RunOutput
from scoresim.experiments.compare import arms, check_arms, metric_columns, run_arms
from scoresim.experiments.effects import blacklist_on, effects_table, headline_table
from scoresim.results.folders import atomic_folder
from scoresim.results.run import Run
from scoresim.scenario import Scenario


def slug(name: str) -> str:
    """A file-name-safe form of a scenario name.

    Examples
    --------
    >>> slug("zhima-2015"), slug("my system/v2")
    ('zhima-2015', 'my-system-v2')
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "arm"


@dataclass
class MultiComparison:
    """The outcome of :func:`compare_arms`: every arm against one control."""

    arms: list[Scenario]
    control: Scenario
    seed: int
    replications: int
    runs: pd.DataFrame
    effects: pd.DataFrame
    headline: pd.DataFrame
    examples: dict[str, Run] = field(default_factory=dict)
    wall_seconds: float = 0.0
    workers: int = 1
    shared: list[str] = field(default_factory=list)
    treatment_only: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        """The headline table (a row per effect and arm), for a notebook."""
        import html

        title = (f"scoresim comparison: {html.escape(', '.join(self.labels))} against "
                 f"{html.escape(self.control.name)}, {self.replications} paired replications, "
                 f"effects at step {self.control.steps}")  # fmt: skip
        return f"<div><p>{title}</p>{self.headline.to_html(index=False)}</div>"

    @property
    def labels(self) -> list[str]:
        """The arms' names, in the order given."""
        return [a.name for a in self.arms]

    @property
    def seeds(self) -> list[int]:
        return [self.seed + r for r in range(self.replications)]

    def save(self, folder: str | Path) -> Path:
        """Write the compare folder atomically and return its path."""
        with atomic_folder(folder) as tmp:
            self.effects.to_parquet(tmp / "effects.parquet", index=False)
            self.runs.to_parquet(tmp / "runs.parquet", index=False)
            self.headline.to_csv(tmp / "headline.csv", index=False)
            (tmp / "scenarios").mkdir()
            for sc in (*self.arms, self.control):
                (tmp / "scenarios" / f"{slug(sc.name)}.toml").write_text(sc.to_toml())
            for label, run in self.examples.items():
                run.save(tmp / "runs" / f"{slug(label)}-{run.seed}")
            (tmp / "compare.json").write_text(json.dumps(self.summary(), indent=2) + "\n")
        return Path(folder)

    def summary(self) -> dict[str, Any]:
        """What ``compare.json`` records."""

        def arm(sc: Scenario) -> dict[str, Any]:
            entry = {"name": sc.name, "key": sc.key(), "file": f"scenarios/{slug(sc.name)}.toml"}
            if sc.name in self.sources:
                entry["source"] = self.sources[sc.name]
            return entry

        return {
            "version": version(),
            "kind": "compare",
            "form": "arms",
            "arms": [arm(sc) for sc in self.arms],
            "control": arm(self.control),
            "seed": self.seed,
            "replications": self.replications,
            "seeds": self.seeds,
            "workers": self.workers,
            "wall_seconds": round(self.wall_seconds, 3),
            "overrides_shared": self.shared,
            "overrides_treatment_only": self.treatment_only,
            "examples": {label: f"runs/{slug(label)}-{run.seed}"
                         for label, run in self.examples.items()},
            "headline": json.loads(self.headline.to_json(orient="records")),
        }  # fmt: skip


def resolve_arms(
    names: Sequence[str],
    against: str = "control",
    overrides: Mapping[str, Any] | None = None,
    seed: int | None = None,
) -> tuple[list[Scenario], Scenario, list[str], list[str]]:
    """Resolve the arms and the control, applying overrides by the shared-field rule per arm.

    Returns
    -------
    (arms, control, shared, treatment_only)

    Raises
    ------
    ScenarioError
        If two arms (or an arm and the control) have the same name, or an override is shared
        with the control by one arm and not by another (the arms would need two controls).

    Examples
    --------
    >>> changes = {"population.agents": 300, "adoption.mandatory_step": 9}
    >>> a, c, shared, only = resolve_arms(["seed"], "control", changes)
    >>> [x.name for x in a], c.population.agents, shared, only
    (['seed'], 300, ['population.agents'], ['adoption.mandatory_step'])
    """
    resolved = [arms(name, against, overrides, seed) for name in names]
    control, shared, only = resolved[0][1], resolved[0][2], resolved[0][3]
    first = resolved[0][0].name
    for treatment, _, sh, _ in resolved[1:]:
        for f in sorted(set(sh) ^ set(shared)):
            who, other = (first, treatment.name) if f in shared else (treatment.name, first)
            raise ScenarioError(f"--set {f}: the control shares it with {who} but not with "
                                f"{other}; the arms would need two controls (compare them "
                                "separately)")  # fmt: skip
    seen: dict[str, str] = {slug(control.name): control.name}
    for treatment, *_ in resolved:
        key = slug(treatment.name)
        if key in seen:
            what = "the control" if seen[key] == control.name else "another arm"
            raise ScenarioError(
                f"{treatment.name}: an arm named like {what} "
                f"({seen[key]!r}); give each scenario its own name"
            )
        seen[key] = treatment.name
    return [r[0] for r in resolved], control, shared, only


def compare_arms(
    treatments: Sequence[Scenario],
    control: Scenario,
    replications: int = 5,
    seed: int | None = None,
    workers: int = 1,
    on_run: Callable[[RunOutput], None] | None = None,
    *,
    backend: str = "local",
    address: str | None = None,
    shared: Sequence[str] = (),
    treatment_only: Sequence[str] = (),
    sources: Mapping[str, str] | None = None,
) -> MultiComparison:
    """Run every arm and the control for ``replications`` paired seeds; effects per arm.

    Parameters are those of :func:`~scoresim.experiments.compare.compare`; ``seed`` defaults
    to the first arm's seed, and ``sources`` maps an arm's name to the preset or file it was
    given as.

    Examples
    --------
    >>> a, c, _, _ = resolve_arms(["seed"], "control", {"population.agents": 200, "steps": 3})
    >>> cmp = compare_arms(a, c, replications=2, seed=1)
    >>> sorted(set(cmp.runs["arm"])), sorted(set(cmp.headline["arm"]))
    (['control', 'seed'], ['seed'])
    """
    seed = treatments[0].seed if seed is None else seed
    check_arms(treatments, control, replications, workers)
    treatments = [t.with_overrides({"seed": seed}) for t in treatments]
    control = control.with_overrides({"seed": seed})
    labelled = [(t.name, t) for t in treatments] + [(control.name, control)]
    started = time.perf_counter()
    runs, examples = run_arms(labelled, replications, seed, workers, on_run, backend, address)
    metrics = metric_columns(runs)
    effects, headline = [], []
    for t in treatments:
        pair = paired_runs(runs, t.name, control.name)
        effects.append(effects_table(pair, metrics).assign(arm=t.name))
        headline.append(headline_table(pair, blacklist=blacklist_on(t)).assign(arm=t.name))
    return MultiComparison(
        arms=treatments,
        control=control,
        seed=seed,
        replications=replications,
        runs=runs,
        effects=_arm_first(effects),
        headline=_arm_first(headline),
        examples=examples,
        wall_seconds=time.perf_counter() - started,
        workers=workers,
        shared=list(shared),
        treatment_only=list(treatment_only),
        sources=dict(sources or {}),
    )


def paired_runs(runs: pd.DataFrame, arm: str, control: str) -> pd.DataFrame:
    """The rows of one arm and the control, relabelled ``treatment``/``control``: the runs
    table of a two-arm comparison of that arm."""
    part = runs[runs["arm"].isin([arm, control])].reset_index(drop=True)
    labels = np.where(part["arm"] == arm, "treatment", "control")
    return part.assign(arm=labels)


def _arm_first(frames: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(frames, ignore_index=True)
    return out[["arm", *[c for c in out.columns if c != "arm"]]]

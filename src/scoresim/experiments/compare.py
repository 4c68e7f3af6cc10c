"""Counterfactual comparison: a scenario against its control over paired replications.

Replication ``r`` runs both arms with seed ``S + r``: the same population and graph (these
depend only on the seed and the ``population``/``graph`` fields) and the same random streams,
so ``treatment - control`` is a paired effect estimate (common random numbers).

Overrides (``--set``) follow one rule: an override changes the control too exactly when the
field is *shared* by the two arms, i.e. it exists in both and both hold the same value before
the override (the society, the horizon, the economy, ...). A field where the arms differ is
what defines the treatment (e.g. ``adoption.mandatory_step``, the score deltas), so an override
of it changes the treatment only and the control stays a control.

A compare folder holds ``effects.parquet``, ``runs.parquet``, ``headline.csv``,
``compare.json``, ``treatment.toml``, ``control.toml`` and ``runs/<arm>-<seed>/``, the run
folders of the first replication (for the report). It is written under a temporary name and
renamed when whole.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.core.version import version
from scoresim.experiments.backends import RunOutput, RunTask, execute
from scoresim.experiments.effects import blacklist_on, effects_table, headline_table
from scoresim.results.display import html_number, html_table
from scoresim.results.folders import atomic_folder
from scoresim.results.run import Run
from scoresim.scenario import Scenario

ARMS = ("treatment", "control")


@dataclass
class Comparison:
    """The outcome of :func:`compare`: per-replication metrics, effects and headline."""

    treatment: Scenario
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
    sources: tuple[str, str] | None = None

    def _repr_html_(self) -> str:
        """The headline table, for a notebook."""
        return comparison_html(self)

    @property
    def seeds(self) -> list[int]:
        return [self.seed + r for r in range(self.replications)]

    def save(self, folder: str | Path) -> Path:
        """Write the compare folder atomically and return its path."""
        with atomic_folder(folder) as tmp:
            self.effects.to_parquet(tmp / "effects.parquet", index=False)
            self.runs.to_parquet(tmp / "runs.parquet", index=False)
            self.headline.to_csv(tmp / "headline.csv", index=False)
            (tmp / "treatment.toml").write_text(self.treatment.to_toml())
            (tmp / "control.toml").write_text(self.control.to_toml())
            for arm, run in self.examples.items():
                run.save(tmp / "runs" / f"{arm}-{run.seed}")
            (tmp / "compare.json").write_text(json.dumps(self.summary(), indent=2) + "\n")
        return Path(folder)

    def summary(self) -> dict[str, Any]:
        """What ``compare.json`` records."""
        arms = {"treatment": {"name": self.treatment.name, "key": self.treatment.key(),
                              "file": "treatment.toml"},
                "control": {"name": self.control.name, "key": self.control.key(),
                            "file": "control.toml"}}  # fmt: skip
        if self.sources is not None:  # the preset name or file each arm was given as
            arms["treatment"]["source"], arms["control"]["source"] = self.sources
        return {
            "version": version(),
            "kind": "compare",
            **arms,
            "seed": self.seed,
            "replications": self.replications,
            "seeds": self.seeds,
            "workers": self.workers,
            "wall_seconds": round(self.wall_seconds, 3),
            "overrides_shared": self.shared,
            "overrides_treatment_only": self.treatment_only,
            "examples": {arm: f"runs/{arm}-{run.seed}" for arm, run in self.examples.items()},
            "headline": json.loads(self.headline.to_json(orient="records")),
        }  # fmt: skip


def arms(
    scenario: str,
    against: str = "control",
    overrides: Mapping[str, Any] | None = None,
    seed: int | None = None,
) -> tuple[Scenario, Scenario, list[str], list[str]]:
    """Resolve the two arms and apply overrides (dotted path -> value) by the shared-field rule.

    Returns
    -------
    (treatment, control, shared, treatment_only)
        The resolved scenarios and the override fields applied to both / to the treatment only.

    Examples
    --------
    >>> t, c, shared, only = arms("seed", "control",
    ...                           {"population.agents": 300, "adoption.mandatory_step": 10})
    >>> t.population.agents, c.population.agents, c.adoption.mandatory_step, shared, only
    (300, 300, 'never', ['population.agents'], ['adoption.mandatory_step'])
    """
    treatment = Scenario.resolve(scenario)
    control = Scenario.resolve(against)
    changes = dict(overrides or {})
    if seed is not None:
        changes["seed"] = seed
    t_dict, c_dict = treatment.to_dict(), control.to_dict()
    shared = {k: v for k, v in changes.items() if _shared(t_dict, c_dict, k)}
    only = {k: v for k, v in changes.items() if k not in shared}
    treatment = treatment.with_overrides(changes) if changes else treatment
    control = control.with_overrides(shared) if shared else control
    return (treatment, control, [k for k in shared if k != "seed"],
            [k for k in only if k != "seed"])  # fmt: skip


_MISSING = object()


def _lookup(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data


def _shared(t: dict[str, Any], c: dict[str, Any], path: str) -> bool:
    if path == "seed":
        return True
    a, b = _lookup(t, path), _lookup(c, path)
    return a is not _MISSING and b is not _MISSING and a == b


def compare(
    treatment: Scenario,
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
    sources: tuple[str, str] | None = None,
) -> Comparison:
    """Run both arms for ``replications`` paired seeds and estimate the effects.

    Parameters
    ----------
    treatment, control : Scenario
        The resolved arms.
    replications : int
        Number of seeds ``seed, seed + 1, ...``.
    seed : int, optional
        First seed (default: the treatment's seed).
    workers : int
        Worker processes (results are identical whatever the number).
    on_run : callable, optional
        Called with each finished :class:`RunOutput` (for progress).
    backend, address : str
        Where the runs go (:func:`~scoresim.experiments.backends.execute`).
    shared, treatment_only : sequence of str
        The override split of :func:`arms`, recorded in ``compare.json``.
    sources : (str, str), optional
        The preset names or files the arms were given as, recorded in ``compare.json``.

    Raises
    ------
    ScenarioError
        If a run meets bad input (e.g. a missing edge-list file).
    RuntimeError
        If a run fails otherwise (the error of the first failure).

    Examples
    --------
    >>> t, c, _, _ = arms("seed", "control", {"population.agents": 200, "steps": 4})
    >>> cmp = compare(t, c, replications=2, seed=1)
    >>> sorted(set(cmp.runs["arm"])), list(cmp.headline["effect"])[:2]
    (['control', 'treatment'], ['chilling effect', 'falsification gap'])
    """
    seed = treatment.seed if seed is None else seed
    check_arms([treatment], control, replications, workers)
    treatment = treatment.with_overrides({"seed": seed})
    control = control.with_overrides({"seed": seed})
    started = time.perf_counter()
    runs, examples = run_arms(list(zip(ARMS, (treatment, control), strict=True)), replications,
                              seed, workers, on_run, backend, address)  # fmt: skip
    metrics = metric_columns(runs)
    return Comparison(
        treatment=treatment,
        control=control,
        seed=seed,
        replications=replications,
        runs=runs,
        effects=effects_table(runs, metrics),
        headline=headline_table(runs, blacklist=blacklist_on(treatment)),
        examples=examples,
        wall_seconds=time.perf_counter() - started,
        workers=workers,
        shared=list(shared),
        treatment_only=list(treatment_only),
        sources=sources,
    )


def check_arms(treatments: Sequence[Scenario], control: Scenario, replications: int,
               workers: int) -> None:  # fmt: skip
    """Refuse a comparison that cannot be paired (one line naming the field)."""
    if replications < 1:
        raise ScenarioError(f"--replications: must be at least 1 (got {replications})")
    if workers < 1:
        raise ScenarioError(f"--workers: must be at least 1 (got {workers})")
    for treatment in treatments:
        if treatment.steps != control.steps:
            raise ScenarioError(f"steps: the arms differ ({treatment.steps} and "
                                f"{control.steps}); give --set steps=N")  # fmt: skip


def run_arms(
    scenarios: Sequence[tuple[str, Scenario]],
    replications: int,
    seed: int,
    workers: int,
    on_run: Callable[[RunOutput], None] | None = None,
    backend: str = "local",
    address: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Run]]:
    """Run every labelled scenario once per seed ``seed + r`` on the backend's workers.

    Returns the runs table (``arm`` = the label, ``replication``, ``seed``, ``step``, the
    metrics; replications in order, the scenarios in the given order within each) and the run
    of replication 0 of each label (with agents and edges).
    """
    tasks = [RunTask((label, r), sc, seed + r, keep_state=(r == 0))
             for r in range(replications) for label, sc in scenarios]  # fmt: skip
    outputs: dict[tuple[str, int], RunOutput] = {}
    for out in execute(tasks, workers, backend, address):
        if on_run is not None:
            on_run(out)
        if not out.ok:
            arm, r = out.tag
            error = str(out.error)
            if error.startswith("ScenarioError: "):  # bad input met only at run time
                raise ScenarioError(error.removeprefix("ScenarioError: ").rsplit(" [", 1)[0])
            raise RuntimeError(f"{arm} replication {r} (seed {seed + r}) failed: {error}")
        outputs[out.tag] = out
    frames = []
    for r in range(replications):
        for label, _ in scenarios:
            m = outputs[(label, r)].metrics
            assert m is not None
            frames.append(m.assign(arm=label, replication=r, seed=seed + r))
    runs = pd.concat(frames, ignore_index=True)
    runs = runs[["arm", "replication", "seed", "step", *metric_columns(runs)]]
    examples = {}
    for label, sc in scenarios:
        out = outputs[(label, 0)]
        assert out.metrics is not None and out.agents is not None and out.edges is not None
        examples[label] = Run(scenario=sc, metrics=out.metrics, agents=out.agents,
                              edges=out.edges, wall_seconds=out.wall_seconds)  # fmt: skip
    return runs, examples


def metric_columns(runs: pd.DataFrame) -> list[str]:
    """The metric columns of a runs table (all but arm, replication, seed and step)."""
    return [c for c in runs.columns if c not in ("arm", "replication", "seed", "step")]


def comparison_html(comparison: Comparison) -> str:
    """The HTML summary of a comparison: both arms and the headline effects with 95% CIs.

    Examples
    --------
    >>> from scoresim.experiments.compare import arms, compare
    >>> t, c, _, _ = arms("seed", "control", {"population.agents": 200, "steps": 4})
    >>> text = comparison_html(compare(t, c, replications=2, seed=1))
    >>> "chilling effect" in text and "95% CI" in text
    True
    """
    c = comparison
    headline = c.headline
    rows = [
        (r.effect, html_number(r.estimate), f"[{html_number(r.ci_low)}, {html_number(r.ci_high)}]",
         html_number(r.treatment), html_number(r.control), str(r.definition))
        for r in headline.itertuples()
    ]  # fmt: skip
    seeds = f"seeds {c.seed} to {c.seed + c.replications - 1}"
    title = (f"scoresim comparison: <b>{html.escape(c.treatment.name)}</b> against "
             f"<b>{html.escape(c.control.name)}</b>, {c.replications} paired replications "
             f"({seeds}), {c.treatment.population.agents:,} agents, "
             f"effects at step {c.treatment.steps}")  # fmt: skip
    header = ["effect", "estimate", "95% CI", "treatment", "control", "definition"]
    return f"<div><p>{title}</p>{html_table(header, rows)}</div>"

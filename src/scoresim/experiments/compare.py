"""Counterfactual comparison: one or several systems against one control, paired replications.

Replication ``r`` runs every arm and the control with seed ``S + r`` on the same society
(:mod:`~scoresim.experiments.arms`): the same citizens and ties and the same random streams, so
``arm - control`` is a paired effect estimate (common random numbers). The control runs once
per seed, however many arms. Each arm's effects are those of a comparison of that arm alone
with the control, bit for bit: the same runs, the same pairing, the same estimators
(:mod:`~scoresim.experiments.effects`). One arm is the two-arm comparison of a treatment with
its control; :class:`~scoresim.experiments.comparison.Comparison` says what each form writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.experiments.arms import Arms, ScenarioLike, check_arms, resolve_arms
from scoresim.experiments.backends import RunOutput, RunTask, execute
from scoresim.experiments.comparison import Comparison
from scoresim.experiments.effects import blacklist_on, effects_table, headline_table
from scoresim.experiments.support import MIN_GROUP, suppress
from scoresim.results.run import Run
from scoresim.scenario import Scenario


def compare(
    *scenarios: ScenarioLike | Arms,
    against: ScenarioLike = "control",
    replications: int = 5,
    seed: int | None = None,
    workers: int = 1,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    on_run: Callable[[RunOutput], None] | None = None,
    backend: str = "local",
    address: str | None = None,
    min_group: int = MIN_GROUP,
) -> Comparison:
    """Run each scenario and the control for ``replications`` paired seeds; effects per arm.

    Parameters
    ----------
    *scenarios : str, Path or Scenario
        The arms: preset names, scenario files or scenarios (default ``seed``); or the
        :class:`~scoresim.experiments.arms.Arms` that
        :func:`~scoresim.experiments.arms.resolve_arms` made of them.
    against : str, Path or Scenario
        The counterfactual (default the ``control`` preset), put on the first arm's society.
    replications : int
        Number of seeds ``S, S + 1, ...``.
    seed : int, optional
        The first seed ``S`` (default: the first arm's seed).
    workers : int
        Worker processes (results are identical whatever the number).
    overrides : mapping, optional
        Dotted field -> value, as ``--set``: a field an arm shares with the control changes
        both, another the arms only (:func:`~scoresim.experiments.arms.split_overrides`).
    out : path, optional
        Also write the compare folder there
        (:meth:`~scoresim.experiments.comparison.Comparison.save`).
    on_run : callable, optional
        Called with each finished :class:`RunOutput` (for progress).
    backend, address : str
        Where the runs go (:func:`~scoresim.experiments.backends.execute`).
    min_group : int
        The floor: a headline effect resting on fewer agents (or on fewer than 3 replications)
        is suppressed (:mod:`~scoresim.experiments.support`); default 30.

    Raises
    ------
    ScenarioError
        On bad input (an unknown field, arms on two societies, a missing edge-list file).
    RuntimeError
        If a run fails otherwise (the error of the first failure).

    Examples
    --------
    >>> small = {"population.agents": 200, "steps": 4}
    >>> cmp = compare("seed", replications=2, seed=1, overrides=small)
    >>> sorted(set(cmp.runs["arm"])), list(cmp.to_frame()["effect"])[:2]
    (['control', 'treatment'], ['chilling effect', 'falsification gap'])
    >>> two = compare("seed", "zhima-2015", replications=2, seed=1, overrides=small)
    >>> sorted(set(two.runs["arm"])), sorted(set(two.headline["arm"]))
    (['control', 'seed', 'zhima-2015'], ['seed', 'zhima-2015'])
    """
    if len(scenarios) == 1 and isinstance(scenarios[0], Arms):
        if overrides or not (isinstance(against, str) and against == "control"):
            raise TypeError("compare: give resolved Arms alone, or scenarios with against "
                            "and overrides")  # fmt: skip
        arms = scenarios[0]
        check_arms(arms)
    else:
        given = [s for s in scenarios if not isinstance(s, Arms)] or ["seed"]
        arms = resolve_arms(given, against, overrides, seed)
    if replications < 1:
        raise ScenarioError(f"--replications: must be at least 1 (got {replications})")
    if workers < 1:
        raise ScenarioError(f"--workers: must be at least 1 (got {workers})")
    if min_group < 0:
        raise ScenarioError(f"--min-group: must be at least 0 (got {min_group})")
    arms = arms.reseeded(arms.seed if seed is None else seed)
    started = time.perf_counter()
    runs, examples = run_arms(arms.labelled, replications, arms.seed, workers, on_run, backend,
                              address)  # fmt: skip
    effects, headline = arm_effects(runs, arms, min_group)
    result = Comparison(arms=arms, replications=replications, runs=runs, effects=effects,
                        headline=headline, examples=examples,
                        wall_seconds=time.perf_counter() - started, workers=workers,
                        min_group=min_group)  # fmt: skip
    if out is not None:
        result.save(out)
    return result


def default_folder(arms: Arms) -> Path:
    """``results/compare-<first arm>-<seed>``; with more than two arms
    ``results/compare-systems-<seed>``."""
    name = arms.treatments[0].name if len(arms.treatments) <= 2 else "systems"
    return Path("results") / f"compare-{name}-{arms.seed}"


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


def arm_effects(runs: pd.DataFrame, arms: Arms,
                min_group: int = MIN_GROUP) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """The effects table and the headline effects of every arm against the control, the
    headline with its support and the effects resting on too little suppressed.

    One arm: the tables of :mod:`~scoresim.experiments.effects`; several: theirs per arm,
    one after the other, with an ``arm`` column first.
    """
    metrics = metric_columns(runs)
    effects, headline = [], []
    for label, treatment in zip(arms.labels, arms.treatments, strict=True):
        pair = paired_runs(runs, label, arms.control_label)
        effects.append(effects_table(pair, metrics))
        table = headline_table(pair, blacklist=blacklist_on(treatment),
                               agents=treatment.population.agents,
                               lowest_tier=treatment.tiers[0].name)  # fmt: skip
        headline.append(suppress(table, min_group))
    if arms.paired:
        return effects[0], headline[0]
    return _arm_first(effects, arms.labels), _arm_first(headline, arms.labels)


def paired_runs(runs: pd.DataFrame, arm: str, control: str) -> pd.DataFrame:
    """The rows of one arm and the control, relabelled ``treatment``/``control``: the runs
    table of a two-arm comparison of that arm."""
    part = runs[runs["arm"].isin([arm, control])].reset_index(drop=True)
    labels = np.where(part["arm"] == arm, "treatment", "control")
    return part.assign(arm=labels)


def _arm_first(frames: list[pd.DataFrame], labels: list[str]) -> pd.DataFrame:
    out = pd.concat([f.assign(arm=label) for f, label in zip(frames, labels, strict=True)],
                    ignore_index=True)  # fmt: skip
    return out[["arm", *[c for c in out.columns if c != "arm"]]]

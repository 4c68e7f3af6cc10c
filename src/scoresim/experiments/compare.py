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
from scoresim.experiments.backends import Runner, RunOutput, RunTask, execute
from scoresim.experiments.comparison import Comparison
from scoresim.experiments.effects import blacklist_on, effects_table, headline_table
from scoresim.experiments.headline_effects import HeadlineEffect, user_effect
from scoresim.experiments.lift import RECOVERY_WEEKS, check_lift, lift_effect
from scoresim.experiments.precision import (
    MAX_REPLICATIONS,
    PrecisionRule,
    run_until_precise,
)
from scoresim.experiments.support import MIN_GROUP, suppress
from scoresim.metrics import metric_columns as scenario_columns
from scoresim.phases.params import Params
from scoresim.results.run import Run
from scoresim.scenario import Scenario


def compare(
    *scenarios: ScenarioLike | Arms,
    against: ScenarioLike = "control",
    replications: int | str = 5,
    seed: int | None = None,
    workers: int = 1,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    on_run: Callable[[RunOutput], None] | None = None,
    backend: str = "local",
    address: str | None = None,
    min_group: int = MIN_GROUP,
    effects: Sequence[str | HeadlineEffect] = (),
    precision: float | None = None,
    max_replications: int | None = None,
    lift_step: int | None = None,
    recovery_weeks: int = RECOVERY_WEEKS,
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
    replications : int or str
        Number of seeds ``S, S + 1, ...``; ``"auto"``: batches of them until every headline
        effect's 95% half-width is below ``precision``, or ``max_replications`` (default 100)
        are done (:class:`~scoresim.experiments.precision.PrecisionRule`).
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
    effects : sequence of str
        Added headline effects, ``NAME=EXPR`` in the outcome language
        (:func:`~scoresim.experiments.headline_effects.user_effect`).
    precision, max_replications : float, int
        The rule of ``replications="auto"``.
    lift_step, recovery_weeks : int, optional
        The week a schedule entry lifts the system: adds the headline effect ``voice
        recovered`` ``recovery_weeks`` later (:func:`~scoresim.experiments.lift.lift_effect`).

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
    rule = _rule(replications, precision, max_replications)
    if workers < 1:
        raise ScenarioError(f"--workers: must be at least 1 (got {workers})")
    if min_group < 0:
        raise ScenarioError(f"--min-group: must be at least 0 (got {min_group})")
    arms = arms.reseeded(arms.seed if seed is None else seed)
    lift = None if lift_step is None else (lift_step, recovery_weeks)
    if lift is not None:
        check_lift(*lift, arms.control.steps)
        effects = (*effects, lift_effect(*lift))
    extra = check_effects(effects, arms)
    started = time.perf_counter()
    trace = None
    if rule is None:
        assert isinstance(replications, int)
        runs, examples = run_arms(arms.labelled, replications, arms.seed, workers, on_run,
                                  backend, address)  # fmt: skip
    else:
        runs, examples, trace = run_until_precise(
            arms, rule, lambda r: arm_headlines(r, arms, extra, min_group), run_arms, workers,
            on_run, backend, address)  # fmt: skip
        replications = trace.replications
    effects_, headline = arm_effects(runs, arms, min_group, extra)
    result = Comparison(arms=arms, replications=int(replications), runs=runs, effects=effects_,
                        headline=headline, examples=examples,
                        wall_seconds=time.perf_counter() - started, workers=workers,
                        min_group=min_group, added=extra, precision=trace,
                        lift=lift)  # fmt: skip
    if out is not None:
        result.save(out)
    return result


def _rule(replications: int | str, precision: float | None,
          max_replications: int | None) -> PrecisionRule | None:  # fmt: skip
    """The rule of ``--replications auto``, or None for a fixed number (checked)."""
    if replications == "auto":
        if precision is None:
            raise ScenarioError("--precision: --replications auto needs it, e.g. "
                                "--precision 0.01")  # fmt: skip
        return PrecisionRule(precision, max_replications or MAX_REPLICATIONS)
    for name, value in (("--precision", precision), ("--max-replications", max_replications)):
        if value is not None:
            raise ScenarioError(f"{name}: only with --replications auto")
    if isinstance(replications, bool) or not isinstance(replications, int):
        raise ScenarioError(f"--replications: must be a positive integer or auto "
                            f"(got {replications!r})")  # fmt: skip
    if replications < 1:
        raise ScenarioError(f"--replications: must be at least 1 (got {replications})")
    return None


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
    first: int = 0,
    runner: Runner | None = None,
) -> tuple[pd.DataFrame, dict[str, Run]]:
    """Run every labelled scenario once per seed ``seed + r``, ``r`` from ``first`` on, on the
    backend's workers (or ``runner``'s, a :func:`~scoresim.experiments.backends.session`).

    Returns the runs table (``arm`` = the label, ``replication``, ``seed``, ``step``, the
    metrics; replications in order, the scenarios in the given order within each) and the run
    of replication 0 of each label (with agents and edges; none if ``first`` is not 0).
    """
    span = range(first, first + replications)
    tasks = [RunTask((label, r), sc, seed + r, keep_state=(r == 0))
             for r in span for label, sc in scenarios]  # fmt: skip
    outputs: dict[tuple[str, int], RunOutput] = {}
    run = runner or (lambda tasks: execute(tasks, workers, backend, address))
    for out in run(tasks):
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
    for r in span:
        for label, _ in scenarios:
            m = outputs[(label, r)].metrics
            assert m is not None
            frames.append(m.assign(arm=label, replication=r, seed=seed + r))
    runs = pd.concat(frames, ignore_index=True)
    runs = runs[["arm", "replication", "seed", "step", *metric_columns(runs)]]
    examples = {}
    for label, sc in scenarios if first == 0 else ():
        out = outputs[(label, 0)]
        assert out.metrics is not None and out.agents is not None and out.edges is not None
        examples[label] = Run(scenario=sc, metrics=out.metrics, agents=out.agents,
                              edges=out.edges, wall_seconds=out.wall_seconds)  # fmt: skip
    return runs, examples


def metric_columns(runs: pd.DataFrame) -> list[str]:
    """The metric columns of a runs table (all but arm, replication, seed and step)."""
    return [c for c in runs.columns if c not in ("arm", "replication", "seed", "step")]


def arm_effects(runs: pd.DataFrame, arms: Arms, min_group: int = MIN_GROUP,
                extra: Sequence[HeadlineEffect] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The effects table and the headline effects (the built-in ones, then ``extra``) of every
    arm against the control, the headline with its support and the effects resting on too
    little suppressed.

    One arm: the tables of :mod:`~scoresim.experiments.effects`; several: theirs per arm,
    one after the other, with an ``arm`` column first.
    """
    metrics = metric_columns(runs)
    effects = [effects_table(paired_runs(runs, label, arms.control_label), metrics)
               for label in arms.labels]  # fmt: skip
    headline = arm_headlines(runs, arms, extra, min_group)
    if arms.paired:
        return effects[0], headline[0]
    return _arm_first(effects, arms.labels), _arm_first(headline, arms.labels)


def arm_headlines(runs: pd.DataFrame, arms: Arms, extra: Sequence[HeadlineEffect] = (),
                  min_group: int = MIN_GROUP) -> list[pd.DataFrame]:  # fmt: skip
    """The headline table of each arm against the control, in the order of the arms, as
    shown: with its support, the effects resting on too little suppressed."""
    tables = []
    for label, treatment in zip(arms.labels, arms.treatments, strict=True):
        table = headline_table(paired_runs(runs, label, arms.control_label),
                               blacklist=blacklist_on(treatment),
                               agents=treatment.population.agents,
                               lowest_tier=treatment.tiers[0].name, extra=extra)  # fmt: skip
        tables.append(suppress(table, min_group))
    return tables


def check_effects(texts: Sequence[str | HeadlineEffect], arms: Arms) -> tuple[HeadlineEffect, ...]:
    """The added headline effects (``--effect NAME=EXPR``), each checked against the metric
    columns that every arm and the control have and the run's length."""
    scenarios = [sc for _, sc in arms.labelled]
    columns = [c for c in columns_of(scenarios[0]) if all(c in columns_of(s) for s in scenarios)]
    out: list[HeadlineEffect] = []
    for text in texts:
        effect = text if isinstance(text, HeadlineEffect) else user_effect(
            text, columns, arms.control.steps)  # fmt: skip
        if effect.name in {e.name for e in out}:
            raise ScenarioError(f"--effect {effect.name}: given twice")
        out.append(effect)
    return tuple(out)


def columns_of(scenario: Scenario) -> list[str]:
    """The metric columns a run of ``scenario`` records."""
    return scenario_columns(Params.from_scenario(scenario))


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

"""The calibration file (``CAL.toml``) read, validated and resolved against its scenario: every
problem is one line naming the field, first what the file may hold
(:mod:`~scoresim.calibration.spec_file`, pydantic models), then what its scenario allows.

Fields (``*`` required)::

    name*          calibration name (default output: results/calibrate-<name>)
    description    free text
    scenario       preset or scenario file (default "seed"; relative to the calibration file)
    control        optional paired counterfactual (preset or file): every simulation also runs
                   it with the same seed, and targets may read its columns as control.<column>
    method         history | abc (default "history")
    seed           base seed (default 1): simulation seeds derive from (seed, stage, round,
                   index, replication)
    replications   simulations per parameter point (default 1)
    [set]          fixed overrides of the scenario, dotted paths (also applied to the control
                   where the field is shared, the rule of ``scoresim compare``)
    [parameters]*  dotted path = { low, high [, scale = "linear" | "log"] }: uniform priors,
                   log-uniform with scale = "log"
    [[targets]]*   name, metric (a column or expression, see experiments.outcomes),
                   step = N or window = [A, B] (the mean over steps A..B; none when the
                   metric is already one number, e.g. mean(x, A, B)), value and sd, or low
                   and high (an interval, read as value +- 2 sd), source, held_out
    [budget]       waves, points (history); generations, particles, quantile, epsilon (abc);
                   max_simulations; checks (posterior-predictive draws); cutoff (history's
                   implausibility threshold, default 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scoresim.calibration.space import Prior, Space
from scoresim.calibration.spec_file import BudgetModel, FileModel, PriorModel, TargetModel
from scoresim.core.errors import ScenarioError
from scoresim.core.streams import with_seed
from scoresim.experiments.arms import same_society, split_overrides
from scoresim.experiments.outcomes import Expression, parse
from scoresim.experiments.spec import (
    base_scenario,
    check_value,
    fingerprint,
    lookup,
    named_scenarios,
    with_set,
)
from scoresim.metrics import metric_columns
from scoresim.phases.params import Params
from scoresim.scenario import Scenario
from scoresim.scenario.edge_file import set_graph_path_from
from scoresim.scenario.files import read_toml_text
from scoresim.scenario.messages import validated

METHODS = ("history", "abc")
#: Budget fields that only say when to stop: they may change between runs of one database.
STOPPING = ("waves", "generations", "max_simulations", "checks")
#: The methods' revision: part of the fingerprint, so a database made by another revision of
#: the proposal rules (whose stored points would no longer match) is refused.
ENGINE = 2


@dataclass(frozen=True)
class Target:
    """A validated target: an observed interval for a metric at a step or over a window
    (``first`` to ``last``), or for a metric that is one number of a run (both 0).

    ``mean`` and ``sd`` are the observation's centre and standard deviation (an interval
    ``[low, high]`` is read as ``mean +- 2 sd``).

    Examples
    --------
    >>> t = Target("a", parse("x", ["x"]), 2, 3, 0.5, 0.1)
    >>> t.value({"x": np.array([0.0, 0.4, 0.6])}), t.low, t.high
    (0.5, 0.3, 0.7)
    >>> Target("b", parse("max(x)", ["x"]), 0, 0, 0.5, 0.1).value({"x": np.array([0.2, 0.6])})
    0.6
    """

    name: str
    expression: Expression
    first: int
    last: int
    mean: float
    sd: float
    source: str = ""
    note: str = ""
    held_out: bool = False

    @property
    def low(self) -> float:
        return round(self.mean - 2 * self.sd, 12)

    @property
    def high(self) -> float:
        return round(self.mean + 2 * self.sd, 12)

    def value(self, series: dict[str, np.ndarray],
              control: dict[str, np.ndarray] | None = None) -> float:  # fmt: skip
        """The target quantity of one run's per-step series (and its control's)."""
        if self.expression.reduced:
            return float(self.expression.at_end(series, control))
        return self.reduce(self.expression.evaluate(series, control))

    def reduce(self, values: np.ndarray) -> float:
        """The target quantity of an expression's per-step values (steps 1..T): the mean over
        the window, NaN if a step of it is."""
        window = values[self.first - 1 : self.last]
        finite = window[np.isfinite(window)]
        return float(finite.mean()) if finite.size == window.size and finite.size else np.nan


@dataclass(frozen=True)
class CalibrationSpec:
    """A validated calibration file."""

    name: str
    description: str
    method: str
    seed: int
    replications: int
    base: Scenario
    control: Scenario | None
    space: Space
    targets: tuple[Target, ...]
    budget: BudgetModel
    definition: dict[str, Any]
    text: str = ""

    @property
    def fitted(self) -> list[Target]:
        return [t for t in self.targets if not t.held_out]

    @property
    def arms(self) -> tuple[str, ...]:
        return ("treatment", "control") if self.control is not None else ("treatment",)

    @property
    def series(self) -> dict[str, list[str]]:
        """Metric columns each arm must keep for the targets: arm -> columns."""
        out = {"treatment": sorted({c for t in self.targets for c in t.expression.columns})}
        if self.control is not None:
            out["control"] = sorted({c for t in self.targets
                                     for c in t.expression.control_columns})  # fmt: skip
        return out

    @property
    def fingerprint(self) -> str:
        """A hash of everything that decides the simulations (stopping rules excluded)."""
        return fingerprint(self.definition)

    def scenarios(self, values: dict[str, Any], seed: int) -> dict[str, Scenario]:
        """The scenario of each arm at a parameter point, with the simulation's seed: the
        control takes the values it shares with the scenario (the rule of a comparison,
        :func:`~scoresim.experiments.arms.split_overrides`) and the treatment's society."""
        treatment = with_seed(self.base.with_overrides(values) if values else self.base, seed)
        out = {"treatment": treatment}
        if self.control is not None:
            both, _ = split_overrides(self.base, self.control, values)
            control = self.control.with_overrides(both) if both else self.control
            out["control"] = same_society(control, treatment)
        return out

    # ------------------------------------------------------------------ reading
    @classmethod
    def load(cls, path: str | Path) -> CalibrationSpec:
        """Read and validate a calibration file."""
        path = Path(path)
        data, text = read_toml_text(path)
        return cls.from_dict(data, where=path.parent, text=text)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: Path | None = None,
                  text: str = "") -> CalibrationSpec:  # fmt: skip
        """Validate a calibration mapping; ``where`` is the folder relative paths start from."""
        data, given = named_scenarios(data, ("scenario", "control"))
        model = validated(FileModel, data, "calibration")
        raw = given.get("scenario") or base_scenario(model.scenario, where)
        set_ = set_graph_path_from(model.set_, where)
        base = with_set(raw, set_)
        control = None
        if model.control is not None:
            control = given.get("control") or base_scenario(model.control, where, "control")
            control = _control(control, raw, base, set_)
        space = Space(tuple(_prior(n, p, base) for n, p in model.parameters.items()))
        columns = metric_columns(Params.from_scenario(base))
        control_columns = None if control is None else metric_columns(Params.from_scenario(control))
        targets = tuple(_target(i, t, columns, control_columns, base.steps)
                        for i, t in enumerate(model.targets))  # fmt: skip
        definition = {
            **model.model_dump(by_alias=True, exclude={"budget", "method", "description"}),
            "budget": model.budget.model_dump(exclude=set(STOPPING)),
            "base_key": base.key(), "control_key": control.key() if control else None,
            "engine": ENGINE,
        }  # fmt: skip
        return cls(name=model.name, description=model.description, method=model.method,
                   seed=model.seed, replications=model.replications, base=base,
                   control=control, space=space, targets=targets, budget=model.budget,
                   definition=definition, text=text)  # fmt: skip


def _control(control: Scenario, raw: Scenario, base: Scenario,
             overrides: dict[str, Any]) -> Scenario:  # fmt: skip
    """The control with the file's overrides it shares with the scenario (``raw``, before
    them), on the scenario's society: the one rule of every comparison."""
    both, _ = split_overrides(raw, control, overrides)
    control = control.with_overrides(both) if both else control
    return same_society(control, base)


def _prior(name: str, p: PriorModel, base: Scenario) -> Prior:
    where = f"parameters.{name}"
    if name in ("seed", "name", "description", "steps"):
        raise ScenarioError(f"{where}: cannot be calibrated")
    current = lookup(base, name)
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise ScenarioError(f"{where}: not a numeric field (it holds {current!r})")
    prior = Prior(name, p.low, p.high, log=p.scale == "log", integer=isinstance(current, int))
    for z in (prior.z_low, prior.z_high):
        check_value(base, name, prior.natural(z))
    return prior


def _target(i: int, t: TargetModel, columns: list[str], control_columns: list[str] | None,
            steps: int) -> Target:  # fmt: skip
    where = f"targets.{i}"
    try:
        expression = parse(t.metric, columns, control_columns, steps)
    except ScenarioError as exc:
        raise ScenarioError(f"{where}.metric: {exc} (target {t.name!r})") from None
    timed = t.step is not None or t.window is not None
    if expression.reduced and timed:
        raise ScenarioError(f"{where}.{'step' if t.step is not None else 'window'}: the metric "
                            f"is already one number of a run; drop it (target {t.name!r})")
    if not expression.reduced and not timed:
        raise ScenarioError(f"{where}.step: give step = N or window = [A, B], or reduce the "
                            f"metric to one number, e.g. mean(x, A, B) (target {t.name!r})")
    first, last = (t.step, t.step) if t.step is not None else tuple(t.window or (0, 0))
    if last > steps:
        field = "step" if t.step is not None else "window"
        raise ScenarioError(f"{where}.{field}: step {last} is beyond the run's {steps} steps "
                            f"(target {t.name!r})")  # fmt: skip
    if t.value is not None and t.sd is not None:
        mean, sd = t.value, t.sd
    else:
        assert t.low is not None and t.high is not None
        mean, sd = (t.low + t.high) / 2, (t.high - t.low) / 4
    return Target(t.name, expression, int(first), int(last), float(mean), float(sd),
                  t.source, t.note, t.held_out)  # fmt: skip

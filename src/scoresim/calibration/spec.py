"""The calibration file (``CAL.toml``): read and validated with pydantic, one-line errors.

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
    [[targets]]*   name, metric (a column or expression, see calibration.expression),
                   step = N or window = [A, B] (the mean over steps A..B), value and sd, or
                   low and high (an interval, read as value +- 2 sd), source, held_out
    [budget]       waves, points (history); generations, particles, quantile, epsilon (abc);
                   max_simulations; checks (posterior-predictive draws); cutoff (history's
                   implausibility threshold, default 3)
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scoresim.calibration.expression import Expression, parse
from scoresim.calibration.space import Prior, Space
from scoresim.core.errors import ScenarioError
from scoresim.experiments.compare import _shared
from scoresim.experiments.spec import _base_scenario, _lookup
from scoresim.metrics import metric_columns
from scoresim.phases.params import Params
from scoresim.scenario import Scenario
from scoresim.scenario.messages import one_line

METHODS = ("history", "abc")
#: Budget fields that only say when to stop: they may change between runs of one database.
STOPPING = ("waves", "generations", "max_simulations", "checks")
#: The methods' revision: part of the fingerprint, so a database made by another revision of
#: the proposal rules (whose stored points would no longer match) is refused.
ENGINE = 2


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class PriorModel(_Model):
    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _range(self) -> PriorModel:
        if not self.low < self.high:
            raise ValueError(f"low: must be below high ({self.low} >= {self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"low: a log-uniform prior needs low > 0 (got {self.low})")
        return self


class TargetModel(_Model):
    name: Annotated[str, Field(min_length=1)]
    metric: str
    step: Annotated[int, Field(ge=1)] | None = None
    window: (
        Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=2, max_length=2)] | None
    ) = None
    value: float | None = None
    sd: Annotated[float, Field(gt=0)] | None = None
    low: float | None = None
    high: float | None = None
    source: str = ""
    note: str = ""
    held_out: bool = False

    @model_validator(mode="after")
    def _shape(self) -> TargetModel:
        if (self.step is None) == (self.window is None):
            raise ValueError("step: give step = N or window = [A, B] (one of them)")
        if self.window is not None and self.window[0] > self.window[1]:
            raise ValueError(f"window: the first step must not follow the second {self.window}")
        point = self.value is not None or self.sd is not None
        interval = self.low is not None or self.high is not None
        if point and interval:
            raise ValueError("sd: give value and sd, or low and high, not both")
        if point and (self.value is None or self.sd is None):
            raise ValueError(f"{'sd' if self.sd is None else 'value'}: value needs sd "
                             "(or give low and high)")  # fmt: skip
        if interval and (self.low is None or self.high is None):
            raise ValueError(f"{'high' if self.high is None else 'low'}: an interval needs "
                             "both low and high")  # fmt: skip
        if not point and not interval:
            raise ValueError("value: give value and sd, or low and high")
        if interval and not self.low < self.high:  # type: ignore[operator]
            raise ValueError(f"low: must be below high ({self.low} >= {self.high})")
        return self


class BudgetModel(_Model):
    waves: Annotated[int, Field(ge=1)] = 4
    points: Annotated[int, Field(ge=2)] = 64
    generations: Annotated[int, Field(ge=1)] = 8
    particles: Annotated[int, Field(ge=2)] = 200
    quantile: Annotated[float, Field(gt=0, lt=1)] = 0.5
    epsilon: Annotated[float, Field(ge=0)] = 0.0
    max_simulations: Annotated[int, Field(ge=1)] = 5000
    checks: Annotated[int, Field(ge=2)] = 40
    cutoff: Annotated[float, Field(gt=0)] = 3.0


class FileModel(_Model):
    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    scenario: str = "seed"
    control: str | None = None
    method: Literal["history", "abc"] = "history"
    seed: Annotated[int, Field(ge=0)] = 1
    replications: Annotated[int, Field(ge=1)] = 1
    set_: Annotated[dict[str, Any], Field(alias="set")] = {}
    parameters: Annotated[dict[str, PriorModel], Field(min_length=1)]
    targets: Annotated[list[TargetModel], Field(min_length=1)]
    budget: BudgetModel = BudgetModel()


@dataclass(frozen=True)
class Target:
    """A validated target: an observed interval for a metric at a step or over a window.

    ``mean`` and ``sd`` are the observation's centre and standard deviation (an interval
    ``[low, high]`` is read as ``mean +- 2 sd``).

    Examples
    --------
    >>> t = Target("a", parse("x", ["x"]), 2, 3, 0.5, 0.1)
    >>> t.reduce(np.array([0.0, 0.4, 0.6])), t.low, t.high
    (0.5, 0.3, 0.7)
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

    @property
    def when(self) -> str:
        return f"step {self.first}" if self.first == self.last else \
            f"steps {self.first}-{self.last}"  # fmt: skip

    def reduce(self, values: np.ndarray) -> float:
        """The target quantity of an expression's per-step values (steps 1..T)."""
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
        text = json.dumps(self.definition, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def scenarios(self, values: dict[str, Any], seed: int) -> dict[str, Scenario]:
        """The scenario of each arm at a parameter point, with the simulation's seed."""
        changes = {**values, "seed": seed}
        out = {"treatment": self.base.with_overrides(changes)}
        if self.control is not None:
            t, c = self.base.to_dict(), self.control.to_dict()
            shared = {k: v for k, v in changes.items() if _shared(t, c, k)}
            out["control"] = self.control.with_overrides(shared)
        return out

    # ------------------------------------------------------------------ reading
    @classmethod
    def load(cls, path: str | Path) -> CalibrationSpec:
        """Read and validate a calibration file."""
        path = Path(path)
        if not path.is_file():
            raise ScenarioError(f"{path}: file not found")
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{path}: cannot read ({exc.__class__.__name__})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{path}: malformed TOML ({exc})") from None
        return cls.from_dict(data, where=path.parent, text=text)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: Path | None = None,
                  text: str = "") -> CalibrationSpec:  # fmt: skip
        """Validate a calibration mapping; ``where`` is the folder relative paths start from."""
        try:
            model = FileModel.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(one_line(exc, "calibration").replace("set_", "set")) from None
        if any(c in model.name for c in "/\\") or model.name.startswith("."):
            raise ScenarioError(f"name: must not hold slashes or start with a dot ({model.name!r})")
        base = _base_scenario(model.scenario, where)
        try:
            base = base.with_overrides(model.set_) if model.set_ else base
        except ScenarioError as exc:
            raise ScenarioError(f"set.{exc}") from None
        control = _control(model, base, where)
        space = Space(tuple(_prior(n, p, base) for n, p in model.parameters.items()))
        columns = metric_columns(Params.from_scenario(base))
        control_columns = None if control is None else metric_columns(Params.from_scenario(control))
        targets = tuple(_target(i, t, columns, control_columns, base.steps)
                        for i, t in enumerate(model.targets))  # fmt: skip
        names = [t.name for t in targets]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ScenarioError(f"targets: the name {dup!r} is used twice")
        if all(t.held_out for t in targets):
            raise ScenarioError("targets: every target is held out; fit at least one")
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


def _control(model: FileModel, base: Scenario, where: Path | None) -> Scenario | None:
    if model.control is None:
        return None
    try:
        control = _base_scenario(model.control, where)
    except ScenarioError as exc:
        raise ScenarioError(str(exc).replace("scenario: ", "control: ", 1)) from None
    raw = _base_scenario(model.scenario, where).to_dict()
    shared = {k: v for k, v in model.set_.items() if _shared(raw, control.to_dict(), k)}
    control = control.with_overrides(shared) if shared else control
    if control.steps != base.steps:
        raise ScenarioError(f"control: runs {control.steps} steps, the scenario {base.steps} "
                            "(set steps in both)")  # fmt: skip
    return control


def _prior(name: str, p: PriorModel, base: Scenario) -> Prior:
    where = f"parameters.{name}"
    if name in ("seed", "name", "description", "steps"):
        raise ScenarioError(f"{where}: cannot be calibrated")
    current = _lookup(base, name)
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise ScenarioError(f"{where}: not a numeric field (it holds {current!r})")
    prior = Prior(name, p.low, p.high, log=p.scale == "log", integer=isinstance(current, int))
    for z in (prior.z_low, prior.z_high):
        try:
            base.with_overrides({name: prior.natural(z)})
        except ScenarioError as exc:
            raise ScenarioError(f"{where}: value {prior.natural(z)!r} is invalid ({exc})") from None
    return prior


def _target(i: int, t: TargetModel, columns: list[str], control_columns: list[str] | None,
            steps: int) -> Target:  # fmt: skip
    where = f"targets.{i}"
    try:
        expression = parse(t.metric, columns, control_columns)
    except ScenarioError as exc:
        raise ScenarioError(f"{where}.metric: {exc} (target {t.name!r})") from None
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

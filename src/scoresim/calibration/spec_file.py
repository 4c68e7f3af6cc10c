"""What a calibration file (``CAL.toml``) may hold: its pydantic models, checked before any
scenario is resolved (:mod:`~scoresim.calibration.spec` then checks it against the scenario;
it lists the fields)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from scoresim.experiments.spec_file import RunName
from scoresim.scenario.messages import InputModel


class PriorModel(InputModel):
    """A uniform or log-uniform prior: ``{ low, high [, scale] }``."""

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


class TargetModel(InputModel):
    """An observed value (``value`` and ``sd``) or interval (``low`` and ``high``) of a metric at
    a ``step`` or over a ``window`` (neither when the metric is one number of a run)."""

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
        if self.step is not None and self.window is not None:
            raise ValueError("step: give step = N or window = [A, B], not both")
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


class BudgetModel(InputModel):
    """When each method stops, and how many points or particles it draws."""

    waves: Annotated[int, Field(ge=1)] = 4
    points: Annotated[int, Field(ge=2)] = 64
    generations: Annotated[int, Field(ge=1)] = 8
    particles: Annotated[int, Field(ge=2)] = 200
    quantile: Annotated[float, Field(gt=0, lt=1)] = 0.5
    epsilon: Annotated[float, Field(ge=0)] = 0.0
    max_simulations: Annotated[int, Field(ge=1)] = 5000
    checks: Annotated[int, Field(ge=2)] = 40
    cutoff: Annotated[float, Field(gt=0)] = 3.0


class FileModel(InputModel):
    """A calibration file's fields."""

    name: RunName
    description: str = ""
    scenario: str = "seed"
    control: str | None = None
    method: Literal["history", "abc"] = "history"
    seed: Annotated[int, Field(ge=0)] = 1
    replications: Annotated[int, Field(ge=1)] = 1
    set_: Annotated[dict[str, Any], Field(alias="set", default_factory=dict)]
    parameters: Annotated[dict[str, PriorModel], Field(min_length=1)]
    targets: Annotated[list[TargetModel], Field(min_length=1)]
    budget: BudgetModel = BudgetModel()

    @model_validator(mode="after")
    def _targets(self) -> FileModel:
        names = [t.name for t in self.targets]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"targets: the name {dup!r} is used twice")
        if all(t.held_out for t in self.targets):
            raise ValueError("targets: every target is held out; fit at least one")
        return self

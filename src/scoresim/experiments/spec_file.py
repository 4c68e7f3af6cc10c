"""What a sweep file (``SWEEP.toml``) may hold: its pydantic model, checked before any scenario
is resolved (:mod:`~scoresim.experiments.spec` then checks it against the scenario).

A sweep file's messages keep their own words (``must be an integer``, ``must be at least 1``),
raised by the field types below and formatted like every other input file's by
:func:`~scoresim.scenario.messages.one_line`.

Examples
--------
>>> from scoresim.scenario.messages import validated
>>> validated(SweepFile, {"name": "a", "samples": "8"}, "sweep")
Traceback (most recent call last):
...
scoresim.core.errors.ScenarioError: samples: must be an integer (got '8') (and 2 more)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from scoresim.experiments.samplers import SAMPLERS
from scoresim.scenario.messages import InputModel

REDUCTIONS = ("last", "first", "mean", "min", "max", "sum", "mean_last", "change")
#: columns of a sweep's runs table that an outcome may not be named after
RESERVED = {"run_key", "point", "replication", "seed", "status", "error", "started",
            "wall_seconds", "version", "model", "git_commit", "git_dirty", "step"}  # fmt: skip


def _is(words: str, test: Callable[[Any], bool], shown: bool = True,
        after: bool = False) -> BeforeValidator | AfterValidator:  # fmt: skip
    """Refuse a value failing ``test`` with ``must be <words>`` (and the value if ``shown``),
    before the field's type is checked or, with ``after``, once it is."""

    def check(value: Any) -> Any:
        if not test(value):
            raise ValueError(f"must be {words}" + (f" (got {value!r})" if shown else ""))
        return value

    return AfterValidator(check) if after else BeforeValidator(check)


def _at_least(low: int) -> BeforeValidator | AfterValidator:
    return _is(f"at least {low}", lambda v: v >= low, after=True)


def _one_of(choices: Sequence[str]) -> BeforeValidator | AfterValidator:
    return _is(f"one of {', '.join(choices)}", lambda v: isinstance(v, str) and v in choices)


def _non_empty(reason: str) -> AfterValidator:
    def check(value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            raise ValueError(reason)
        return value

    return AfterValidator(check)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string(value: Any) -> bool:
    return isinstance(value, str)


def _table(value: Any) -> bool:
    return isinstance(value, dict)


def _number(value: Any) -> bool:
    return _integer(value) or isinstance(value, float)


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer past any float
        return False


def _name(value: str) -> str:
    if not value or any(c in value for c in "/\\") or value.startswith("."):
        raise ValueError(f"must not be empty, hold a slash or start with a dot (got {value!r})")
    return value


#: the name of a sweep or calibration: it names their default output files
RunName = Annotated[str, AfterValidator(_name)]
Text = Annotated[str, _is("a string", _string)]
Integer = Annotated[int, _is("an integer", _integer)]
Flag = Annotated[bool, _is("true or false", lambda v: isinstance(v, bool))]
Table = Annotated[dict[str, Any], _is("a table", _table)]
PositiveInteger = Annotated[int, _is("a positive integer", lambda v: _integer(v) and v >= 1)]
#: an integer or a float, finite (the last check runs first)
Number = Annotated[int | float, _is("a finite number", _finite), _is("a number", _number)]


class ParameterModel(InputModel):
    """A varied field: ``{ low, high [, levels] [, scale] }`` or ``{ values = [...] }``."""

    low: Number | None = None
    high: Number | None = None
    scale: Literal["linear", "log"] = "linear"
    values: Annotated[list[Any], _is("a non-empty list", lambda v: isinstance(v, list) and v,
                                     shown=False)] | None = None  # fmt: skip
    levels: PositiveInteger | None = None

    @model_validator(mode="after")
    def _range_or_values(self) -> ParameterModel:
        if self.values is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give either low/high or values, not both")
            return self
        if self.low is None or self.high is None:
            raise ValueError("a range needs both low and high")
        if not self.low < self.high:
            raise ValueError(f"low: must be below high ({self.low} >= {self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"low: a log scale needs low > 0 (got {self.low})")
        return self


class OutcomeModel(InputModel):
    """An outcome: ``{ metric [, reduce [, k]] }``, the metric an expression of the outcome
    language (its reduction over steps optional: the last step by default)."""

    metric: Text
    reduce: Annotated[str, _one_of(REDUCTIONS)] | None = None
    k: PositiveInteger | None = None

    @model_validator(mode="after")
    def _k_with_mean_last(self) -> OutcomeModel:
        if self.reduce == "mean_last" and self.k is None:
            raise ValueError("k: mean_last needs k, a positive integer (got None)")
        if self.reduce != "mean_last" and self.k is not None:
            raise ValueError("k: only used with reduce = 'mean_last'")
        return self


def _as_table(value: Any) -> Any:
    """An outcome given as its expression alone: ``name = "mean(x, 40, 52)"``."""
    return {"metric": value} if isinstance(value, str) else value


Parameters = Annotated[
    dict[str, Annotated[ParameterModel, _is("{ low = .., high = .. } or { values = [..] }",
                                            _table, shown=False)]],
    _is("a table", _table), _non_empty("name at least one field to vary"),
]  # fmt: skip
Outcomes = Annotated[
    dict[str, Annotated[OutcomeModel, _is("an expression or { metric = .., reduce = .. }",
                                          _table, shown=False), BeforeValidator(_as_table)]],
    _is("a table", _table), _non_empty("name at least one outcome"),
]  # fmt: skip


class SweepFile(InputModel):
    """A sweep file's fields (:mod:`~scoresim.experiments.spec` lists them)."""

    name: Annotated[RunName, _is("a string", _string)]
    description: Text = ""
    scenario: Text = "seed"
    sampler: Annotated[str, _one_of(SAMPLERS)] = "grid"
    samples: Annotated[Integer, _at_least(1)] = 8
    replications: Annotated[Integer, _at_least(1)] = 1
    seed: Annotated[Integer, _at_least(0)] = 1
    levels: Annotated[Integer, _at_least(1)] = 3
    second_order: Flag = False
    num_levels: Annotated[Integer, _at_least(2)] = 4
    set_: Annotated[Table, Field(alias="set", default_factory=dict)]
    parameters: Annotated[Parameters, Field(default_factory=dict, validate_default=True)]
    outcomes: Annotated[Outcomes, Field(default_factory=dict, validate_default=True)]

    @model_validator(mode="after")
    def _design_and_columns(self) -> SweepFile:
        if self.sampler == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples: must be a power of 2 for sobol (got {self.samples})")
        clash = set(self.outcomes) & (set(self.parameters) | RESERVED)
        if clash:
            raise ValueError(f"outcomes.{sorted(clash)[0]}: name clashes with a runs column")
        return self

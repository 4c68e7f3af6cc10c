"""The sweep definition (``SWEEP.toml``): read, validated, and turned into runs.

Fields (``*`` required)::

    name*          sweep name (default database: results/<name>.duckdb)
    scenario       base preset or scenario file (default "seed"; a relative path is read
                   relative to the sweep file)
    sampler        grid | random | lhs | sobol | morris (default "grid")
    samples        design points (grid: ignored; sobol: base size N, a power of 2;
                   morris: number of trajectories)
    replications   seeds per design point (default 1): replication r uses seed + r at every
                   design point (common random numbers across the design)
    seed           base seed (default 1); also seeds the sampler
    levels         grid levels of every range parameter (default 3; a parameter may set its own)
    second_order   sobol: also second-order indices (default false)
    num_levels     morris: grid levels (default 4)
    [set]          fixed overrides of the base scenario, dotted field paths
    [parameters]*  dotted field path = { low, high [, levels] } or { values = [...] }
    [outcomes]*    name = { metric, reduce [, k] }; reduce in last, first, mean, min, max, sum,
                   mean_last (k steps), change (last - first)

Every problem gets one line naming the field, raised as
:class:`~scoresim.core.errors.ScenarioError`.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.experiments.samplers import SAMPLERS, Parameter, design
from scoresim.metrics import metric_columns
from scoresim.phases.params import Params
from scoresim.scenario import Scenario, preset_names

REDUCTIONS = ("last", "first", "mean", "min", "max", "sum", "mean_last", "change")
_TOP_FIELDS = {"name", "scenario", "sampler", "samples", "replications", "seed", "levels",
               "second_order", "num_levels", "set", "parameters", "outcomes",
               "description"}  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """A metric reduced over the steps of a run to one number.

    Examples
    --------
    >>> m = pd.DataFrame({"step": [1, 2, 3], "x": [1.0, 4.0, 7.0]})
    >>> Outcome("a", "x", "last").reduce(m), Outcome("b", "x", "mean_last", 2).reduce(m)
    (7.0, 5.5)
    >>> Outcome("c", "x", "change").reduce(m)
    6.0
    """

    name: str
    metric: str
    reduce_: str
    k: int | None = None

    def reduce(self, metrics: pd.DataFrame) -> float:
        """The outcome of a run's metrics table (NaN steps ignored by mean/min/max/sum)."""
        x = metrics.sort_values("step")[self.metric].to_numpy(dtype=np.float64)
        if x.size == 0:
            return math.nan
        finite = x[np.isfinite(x)]
        how = self.reduce_
        if how == "last":
            return float(x[-1])
        if how == "first":
            return float(x[0])
        if how == "change":
            return float(x[-1] - x[0])
        if how == "mean_last":
            tail = x[-int(self.k or 1) :]
            tail = tail[np.isfinite(tail)]
            return float(tail.mean()) if tail.size else math.nan
        if finite.size == 0:
            return math.nan
        return float({"mean": np.mean, "min": np.min, "max": np.max, "sum": np.sum}[how](finite))


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep: a design point, a replication and the scenario it resolves to."""

    point: int
    replication: int
    seed: int
    values: dict[str, Any]
    x: tuple[float, ...]
    scenario: Scenario
    run_key: str


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep definition.

    Examples
    --------
    >>> spec = SweepSpec.from_dict({
    ...     "name": "demo", "sampler": "grid", "replications": 2,
    ...     "set": {"population.agents": 200, "steps": 4},
    ...     "parameters": {"graph.rewire": {"values": [0.1, 1.0]}},
    ...     "outcomes": {"crit": {"metric": "critical_posts", "reduce": "last"}}})
    >>> len(spec.points()), spec.points()[3].values, spec.points()[3].seed
    (4, {'graph.rewire': 1.0}, 2)
    """

    name: str
    scenario: str
    sampler: str
    samples: int
    replications: int
    seed: int
    levels: int
    second_order: bool
    num_levels: int
    set: dict[str, Any]
    parameters: tuple[Parameter, ...]
    outcomes: tuple[Outcome, ...]
    base: Scenario = field(repr=False, compare=False)
    definition: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    # ------------------------------------------------------------------ reading
    @classmethod
    def load(cls, path: str | Path) -> SweepSpec:
        """Read and validate a SWEEP.toml file."""
        path = Path(path)
        if not path.exists():
            raise ScenarioError(f"{path}: file not found")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{path}: cannot read ({exc.__class__.__name__})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{path}: malformed TOML ({exc})") from None
        return cls.from_dict(data, where=path.parent)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: Path | None = None) -> SweepSpec:
        """Validate a sweep mapping; ``where`` is the folder relative paths are read from."""
        for key in data:
            if key not in _TOP_FIELDS:
                raise ScenarioError(f"{key}: unknown field")
        name = _get(data, "name", str, None)
        if not name or any(c in name for c in "/\\") or name.startswith("."):
            raise ScenarioError("name: required, a non-empty name without slashes")
        scenario_name = _get(data, "scenario", str, "seed")
        sampler = _get(data, "sampler", str, "grid")
        if sampler not in SAMPLERS:
            raise ScenarioError(f"sampler: must be one of {', '.join(SAMPLERS)} (got {sampler!r})")
        samples = _get(data, "samples", int, 8)
        replications = _get(data, "replications", int, 1)
        seed = _get(data, "seed", int, 1)
        levels = _get(data, "levels", int, 3)
        second_order = _get(data, "second_order", bool, False)
        num_levels = _get(data, "num_levels", int, 4)
        for key, value, low in (("samples", samples, 1), ("replications", replications, 1),
                                ("seed", seed, 0), ("levels", levels, 1),
                                ("num_levels", num_levels, 2)):  # fmt: skip
            if value < low:
                raise ScenarioError(f"{key}: must be at least {low} (got {value})")
        if sampler == "sobol" and samples & (samples - 1):
            raise ScenarioError(f"samples: must be a power of 2 for sobol (got {samples})")

        base = _base_scenario(scenario_name, where)
        fixed = _get(data, "set", dict, {})
        try:
            base = base.with_overrides(fixed) if fixed else base
        except ScenarioError as exc:
            raise ScenarioError(f"set.{exc}") from None
        raw_parameters = _get(data, "parameters", dict, {})
        parameters = tuple(_parameter(n, p, base, levels) for n, p in raw_parameters.items())
        if not parameters:
            raise ScenarioError("parameters: name at least one field to vary")
        columns = metric_columns(Params.from_scenario(base))
        outcomes = tuple(_outcome(n, spec, columns)
                         for n, spec in _get(data, "outcomes", dict, {}).items())  # fmt: skip
        if not outcomes:
            raise ScenarioError("outcomes: name at least one outcome")
        clash = {o.name for o in outcomes} & ({p.name for p in parameters} | _RESERVED)
        if clash:
            raise ScenarioError(f"outcomes.{sorted(clash)[0]}: name clashes with a runs column")
        definition = {"name": name, "scenario": scenario_name, "sampler": sampler,
                      "samples": samples, "replications": replications, "seed": seed,
                      "levels": levels, "second_order": second_order, "num_levels": num_levels,
                      "set": fixed, "parameters": _get(data, "parameters", dict, {}),
                      "outcomes": _get(data, "outcomes", dict, {}),
                      "base_key": base.key()}  # fmt: skip
        return cls(name=name, scenario=scenario_name, sampler=sampler, samples=samples,
                   replications=replications, seed=seed, levels=levels,
                   second_order=second_order, num_levels=num_levels, set=fixed,
                   parameters=parameters, outcomes=outcomes, base=base,
                   definition=definition)  # fmt: skip

    # ------------------------------------------------------------------ identity and design
    @property
    def fingerprint(self) -> str:
        """A hash of the definition (and the resolved base scenario)."""
        text = json.dumps(self.definition, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def design(self) -> np.ndarray:
        """The problem-space design matrix, one row per design point."""
        return design(self.sampler, self.parameters, self.samples, self.seed,
                      second_order=self.second_order, num_levels=self.num_levels)  # fmt: skip

    def points(self) -> list[SweepPoint]:
        """Every run: design points times replications, each with its resolved scenario."""
        X = self.design()
        out = []
        for i, row in enumerate(X):
            values = {p.name: p.value(x) for p, x in zip(self.parameters, row, strict=True)}
            try:
                scenario = self.base.with_overrides(values)
            except ScenarioError as exc:
                shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
                raise ScenarioError(f"parameters: design point {i} ({shown}) is invalid: "
                                    f"{exc}") from None  # fmt: skip
            for r in range(self.replications):
                seed = self.seed + r
                run_scenario = scenario.with_overrides({"seed": seed})
                out.append(SweepPoint(point=i, replication=r, seed=seed, values=values,
                                      x=tuple(float(v) for v in row), scenario=run_scenario,
                                      run_key=run_scenario.key()))  # fmt: skip
        return out


_RESERVED = {"run_key", "point", "replication", "seed", "status", "error", "started",
             "wall_seconds", "version", "step"}  # fmt: skip


def _get(data: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    if key not in data:
        if default is None:
            raise ScenarioError(f"{key}: required field is missing")
        return default
    value = data[key]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        names = {str: "a string", int: "an integer", bool: "true or false", dict: "a table"}
        raise ScenarioError(f"{key}: must be {names[kind]} (got {value!r})")
    return value


def _base_scenario(name: str, where: Path | None) -> Scenario:
    if name not in preset_names() and where is not None and not Path(name).is_absolute():
        candidate = where / name
        if candidate.exists():
            name = str(candidate)
    try:
        return Scenario.resolve(name)
    except ScenarioError as exc:
        raise ScenarioError(f"scenario: {exc}") from None


def _lookup(scenario: Scenario, path: str) -> Any:
    node: Any = scenario.to_dict()
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ScenarioError(f"parameters.{path}: unknown scenario field")
    return node


def _parameter(name: str, spec: Any, base: Scenario, levels: int) -> Parameter:
    where = f"parameters.{name}"
    if name in ("seed", "name", "description"):
        raise ScenarioError(f"{where}: cannot be varied (use replications for seeds)")
    current = _lookup(base, name)
    if isinstance(current, dict | list):
        raise ScenarioError(f"{where}: is a table or list, name one of its fields")
    if not isinstance(spec, dict):
        raise ScenarioError(f"{where}: must be {{ low = .., high = .. }} or {{ values = [..] }}")
    unknown = set(spec) - {"low", "high", "values", "levels"}
    if unknown:
        raise ScenarioError(f"{where}.{sorted(unknown)[0]}: unknown field")
    if "values" in spec:
        if "low" in spec or "high" in spec:
            raise ScenarioError(f"{where}: give either low/high or values, not both")
        values = spec["values"]
        if not isinstance(values, list) or not values:
            raise ScenarioError(f"{where}.values: must be a non-empty list")
        tried = values
        param = Parameter(name, values=tuple(values))
    else:
        if "low" not in spec or "high" not in spec:
            raise ScenarioError(f"{where}: a range needs both low and high")
        low, high = spec["low"], spec["high"]
        for key, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ScenarioError(f"{where}.{key}: must be a number (got {v!r})")
        if not low < high:
            raise ScenarioError(f"{where}.low: must be below high ({low} >= {high})")
        integer = isinstance(current, int) and not isinstance(current, bool)
        n = spec.get("levels", levels)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ScenarioError(f"{where}.levels: must be a positive integer (got {n!r})")
        param = Parameter(name, low=float(low), high=float(high), integer=integer, levels=n)
        tried = [param.value(low), param.value(high)]
    for value in tried:
        try:
            base.with_overrides({name: value})
        except ScenarioError as exc:
            raise ScenarioError(f"{where}: value {value!r} is invalid ({exc})") from None
    return param


def _outcome(name: str, spec: Any, columns: list[str]) -> Outcome:
    where = f"outcomes.{name}"
    if not isinstance(spec, dict):
        raise ScenarioError(f"{where}: must be {{ metric = .., reduce = .. }}")
    unknown = set(spec) - {"metric", "reduce", "k"}
    if unknown:
        raise ScenarioError(f"{where}.{sorted(unknown)[0]}: unknown field")
    metric = spec.get("metric")
    if metric not in columns or metric == "step":
        raise ScenarioError(f"{where}.metric: unknown metric {metric!r}")
    how = spec.get("reduce", "last")
    if how not in REDUCTIONS:
        raise ScenarioError(f"{where}.reduce: must be one of {', '.join(REDUCTIONS)} "
                            f"(got {how!r})")  # fmt: skip
    k = spec.get("k")
    if how == "mean_last":
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ScenarioError(f"{where}.k: mean_last needs k, a positive integer (got {k!r})")
    elif k is not None:
        raise ScenarioError(f"{where}.k: only used with reduce = 'mean_last'")
    return Outcome(name, metric, how, k)

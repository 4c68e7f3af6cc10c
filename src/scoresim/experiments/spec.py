"""The sweep definition (``SWEEP.toml``): read, validated, and turned into runs.

Fields (``*`` required)::

    name*          sweep name (default database: results/<name>.duckdb)
    description    free text
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
    [parameters]*  dotted field path = { low, high [, levels] [, scale] } or { values = [...] };
                   scale "log" samples a range log-uniformly (low > 0)
    [outcomes]*    name = "EXPR" or { metric = "EXPR" [, reduce [, k]] }: an expression of
                   the outcome language (experiments.outcomes), read at the last step unless
                   it is one number of a run (mean(x, 40, 52)); reduce, for a series, in last,
                   first, mean, min, max, sum, mean_last (k steps), change (last - first)

Every problem gets one line naming the field, raised as
:class:`~scoresim.core.errors.ScenarioError`: first what the file may hold
(:mod:`~scoresim.experiments.spec_file`, a pydantic model), then what its scenario allows.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.core.streams import with_seed
from scoresim.experiments.outcomes import Expression, parse
from scoresim.experiments.samplers import Parameter, design
from scoresim.experiments.spec_file import OutcomeModel, ParameterModel, SweepFile
from scoresim.metrics import metric_columns
from scoresim.phases.params import Params
from scoresim.scenario import Scenario, preset_names
from scoresim.scenario.edge_file import path_from, set_graph_path_from
from scoresim.scenario.files import read_toml
from scoresim.scenario.messages import validated

#: A sweep file's ``reduce`` as an expression of the outcome language, ``{}`` the metric.
REDUCE_AS = {
    "last": "{}", "first": "({})[1]", "change": "last({0}) - ({0})[1]", "mean": "mean({})",
    "min": "min({})", "max": "max({})", "sum": "sum({})", "mean_last": "mean({}, -{k}, -1)",
}  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """One number of a run: an expression of the outcome language
    (:mod:`~scoresim.experiments.outcomes`), read at the last step if it is a series.

    Examples
    --------
    >>> m = pd.DataFrame({"step": [1, 2, 3], "x": [1.0, 4.0, 7.0]})
    >>> Outcome.of("a", "x", ["x"]).reduce(m), Outcome.of("b", "x", ["x"], "mean_last", 2).reduce(m)
    (7.0, 5.5)
    >>> Outcome.of("c", "x", ["x"], "change").reduce(m), Outcome.of("d", "max(x, 1, 2)", ["x"]).reduce(m)
    (6.0, 4.0)
    """  # noqa: E501

    name: str
    expression: Expression

    @classmethod
    def of(cls, name: str, metric: str, columns: Sequence[str], reduce: str | None = None,
           k: int | None = None, steps: int | None = None) -> Outcome:  # fmt: skip
        """An outcome from a sweep file's ``metric`` (an expression) and optional ``reduce``
        (and ``k``); a problem is one line naming the field."""
        where = f"outcomes.{name}"
        try:
            expression = parse(metric, columns, None, steps)
        except ScenarioError as exc:
            raise ScenarioError(f"{where}.metric: {exc}") from None
        if reduce is None:
            return cls(name, expression)
        if expression.reduced:
            raise ScenarioError(f"{where}.reduce: the metric is already one number of a run "
                                f"({metric!r}); drop reduce")  # fmt: skip
        text = REDUCE_AS[reduce].format(expression.text, k=k)
        return cls(name, parse(text, columns, None))

    def reduce(self, metrics: pd.DataFrame) -> float:
        """The outcome of a run's metrics table."""
        ordered = metrics.sort_values("step")
        series = {c: ordered[c].to_numpy(dtype=np.float64) for c in self.expression.columns}
        if len(ordered) == 0:
            return math.nan
        return float(self.expression.at_end(series))


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
        return cls.from_dict(read_toml(path), where=path.parent)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: Path | None = None) -> SweepSpec:
        """Validate a sweep mapping; ``where`` is the folder relative paths are read from."""
        data, given = named_scenarios(data, ("scenario",))
        file = validated(SweepFile, data, "sweep")
        set_ = set_graph_path_from(file.set_, where)
        base = with_set(given.get("scenario") or base_scenario(file.scenario, where), set_)
        parameters = tuple(
            _parameter(n, p, base, file.levels, where) for n, p in file.parameters.items()
        )
        columns = metric_columns(Params.from_scenario(base))
        outcomes = tuple(_outcome(n, o, columns, base.steps) for n, o in file.outcomes.items())
        # the definition keeps the file's tables as written, in the order stored since v1
        scalars = file.model_dump(exclude={"description", "set_", "parameters", "outcomes"})
        tables = {k: data.get(k, {}) for k in ("set", "parameters", "outcomes")}
        definition = {**scalars, **tables, "base_key": base.key()}
        return cls(**scalars, set=dict(file.set_), parameters=parameters, outcomes=outcomes,
                   base=base, definition=definition)  # fmt: skip

    # ------------------------------------------------------------------ identity and design
    @property
    def fingerprint(self) -> str:
        """A hash of the definition (and the resolved base scenario)."""
        return fingerprint(self.definition)

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
                run_scenario = with_seed(scenario, seed)
                out.append(SweepPoint(point=i, replication=r, seed=seed, values=values,
                                      x=tuple(float(v) for v in row), scenario=run_scenario,
                                      run_key=run_scenario.key()))  # fmt: skip
        return out


def fingerprint(definition: dict[str, Any]) -> str:
    """A short, stable hash of a sweep's or a calibration's definition."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- a file's scenario
def named_scenarios(
    data: dict[str, Any], fields: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Scenario]]:
    """A mapping whose ``fields`` may hold :class:`Scenario` objects (from Python) instead of
    preset names or files: the mapping with each object's name in its place, and the objects
    by field. The definition keeps the name, and the resolved scenario's key tells two
    objects of one name apart."""
    given = {f: data[f] for f in fields if isinstance(data.get(f), Scenario)}
    return {**data, **{f: s.name for f, s in given.items()}}, given


def base_scenario(name: str, where: Path | None, field: str = "scenario") -> Scenario:
    """The preset or scenario file ``name`` (a relative path read from the folder ``where``);
    a problem is one line naming ``field``."""
    if name not in preset_names() and where is not None and not Path(name).is_absolute():
        candidate = where / name
        if candidate.exists():
            name = str(candidate)
    try:
        return Scenario.resolve(name)
    except ScenarioError as exc:
        raise ScenarioError(f"{field}: {exc}") from None


def with_set(base: Scenario, overrides: dict[str, Any]) -> Scenario:
    """``base`` with a file's ``[set]`` overrides; a bad one is named ``set.<field>``."""
    try:
        return base.with_overrides(overrides) if overrides else base
    except ScenarioError as exc:
        raise ScenarioError(f"set.{exc}") from None


def lookup(scenario: Scenario, path: str) -> Any:
    """The value of the scenario field at ``path`` (named ``parameters.<path>`` if unknown)."""
    node: Any = scenario.to_dict()
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ScenarioError(f"parameters.{path}: unknown scenario field")
    return node


def check_value(base: Scenario, path: str, value: Any) -> None:
    """Refuse a parameter value that the field at ``path`` would not take."""
    try:
        base.with_overrides({path: value})
    except ScenarioError as exc:
        raise ScenarioError(f"parameters.{path}: value {value!r} is invalid ({exc})") from None


# --------------------------------------------------------------------------- checks in context
def _parameter(
    name: str, spec: ParameterModel, base: Scenario, levels: int, folder: Path | None = None
) -> Parameter:
    """The parameter ``name`` of a file in ``folder`` (a relative ``graph.path`` among its
    values is read from there, as in ``[set]``)."""
    where = f"parameters.{name}"
    if name in ("seed", "name", "description"):
        raise ScenarioError(f"{where}: cannot be varied (use replications for seeds)")
    current = lookup(base, name)
    if isinstance(current, dict | list):
        raise ScenarioError(f"{where}: is a table or list, name one of its fields")
    if spec.values is not None:
        tried = spec.values
        if name == "graph.path" and folder is not None:
            tried = [path_from(v, folder) for v in tried]
        param = Parameter(name, values=tuple(tried))
    else:
        assert spec.low is not None and spec.high is not None
        integer = isinstance(current, int) and not isinstance(current, bool)
        param = Parameter(name, low=float(spec.low), high=float(spec.high), integer=integer,
                          levels=spec.levels or levels, log=spec.scale == "log")  # fmt: skip
        tried = [param.value(x) for x in param.bounds]
    for value in tried:
        check_value(base, name, value)
    return param


def _outcome(name: str, spec: OutcomeModel, columns: list[str], steps: int) -> Outcome:
    return Outcome.of(name, spec.metric, columns, spec.reduce, spec.k, steps)

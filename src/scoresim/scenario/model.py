"""The scenario: every parameter of the model as a named, validated, frozen field.

A scenario is a TOML document. Presets live in ``scoresim/presets``; a scenario file may name a
``base`` preset (default ``seed``) and then lists only the fields it changes. The resolved
scenario (every field, ``base`` dropped) is what runs and what is saved with each result, so
``scoresim run DIR/scenario.toml`` reproduces a run.

Examples
--------
>>> from scoresim import Scenario
>>> s = Scenario.preset("seed").with_overrides({"population.agents": 500, "steps": 3})
>>> s.population.agents, s.steps, s.graph.kind
(500, 3, 'watts_strogatz')
"""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Annotated, Any

import tomli_w
from pydantic import Field, model_validator

from scoresim.core.errors import ScenarioError
from scoresim.scenario.edge_file import (
    agents_from_edge_list,
    edge_file_nodes,
    graph_path_from,
    sets_agents,
    sha256_of,
)
from scoresim.scenario.files import preset_dict, preset_names, read_toml, resolve_base
from scoresim.scenario.messages import validated
from scoresim.scenario.paths import set_path
from scoresim.scenario.schedule import after_horizon, check_schedule, scheduled_dicts
from scoresim.scenario.sections import (
    MAX_ITEMS,
    MAX_SCHEDULE,
    MAX_SEED,
    MAX_STEPS,
    Activity,
    Adaptation,
    Adoption,
    Blacklist,
    Economy,
    Expression,
    Graph,
    Network,
    Policy,
    Population,
    ScheduleEntry,
    Tier,
    _Section,
)


class Scenario(_Section):
    """A complete, validated and frozen scenario (docs/model.md; docs/scenario.md lists the
    fields)."""

    name: str
    description: str
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    population: Population
    graph: Graph
    adoption: Adoption
    activity: Activity
    policy: Policy
    tiers: Annotated[list[Tier], Field(min_length=1, max_length=MAX_ITEMS)]
    economy: Economy
    adaptation: Adaptation
    network: Network
    #: model v3 (7.2): how private views become speech, section 2.5's linear rule by default
    expression: Expression = Expression()
    #: model v2 (6.3): the defaulter blacklist, off by default
    blacklist: Blacklist = Blacklist()
    #: model v2 (6.7): the policy timeline, none by default
    schedule: list[ScheduleEntry] = Field(default_factory=list, max_length=MAX_SCHEDULE)

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        mins = [t.min_score for t in self.tiers]
        if any(b <= a for a, b in itertools.pairwise(mins)):
            raise ValueError("tiers: min_score must be strictly increasing")
        if mins[0] > self.policy.score.min:
            raise ValueError(
                "tiers.0.min_score: the lowest tier must start at or below policy.score.min"
            )
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("tiers: tier names must be unique")
        g = self.graph
        if g.kind == "watts_strogatz" and g.degree % 2:
            raise ValueError("graph.degree: must be even for a watts_strogatz ring lattice")
        if g.kind == "watts_strogatz" and g.degree >= self.population.agents:
            raise ValueError("graph.degree: must be below population.agents")
        if g.kind == "barabasi_albert" and g.m >= self.population.agents:
            raise ValueError("graph.m: must be below population.agents")
        if g.kind == "sbm" and g.blocks > self.population.agents:
            raise ValueError("graph.blocks: must not exceed population.agents")
        if g.kind == "edgelist" and not g.path:
            raise ValueError("graph.path: an edgelist graph needs a file path")
        if g.kind == "edgelist" and not Path(g.path).is_file():
            raise ValueError(f"graph.path: edge-list file not found: {g.path}")
        check_schedule(self)
        return self

    # ----------------------------------------------------------------- construction
    @classmethod
    def preset(cls, name: str) -> Scenario:
        """Load a bundled preset by name.

        Examples
        --------
        >>> Scenario.preset("control").adoption.mandatory_step
        'never'
        """
        return cls.from_dict(preset_dict(name), source=f"preset {name!r}")

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Load a TOML scenario file, resolved against its ``base`` preset (default ``seed``).

        A file that sets no ``name`` is named after its stem.
        """
        path = Path(path)
        return cls.from_file_data(read_toml(path), path.name, source=str(path),
                                  folder=path.parent)  # fmt: skip

    @classmethod
    def from_file_data(
        cls, data: dict[str, Any], filename: str, source: str, folder: Path | None = None
    ) -> Scenario:
        """A scenario file's table (or an upload's) resolved; one that sets no ``name`` is
        named after the file's stem. A relative ``graph.path`` is taken from the file's
        ``folder`` when it is given."""
        if "name" not in data:
            data = {"name": Path(filename).stem, "description": f"scenario file {filename}",
                    **data}  # fmt: skip
        if folder is not None:
            data = graph_path_from(data, folder)
        return cls.from_dict(data, source=source)

    @classmethod
    def resolve(cls, name_or_path: str) -> Scenario:
        """A preset name or a path to a TOML file."""
        if name_or_path in preset_names():
            return cls.preset(name_or_path)
        path = Path(name_or_path)
        if path.suffix != ".toml" and not path.exists():
            raise ScenarioError(
                f"{name_or_path}: not a preset ({', '.join(preset_names())}) nor a scenario file"
            )
        return cls.load(path)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "scenario") -> Scenario:
        """Validate a (possibly partial) scenario mapping, merged over its ``base`` preset. An
        edge-list graph without ``population.agents`` has as many agents as its file has nodes."""
        merged = resolve_base(data, source)
        population = data.get("population")
        if not (isinstance(population, dict) and "agents" in population):
            merged = agents_from_edge_list(merged)
        return _validate(merged, source)

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A copy with fields replaced by dotted path, e.g. ``{"graph.rewire": 1.0}``.

        Examples
        --------
        >>> Scenario.preset("seed").with_overrides({"tiers.0.reach": 0.25}).tiers[0].reach
        0.25
        """
        data = self.to_dict()
        for path, value in overrides.items():
            set_path(data, path, value)
        if self.graph.kind != "edgelist" and not sets_agents(overrides):
            data = agents_from_edge_list(data)  # a switch to an edge list takes its nodes
        return _validate(data, "override")

    def with_edge_list_hash(self) -> Scenario:
        """This scenario with its edge list's sha256 in ``graph.sha256`` (as a run records it,
        and checks it when it reads the file); itself for any other graph or a recorded hash."""
        g = self.graph
        if g.kind != "edgelist" or g.sha256:
            return self
        return self.model_copy(update={"graph": g.model_copy(update={"sha256": sha256_of(g.path)})})

    def isolated_agents(self) -> int:
        """Agents beyond the nodes of the edge list (given by an explicit
        ``population.agents``): they start without friends. 0 for any other graph."""
        if self.graph.kind != "edgelist":
            return 0
        return max(0, self.population.agents - edge_file_nodes(self.graph.path))

    # ----------------------------------------------------------------- output
    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values."""
        return self.model_dump(mode="python")

    def to_toml(self) -> str:
        """The resolved scenario as TOML, readable by :meth:`load`."""
        return tomli_w.dumps(self.to_dict())

    def key(self, seed: int | None = None) -> str:
        """A stable hash of the resolved scenario and the seed (a run's identity)."""
        payload = self.to_dict()
        if seed is not None:
            payload["seed"] = seed
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # ----------------------------------------------------------------- helpers for phases
    @property
    def mandatory_step(self) -> int | None:
        """The step from which enrolment is mandatory, or None if never."""
        m = self.adoption.mandatory_step
        return None if m == "never" or m > self.steps else int(m)

    def timeline(self) -> list[tuple[int, Scenario]]:
        """The policy timeline resolved: ``(step, scenario in force from that step)`` pairs in
        step order, one per distinct step of ``schedule`` up to the horizon (empty without a
        schedule); entries after the horizon are never applied (``after_horizon``). Each
        scenario has no schedule of its own.

        Examples
        --------
        >>> s = Scenario.preset("seed").with_overrides({"schedule": [
        ...     {"step": 5, "set": {"policy.detect.critical": 0.9}},
        ...     {"step": 5, "set": {"tiers.poor.reach": 0.2}}]})
        >>> [(k, sc.policy.detect.critical, sc.tiers[0].reach) for k, sc in s.timeline()]
        [(5, 0.9, 0.2)]
        """
        return [(k, _validate(d, f"schedule step {k}"))
                for k, d in scheduled_dicts(self) if k <= self.steps]  # fmt: skip

    def after_horizon(self) -> list[str]:
        """The ``[[schedule]]`` entries after the last step, kept and never applied, one line
        each (docs/model.md 6.7): ``scoresim show`` and the run's summary list them."""
        return after_horizon(self)


def preset_descriptions() -> dict[str, str]:
    """Preset name -> one-line description."""
    return {n: Scenario.preset(n).description for n in preset_names()}


def _validate(data: dict[str, Any], source: str) -> Scenario:
    return validated(Scenario, data, source)

"""Scenarios: every parameter of MODEL.md as a named, validated, frozen field.

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

import copy
import hashlib
import itertools
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scoresim.errors import ScenarioError

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Beta(_Section):
    """Parameters of a Beta(a, b) distribution."""

    a: Positive
    b: Positive


class Population(_Section):
    """MODEL.md section 1: the agents' initial state."""

    agents: Annotated[int, Field(ge=2)]
    dissent: Beta
    fear: Beta
    import_taste: Beta
    post_rate: NonNegative
    post_rate_shape: Positive
    buy_rate: NonNegative
    buy_rate_shape: Positive
    income_mu: float
    income_sigma: NonNegative
    employed: Probability


class Graph(_Section):
    """MODEL.md section 1: the initial friendship graph."""

    kind: Literal["watts_strogatz", "barabasi_albert", "sbm", "edgelist"]
    degree: Annotated[int, Field(ge=0)]
    rewire: Probability
    m: Annotated[int, Field(ge=1)]
    blocks: Annotated[int, Field(ge=1)]
    mixing: Probability
    path: str


class Adoption(_Section):
    """MODEL.md section 2.1: Bass diffusion of enrolment, then a mandatory date."""

    initial: Probability
    innovation: Probability
    imitation: Probability
    mandatory_step: int | str

    @field_validator("mandatory_step")
    @classmethod
    def _step_or_never(cls, value: int | str) -> int | str:
        if (isinstance(value, str) and value != "never") or (isinstance(value, int) and value < 1):
            raise ValueError(f'must be a step number >= 1 or "never" (got {value!r})')
        return value


class Activity(_Section):
    """MODEL.md section 2.2: what agents post and buy."""

    critical_propensity: Probability
    loyal_propensity: Probability
    desirable_share: Probability
    desirable_conform_gain: NonNegative


class ScoreBounds(_Section):
    base: float
    min: float
    max: float


class Detection(_Section):
    critical: Probability
    loyal: Probability
    false_positive: Probability
    false_positive_delta: float


class CriticalTopic(_Section):
    name: Annotated[str, Field(min_length=1)]
    weight: NonNegative
    delta: float


class Posts(_Section):
    loyal_topic: Annotated[str, Field(min_length=1)]
    loyal_delta: float
    neutral_topic: Annotated[str, Field(min_length=1)]
    critical_topics: Annotated[list[CriticalTopic], Field(min_length=1)]

    @model_validator(mode="after")
    def _weights(self) -> Posts:
        if sum(t.weight for t in self.critical_topics) <= 0:
            raise ValueError("critical_topics: the weights must not all be 0")
        names = [t.name for t in self.critical_topics]
        if len(set(names)) != len(names):
            raise ValueError("critical_topics: topic names must be unique")
        return self


class Purchase(_Section):
    name: Annotated[str, Field(min_length=1)]
    delta: float


class Purchases(_Section):
    desirable: Purchase
    undesirable: Purchase
    neutral: Purchase


class Policy(_Section):
    """MODEL.md section 2.3: what is scored and how much."""

    max_step_change: NonNegative
    default_penalty: NonNegative
    friend_weight: Probability
    low_friend_penalty: NonNegative
    low_threshold: float
    decay: Probability
    score: ScoreBounds
    detect: Detection
    posts: Posts
    purchases: Purchases

    @model_validator(mode="after")
    def _bounds(self) -> Policy:
        s = self.score
        if s.min >= s.max:
            raise ValueError("score.min: must be below score.max")
        if not s.min <= s.base <= s.max:
            raise ValueError("score.base: must lie within [score.min, score.max]")
        return self


class Tier(_Section):
    """MODEL.md section 2.4: one row of the tier table."""

    name: Annotated[str, Field(min_length=1)]
    min_score: float
    loan_approval: Probability
    hire_multiplier: NonNegative
    reach: NonNegative
    travel_ban: bool
    public: bool


class Economy(_Section):
    """MODEL.md section 2.4: jobs, loans, travel and wealth."""

    job_loss: Probability
    hire: Probability
    loan_apply: Probability
    loan_close: Probability
    default: Probability
    default_unemployed_factor: NonNegative
    travel: Probability
    loan_income_bonus: NonNegative


class Adaptation(_Section):
    """MODEL.md section 2.5: risk, self-censorship, conformity, gaming, spiral of silence."""

    risk_rate: Probability
    risk_own_weight: Probability
    risk_friends_weight: Probability
    censor_rate: Probability
    awareness: Probability
    risk_sensitivity: NonNegative
    conform_rate: Probability
    gaming_cap: Probability
    gaming_gap_weight: NonNegative
    gaming_gap_scale: Positive
    gaming_public_weight: NonNegative
    opinion_rate: Probability
    climate_weight: Probability


class Network(_Section):
    """MODEL.md section 2.6: ostracism of low scorers."""

    drop_rate: Probability
    replace_prob: Probability


class Scenario(_Section):
    """A complete, validated and frozen scenario."""

    name: str
    description: str
    steps: Annotated[int, Field(ge=1)]
    seed: Annotated[int, Field(ge=0)]
    population: Population
    graph: Graph
    adoption: Adoption
    activity: Activity
    policy: Policy
    tiers: Annotated[list[Tier], Field(min_length=1)]
    economy: Economy
    adaptation: Adaptation
    network: Network

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
        return cls.from_dict(_preset_dict(name), source=f"preset {name!r}")

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Load a TOML scenario file, resolved against its ``base`` preset (default ``seed``).

        A file that sets no ``name`` is named after its stem.
        """
        path = Path(path)
        data = _read_toml(path)
        if "name" not in data:
            data = {"name": path.stem, "description": f"scenario file {path.name}", **data}
        return cls.from_dict(data, source=str(path))

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
        """Validate a (possibly partial) scenario mapping, merged over its ``base`` preset."""
        return _validate(_resolve_base(data, source), source)

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A copy with fields replaced by dotted path, e.g. ``{"graph.rewire": 1.0}``.

        Examples
        --------
        >>> Scenario.preset("seed").with_overrides({"tiers.0.reach": 0.25}).tiers[0].reach
        0.25
        """
        data = self.to_dict()
        for path, value in overrides.items():
            _set_path(data, path, value)
        return _validate(data, "override")

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

    @property
    def ostracism_on(self) -> bool:
        """MODEL.md 2.6 runs only when a friend term is active."""
        return self.policy.friend_weight > 0 or self.policy.low_friend_penalty > 0


# --------------------------------------------------------------------- presets and files
def preset_names() -> list[str]:
    """Names of the bundled presets."""
    files = resources.files("scoresim.presets").iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".toml"))


def preset_descriptions() -> dict[str, str]:
    """Preset name -> one-line description."""
    return {n: Scenario.preset(n).description for n in preset_names()}


def _preset_dict(name: str) -> dict[str, Any]:
    if name not in preset_names():
        raise ScenarioError(f"base: unknown preset {name!r} (known: {', '.join(preset_names())})")
    text = resources.files("scoresim.presets").joinpath(f"{name}.toml").read_text()
    return tomllib.loads(text)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ScenarioError(f"{path}: file not found")
    if not path.is_file():
        raise ScenarioError(f"{path}: not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    if not text.strip():
        raise ScenarioError(f"{path}: file is empty")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: malformed TOML ({exc})") from None
    if not data:
        raise ScenarioError(f"{path}: file has no fields")
    return data


def _resolve_base(data: dict[str, Any], source: str, depth: int = 0) -> dict[str, Any]:
    data = copy.deepcopy(data)
    base = data.pop("base", "seed")
    if not isinstance(base, str):
        raise ScenarioError(f"base: must be a preset name (got {type(base).__name__})")
    if depth > 8:
        raise ScenarioError(f"base: presets extend each other in a cycle ({source})")
    base_data = _preset_dict(base)
    if "base" in base_data:
        base_data = _resolve_base(base_data, f"preset {base!r}", depth + 1)
    return _deep_merge(base_data, data)


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into ``base``: tables merge, anything else (lists included) replaces."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        where = ".".join(parts[: i + 1])
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"{where}: no such list index (the list has {len(node)} items)")
            idx: int | str = int(part)
        elif isinstance(node, dict):
            if part not in node:
                raise ScenarioError(f"{where}: unknown field")
            idx = part
        else:
            raise ScenarioError(f"{where}: {'.'.join(parts[:i])} is not a table")
        if last:
            node[idx] = value
        else:
            node = node[idx]


def _validate(data: dict[str, Any], source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_one_line(exc, source)) from None


_TYPE_TAGS = {"int", "str", "float", "bool", "list", "dict"}
_TAG_PREFIXES = ("function-", "constrained-", "literal[")


def _field_path(loc: tuple[int | str, ...]) -> str:
    """A dotted field path without pydantic's union and validator tags."""
    return ".".join(
        str(p)
        for p in loc
        if isinstance(p, int) or not (p in _TYPE_TAGS or p.startswith(_TAG_PREFIXES))
    )


def _one_line(exc: ValidationError, source: str) -> str:
    err = exc.errors()[0]
    loc = _field_path(err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] == "missing":
        msg = "required field is missing"
    elif (
        "input" in err
        and err["type"] not in ("value_error",)
        and not isinstance(err["input"], dict)
    ):
        msg = f"{msg} (got {err['input']!r})"
    if ":" in msg.split(" ")[0]:  # a model validator already names its field
        field, _, reason = msg.partition(": ")
        loc = f"{loc}.{field}" if loc else field
        msg = reason
    others = [e for e in exc.errors()[1:] if _field_path(e["loc"]) != _field_path(err["loc"])]
    more = f" (and {len(others)} more)" if others else ""
    text = f"{loc or source}: {msg}{more}"
    return text.replace("\r", "\\r").replace("\n", "\\n")

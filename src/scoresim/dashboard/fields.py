"""The scenario fields the dashboard lets a user edit, and how typed text becomes a value.

Each :class:`FieldSpec` names a dotted scenario path (as :meth:`Scenario.with_overrides` takes
it), a label, a kind that decides the input widget and the parsing, and optional dashboard caps.
Parsing never evaluates input: text is read as an int, a float or the word ``never``.

Examples
--------
>>> from scoresim import Scenario
>>> specs = {s.path: s for s in editable_fields(Scenario.preset("seed"))}
>>> specs["policy.posts.critical_topics.0.delta"].label
'Delta: critical post on tiananmen_photo'
>>> parse_value(specs["population.agents"], "20_000", max_agents=50_000)
20000
>>> parse_value(specs["population.agents"], "90000", max_agents=50_000)
Traceback (most recent call last):
...
scoresim.core.errors.ScenarioError: population.agents: at most 50,000 agents in the dashboard
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from scoresim.core.errors import ScenarioError
from scoresim.scenario import Scenario

#: Largest population and horizon a dashboard page may ask for (keeps a page from exhausting
#: the machine; the command line has no such cap).
MAX_AGENTS = 50_000
MAX_STEPS = 1_040

Kind = Literal["int", "float", "probability", "step_or_never"]


@dataclass(frozen=True)
class FieldSpec:
    """One editable field.

    ``kind`` decides the widget: ``probability`` fields are sliders over ``[0, 1]`` (with
    ``slider_step``), the others are text inputs whose text :func:`parse_value` reads.
    """

    path: str
    label: str
    kind: Kind
    group: str
    help: str = ""
    slider_step: float = 0.01


GROUPS = (
    "Society and horizon",
    "Scoring rules",
    "Detection",
    "Friends",
    "Tiers",
    "Enrolment and awareness",
)


def editable_fields(scenario: Scenario) -> list[FieldSpec]:
    """The fields shown for ``scenario`` (one per critical topic, purchase and tier).

    Examples
    --------
    >>> from scoresim import Scenario
    >>> [f.path for f in editable_fields(Scenario.preset("seed")) if f.group == "Tiers"]
    ['tiers.1.min_score', 'tiers.2.min_score', 'tiers.3.min_score']
    """
    pol = scenario.policy
    out = [
        FieldSpec(
            "population.agents", "Agents", "int", "Society and horizon", f"2 to {MAX_AGENTS:,}"
        ),
        FieldSpec("steps", "Steps (weeks)", "int", "Society and horizon", f"1 to {MAX_STEPS:,}"),
        FieldSpec("seed", "Seed", "int", "Society and horizon", "same seed, same society"),
    ]
    for i, topic in enumerate(pol.posts.critical_topics):
        out.append(
            FieldSpec(
                f"policy.posts.critical_topics.{i}.delta",
                f"Delta: critical post on {topic.name}",
                "float",
                "Scoring rules",
                "points per detected post",
            )
        )
    out.append(
        FieldSpec(
            "policy.posts.loyal_delta",
            f"Delta: loyal post ({pol.posts.loyal_topic})",
            "float",
            "Scoring rules",
            "points per detected post",
        )
    )
    for kind in ("desirable", "undesirable", "neutral"):
        purchase = getattr(pol.purchases, kind)
        out.append(
            FieldSpec(
                f"policy.purchases.{kind}.delta",
                f"Delta: {kind} purchase ({purchase.name})",
                "float",
                "Scoring rules",
                "points per purchase",
            )
        )
    out += [
        FieldSpec(
            "policy.detect.critical", "Detection rate: critical posts", "probability", "Detection"
        ),
        FieldSpec("policy.detect.loyal", "Detection rate: loyal posts", "probability", "Detection"),
        FieldSpec(
            "policy.detect.false_positive",
            "False-positive rate (neutral posts)",
            "probability",
            "Detection",
            slider_step=0.001,
        ),
        FieldSpec(
            "policy.detect.false_positive_delta",
            "Delta: false positive",
            "float",
            "Detection",
            "points per flagged neutral post",
        ),
        FieldSpec(
            "policy.friend_weight",
            "Friend weight",
            "probability",
            "Friends",
            "pull towards friends' mean score",
            slider_step=0.005,
        ),
        FieldSpec(
            "policy.low_friend_penalty",
            "Low-friend penalty",
            "float",
            "Friends",
            "points lost per low-scoring friend",
        ),
        FieldSpec(
            "policy.low_threshold",
            "Low threshold",
            "float",
            "Friends",
            "friends below it cost points and get dropped",
        ),
    ]
    for i, tier in enumerate(scenario.tiers):
        if i == 0:
            continue  # the lowest tier starts at policy.score.min
        out.append(
            FieldSpec(f"tiers.{i}.min_score", f"Tier '{tier.name}' from score", "float", "Tiers")
        )
    out += [
        FieldSpec(
            "adoption.mandatory_step",
            "Mandatory from step",
            "step_or_never",
            "Enrolment and awareness",
            "a step number, or 'never'",
        ),
        FieldSpec(
            "adaptation.awareness",
            "Awareness",
            "probability",
            "Enrolment and awareness",
            "baseline self-censorship pressure",
        ),
    ]
    return out


def get_value(scenario: Scenario, path: str) -> Any:
    """The value at a dotted path of a scenario.

    Examples
    --------
    >>> from scoresim import Scenario
    >>> get_value(Scenario.preset("seed"), "tiers.2.min_score")
    600.0
    """
    node: Any = scenario.to_dict()
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def format_value(value: Any) -> str:
    """How a value is shown in a text input (``600.0`` as ``600``, ints with no separators).

    Examples
    --------
    >>> format_value(600.0), format_value(-2.5), format_value(260), format_value("never")
    ('600', '-2.5', '260', 'never')
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_value(
    spec: FieldSpec, text: Any, max_agents: int = MAX_AGENTS, max_steps: int = MAX_STEPS
) -> Any:
    """Read the text typed into a field; raise :class:`ScenarioError` naming the field.

    Only numbers (``_`` and ``,`` allowed as digit separators) and, for the mandatory step, the
    word ``never`` are accepted. Range checks other than the dashboard caps are left to the
    scenario's own validation, which names the field the same way.

    Examples
    --------
    >>> spec = FieldSpec("adoption.mandatory_step", "Mandatory", "step_or_never", "x")
    >>> parse_value(spec, " Never "), parse_value(spec, "104")
    ('never', 104)
    >>> parse_value(FieldSpec("policy.low_threshold", "t", "float", "x"), "abc")
    Traceback (most recent call last):
    ...
    scoresim.core.errors.ScenarioError: policy.low_threshold: not a number ('abc')
    """
    if spec.kind == "probability":
        try:
            value = float(text)
        except (TypeError, ValueError):
            raise ScenarioError(f"{spec.path}: not a number ({text!r})") from None
        if not 0.0 <= value <= 1.0:
            raise ScenarioError(f"{spec.path}: must lie within [0, 1] (got {value})")
        return value
    raw = str(text).strip().replace("_", "").replace(",", "")
    if not raw:
        raise ScenarioError(f"{spec.path}: required")
    if spec.kind == "step_or_never" and raw.lower() == "never":
        return "never"
    if spec.kind in ("int", "step_or_never"):
        try:
            value = int(raw)
        except ValueError:
            kind = "a step number or 'never'" if spec.kind == "step_or_never" else "a whole number"
            raise ScenarioError(f"{spec.path}: must be {kind} ({text!r})") from None
        if spec.path == "population.agents" and value > max_agents:
            raise ScenarioError(f"{spec.path}: at most {max_agents:,} agents in the dashboard")
        if spec.path == "steps" and value > max_steps:
            raise ScenarioError(f"{spec.path}: at most {max_steps:,} steps in the dashboard")
        return value
    try:
        number = float(raw)
    except ValueError:
        raise ScenarioError(f"{spec.path}: not a number ({text!r})") from None
    if not math.isfinite(number):
        raise ScenarioError(f"{spec.path}: must be a finite number ({text!r})")
    return number

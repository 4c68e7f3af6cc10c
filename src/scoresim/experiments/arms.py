"""The arms of a comparison: scenarios paired with one control on one society.

**Same society.** A society is what the population and graph generators draw before step 0:
it depends only on the :data:`SOCIETY` fields (``population``, ``graph``, ``steps``, ``seed``;
the schedule may not change them, docs/model.md 6.7). Its citizens' model v3 behaviour
(:data:`BEHAVIOUR`: how they voice and hide their views) belongs to it too (docs/model.md
7.6). :func:`same_society` puts a scenario on
another's society; it is the one rule of every comparison: the ``compare`` command's control,
the dashboard's systems and control. Two runs on the same society and seed start from the same
citizens and ties and share their random streams (common random numbers), so ``arm - control``
is a paired difference.

**Overrides** (``--set``) follow one rule: an override changes the control too exactly when the
field is *shared*, i.e. the arm and the control hold the same value before the override (the
society, the economy, ...). A field where they differ defines the arm (the mandatory date, the
score deltas), so an override of it changes the arm only and the control stays a control
(:func:`split_overrides`).

:func:`resolve_arms` applies both to preset names, scenario files or :class:`Scenario` objects.
One arm is the two-arm comparison of a treatment with its control; several arms share one
control, so the split of the overrides must be the same for every arm, the arms must run on
one society and each needs its own name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scoresim.core.errors import ScenarioError
from scoresim.core.streams import with_seed
from scoresim.scenario import Scenario

#: The fields a society is drawn from (the rest is what a system does to it).
SOCIETY = ("population", "graph", "steps", "seed")
#: The citizens' model v3 behaviour besides their population, shared by every arm of a
#: comparison and its control, so that a control is the same society unscored (docs/model.md 7.6).
BEHAVIOUR = (
    "expression",
    "adaptation.confidence",
    "adaptation.stake_exponent",
    "adaptation.backlash",
    "adaptation.gaming_model",
    "adaptation.gaming_reach",
)

#: What a scenario may be given as: a preset name, a TOML file, or the scenario itself.
ScenarioLike = str | Path | Scenario


def same_society(arm: Scenario, primary: Scenario) -> Scenario:
    """``arm`` with the :data:`SOCIETY` and :data:`BEHAVIOUR` fields of ``primary``: the same
    society and horizon (a timeline entry after that horizon is kept and never applied,
    docs/model.md 6.7).

    Examples
    --------
    >>> s = Scenario.preset("seed").with_overrides({"population.agents": 500, "seed": 9})
    >>> c = same_society(Scenario.preset("control"), s)
    >>> c.name, c.population.agents, c.seed, c.adoption.mandatory_step
    ('control', 500, 9, 'never')
    """
    d = primary.to_dict()
    society = {name: _lookup(d, name) for name in (*SOCIETY, *BEHAVIOUR)}
    return arm.with_overrides(society)


def society_difference(arm: Scenario, primary: Scenario) -> str | None:
    """The first :data:`SOCIETY` or :data:`BEHAVIOUR` field (dotted) where ``arm`` is not on
    ``primary``'s society, the seed aside (every arm of a comparison runs with the same seeds);
    None if it is.

    Examples
    --------
    >>> seed = Scenario.preset("seed")
    >>> society_difference(seed.with_overrides({"graph.rewire": 0.5}), seed)
    'graph.rewire'
    >>> society_difference(Scenario.preset("zhima-2015"), seed) is None
    True
    """
    a, b = arm.to_dict(), primary.to_dict()
    return next((path for name in (*SOCIETY, *BEHAVIOUR) if name != "seed"
                 for path in _differences(_lookup(a, name), _lookup(b, name), name)),
                None)  # fmt: skip


def _differences(a: Any, b: Any, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return [p for k in a for p in _differences(a[k], b[k], f"{path}.{k}")]
    return [] if a == b else [path]


_MISSING = object()


def _lookup(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data


def is_shared(arm: dict[str, Any], control: dict[str, Any], path: str) -> bool:
    """Whether an override of ``path`` changes the control too: the seed always, another field
    when both scenarios (as :meth:`Scenario.to_dict`) hold it with the same value."""
    if path == "seed":
        return True
    a, b = _lookup(arm, path), _lookup(control, path)
    return a is not _MISSING and b is not _MISSING and a == b


def split_overrides(
    arm: Scenario, control: Scenario, changes: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The overrides that change both scenarios, and those that change the arm only.

    Examples
    --------
    >>> both, only = split_overrides(Scenario.preset("seed"), Scenario.preset("control"),
    ...                              {"steps": 10, "adoption.mandatory_step": 5})
    >>> both, only
    ({'steps': 10}, {'adoption.mandatory_step': 5})
    """
    a, c = arm.to_dict(), control.to_dict()
    shared = {k: v for k, v in changes.items() if is_shared(a, c, k)}
    return shared, {k: v for k, v in changes.items() if k not in shared}


def slug(name: str) -> str:
    """A file-name-safe form of a scenario name.

    Examples
    --------
    >>> slug("zhima-2015"), slug("my system/v2")
    ('zhima-2015', 'my-system-v2')
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "arm"


@dataclass(frozen=True)
class Arms:
    """Resolved arms and their control, with the override split.

    With one arm (``paired``) the runs are labelled ``treatment`` and ``control``; with several
    each arm and the control are labelled by their scenario names. ``sources`` maps a label to
    the preset name or file it was given as (scenario objects have none).
    """

    treatments: tuple[Scenario, ...]
    control: Scenario
    shared: tuple[str, ...] = ()
    treatment_only: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def paired(self) -> bool:
        """One treatment against its control (the two-arm comparison)."""
        return len(self.treatments) == 1

    @property
    def labels(self) -> list[str]:
        """The arms' labels in the runs table, in the order given."""
        return ["treatment"] if self.paired else [t.name for t in self.treatments]

    @property
    def control_label(self) -> str:
        return "control" if self.paired else self.control.name

    @property
    def labelled(self) -> list[tuple[str, Scenario]]:
        """Every label with its scenario, the control last (the order of the runs)."""
        return [*zip(self.labels, self.treatments, strict=True),
                (self.control_label, self.control)]  # fmt: skip

    @property
    def seed(self) -> int:
        """The first seed: the first arm's."""
        return self.treatments[0].seed

    @property
    def title(self) -> str:
        """``seed vs control``, ``zhima-2015, rongcheng vs control``."""
        return f"{', '.join(t.name for t in self.treatments)} vs {self.control.name}"

    def reseeded(self, seed: int) -> Arms:
        """Every arm and the control with seed ``seed``."""
        treatments = tuple(with_seed(t, seed) for t in self.treatments)
        return replace(self, treatments=treatments, control=with_seed(self.control, seed))


def resolve(scenario: ScenarioLike) -> Scenario:
    """A preset name, a scenario file or a :class:`Scenario` (returned as it is)."""
    return scenario if isinstance(scenario, Scenario) else Scenario.resolve(str(scenario))


def resolve_arms(
    scenarios: Sequence[ScenarioLike],
    against: ScenarioLike = "control",
    overrides: Mapping[str, Any] | None = None,
    seed: int | None = None,
) -> Arms:
    """Resolve the arms and the control; apply overrides (dotted path -> value) by the
    shared-field rule and put the control on the first arm's society.

    Raises
    ------
    ScenarioError
        If an override is shared with the control by one arm and not by another (the arms
        would need two controls), two labels clash, or an arm is not on the first one's
        society (one line naming the field).

    Examples
    --------
    >>> a = resolve_arms(["seed"], "control",
    ...                  {"population.agents": 300, "adoption.mandatory_step": 10})
    >>> t, c = a.treatments[0], a.control
    >>> t.population.agents, c.population.agents, c.adoption.mandatory_step
    (300, 300, 'never')
    >>> a.shared, a.treatment_only, a.labels
    (('population.agents',), ('adoption.mandatory_step',), ['treatment'])
    """
    if isinstance(scenarios, str | Path | Scenario):  # one arm given alone
        scenarios = [scenarios]
    if not scenarios:
        raise ScenarioError("scenarios: name at least one scenario to compare")
    control = resolve(against)
    changes = dict(overrides or {})
    treatments, splits = [], []
    for given in scenarios:
        treatment = resolve(given)
        splits.append(split_overrides(treatment, control, changes)[0])
        treatments.append(with_seed(treatment.with_overrides(changes) if changes else treatment,
                                    seed))  # fmt: skip
    shared = splits[0]
    _check_one_control(treatments, splits)
    control = control.with_overrides(shared) if shared else control
    arms = Arms(
        treatments=tuple(treatments),
        control=same_society(control, treatments[0]),
        shared=tuple(k for k in shared if k != "seed"),
        treatment_only=tuple(k for k in changes if k not in shared and k != "seed"),
    )
    names = [*scenarios, against]
    sources = {label: str(given) for (label, _), given in zip(arms.labelled, names, strict=True)
               if not isinstance(given, Scenario)}  # fmt: skip
    check_arms(arms)
    return replace(arms, sources=sources)


def _check_one_control(treatments: Sequence[Scenario], splits: Sequence[dict[str, Any]]) -> None:
    first = treatments[0].name
    for treatment, shared in zip(treatments[1:], splits[1:], strict=True):
        for f in sorted(set(shared) ^ set(splits[0])):
            who, other = (first, treatment.name) if f in splits[0] else (treatment.name, first)
            raise ScenarioError(f"--set {f}: the control shares it with {who} but not with "
                                f"{other}; the arms would need two controls (compare them "
                                "separately)")  # fmt: skip


def check_arms(arms: Arms) -> None:
    """Refuse arms that cannot be paired with one control: two arms (or an arm and the control)
    named alike, or an arm not on the control's society (one line naming the field)."""
    seen: dict[str, str] = {slug(arms.control_label): arms.control_label}
    for label in arms.labels:
        key = slug(label)
        if key in seen:
            what = "the control" if seen[key] == arms.control_label else "another arm"
            raise ScenarioError(f"{label}: an arm named like {what} ({seen[key]!r}); give each "
                                "scenario its own name")  # fmt: skip
        seen[key] = label
    control = arms.control
    for treatment in arms.treatments:
        if treatment.steps != control.steps:
            raise ScenarioError(f"steps: the arms differ ({treatment.steps} and "
                                f"{control.steps}); give --set steps=N")  # fmt: skip
        path = society_difference(treatment, control)
        if path is not None:
            raise ScenarioError(f"{path}: the arms differ; every arm runs on the first "
                                "one's society (population, graph, steps, behaviour)")  # fmt: skip

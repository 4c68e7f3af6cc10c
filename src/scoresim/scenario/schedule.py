"""The policy timeline (docs/model.md, section 6.7): ``[[schedule]]`` entries that set fields
from a step on.

At step ``t`` a field holds the value of the entry with the largest ``step <= t`` that sets it
(the later one in the list at equal steps), else its base value. So the scenario in force from
step ``K`` is the base with every entry of step ``<= K`` applied in (step, list) order. What is
drawn or fixed at step 0 (``population``, ``graph``, ``steps``, ``seed``) cannot be scheduled.
An entry after the horizon (``step > steps``) is kept, validated like the others and never
applied: a run shorter than a preset's timeline ends before the change (:func:`after_horizon`).
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from scoresim.core.errors import ScenarioError
from scoresim.scenario.messages import one_line
from scoresim.scenario.paths import set_path

#: top-level fields a schedule may not set, and why
FIXED = {
    "population": "drawn at step 0",
    "graph": "drawn at step 0",
    "steps": "fixed for the run",
    "seed": "fixed for the run",
    "schedule": "a schedule cannot set a schedule",
    "name": "fixed for the run",
    "description": "fixed for the run",
}


def scheduled_dicts(scenario: Any) -> list[tuple[int, dict[str, Any]]]:
    """``(step, resolved mapping in force from that step)`` per distinct scheduled step.

    ``scenario`` is a :class:`~scoresim.scenario.model.Scenario`, which calls this module (so
    the module does not import it back)."""
    order = sorted(range(len(scenario.schedule)), key=lambda k: scenario.schedule[k].step)
    data = scenario.model_dump(mode="python")
    data["schedule"] = []
    out: list[tuple[int, dict[str, Any]]] = []
    for k in order:
        entry = scenario.schedule[k]
        for path, value in entry.set.items():
            set_path(data, path, copy.deepcopy(value))
        if out and out[-1][0] == entry.step:
            out[-1] = (entry.step, copy.deepcopy(data))
        else:
            out.append((entry.step, copy.deepcopy(data)))
    return out


def after_horizon(scenario: Any) -> list[str]:
    """One line per ``[[schedule]]`` entry after the run's last step, which is never applied.

    Examples
    --------
    >>> from scoresim.scenario import Scenario
    >>> after_horizon(Scenario.preset("rongcheng").with_overrides({"steps": 60}))
    ['schedule.0, week 156, after the horizon (60 steps): tiers.C.inspection = 1.0, \
tiers.D.inspection = 1.0']
    """
    return [
        f"schedule.{i}, week {entry.step}, after the horizon ({scenario.steps} steps): "
        + ", ".join(f"{path} = {value!r}" for path, value in entry.set.items())
        for i, entry in enumerate(scenario.schedule)
        if entry.step > scenario.steps
    ]


def check_schedule(scenario: Any) -> None:
    """Refuse, with a ``ValueError`` naming the field, a field that cannot be scheduled or does
    not exist, or a value that leaves an invalid scenario. An entry after the horizon is
    checked as any other (and kept)."""
    probe = scenario.model_dump(mode="python")
    for i, entry in enumerate(scenario.schedule):
        for path in entry.set:
            top = path.split(".")[0]
            if top in FIXED:
                raise ValueError(f"schedule.{i}.set.{path}: cannot be scheduled ({FIXED[top]})")
            try:
                set_path(probe, path, None)
            except ScenarioError as exc:
                raise ValueError(f"schedule.{i}.set.{exc}") from None
    if not scenario.schedule:
        return
    names = [t.name for t in scenario.tiers]
    for step, data in scheduled_dicts(scenario):
        first = next(i for i, e in enumerate(scenario.schedule) if e.step == step)
        try:
            type(scenario).model_validate(data)
        except ValidationError as exc:
            raise ValueError(f"schedule.{first}.set: {one_line(exc, 'scenario')}") from None
        if [t["name"] for t in data["tiers"]] != names:  # the metric columns are named by tier
            raise ValueError(f"schedule.{first}.set.tiers: the tier names cannot change")

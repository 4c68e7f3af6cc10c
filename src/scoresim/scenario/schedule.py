"""The policy timeline (docs/model.md, section 6.7): ``[[schedule]]`` entries that set fields
from a step on.

At step ``t`` a field holds the value of the entry with the largest ``step <= t`` that sets it
(the later one in the list at equal steps), else its base value. So the scenario in force from
step ``K`` is the base with every entry of step ``<= K`` applied in (step, list) order. What is
drawn or fixed at step 0 (``population``, ``graph``, ``steps``, ``seed``, and model v3's
``expression.model``, ``expression.threshold`` and ``adaptation.gaming_model``) cannot be
scheduled. An entry after the horizon (``step > steps``) is kept, validated like the others
and never applied: a run shorter than a preset's timeline ends before the change
(:func:`after_horizon`).
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
#: fields below the top level that a schedule may not set (model v3, 7: traits are drawn at
#: step 0 from them, or the model is chosen once), and why; a path under one is refused too
FIXED_FIELDS = {
    "expression.model": "the expression model is chosen for the run",
    "expression.threshold": "the thresholds are drawn at step 0",
    "adaptation.gaming_model": "the gaming model is chosen for the run",
}


def fixed_reason(path: str) -> str | None:
    """Why ``path`` cannot be scheduled, or None if it can.

    >>> fixed_reason("population.agents"), fixed_reason("expression.threshold.a")
    ('drawn at step 0', 'the thresholds are drawn at step 0')
    >>> fixed_reason("expression.conviction") is None
    True
    """
    top = path.split(".")[0]
    if top in FIXED:
        return FIXED[top]
    for field, reason in FIXED_FIELDS.items():
        if path == field or path.startswith(field + "."):
            return reason
        if field.startswith(path + "."):  # a whole table that holds a fixed field
            return f"it holds {field}: {reason}"
    return None


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
            reason = fixed_reason(path)
            if reason is not None:
                raise ValueError(f"schedule.{i}.set.{path}: cannot be scheduled ({reason})")
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

"""The scenario fields a page edits: typed text, parsed values, and a message per bad input.

:class:`ScenarioEditor` holds the scenario being edited (``base``, a preset or a loaded file),
the user's valid edits and what each input shows, and validates the edited scenario as a whole
after every change (the scenario's own checks, the dashboard's caps, edge lists only from the
scenario folder). A message names its field, so the page shows it beside that input.
:class:`~scoresim.dashboard.controller.Controller` builds on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scoresim.core.errors import ScenarioError
from scoresim.dashboard.fields import (
    FieldSpec,
    editable_fields,
    format_value,
    get_value,
    parse_value,
)
from scoresim.scenario import Scenario


class ScenarioEditor:
    """The edited scenario, its fields and their errors (no threads, no runs)."""

    scenario_root: Path
    max_agents: int
    max_steps: int

    def _edit(self, scenario: Scenario) -> None:
        """Start editing ``scenario`` afresh (no edits, no errors)."""
        self.base = scenario
        self.fields: list[FieldSpec] = editable_fields(scenario)
        self._specs = {f.path: f for f in self.fields}
        self.edits: dict[str, Any] = {}
        self.texts: dict[str, str] = {}
        self._parse_errors: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.scenario = scenario

    def _refresh(self, edited: str | None, rebuild: bool = False) -> None:
        """Revalidate after a change (the controller also rebuilds its runs)."""
        self._revalidate(edited)

    def text(self, path: str) -> str:
        """What the input of ``path`` shows: the typed text, or the scenario's value."""
        if path in self.texts:
            return self.texts[path]
        return format_value(get_value(self.scenario if not self.errors else self.base, path))

    def value(self, path: str) -> Any:
        """The current value of a field (the last valid one while the field has an error)."""
        return self.edits.get(path, get_value(self.base, path))

    def set_field(self, path: str, raw: Any) -> str | None:
        """Set a field from typed text or a slider value; return its error message, if any.

        A valid change is applied at once while the run is at step 0 (the societies are rebuilt
        in the background), otherwise at the next :meth:`reset`.
        """
        spec = self._specs.get(path)
        if spec is None:
            raise KeyError(path)
        self.texts[path] = str(raw) if spec.kind != "probability" else format_value(raw)
        try:
            self.edits[path] = parse_value(spec, raw, self.max_agents, self.max_steps)
            self._parse_errors.pop(path, None)
        except ScenarioError as exc:
            self._parse_errors[path] = str(exc)
            self.edits.pop(path, None)
        self._refresh(path)
        return self.errors.get(path)

    def _field_for(self, message: str, fallback: str | None) -> str:
        """The field a validation message belongs to (its path prefix), else ``fallback``."""
        where = message.split(":", 1)[0].strip()
        matches = [p for p in self._specs if where == p or where.startswith(p + ".")]
        if matches:
            return max(matches, key=len)
        return fallback or "scenario"

    def _revalidate(self, edited: str | None) -> None:
        errors = dict(self._parse_errors)
        if not errors:
            try:
                candidate = self.base.with_overrides(self.edits) if self.edits else self.base
            except ScenarioError as exc:
                errors[self._field_for(str(exc), edited)] = str(exc)
            else:
                errors.update(self._dashboard_checks(candidate))
                if not errors:
                    self.scenario = candidate
        self.errors = errors

    def _dashboard_checks(self, scenario: Scenario) -> dict[str, str]:
        """The caps, and edge-list files only from inside the scenario folder."""
        out = {}
        if scenario.population.agents > self.max_agents:
            out["population.agents"] = (
                f"population.agents: at most {self.max_agents:,} agents in the dashboard "
                f"(got {scenario.population.agents:,})"
            )
        if scenario.steps > self.max_steps:
            out["steps"] = (
                f"steps: at most {self.max_steps:,} steps in the dashboard (got {scenario.steps:,})"
            )
        if scenario.graph.kind == "edgelist":
            path = (self.scenario_root / scenario.graph.path).resolve()
            if not path.is_relative_to(self.scenario_root):
                out["graph.path"] = (
                    f"graph.path: edge lists are read only from {self.scenario_root}"
                )
            elif not path.is_file():
                out["graph.path"] = f"graph.path: no such file under {self.scenario_root}"
        return out

    @property
    def general_errors(self) -> list[str]:
        """Messages that belong to no input field (shown above the fields)."""
        return [m for p, m in self.errors.items() if p not in self._specs]

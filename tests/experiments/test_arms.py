"""The arms of a comparison: one "same society" rule for the compare command and the dashboard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scoresim import Run, Scenario
from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.dashboard.arms import control_for
from scoresim.experiments.arms import resolve_arms, same_society, society_difference

SMALL = {"population.agents": 200, "steps": 4}


def test_the_control_is_the_dashboards_control() -> None:
    """The compare command and the dashboard put the control on the arm's society alike."""
    arm = Scenario.preset("zhima-2015").with_overrides({**SMALL, "seed": 6})
    arms = resolve_arms([arm], "control")
    assert arms.control == control_for(arm) == same_society(Scenario.preset("control"), arm)


def test_a_scenario_file_of_another_society_gets_its_control_on_that_society(
    tmp_path: Path,
) -> None:
    """Its own population and horizon, which the control preset does not share: the control
    takes them (it used to keep 10,000 agents and 312 weeks, and the compare was refused)."""
    small = tmp_path / "small.toml"
    small.write_text('base = "seed"\nname = "small"\nsteps = 3\n[population]\nagents = 150\n')
    out = tmp_path / "cmp"
    assert main(["compare", str(small), "--replications", "1", "--out", str(out)]) == 0
    control = Scenario.load(out / "control.toml")
    assert (control.population.agents, control.steps) == (150, 3)
    t_run, c_run = Run.load(out / "runs" / "treatment-1"), Run.load(out / "runs" / "control-1")
    assert np.array_equal(t_run.agents["dissent0"], c_run.agents["dissent0"])


def test_arms_on_two_societies_are_refused(tmp_path: Path) -> None:
    rewired = tmp_path / "rewired.toml"
    rewired.write_text('base = "seed"\nname = "rewired"\n[graph]\nrewire = 0.5\n')
    with pytest.raises(ScenarioError, match=r"^graph\.rewire: the arms differ; every arm runs"):
        resolve_arms(["seed", str(rewired)], "control", SMALL)
    # the seed is not part of it: every arm runs with the first arm's seeds
    other_seed = Scenario.preset("zhima-2015").with_overrides({"seed": 9})
    assert society_difference(other_seed, Scenario.preset("seed")) is None

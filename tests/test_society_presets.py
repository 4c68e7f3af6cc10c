"""The presets of each society (docs/model.md 7.6): ``seed-<society>`` is the press account on
that society and ``control-<society>`` the same society with no scoring, as ``control`` is to
``seed``. The behaviour (``population``, ``adaptation``, ``expression``) belongs to the society;
everything else belongs to the system."""

from __future__ import annotations

from typing import Any

import pytest

from scoresim import Scenario
from scoresim.core.errors import ScenarioError
from scoresim.describe.systems import SYSTEMS
from scoresim.experiments.arms import resolve_arms
from scoresim.scenario import preset_names

#: (press account, its control) of each society besides the default pair
PAIRS = (("seed-v1", "control-v1"), ("seed-v3", "control-v3"))
BEHAVIOUR = ("population", "adaptation", "expression")
LABELS = ("name", "description")


def _split(scenario: Scenario) -> tuple[dict[str, Any], dict[str, Any]]:
    """(behaviour, system) fields of a scenario, its name and description left out."""
    data = scenario.to_dict()
    behaviour = {k: v for k, v in data.items() if k in BEHAVIOUR}
    system = {k: v for k, v in data.items() if k not in BEHAVIOUR and k not in LABELS}
    return behaviour, system


@pytest.mark.parametrize(("seed", "control"), PAIRS)
def test_a_society_pair_is_seed_and_control_on_one_society(seed: str, control: str) -> None:
    seed_behaviour, seed_system = _split(Scenario.preset(seed))
    control_behaviour, control_system = _split(Scenario.preset(control))
    assert control_behaviour == seed_behaviour  # one society
    assert seed_system == _split(Scenario.preset("seed"))[1]  # seed's system
    assert control_system == _split(Scenario.preset("control"))[1]  # control's system


def test_every_society_preset_is_a_registered_system() -> None:
    for pair in PAIRS:
        for name in pair:
            assert name in preset_names() and name in SYSTEMS
            assert Scenario.preset(name).name == name
    assert SYSTEMS["control-v1"].status == SYSTEMS["control-v3"].status == "counterfactual"


def test_seed_v3_switches_every_v3_mechanism_on() -> None:
    v3 = Scenario.preset("seed-v3")
    assert v3.expression.model == "threshold" and v3.adaptation.gaming_model == "threshold"
    assert v3.population.susceptibility.a > 0 and v3.adaptation.stake_exponent > 0
    assert v3.adaptation.backlash > 0
    v1 = Scenario.preset("seed-v1")
    assert v1.expression.model == "linear" and v1.adaptation.gaming_model == "heuristic"


def test_a_comparison_puts_the_control_on_the_arms_behaviour() -> None:
    """docs/model.md 7.6: the behaviour belongs to the society, so the default control of a v3
    arm is unscored on the v3 society, and a v1 and a v3 arm cannot share one control."""
    arms = resolve_arms(["seed-v3"], "control", {"population.agents": 200})
    assert arms.control.to_dict()["expression"] == arms.treatments[0].to_dict()["expression"]
    assert arms.control.adaptation.backlash == arms.treatments[0].adaptation.backlash
    assert arms.control.adoption.mandatory_step == "never"
    with pytest.raises(ScenarioError, match=r"^population\.[a-z_.]+: the arms differ"):
        resolve_arms(["seed-v3", "seed-v1"], "control")

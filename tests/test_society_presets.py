"""The presets of each society (docs/model.md 7.6): ``seed-<society>`` is the press account on
that society and ``control-<society>`` the same society with no scoring, as ``control`` is to
``seed``. The behaviour (``population``, ``adaptation``, ``expression``) belongs to the society;
everything else belongs to the system."""

from __future__ import annotations

from typing import Any

import pytest

from scoresim import Scenario
from scoresim.describe.systems import SYSTEMS
from scoresim.scenario import preset_names

#: (press account, its control) of each society besides the default pair
PAIRS = (("seed-v1", "control-v1"),)
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
    assert SYSTEMS["control-v1"].status == "counterfactual"

"""Each phase takes one typed bundle of parameters, built from the scenario once (and again for
each scenario of the timeline), and the model's rules live in the bundle of the phase that
applies them."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numba
import numpy as np
import pytest

from scoresim import Scenario, Simulation
from scoresim.phases import PHASES
from scoresim.phases.activity import ActivityParams
from scoresim.phases.adaptation import AdaptationParams
from scoresim.phases.adoption import AdoptionParams
from scoresim.phases.consequences import ConsequencesParams
from scoresim.phases.network import NetworkParams
from scoresim.phases.params import Params
from scoresim.phases.records import RecordsParams
from scoresim.phases.scoring import ScoringParams
from scoresim.scenario import preset_names

BUNDLES = (AdoptionParams, ActivityParams, RecordsParams, ScoringParams, ConsequencesParams,
           AdaptationParams, NetworkParams)  # fmt: skip
PHASES_DIR = Path(__file__).resolve().parents[1] / "src" / "scoresim" / "phases"


def bundle(kind, **overrides):
    return Params.from_scenario(Scenario.preset("seed").with_overrides(overrides)).bundle(kind)


def test_a_bundle_is_built_once_per_params() -> None:
    params = Params.from_scenario(Scenario.preset("seed"))
    for kind in BUNDLES:
        assert params.bundle(kind) is params.bundle(kind)
        assert isinstance(params.bundle(kind), kind)


@pytest.mark.parametrize("kind", BUNDLES, ids=lambda k: k.__name__)
def test_every_preset_gives_a_bundle_the_same_compiled_type(kind) -> None:
    """Floats stay floats and flags bools whatever the scenario, so a kernel is compiled once
    per flavour, not once per preset (and computes as it did with positional arguments)."""
    seen = {numba.typeof(Params.from_scenario(Scenario.preset(n)).bundle(kind))
            for n in preset_names()}  # fmt: skip
    assert len(seen) == 1, seen
    sample = Params.from_scenario(Scenario.preset("rongcheng")).bundle(kind)
    for name, value in sample._asdict().items():
        assert type(value) in (float, bool, np.ndarray), (name, type(value))
        if isinstance(value, np.ndarray):
            assert value.dtype in (np.float64, np.bool_) and value.flags.c_contiguous, name


def test_a_schedule_change_gives_new_bundles() -> None:
    sc = Scenario.preset("seed").with_overrides({
        "population.agents": 200, "steps": 6,
        "schedule": [{"step": 3, "set": {"policy.detect.critical": 0.95, "tiers.0.reach": 0.2}}],
    })  # fmt: skip
    sim = Simulation(sc)
    assert sim.params.bundle(ScoringParams).detect_critical == 0.8
    later = sim.changes[3]
    assert later.bundle(ScoringParams).detect_critical == 0.95
    assert later.bundle(ActivityParams).tier_reach[0] == 0.2


# --------------------------------------------------------------------------- the rules
def test_ostracism_runs_when_a_friend_term_is_on() -> None:
    assert bundle(NetworkParams).ostracism
    assert not bundle(NetworkParams, **{"policy.friend_weight": 0.0,
                                        "policy.low_friend_penalty": 0.0}).ostracism
    assert bundle(NetworkParams, **{"policy.friend_weight": 0.0}).ostracism
    assert bundle(NetworkParams, **{"policy.low_friend_penalty": 0.0}).ostracism


def test_shaming_runs_when_the_blacklist_publishes_names() -> None:
    assert not bundle(NetworkParams, **{"blacklist.shaming_drop": 0.3}).shaming
    assert not bundle(NetworkParams, **{"blacklist.enabled": True}).shaming
    assert bundle(NetworkParams, **{"blacklist.enabled": True,
                                    "blacklist.shaming_drop": 0.3}).shaming


def test_purchases_are_penalised_when_a_purchase_delta_is_negative() -> None:
    assert bundle(AdaptationParams).purchase_pressure == 1.0
    neutral = {f"policy.purchases.{k}.delta": 0.0 for k in ("desirable", "undesirable")}
    assert bundle(AdaptationParams, **neutral).purchase_pressure == 0.0
    only_groceries = {**neutral, "policy.purchases.neutral.delta": -1.0}
    assert bundle(AdaptationParams, **only_groceries).purchase_pressure == 1.0


def test_a_perk_is_paid_when_some_tier_has_a_perk_value() -> None:
    assert not bundle(ConsequencesParams).any_perk
    assert bundle(ConsequencesParams, **{"tiers.3.perk_value": 0.5}).any_perk


def test_the_mandatory_date_is_a_step_or_never() -> None:
    assert bundle(AdoptionParams).mandatory_from == 260.0
    assert bundle(AdoptionParams, **{"adoption.mandatory_step": "never"}).mandatory_from == math.inf
    beyond = {"steps": 10, "adoption.mandatory_step": 11}
    assert bundle(AdoptionParams, **beyond).mandatory_from == math.inf


def test_the_next_tier_bound_of_the_top_tier_is_infinite() -> None:
    assert bundle(AdaptationParams).next_min.tolist() == [450.0, 600.0, 650.0, math.inf]


# --------------------------------------------------------------------------- the phases
def test_no_phase_reads_the_scenario_in_its_step() -> None:
    """A phase reads its bundle: only a bundle's ``of`` reads the scenario."""
    steps = {p.run.__name__ for p in PHASES}
    seen, readers = set(), []
    for path in PHASES_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name in steps:
                seen.add(node.name)
                if any(isinstance(n, ast.Attribute) and n.attr == "scenario"
                       for n in ast.walk(node)):  # fmt: skip
                    readers.append(f"{path.name}: {node.name}")
    assert seen == steps
    assert readers == []

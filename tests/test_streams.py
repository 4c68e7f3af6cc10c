"""Random streams are keyed by stable names, and the seed enters a run in one place
(``scoresim.core.streams``): renaming a phase's function changes no bit, a stream derived by
name is stable and new, and every seed argument becomes the scenario's recorded seed."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from scoresim import Scenario, Simulation, simulate
from scoresim import simulation as simulation_module
from scoresim.core.streams import NAMED_STREAM_TAG, named_stream, run_streams, with_seed
from scoresim.phases import PHASES, Phase
from scoresim.simulation import STREAMS

SMALL = Scenario.preset("seed").with_overrides(
    {"population.agents": 400, "steps": 6, "adoption.mandatory_step": 4}
)


def outputs(sim: Simulation) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    run = sim.run()
    return run.metrics, run.agents, run.edges


def assert_same_run(a: tuple, b: tuple) -> None:
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


def renamed(phase: Phase, name: str) -> Phase:
    """``phase`` with a copy of its function under another name (code object included)."""
    fn = phase.run
    code = fn.__code__.replace(co_name=name, co_qualname=name)
    copy = types.FunctionType(code, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    assert copy.__name__ == name and copy.__code__ is not fn.__code__
    return phase._replace(run=copy)


# --------------------------------------------------------------------------- stable names
def test_renaming_every_phase_function_changes_no_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    before = outputs(Simulation(SMALL))
    monkeypatch.setattr(
        simulation_module, "PHASES", tuple(renamed(p, f"my_{p.run.__name__}") for p in PHASES)
    )
    sim = Simulation(SMALL)
    assert [p.run.__name__ for p in sim.phases] == [f"my_{p.name}" for p in PHASES]
    assert_same_run(outputs(sim), before)


def test_renaming_a_phase_changes_no_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The phase's label is only a label: its stream keeps its draws."""
    before = outputs(Simulation(SMALL))
    phases = tuple(p._replace(name="scoring, renamed") if p.name == "scoring" else p
                   for p in PHASES)  # fmt: skip
    monkeypatch.setattr(simulation_module, "PHASES", phases)
    sim = Simulation(SMALL)
    after = outputs(sim)
    assert "scoring, renamed" in sim.phase_seconds and "scoring" not in sim.phase_seconds
    assert_same_run(after, before)


def test_the_stream_not_the_function_decides_the_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control of the tests above: swapping two phases' streams changes the run."""
    before = outputs(Simulation(SMALL))
    swap = {"activity": "scoring", "scoring": "activity"}
    phases = tuple(p._replace(stream=swap.get(p.stream, p.stream)) for p in PHASES)
    monkeypatch.setattr(simulation_module, "PHASES", phases)
    after = outputs(Simulation(SMALL))
    assert not after[0].equals(before[0])


def test_every_built_in_phase_has_a_built_in_stream() -> None:
    assert {p.stream for p in PHASES} <= set(STREAMS)
    assert len({p.stream for p in PHASES}) == len(PHASES)
    assert len({p.name for p in PHASES}) == len(PHASES)


# --------------------------------------------------------------------------- streams by name
def first_draws(rng: np.random.Generator) -> list[int]:
    return rng.integers(0, 2**63, size=4).tolist()


def test_built_in_streams_are_the_seed_sequence_children_in_order() -> None:
    """What the run drew before streams had names: ``SeedSequence(seed).spawn`` in order."""
    children = np.random.SeedSequence(12).spawn(len(STREAMS))
    streams = run_streams(12, STREAMS)
    assert list(streams) == list(STREAMS)
    for name, child in zip(STREAMS, children, strict=True):
        assert first_draws(streams[name]) == first_draws(np.random.default_rng(child))


def test_a_named_stream_depends_on_the_seed_and_the_name_only() -> None:
    assert first_draws(named_stream(5, "rumours")) == first_draws(named_stream(5, "rumours"))
    assert first_draws(named_stream(5, "rumours")) != first_draws(named_stream(5, "protests"))
    assert first_draws(named_stream(5, "rumours")) != first_draws(named_stream(6, "rumours"))


def test_a_named_stream_is_none_of_the_built_in_ones() -> None:
    for seed in (0, 1, 2**63 - 1):
        built_in = [first_draws(r) for r in run_streams(seed, STREAMS).values()]
        for name in (*STREAMS, "rumours", ""):
            assert first_draws(named_stream(seed, name)) not in built_in
        key = named_stream(seed, "x").bit_generator.seed_seq.spawn_key
        assert key[0] == NAMED_STREAM_TAG and len(key) == 5 and all(w < 2**32 for w in key)


def test_adding_a_named_stream_leaves_the_built_in_ones_alone() -> None:
    plain = run_streams(3, STREAMS)
    more = run_streams(3, STREAMS, named=["rumours", "scoring"])
    assert list(more) == [*STREAMS, "rumours"]
    for name in STREAMS:
        assert first_draws(plain[name]) == first_draws(more[name])
    assert first_draws(more["rumours"]) == first_draws(named_stream(3, "rumours"))


def test_a_phase_on_a_new_stream_draws_by_name_and_changes_no_other_bit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = outputs(Simulation(SMALL))
    drawn: list[float] = []

    def rumours(society, params, rng, rec) -> None:  # a mechanism outside MODEL.md: no state
        drawn.append(float(rng.random()))

    extra = Phase(name="rumours", stream="rumours", run=rumours)
    monkeypatch.setattr(simulation_module, "PHASES", (*PHASES[:3], extra, *PHASES[3:]))
    after = outputs(Simulation(SMALL))
    assert_same_run(after, before)
    expected = named_stream(SMALL.seed, "rumours").random(SMALL.steps).tolist()
    assert drawn == expected


# --------------------------------------------------------------------------- the seed
def test_with_seed_sets_the_recorded_seed() -> None:
    assert with_seed(SMALL, 9).seed == 9
    assert with_seed(SMALL, 9).with_overrides({"seed": SMALL.seed}) == SMALL
    assert with_seed(SMALL, None) is SMALL
    assert with_seed(SMALL, SMALL.seed) is SMALL


def test_every_seed_argument_is_the_scenario_seed() -> None:
    """``Simulation(seed=)`` and ``simulate(seed=)`` run the scenario that records the seed."""
    recorded = SMALL.with_overrides({"seed": 9})
    sim = Simulation(SMALL, seed=9)
    assert sim.scenario == recorded and sim.seed == 9
    reference = outputs(Simulation(recorded))
    assert_same_run(outputs(sim), reference)
    run = simulate(SMALL, seed=9)
    assert run.scenario == recorded
    assert_same_run((run.metrics, run.agents, run.edges), reference)

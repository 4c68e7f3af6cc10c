"""The profile switch (scoresim.phases.profiling): it charges each kernel call to its phase,
leaves the draws alone, and puts the plain kernel call back when it closes."""

from __future__ import annotations

import numpy as np
import pytest

from scoresim import Scenario, Simulation
from scoresim.core.jit import Kernel
from scoresim.phases.profiling import OUTSIDE, KernelProfile

STEPS = 4


def _scenario() -> Scenario:
    return Scenario.preset("seed").with_overrides({"population.agents": 400, "steps": STEPS})


def test_profiled_run_draws_the_same_numbers() -> None:
    plain = Simulation(_scenario(), seed=3).run().metrics
    sim = Simulation(_scenario(), seed=3)
    profile = KernelProfile()
    sim.phases = profile.wrap(sim.phases)
    with profile.active():
        profiled = sim.run().metrics
    np.testing.assert_array_equal(plain.to_numpy(), profiled.to_numpy())


def test_kernels_are_charged_to_their_phase_within_its_time() -> None:
    sim = Simulation(_scenario(), seed=1)
    profile = KernelProfile()
    sim.phases = profile.wrap(sim.phases)
    with profile.active():
        sim.run()
    assert [p.name for p in sim.phases] == list(sim.phase_seconds)[:-1]
    assert list(profile.phase_cpu) == [p.name for p in sim.phases]
    # scoring's two passes, once a step each
    assert profile.calls["scoring", "_score_events"] == STEPS
    assert profile.calls["scoring", "_score_friends"] == STEPS
    assert profile.calls["activity", "_draw"] >= STEPS  # redrawn only into wider counts
    assert profile.calls[OUTSIDE, "_opinion_sums"] == STEPS  # the metrics row's
    for phase, kernels in profile.by_phase().items():
        assert sum(kernels.values()) <= sim.phase_seconds[phase]  # nested inside its timer


def test_plain_call_is_back_after_the_profile_even_on_error() -> None:
    plain = Kernel.__call__
    profile = KernelProfile()
    with pytest.raises(RuntimeError), profile.active():
        assert Kernel.__call__ is not plain
        raise RuntimeError("boom")
    assert Kernel.__call__ is plain
    sim = Simulation(_scenario(), seed=1)
    sim.step()  # unprofiled: nothing recorded
    assert not profile.seconds

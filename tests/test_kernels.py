"""Each compiled kernel is one parallel region: numba turns any array expression in a
``parallel=True`` function (``np.zeros``, ``total += sums[c]``) into a parallel loop of its own,
and each wakes the other threads. Such hidden regions once made a 0.7 ms metrics pass take 5 ms.
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from scoresim import Scenario, Simulation
from scoresim.core import jit


@pytest.fixture(scope="module")
def kernel_calls():
    """Every kernel with (copies of) the arguments of its first call in a short run, parallel
    forced."""
    calls: dict[str, tuple] = {}
    original = jit.Kernel.__call__

    def record(self, parallel, *args):
        # copies: the run goes on to change the arrays (a graph's row pointers), and a kernel
        # called again later with row pointers that no longer match its arrays writes past them
        if self.__name__ not in calls:
            calls[self.__name__] = (self, tuple(a.copy() if isinstance(a, np.ndarray) else a
                                                for a in args))  # fmt: skip
        return original(self, parallel, *args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jit, "PARALLEL_MIN_SIZE", 0)
        mp.setattr(jit.Kernel, "__call__", record)
        sc = Scenario.preset("seed").with_overrides(
            {"population.agents": 600, "steps": 8, "adoption.mandatory_step": 3}
        )
        sim = Simulation(sc, seed=2)
        sim.run()
        # model v2's kernels: records (an offence that lists), perks, the blacklist, shaming
        v2 = sc.with_overrides({
            "policy.records": [
                {"name": "judgment", "kind": "offence", "rate": 0.05, "delta": -30.0,
                 "detect": 0.5, "lists": True},
                {"name": "volunteering", "kind": "deed", "rate": 0.1, "delta": 5.0,
                 "detect": 0.8},
            ],
            "tiers.good.perk_value": 0.1,
            "blacklist": {"enabled": True, "from_default": 0.5, "comply": 0.1,
                          "shaming_drop": 0.3},
        })  # fmt: skip
        Simulation(v2, seed=2).run()
        sim.society.graph.edge_array()
        sim.society.graph.neighbour_sum(np.ones(sim.society.n))
    return calls


def test_the_run_calls_every_kernel(kernel_calls):
    defined = {k.__name__ for k in jit.Kernel.instances}
    assert defined <= set(kernel_calls), defined - set(kernel_calls)


def test_every_kernel_is_one_parallel_region(kernel_calls):
    regions = {}
    for name, (kernel, args) in kernel_calls.items():
        fresh = njit(parallel=True)(kernel.parallel.py_func)  # compiled here: diagnostics kept
        fresh(*args)
        diagnostics = fresh.get_metadata(fresh.signatures[0])["parfor_diagnostics"]
        regions[name] = len(diagnostics.initial_parfors)
    assert regions == dict.fromkeys(kernel_calls, 1)

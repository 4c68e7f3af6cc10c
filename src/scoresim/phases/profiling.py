"""Per-phase, per-kernel wall time of a :class:`scoresim.Simulation` (issue 22's profile).

A switch that costs nothing when off: nothing in the step path looks at it. While a
:class:`KernelProfile` is active, :class:`scoresim.core.jit.Kernel`'s ``__call__`` is replaced
by a timed one (and put back on exit), and :meth:`KernelProfile.wrap` gives a simulation's phases
run functions that name the phase in progress, so that each compiled call is charged to the
phase that made it (calls outside every phase, i.e. the metrics, to ``"metrics"``). The wrapped
phases keep their names and streams, so a profiled run draws the same numbers.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from scoresim.core.jit import Kernel
from scoresim.phases.phase import Phase

#: the label of compiled calls made outside every phase (the metrics row)
OUTSIDE = "metrics"


class KernelProfile:
    """Wall seconds and calls of every :class:`Kernel`, by (phase, kernel name).

    Examples
    --------
    >>> from scoresim import Scenario, Simulation
    >>> sim = Simulation(Scenario.preset("seed").with_overrides({"population.agents": 300}))
    >>> profile = KernelProfile()
    >>> sim.phases = profile.wrap(sim.phases)
    >>> with profile.active():
    ...     _ = sim.step()
    >>> profile.calls["activity", "_draw"], ("metrics", "_opinion_sums") in profile.seconds
    (1, True)
    """

    def __init__(self) -> None:
        self.seconds: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.calls: defaultdict[tuple[str, str], int] = defaultdict(int)
        #: CPU seconds of the process (all its threads) while each wrapped phase ran
        self.phase_cpu: defaultdict[str, float] = defaultdict(float)
        self.phase = OUTSIDE

    def wrap(self, phases: Sequence[Phase]) -> tuple[Phase, ...]:
        """``phases`` with run functions that set :attr:`phase` while they run and add up
        their CPU time in :attr:`phase_cpu`."""

        def labelled(phase: Phase) -> Phase:
            def run(*args: Any) -> None:
                self.phase = phase.name
                started = time.process_time()
                try:
                    phase.run(*args)
                finally:
                    self.phase = OUTSIDE
                    self.phase_cpu[phase.name] += time.process_time() - started

            return phase._replace(run=run)

        return tuple(labelled(p) for p in phases)

    @contextmanager
    def active(self) -> Iterator[KernelProfile]:
        """Time every kernel call while open; the plain ``Kernel.__call__`` is back after."""
        plain = Kernel.__call__
        profile = self

        def timed(kernel: Kernel, parallel: bool, *args: Any) -> Any:
            key = (profile.phase, kernel.__name__)
            started = time.perf_counter()
            try:
                return plain(kernel, parallel, *args)
            finally:
                profile.seconds[key] += time.perf_counter() - started
                profile.calls[key] += 1

        Kernel.__call__ = timed  # type: ignore[method-assign]
        try:
            yield self
        finally:
            Kernel.__call__ = plain  # type: ignore[method-assign]

    def by_phase(self) -> dict[str, dict[str, float]]:
        """Seconds by phase, then kernel."""
        out: dict[str, dict[str, float]] = {}
        for (phase, name), seconds in self.seconds.items():
            out.setdefault(phase, {})[name] = seconds
        return out

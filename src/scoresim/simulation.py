"""The step loop: a society advanced phase by phase, one metrics row per step.

Random streams (:mod:`scoresim.core.streams`): one ``numpy.random.Generator`` per purpose, keyed
by a stable name, spawned from ``SeedSequence(scenario.seed)`` in the fixed order of
:data:`STREAMS`. The population and the graph have streams of their own, so two scenarios that
differ only in policy start from the same society; each phase has its own (named by its
:class:`~scoresim.phases.phase.Phase` record, not by its function), so a change in one phase
does not reshuffle the draws of another. Streams of later phases are spawned after those of
model v1, so v1's draws are the same whatever v2 adds; a phase whose stream is not in
:data:`STREAMS` gets one derived from the seed and its name.

The policy timeline (docs/model.md 6.7): at each step that a ``[[schedule]]`` entry names, the
scenario in force (and the quantities derived from it) is replaced before that step's adoption.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from scoresim.core.buffers import unshared
from scoresim.core.streams import run_streams, with_seed
from scoresim.metrics import metric_columns, metrics_row
from scoresim.phases import PHASES
from scoresim.phases.extension import ExtraPhase, check_columns, insert_phases
from scoresim.phases.params import Params
from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord
from scoresim.results.run import Run
from scoresim.results.tables import (
    agents_frame,
    edges_frame,
    metrics_frame,
    reserved_agent_names,
)
from scoresim.scenario import Scenario
from scoresim.society.agents import Society, empty_population, fill_population, society_fields
from scoresim.society.graph import build_graph

if TYPE_CHECKING:
    import pandas as pd

#: random streams in spawn order: model v1's first, so that v2 leaves their draws as they were.
#: A new built-in stream goes at the end; a stream named by no entry here is derived by name.
STREAMS: tuple[str, ...] = (
    "population", "graph", "adoption", "activity", "scoring", "consequences", "adaptation",
    "network", "records",
)  # fmt: skip


class Simulation:
    """A scenario advancing step by step; state and metrics readable between steps.

    Parameters
    ----------
    scenario : Scenario
        The resolved scenario.
    seed : int, optional
        Overrides ``scenario.seed`` (:func:`scoresim.core.streams.with_seed`): the recorded
        scenario carries the seed used, and the run reads it from there.
    reporters : mapping of str to callable, optional
        Extra metric columns, as Mesa's ``DataCollector`` model reporters: each
        ``reporter(society) -> float`` is called at the end of every step and its value goes
        into the column of that name, after the model's own.
    observers : sequence of callable, optional
        Each ``observer(simulation)`` is called after every step (and, if it has a ``start``
        method, ``observer.start(simulation)`` once before the first), e.g. a
        :class:`~scoresim.results.recording.AgentRecorder`.
    extra_phases : sequence, optional
        Mechanisms added from Python (:class:`~scoresim.phases.extension.ExtraPhase`), each run
        at its point of every step with its own parameters and random stream; their state
        columns join the agents table and their metrics the metric columns. Without them the
        run is bit for bit the model's.

    Examples
    --------
    >>> from scoresim import Scenario, Simulation
    >>> sc = Scenario.preset("seed").with_overrides({"population.agents": 300, "steps": 5})
    >>> sim = Simulation(sc, seed=7)
    >>> row = sim.step()
    >>> row["step"], sim.t
    (1, 1)
    >>> run = sim.run()
    >>> len(run.metrics), sim.done
    (5, True)
    >>> rich = Simulation(sc, reporters={"mean_fear": lambda soc: soc.fear.mean()}).run()
    >>> list(rich.metrics.columns)[-1]
    'mean_fear'
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        reporters: Mapping[str, Callable[[Society], float]] | None = None,
        observers: Sequence[Callable[[Simulation], None]] = (),
        extra_phases: Sequence[ExtraPhase] = (),
    ) -> None:
        scenario = with_seed(scenario, seed).with_edge_list_hash()  # the file it reads, recorded
        self.scenario = scenario
        self.reporters = dict(reporters or {})
        self.extra_phases = tuple(extra_phases)
        self.phases: tuple[Phase, ...] = insert_phases(PHASES, self.extra_phases, STREAMS)
        #: the run's random streams by name: :data:`STREAMS` spawned in order, then one derived
        #: from the seed and the name for any phase's stream not among them
        self.rngs = run_streams(scenario.seed, STREAMS, (phase.stream for phase in self.phases))
        started = time.perf_counter()
        # The population is drawn (numpy, which lets go of the GIL) in a thread beside the rest
        # of the setup: loading the kernels and building the graph, whose stream is its own. Its
        # arrays are made here: what a helper thread allocates stays in its own heap once freed
        # (glibc keeps a heap per thread), where the steps cannot reuse it.
        timeline = scenario.timeline()  # validates each scheduled scenario: done once
        later = [sc for _, sc in timeline]
        population = empty_population(scenario, later)
        with ThreadPoolExecutor(1, thread_name_prefix="scoresim-population") as pool:
            drawn = pool.submit(fill_population, population, scenario, self.rngs["population"],
                                later)  # fmt: skip
            self.params = Params.from_scenario(scenario)
            taken = set(self.reporters) & set(metric_columns(self.params))
            if taken:
                names = ", ".join(sorted(taken))
                raise ValueError(f"reporters: {names} is a metric column already")
            check_columns(self.extra_phases, [*reserved_agent_names(), *society_fields()],
                          [*metric_columns(self.params), *self.reporters])  # fmt: skip
            for extra in self.extra_phases:
                self.reporters.update(extra.metrics)
            #: the policy timeline: step -> the quantities in force from that step on
            self.changes = {k: Params.from_scenario(sc) for k, sc in timeline}
            graph = build_graph(scenario, self.rngs["graph"])
            drawn.result()
            self.society = Society.from_draws(scenario, population, graph)
        for extra in self.extra_phases:  # their state at step 0, from their own streams
            self.society.extra.update(
                extra.initial_state(self.society, self.rngs[extra.stream_name])
            )
        self.t = 0
        self.rows: list[dict[str, float]] = []
        self.record: StepRecord | None = None
        self.phase_seconds = dict.fromkeys([*(p.name for p in self.phases), "metrics"], 0.0)
        self.setup_seconds = time.perf_counter() - started
        self.wall_seconds = self.setup_seconds
        self.observers = list(observers)
        for observer in self.observers:
            if hasattr(observer, "start"):
                observer.start(self)

    @property
    def seed(self) -> int:
        """The run's seed: the one its scenario records."""
        return self.scenario.seed

    @property
    def done(self) -> bool:
        """Whether the horizon ``scenario.steps`` is reached."""
        return self.t >= self.scenario.steps

    def step(self) -> dict[str, float]:
        """Advance one step (all phases in order) and return its metrics row."""
        if self.done:
            raise RuntimeError(f"the horizon of {self.scenario.steps} steps is reached")
        started = time.perf_counter()
        self.params = self.changes.get(self.t + 1, self.params)  # before the step's adoption
        # the last step's record lends its arrays to this one, unless someone else holds it
        last, self.record = self.record, None
        rec = StepRecord(t=self.t + 1, spare=last if last is not None and unshared(last) else None)
        del last
        for phase in self.phases:
            t0 = time.perf_counter()
            phase.run(self.society, self.params, self.rngs[phase.stream], rec)
            self.phase_seconds[phase.name] += time.perf_counter() - t0
        t0 = time.perf_counter()
        rec.spare = None  # what this step did not reuse goes now
        row = metrics_row(self.society, self.params, rec)
        for name, reporter in self.reporters.items():
            row[name] = float(reporter(self.society))
        self.phase_seconds["metrics"] += time.perf_counter() - t0
        self.rows.append(row)
        self.record = rec
        self.t += 1
        self.wall_seconds += time.perf_counter() - started
        for observer in self.observers:
            observer(self)
        return row

    def steps(self, n: int | None = None) -> Iterator[dict[str, float]]:
        """Advance ``n`` steps (default: to the horizon), yielding each metrics row."""
        remaining = self.scenario.steps - self.t if n is None else n
        for _ in range(remaining):
            yield self.step()

    def run(self, n: int | None = None) -> Run:
        """Advance ``n`` steps (default: to the horizon) and return the result so far."""
        for _ in self.steps(n):
            pass
        return self.result()

    @property
    def metrics(self) -> pd.DataFrame:
        """The metrics rows so far, one per step."""
        return metrics_frame(self.rows, [*metric_columns(self.params), *self.reporters])

    @property
    def row(self) -> dict[str, float] | None:
        """The last metrics row, or None before the first step."""
        return self.rows[-1] if self.rows else None

    def result(self) -> Run:
        """A :class:`Run` of the state now (at the horizon, the buffers kept between steps are
        let go first, so that the tables have their memory)."""
        if self.done:
            self.society.release_buffers()
        return Run(
            scenario=self.scenario,
            metrics=self.metrics,
            agents=agents_frame(self.society, self.params.tiers.names),
            edges=edges_frame(self.society.graph),
            wall_seconds=self.wall_seconds,
        )


def simulate(scenario: Scenario, seed: int | None = None) -> Run:
    """Run ``scenario`` to its horizon.

    Parameters
    ----------
    scenario : Scenario
        The resolved scenario.
    seed : int, optional
        Overrides ``scenario.seed``, as in :class:`Simulation`.

    Returns
    -------
    Run
        Metrics, final agents, final edges and the resolved scenario.

    Examples
    --------
    >>> from scoresim import Scenario, simulate
    >>> small = Scenario.preset("seed").with_overrides({"population.agents": 200, "steps": 3})
    >>> run = simulate(small)
    >>> list(run.metrics["step"])
    [1, 2, 3]
    """
    return Simulation(scenario, seed).run()

"""One simulation as a task for a backend (:mod:`~scoresim.experiments.backends`): what a
worker is sent, what it sends back, and how it computes it."""

from __future__ import annotations

import datetime as dt
import os
import time
import traceback
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoresim.scenario import Scenario


@dataclass(frozen=True)
class RunTask:
    """One simulation to compute.

    ``keep_state`` asks for the final agents and edges too (only the metrics otherwise).
    """

    tag: Any
    scenario: Scenario
    seed: int
    keep_state: bool = False


@dataclass
class RunOutput:
    """What a worker sends back: metrics (and optionally final state), or an error."""

    tag: Any
    metrics: pd.DataFrame | None
    agents: pd.DataFrame | None = None
    edges: pd.DataFrame | None = None
    started: dt.datetime | None = None
    wall_seconds: float = 0.0
    error: str | None = None
    #: of ``wall_seconds``, the time inside the simulation (set-up and steps); the rest is the
    #: task's own overhead in the worker (building the tables sent back)
    sim_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def compute_run(task: RunTask) -> RunOutput:
    """Run one task to its horizon; any exception becomes ``RunOutput.error`` (one line).

    Examples
    --------
    >>> from scoresim import Scenario
    >>> sc = Scenario.preset("seed").with_overrides({"population.agents": 100, "steps": 2})
    >>> out = compute_run(RunTask("a", sc, seed=3))
    >>> out.ok, len(out.metrics), 0 < out.sim_seconds <= out.wall_seconds
    (True, 2, True)
    """
    from scoresim.simulation import Simulation

    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    try:
        sim = Simulation(task.scenario, task.seed)
        for _ in sim.steps():
            pass
        sim_seconds = time.perf_counter() - t0
        # the final agents and edges are tables worth building only when asked for
        run = sim.result() if task.keep_state else None
        metrics = sim.metrics if run is None else run.metrics
    except Exception as exc:
        return RunOutput(task.tag, None, started=started, wall_seconds=time.perf_counter() - t0,
                         error=one_line(exc))  # fmt: skip
    return RunOutput(task.tag, metrics,
                     agents=run.agents if run is not None else None,
                     edges=run.edges if run is not None else None,
                     started=started, wall_seconds=time.perf_counter() - t0,
                     sim_seconds=sim_seconds)  # fmt: skip


def one_line(exc: BaseException) -> str:
    """An exception in one line: its type, message and where it was raised."""
    text = " ".join(str(exc).split()) or "(no message)"
    where = traceback.extract_tb(exc.__traceback__)
    origin = f" [{os.path.basename(where[-1].filename)}:{where[-1].lineno}]" if where else ""
    return f"{type(exc).__name__}: {text}{origin}"

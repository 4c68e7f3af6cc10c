"""Where runs are computed: worker processes on this machine, or a Ray cluster.

A backend takes :class:`RunTask` objects and yields one :class:`RunOutput` per task, in the order
they finish. Workers only compute; they never write files or databases. A run is a pure
function of (resolved scenario, seed), so the outputs are the same whatever the backend and the
number of workers. A run that raises comes back as an output with ``error`` set; a worker
process that dies is reported the same way for the tasks it held, and a fresh pool takes over.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoresim.errors import ScenarioError
from scoresim.scenario import Scenario

BACKENDS = ("local", "ray")


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
    >>> out.ok, len(out.metrics)
    (True, 2)
    """
    from scoresim.simulation import Simulation

    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    try:
        sim = Simulation(task.scenario, task.seed)
        for _ in sim.steps():
            pass
        run = sim.result()
    except Exception as exc:
        return RunOutput(task.tag, None, started=started, wall_seconds=time.perf_counter() - t0,
                         error=_one_line(exc))  # fmt: skip
    return RunOutput(task.tag, run.metrics,
                     agents=run.agents if task.keep_state else None,
                     edges=run.edges if task.keep_state else None,
                     started=started, wall_seconds=time.perf_counter() - t0)  # fmt: skip


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "(no message)"
    where = traceback.extract_tb(exc.__traceback__)
    origin = f" [{os.path.basename(where[-1].filename)}:{where[-1].lineno}]" if where else ""
    return f"{type(exc).__name__}: {text}{origin}"


def _init_worker() -> None:  # pragma: no cover - runs in worker processes
    # a worker computes one run at a time: no thread pool of its own on a shared machine
    try:
        import numba

        numba.set_num_threads(1)
    except Exception:
        pass


def run_local(tasks: Iterable[RunTask], workers: int) -> Iterator[RunOutput]:
    """Compute tasks in ``workers`` spawned processes (in this process when ``workers == 1``).

    Examples
    --------
    >>> from scoresim import Scenario
    >>> sc = Scenario.preset("seed").with_overrides({"population.agents": 100, "steps": 2})
    >>> [o.tag for o in run_local([RunTask(1, sc, 1)], workers=1)]
    [1]
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if workers == 1:
        for task in tasks:
            yield compute_run(task)
        return
    yield from _bounded(tasks, workers, _ProcessPool(workers))


def run_ray(
    tasks: Iterable[RunTask], workers: int, address: str | None = None
) -> Iterator[RunOutput]:
    """Compute tasks as Ray tasks: on the cluster at ``address``, or on a local cluster of
    ``workers`` CPUs on 127.0.0.1 started (and stopped) for this call.

    The machines of an existing cluster need scoresim installed at the same version.
    """
    started_here = False
    if not address:
        _loopback_only()
    import ray

    if not ray.is_initialized():
        if address:
            try:
                ray.init(address=address, log_to_driver=False, logging_level="warning")
            except Exception as exc:
                message = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
                raise ScenarioError(f"--address: cannot join the Ray cluster ({message})") from None
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                     _node_ip_address="127.0.0.1", logging_level="warning")  # fmt: skip
            started_here = True
    try:
        yield from _bounded(tasks, workers, _RayPool())
    finally:
        if started_here:
            ray.shutdown()


def _loopback_only() -> None:
    """Keep a local Ray cluster on 127.0.0.1.

    On Linux Ray replaces a loopback ``_node_ip_address`` by the machine's routable address
    unless "cluster mode" is off (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, read when Ray is
    imported: set for the processes Ray starts, and patched in this one if Ray is loaded).
    """
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    constants = sys.modules.get("ray._private.ray_constants")
    if constants is not None:
        constants.ENABLE_RAY_CLUSTER = False  # type: ignore[attr-defined]


def execute(
    tasks: Iterable[RunTask], workers: int, backend: str = "local", address: str | None = None
) -> Iterator[RunOutput]:
    """Compute tasks on the named backend (``local`` or ``ray``)."""
    if backend == "local":
        return run_local(tasks, workers)
    if backend == "ray":
        return run_ray(tasks, workers, address)
    raise ValueError(f"backend: must be one of {', '.join(BACKENDS)} (got {backend!r})")


# --------------------------------------------------------------------------- pools
class _ProcessPool:
    """A spawn-context process pool that replaces itself after a worker dies."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.owner: dict[Future[RunOutput], ProcessPoolExecutor] = {}

    def submit(self, task: RunTask) -> Future[RunOutput]:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.workers,
                                            mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_worker)  # fmt: skip
        future = self.pool.submit(compute_run, task)
        self.owner[future] = self.pool
        return future

    def wait(self, handles: list[Any]) -> list[Any]:
        done, _ = wait(handles, return_when=FIRST_COMPLETED)
        return list(done)

    def result(self, handle: Future[RunOutput]) -> RunOutput:
        owner = self.owner.pop(handle, None)
        try:
            return handle.result()
        except BrokenProcessPool:
            if owner is self.pool:
                self.close()  # the next submit starts a fresh pool
            raise

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


class _RayPool:
    def __init__(self) -> None:
        import ray

        self.ray = ray
        self.remote: Callable[..., Any] = ray.remote(num_cpus=1, max_retries=0)(compute_run)

    def submit(self, task: RunTask) -> Any:
        return self.remote.remote(task)

    def wait(self, handles: list[Any]) -> list[Any]:
        done, _ = self.ray.wait(handles, num_returns=1)
        return list(done)

    def result(self, handle: Any) -> RunOutput:
        return self.ray.get(handle)

    def close(self) -> None:
        pass


def _bounded(tasks: Iterable[RunTask], workers: int, pool: Any) -> Iterator[RunOutput]:
    """Keep at most ``2 * workers`` tasks in flight; yield outputs as they finish."""
    pending = iter(tasks)
    inflight: dict[Any, RunTask] = {}

    def fill() -> None:
        while len(inflight) < 2 * workers:
            task = next(pending, None)
            if task is None:
                return
            inflight[pool.submit(task)] = task

    try:
        fill()
        while inflight:
            for handle in pool.wait(list(inflight)):
                task = inflight.pop(handle)
                try:
                    output = pool.result(handle)
                except Exception as exc:  # a worker died, or the backend lost the task
                    output = RunOutput(task.tag, None, error=f"worker failed: {_one_line(exc)}")
                yield output
            fill()
    finally:
        pool.close()

"""Where runs are computed: worker processes on this machine, or a Ray cluster.

A backend takes :class:`RunTask` objects and yields one :class:`RunOutput` per task, in the order
they finish. Workers only compute; they never write files or databases. A run is a pure
function of (resolved scenario, seed), so the outputs are the same whatever the backend and the
number of workers. A run that raises comes back as an output with ``error`` set.

A worker process that dies (killed, out of memory) loses only the run it was computing: that
run is tried once more on a fresh worker (Ray: ``max_retries=1``), and if it dies again it comes
back as failed; the other workers go on undisturbed. However the call ends (done, an error,
Ctrl-C, SIGTERM), the local workers are stopped before it returns: none is left running.
Workers ignore SIGINT: a Ctrl-C at the terminal reaches the whole process group, and it is the
parent that decides what to stop.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import multiprocessing
import os
import signal
import socket
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import pandas as pd

from scoresim.core.errors import ScenarioError, missing_extra
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


#: how many times a run whose worker process died is tried again
RETRIES = 1


def _init_worker() -> None:  # pragma: no cover - runs in worker processes
    # a worker computes one run at a time: no thread pool of its own on a shared machine
    try:
        import numba

        numba.set_num_threads(1)
    except Exception:
        pass


def _worker_main(conn: Connection) -> None:  # pragma: no cover - runs in worker processes
    """A worker process: receive a task, send its output, until told to stop (None) or the
    parent is gone (the pipe closes)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker()
    try:
        while (task := conn.recv()) is not None:
            conn.send(compute_run(task))
    except (EOFError, OSError):  # the parent has gone: nobody is waiting for the result
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
    yield from _WorkerPool(workers).run(tasks)


def run_ray(
    tasks: Iterable[RunTask], workers: int, address: str | None = None
) -> Iterator[RunOutput]:
    """Compute tasks as Ray tasks: on the cluster at ``address``, or on a local cluster of
    ``workers`` CPUs on 127.0.0.1 started (and stopped) for this call.

    The machines of an existing cluster need scoresim installed at the same version.
    """
    started_here = False
    if address:
        host = check_address(address)
        if host in ("localhost", "::1") or host.startswith("127."):
            _loopback_only()  # else Ray would swap 127.0.0.1 for this machine's routable address
    else:
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


def check_backend(workers: int, backend: str, address: str | None) -> None:
    """One-line errors for where runs would go (before anything is written): a worker count
    below 1, an unknown backend, an address without Ray, or Ray not installed."""
    if backend not in BACKENDS:
        raise ScenarioError(f"--backend: must be one of {', '.join(BACKENDS)} (got {backend!r})")
    if workers < 1:
        raise ScenarioError(f"--workers: must be at least 1 (got {workers})")
    if address and backend != "ray":
        raise ScenarioError("--address: only used with --backend ray")
    if backend == "ray" and importlib.util.find_spec("ray") is None:
        raise missing_extra("--backend ray", "ray", "ray")


def check_address(address: str, timeout: float = 5.0) -> str:
    """The host of a Ray address ``host:port``, after checking that something listens there:
    ``ray.init`` would otherwise retry an unreachable address for ever."""
    host, sep, port = address.rpartition(":")
    host = host.strip("[]")
    if address.startswith(("ray://", "http://", "https://")) or not sep:
        return host  # a client address or a bare name: let Ray say what it makes of it
    if not port.isdigit():
        raise ScenarioError(f"--address: expected HOST:PORT (got {address!r})")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ScenarioError(f"--address: no Ray cluster answers at {address} ({reason})") from None
    return host


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
class _Worker:
    """One spawned worker process and the parent's end of its pipe."""

    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.task: RunTask | None = None

    def stop(self, wait_seconds: float) -> None:
        """Ask an idle worker to leave, terminate a busy one, and make sure it is gone."""
        if self.process.is_alive():
            if self.task is None:
                with contextlib.suppress(OSError):
                    self.conn.send(None)
            else:
                self.process.terminate()
            self.process.join(wait_seconds)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(wait_seconds)
        self.conn.close()


class _WorkerPool:
    """``workers`` spawned processes, one task at a time each, fed over pipes.

    Unlike a ``ProcessPoolExecutor``, whose every task fails when one worker dies, a death here
    costs only the task that worker held (see the module docstring for what happens to it).
    """

    def __init__(self, workers: int, retries: int = RETRIES) -> None:
        self.workers, self.retries = workers, retries
        self.context = multiprocessing.get_context("spawn")

    def run(self, tasks: Iterable[RunTask]) -> Iterator[RunOutput]:
        pending = iter(tasks)
        again: deque[RunTask] = deque()  # runs whose worker died, to be tried first
        deaths: dict[int, int] = {}  # id(task) -> workers it has killed
        pool: list[_Worker] = []

        def assign() -> None:  # a task to every idle worker, and new workers up to the number
            while len(pool) < self.workers or any(w.task is None for w in pool):
                task = again.popleft() if again else next(pending, None)
                if task is None:
                    return
                worker = next((w for w in pool if w.task is None), None)
                if worker is None:
                    worker = _Worker(self.context)
                    pool.append(worker)
                try:
                    worker.conn.send(task)
                except OSError:  # it died while idle: replace it, and keep the task
                    worker.stop(1.0)
                    pool.remove(worker)
                    again.appendleft(task)
                    continue
                worker.task = task

        try:
            while True:
                assign()
                busy = [w for w in pool if w.task is not None]
                if not busy:
                    return
                ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
                for worker in busy:
                    task = worker.task
                    assert task is not None
                    if worker.conn in ready:
                        try:
                            output = worker.conn.recv()
                        except (EOFError, OSError):
                            output = None
                        if output is not None:
                            worker.task = None
                            deaths.pop(id(task), None)
                            yield output
                            continue
                    elif worker.process.sentinel not in ready:
                        continue
                    # the worker died with the task: drop it, and retry or fail the task
                    worker.process.join(5.0)  # it has closed its pipe or exited: going
                    worker.task = None
                    worker.stop(1.0)
                    code = worker.process.exitcode
                    pool.remove(worker)
                    deaths[id(task)] = deaths.get(id(task), 0) + 1
                    if deaths[id(task)] <= self.retries:
                        again.append(task)
                    else:
                        deaths.pop(id(task))
                        yield RunOutput(task.tag, None, error=(
                            f"worker failed: its process died ({_exit_reason(code)}), "
                            f"{self.retries + 1} times in a row on this run"))  # fmt: skip
        finally:
            for worker in pool:
                worker.stop(5.0)


def _exit_reason(code: int | None) -> str:
    """A process's exit code in words.

    >>> _exit_reason(-9), _exit_reason(3)
    ('killed by SIGKILL', 'exit status 3')
    """
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


class _RayPool:
    def __init__(self) -> None:
        import ray

        self.ray = ray
        # max_retries: a task whose worker process dies runs once more (as local workers do)
        self.remote: Callable[..., Any] = ray.remote(num_cpus=1, max_retries=RETRIES)(compute_run)

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

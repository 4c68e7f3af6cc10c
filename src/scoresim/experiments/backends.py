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
import importlib.util
import os
import socket
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from scoresim.core.errors import ScenarioError, missing_extra
from scoresim.experiments.tasks import RunOutput, RunTask, compute_run, one_line
from scoresim.experiments.workers import RETRIES, WorkerPool

BACKENDS = ("local", "ray")


#: Computes tasks on a backend: :func:`execute` bound to one, or a :func:`session`'s.
Runner = Callable[[Iterable[RunTask]], Iterator[RunOutput]]


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
    yield from WorkerPool(workers).run(tasks)


def run_ray(
    tasks: Iterable[RunTask], workers: int, address: str | None = None
) -> Iterator[RunOutput]:
    """Compute tasks as Ray tasks: on the cluster at ``address``, or on a local cluster of
    ``workers`` CPUs on 127.0.0.1 started (and stopped) for this call.

    The machines of an existing cluster need scoresim installed at the same version.
    """
    with ray_cluster(workers, address) as pool:
        yield from _bounded(tasks, workers, pool)


@contextlib.contextmanager
def ray_cluster(workers: int, address: str | None = None) -> Iterator[_RayPool]:
    """Ray, joined at ``address`` or started on 127.0.0.1 with ``workers`` CPUs for the block
    (and shut down when it ends, however it ends), as a pool to submit runs to."""
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
        yield _RayPool()
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


@contextlib.contextmanager
def session(workers: int, backend: str = "local", address: str | None = None) -> Iterator[Runner]:
    """:func:`execute` for several batches of tasks in a row (the waves, generations and
    predictive check of a calibration, the batches of a comparison by precision): the local
    worker processes, or the Ray cluster, set up once for all of them and stopped when the
    block ends, however it ends. A batch closed early leaves the workers alive (its runs in
    progress are cancelled on Ray; locally they finish and are dropped)."""
    if backend == "ray":
        with contextlib.ExitStack() as stack:
            clusters: list[_RayPool] = []

            def run(tasks: Iterable[RunTask]) -> Iterator[RunOutput]:
                if not clusters:  # joined at the first batch: a replayed run needs no Ray
                    clusters.append(stack.enter_context(ray_cluster(workers, address)))
                yield from _bounded(tasks, workers, clusters[0])

            yield run
    elif backend == "local" and workers > 1:
        pool = WorkerPool(workers, keep=True)
        try:
            yield pool.run
        finally:
            pool.close()
    else:
        yield lambda tasks: execute(tasks, workers, backend, address)


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

    def cancel(self, handles: list[Any]) -> None:
        """Stop runs nobody waits for any more (their CPUs go to the next batch)."""
        for handle in handles:
            with contextlib.suppress(Exception):
                self.ray.cancel(handle, force=True)


def _bounded(tasks: Iterable[RunTask], workers: int, pool: _RayPool) -> Iterator[RunOutput]:
    """Keep at most ``2 * workers`` tasks in flight; yield outputs as they finish (the
    in-flight ones topped up first); cancel those still in flight when closed early."""
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
            outputs = []
            for handle in pool.wait(list(inflight)):
                task = inflight.pop(handle)
                try:
                    outputs.append(pool.result(handle))
                except Exception as exc:  # a worker died, or the backend lost the task
                    outputs.append(RunOutput(task.tag, None,
                                             error=f"worker failed: {one_line(exc)}"))  # fmt: skip
            fill()
            yield from outputs
    finally:
        pool.cancel(list(inflight))

"""The local backend's worker processes: spawned, one task at a time each, fed over pipes
(:mod:`~scoresim.experiments.backends` says what a backend promises). A worker that dies loses
only the task it held, which is tried once more on a fresh worker; workers ignore SIGINT (the
parent decides what to stop) and are stopped however a call ends."""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from scoresim.experiments.tasks import RunOutput, RunTask, compute_run

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


class WorkerPool:
    """``workers`` spawned processes, one task at a time each, fed over pipes.

    Unlike a ``ProcessPoolExecutor``, whose every task fails when one worker dies, a death here
    costs only the task that worker held (see the module docstring for what happens to it).
    """

    def __init__(self, workers: int, retries: int = RETRIES, keep: bool = False) -> None:
        self.workers, self.retries, self.keep = workers, retries, keep
        self.context = multiprocessing.get_context("spawn")
        self.pool: list[_Worker] = []

    def close(self) -> None:
        """Stop every worker."""
        for worker in self.pool:
            worker.stop(5.0)
        self.pool.clear()

    def run(self, tasks: Iterable[RunTask]) -> Iterator[RunOutput]:
        """Compute ``tasks``; the workers are stopped at the end unless the pool is ``keep``
        (then they wait, idle, for the next call, and :meth:`close` stops them).

        A ``keep`` pool outlives a call closed early too (a generation that has its
        particles): the runs its workers were computing finish, and their outputs, which
        nobody wants any more, are dropped when the next call meets them. A finished run's
        worker is given its next task before the output is yielded, so that it computes
        while the caller stores the output.
        """
        pending = iter(tasks)
        again: deque[RunTask] = deque()  # runs whose worker died, to be tried first
        deaths: dict[int, int] = {}  # id(task) -> workers it has killed
        pool = self.pool
        stale = {id(w) for w in pool if w.task is not None}  # runs of an earlier call
        keep = exhausted = False

        def assign() -> None:  # a task to every idle worker, and new workers up to the number
            while len(pool) < self.workers or any(w.task is None for w in pool):
                task = again.popleft() if again else next(pending, None)
                if task is None:
                    nonlocal exhausted
                    exhausted = True
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

        def collect(ready: set[Any], busy: list[_Worker]) -> list[RunOutput]:
            """The outputs of the workers that are ``ready``, failed runs included."""
            outputs = []
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
                        if id(worker) not in stale:
                            outputs.append(output)
                        stale.discard(id(worker))
                        continue
                elif worker.process.sentinel not in ready:
                    continue
                # the worker died with the task: drop it, and retry or fail the task
                worker.process.join(5.0)  # it has closed its pipe or exited: going
                worker.task = None
                worker.stop(1.0)
                code = worker.process.exitcode
                pool.remove(worker)
                if id(worker) in stale:  # nobody waits for that run
                    stale.discard(id(worker))
                    continue
                deaths[id(task)] = deaths.get(id(task), 0) + 1
                if deaths[id(task)] <= self.retries:
                    again.append(task)
                else:
                    deaths.pop(id(task))
                    outputs.append(RunOutput(task.tag, None, error=(
                        f"worker failed: its process died ({_exit_reason(code)}), "
                        f"{self.retries + 1} times in a row on this run")))  # fmt: skip
            return outputs

        try:
            assign()
            while busy := [w for w in pool if w.task is not None]:
                if exhausted and all(id(w) in stale for w in busy):
                    break  # only an earlier call's runs are left: they finish unattended
                ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
                outputs = collect(ready, busy)
                assign()
                yield from outputs
            keep = self.keep
        except GeneratorExit:  # the caller wants no more outputs: not an error
            keep = self.keep
            raise
        finally:
            if not keep:
                self.close()


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

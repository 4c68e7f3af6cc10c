"""The background thread that builds and steps a page's runs, at the pace the page asks for.

Commands (:meth:`Worker.reset`, :meth:`~Worker.run`, :meth:`~Worker.pause`, :meth:`~Worker.step`,
:meth:`~Worker.set_pace`) only set flags under a lock that is never held across a build or a
step, so they take effect at once; the thread reads the flags between steps, so a run stops
within one step. After each build or step it publishes the week reached (:class:`Published`);
the page reads only published weeks of the history, never the simulations being stepped.

Pace: while running, a step starts no sooner than ``1 / pace`` seconds after the previous one
started (``pace=None``: as fast as the machine goes); the wait is a condition wait, so Pause and
Reset cut it short. A run or step holds one of the server's run slots
(:mod:`~scoresim.dashboard.slots`) until it stops; when none is free it waits in line
(:attr:`Status.QUEUED`) and starts by itself once its turn comes.

Examples
--------
>>> from scoresim import Scenario
>>> from scoresim.dashboard.arms import ArmSpec
>>> from scoresim.dashboard.slots import RunSlots
>>> sc = Scenario.preset("seed").with_overrides({"population.agents": 300, "steps": 4})
>>> w = Worker(RunSlots(1), sample_size=50)
>>> w.reset((ArmSpec("seed", sc, "#d62728", "hypothetical"),))
>>> w.set_pace(None); w.run(); w.wait_idle(60)
True
>>> w.published.t, w.status.value, w.slots.in_use
(4, 'done', 0)
>>> w.close()
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from scoresim.dashboard.arms import ArmSpec, Runs
from scoresim.dashboard.slots import RunSlots

#: The pace control's settings in weeks per second; ``None``: as fast as it runs.
PACES: tuple[float | None, ...] = (1, 2, 5, 10, 20, 50, None)
DEFAULT_PACE: float | None = 10
#: Seconds between a waiting page's asks for a free run slot.
QUEUE_POLL = 0.2


class Status(StrEnum):
    """Where the run stands."""

    READY = "ready"  # step 0
    RUNNING = "running"  # advancing to the horizon in the background
    STEPPING = "stepping"  # advancing a given number of steps
    QUEUED = "queued"  # asked to run or step, waiting in line for a free run slot
    PAUSED = "paused"  # between step 0 and the horizon
    DONE = "done"  # the horizon is reached
    ERROR = "error"  # building or stepping failed; the message says why


@dataclass(frozen=True)
class Published:
    """The runs as of the last finished build or step."""

    runs: Runs
    t: int
    done: bool


class Worker:
    """Builds and advances one page's :class:`~scoresim.dashboard.arms.Runs` in a thread."""

    def __init__(self, slots: RunSlots, sample_size: int) -> None:
        self.slots = slots
        self.sample_size = sample_size
        # guards every flag; held only for a moment, never across a build or a step
        self.cond = threading.Condition(threading.RLock())
        self.version = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self._specs: tuple[ArmSpec, ...] | None = None
        self._runs: Runs | None = None  # stepped by the worker thread only
        self.published: Published | None = None
        self._in_flight = False
        self._target: int | None = None
        self._running = False
        self._build_requested = False
        self._generation = 0
        self.error = ""
        self._step_times: deque[float] = deque(maxlen=40)
        self._last_start = 0.0
        self.pace: float | None = DEFAULT_PACE
        self._slot = False

    # ------------------------------------------------------------------ commands
    def bump(self) -> None:
        """Tell the page something changed."""
        with self.cond:
            self.version += 1
            self.cond.notify_all()

    def reset(self, specs: tuple[ArmSpec, ...] | None) -> None:
        """Drop the runs and build ``specs`` at step 0 in the background (None: build nothing)."""
        with self.cond:
            self._generation += 1
            self._specs = specs
            self._runs = None
            self.published = None
            self._running = False
            self._target = None
            self.error = ""
            self._step_times.clear()
            self._build_requested = specs is not None
            if self._build_requested:
                self._ensure_thread()
            self._settle()

    def run(self) -> str | None:
        """Advance at the set pace until the horizon or :meth:`pause`; return a refusal."""
        with self.cond:
            if (why := self._refusal()) is not None:
                return why
            return self._order(running=True, target=sys.maxsize)

    def step(self, n: int = 1) -> str | None:
        """Advance ``n`` steps at full speed (pausing a run first); return a refusal."""
        with self.cond:
            if (why := self._refusal()) is not None:
                return why
            t = self.published.t if self.published is not None else 0
            return self._order(running=False, target=t + max(1, int(n)))

    def pause(self) -> None:
        """Stop after the step in progress (the status says paused at once)."""
        with self.cond:
            self._running = False
            self._target = None
            self._settle()

    def set_pace(self, pace: float | None) -> None:
        """Weeks per second while running (``None``: as fast as it runs)."""
        if pace is not None and not pace > 0:
            raise ValueError(f"pace: must be positive (got {pace})")
        with self.cond:
            self.pace = pace
            self._settle()

    def close(self) -> None:
        """Stop the thread and let the runs go (the page went away)."""
        with self.cond:
            self._closed = True
            self._running = False
            self._target = None
            self._settle()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        with self.cond:
            self._runs = None
            self.published = None

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no build or step is pending or under way; False on timeout (for tests)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self._build_requested or self._wants_steps() or self._in_flight:
                if self._closed and not self._in_flight:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.1))
        return True

    def _refusal(self) -> str | None:
        if self.error:
            return "reset after an error"
        if self._specs is None:
            return "fix the fields marked in red first"
        if self.published is not None and self.published.done:
            return "the horizon is reached: reset to run again"
        return None

    def _order(self, running: bool, target: int) -> str | None:
        """Take a run slot, or a place in line, and hand the thread its orders (the caller
        holds the lock)."""
        if not self._slot:
            self._slot = self.slots.claim(self)
        self._running = running
        self._target = target
        self._ensure_thread()
        self._settle()
        return None

    def _settle(self) -> None:
        """Give the run slot (or the place in line) back once nothing is to be stepped; wake the
        thread and the page."""
        if not self._wants_steps():
            if self._slot:
                self.slots.release()
                self._slot = False
            else:
                self.slots.leave(self)
        self.bump()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._work, name="scoresim-dashboard", daemon=True
            )
            self._thread.start()

    # ------------------------------------------------------------------ the thread
    def _wants_steps(self) -> bool:
        if self.error or self._closed or self._target is None:
            return False
        p = self.published
        return p is None or (p.t < self._target and not p.done)

    def _pace_wait(self) -> float:
        """Seconds until the next step may start (0: now)."""
        if not self._running or self.pace is None or not self._step_times:
            return 0.0
        return self._last_start + 1.0 / self.pace - time.perf_counter()

    def _work(self) -> None:
        while True:
            with self.cond:
                while True:
                    if self._closed:
                        return
                    if self._build_requested:
                        job = "build"
                        break
                    if self._wants_steps() and self.published is not None:
                        if not self._slot:  # in line: ask again a moment later
                            self._slot = self.slots.claim(self)
                            if not self._slot:
                                self.cond.wait(QUEUE_POLL)
                                continue
                            self.bump()
                        wait = self._pace_wait()
                        if wait <= 0:
                            job = "step"
                            break
                        self.cond.wait(wait)
                        continue
                    self.cond.wait()
                generation, specs, runs = self._generation, self._specs, self._runs
                self._in_flight = True
            try:
                self._advance(job, generation, specs, runs)
            finally:
                with self.cond:
                    self._in_flight = False
                    self.cond.notify_all()

    def _advance(
        self, job: str, generation: int, specs: tuple[ArmSpec, ...] | None, runs: Runs | None
    ) -> None:
        """Build or step without the lock (commands and redraws go ahead); then publish."""
        started = time.perf_counter()
        try:
            if job == "build":
                assert specs is not None
                runs = Runs.build(specs, self.sample_size)
            else:
                assert runs is not None
                runs.step()
        except Exception as exc:  # shown on the page; the server keeps serving
            with self.cond:
                if generation == self._generation:
                    self.error = f"{type(exc).__name__}: {exc}"
                    self._target = None
                    self._running = False
                    self._build_requested = False
                    self._settle()
            return
        with self.cond:
            if generation != self._generation:
                return  # reset meanwhile: the result is dropped
            if job == "build":
                self._runs = runs
                self._build_requested = False
            else:
                self._step_times.append(time.perf_counter())
                self._last_start = started
                if runs.done or (self._target is not None and runs.t >= self._target):
                    self._target = None
                    self._running = False
            self.published = Published(runs, runs.t, runs.done)
            self._settle()

    # ------------------------------------------------------------------ reading
    @property
    def status(self) -> Status:
        """The run's state."""
        with self.cond:
            p = self.published
            if self.error:
                return Status.ERROR
            if self._wants_steps() and not self._slot:
                return Status.QUEUED
            if self._running:
                return Status.RUNNING
            if self._target is not None:
                return Status.STEPPING
            if p is not None and p.done:
                return Status.DONE
            if p is not None and p.t > 0:
                return Status.PAUSED
            return Status.READY

    @property
    def queue_position(self) -> int | None:
        """This page's place in line for a run slot (1: next), None if it is not waiting."""
        return self.slots.position(self)

    @property
    def specs(self) -> tuple[ArmSpec, ...] | None:
        """What is built (or being built)."""
        return self._specs

    def steps_per_second(self) -> float:
        """Recent speed of the stepping (all arms together count as one step)."""
        with self.cond:
            times = list(self._step_times)
            pace = self.pace
        stale = max(1.0, 2.0 / pace) if pace else 1.0
        if len(times) < 2 or time.perf_counter() - times[-1] > stale:
            return 0.0
        return (len(times) - 1) / max(times[-1] - times[0], 1e-9)

"""Evaluating parameter points: simulations on the sweep engine's backends, stored for resume.

Both methods hand an *evaluator* a lazy stream of :class:`Proposal` (an index and a point) for
one stage and round, and read back one :class:`Evaluation` per proposal, in any order: the
target values of each of its replications. :class:`ScoresimEvaluator` answers from the
calibration database where a simulation is already stored, and computes the rest as
:class:`~scoresim.experiments.backends.RunTask` objects on a *runner*: the worker processes
(or Ray cluster) of a :func:`~scoresim.experiments.backends.session` that lives for the whole
calibration, so that waves, generations and the predictive check share one start-up. The
results are written in batches (:class:`~scoresim.calibration.store.StoredSim`, one
transaction each): a result arriving :data:`BATCH_SECONDS` or more after the last write is
written at once with those waiting, as are :data:`BATCH` waiting, and the rest at the end of
the round (slow simulations are thus written one by one, fast ones a transaction per half
second); a simulation is reported done (``on_sim``) once its batch is committed. Closing
the stream early (a generation that has its particles) writes what has arrived and cancels
the simulations not yet started.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoresim.calibration.spec import CalibrationSpec
from scoresim.calibration.store import CalibrationStore, StoredSim
from scoresim.core.errors import ScenarioError
from scoresim.experiments.backends import Runner, RunOutput, RunTask, execute

STAGES = {"history": 1, "abc": 2, "check": 3}
#: the most simulations written in one transaction
BATCH = 64
#: results arriving within this many seconds of the last write wait to be written together
BATCH_SECONDS = 0.5


@dataclass(frozen=True)
class Proposal:
    """A parameter point to evaluate: its index within the round and its scenario values."""

    index: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Evaluation:
    """The target values of a proposal: ``values[r, k]`` for replication r and target k."""

    index: int
    values: np.ndarray


Evaluator = Callable[[str, int, Iterable[Proposal]], Iterator[Evaluation]]


def derive(seed: int, *key: int) -> int:
    """A 32-bit seed from the calibration seed and a key (stage, round, index, ...).

    Examples
    --------
    >>> derive(1, 2, 0, 7) == derive(1, 2, 0, 7), derive(1, 2, 0, 7) == derive(1, 2, 0, 8)
    (True, False)
    """
    return int(np.random.SeedSequence([seed, *key]).generate_state(1, np.uint32)[0])


def sim_seed(seed: int, stage: str, round_: int, index: int, replication: int) -> int:
    """The seed of one simulation (both arms of a paired control share it)."""
    return derive(seed, STAGES[stage], round_, index, replication)


def target_values(spec: CalibrationSpec, runs: dict[str, dict[str, np.ndarray]]) -> np.ndarray:
    """Every target's value (in file order) from one replication's per-arm series."""
    control = runs.get("control")
    return np.array([t.value(runs["treatment"], control) for t in spec.targets])


class SimulationError(RuntimeError):
    """A simulation raised (its error is the message)."""


class ScoresimEvaluator:
    """Evaluates proposals by running scoresim (``replications`` x arms simulations each).

    Parameters
    ----------
    spec, store : the calibration and its database.
    workers, backend, address : as for ``scoresim sweep``.
    on_sim : called after each simulation is stored, with (stage, round, index, replication,
        arm) and the number stored in this invocation.
    replications : simulations per point (default: the calibration's ``replications``).
    runner : computes the tasks (a :func:`~scoresim.experiments.backends.session`'s, shared
        by the evaluators of one calibration); by default a fresh ``execute`` per round.
    """

    def __init__(self, spec: CalibrationSpec, store: CalibrationStore, workers: int = 1,
                 backend: str = "local", address: str | None = None,
                 on_sim: Callable[[tuple[str, int, int, int, str], int], None] | None = None,
                 replications: int | None = None,
                 runner: Runner | None = None) -> None:  # fmt: skip
        self.spec, self.store = spec, store
        self.run: Runner = runner or (lambda tasks: execute(tasks, workers, backend, address))
        self.on_sim = on_sim
        self.replications = replications or spec.replications
        self.new = 0
        #: seconds the new simulations spent simulating (in the workers)
        self.sim_seconds = 0.0
        self.batch: list[StoredSim] = []
        self.written = -math.inf  # time.monotonic() of the last write

    def __call__(self, stage: str, round_: int,
                 proposals: Iterable[Proposal]) -> Iterator[Evaluation]:  # fmt: skip
        cached = self.store.cached(stage, round_)
        keys = [(r, arm) for r in range(self.replications) for arm in self.spec.arms]
        stream = iter(proposals)
        # answer from the database while it can: no pool is started for a replayed round
        for p in stream:
            if all((p.index, r, arm) in cached for r, arm in keys):
                yield self._evaluation(p.index, {k: cached[(p.index, *k)] for k in keys})
                continue
            stream = itertools.chain([p], stream)
            break
        else:
            return
        ready: deque[Evaluation] = deque()
        partial: dict[int, dict[tuple[int, str], dict[str, np.ndarray]]] = {}
        points: dict[int, Proposal] = {}

        def tasks() -> Iterator[RunTask]:
            for p in stream:
                got = {k: cached[(p.index, *k)] for k in keys if (p.index, *k) in cached}
                if len(got) == len(keys):
                    ready.append(self._evaluation(p.index, got))
                    continue
                partial[p.index], points[p.index] = got, p
                for r, arm in keys:
                    if (r, arm) in got:
                        continue
                    seed = sim_seed(self.spec.seed, stage, round_, p.index, r)
                    try:
                        scenario = self.spec.scenarios(p.values, seed)[arm]
                    except ScenarioError as exc:
                        shown = ", ".join(f"{k}={v!r}" for k, v in p.values.items())
                        raise ScenarioError(f"parameters: the point {shown} is invalid: "
                                            f"{exc}") from None  # fmt: skip
                    yield RunTask((p.index, r, arm), scenario, seed)

        outputs = self.run(tasks())
        try:
            for out in outputs:
                index, r, arm = out.tag
                series = self._store(stage, round_, points[index], r, arm, out)
                partial[index][(r, arm)] = series
                if len(partial[index]) == len(keys):
                    yield self._evaluation(index, partial.pop(index))
                while ready:
                    yield ready.popleft()
            while ready:
                yield ready.popleft()
        finally:
            outputs.close()  # type: ignore[attr-defined]
            self.flush()

    def _store(self, stage: str, round_: int, p: Proposal, r: int, arm: str,
               out: RunOutput) -> dict[str, np.ndarray]:  # fmt: skip
        """A finished simulation's series, put in the batch to write (written when the batch
        is full or old enough); a failed simulation raises."""
        if not out.ok or out.metrics is None:
            error = str(out.error)
            if error.startswith("ScenarioError: "):  # bad input met only at run time
                raise ScenarioError(error.removeprefix("ScenarioError: ").rsplit(" [", 1)[0])
            raise SimulationError(f"{stage} round {round_} point {p.index} replication {r} "
                                   f"({arm}) failed: {error}")  # fmt: skip
        metrics = out.metrics.sort_values("step")
        series = {c: metrics[c].to_numpy(dtype=np.float64) for c in self.spec.series[arm]}
        seed = sim_seed(self.spec.seed, stage, round_, p.index, r)
        self.batch.append(StoredSim(stage, round_, p.index, r, arm, seed, p.values,
                                    out.started, out.wall_seconds, series))  # fmt: skip
        self.sim_seconds += out.sim_seconds
        if len(self.batch) >= BATCH or time.monotonic() - self.written >= BATCH_SECONDS:
            self.flush()
        return series

    def flush(self) -> None:
        """Write the batch (one transaction), then report its simulations done."""
        batch, self.batch = self.batch, []
        self.store.write_many(batch)
        self.written = time.monotonic()
        for sim in batch:
            self.new += 1
            if self.on_sim is not None:
                self.on_sim((sim.stage, sim.round, sim.idx, sim.replication, sim.arm), self.new)

    def _evaluation(self, index: int,
                    runs: dict[tuple[int, str], dict[str, np.ndarray]]) -> Evaluation:  # fmt: skip
        rows = [target_values(self.spec, {arm: runs[(r, arm)] for arm in self.spec.arms})
                for r in range(self.replications)]  # fmt: skip
        return Evaluation(index, np.array(rows))

"""Evaluating parameter points: simulations on the sweep engine's backends, stored for resume.

Both methods hand an *evaluator* a lazy stream of :class:`Proposal` (an index and a point) for
one stage and round, and read back one :class:`Evaluation` per proposal, in any order: the
target values of each of its replications. :class:`ScoresimEvaluator` answers from the
calibration database where a simulation is already stored, and computes the rest as
:class:`~scoresim.experiments.backends.RunTask` objects in long-lived worker processes (the
local spawn pool or Ray, via :func:`~scoresim.experiments.backends.execute`), writing each one
as it arrives. Closing the stream early (a generation that has its particles) cancels the
simulations not yet started.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoresim.calibration.spec import CalibrationSpec
from scoresim.calibration.store import CalibrationStore
from scoresim.core.errors import ScenarioError
from scoresim.experiments.backends import RunOutput, RunTask, execute

STAGES = {"history": 1, "abc": 2, "check": 3}


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
    """

    def __init__(self, spec: CalibrationSpec, store: CalibrationStore, workers: int = 1,
                 backend: str = "local", address: str | None = None,
                 on_sim: Callable[[tuple[str, int, int, int, str], int], None] | None = None,
                 replications: int | None = None) -> None:  # fmt: skip
        self.spec, self.store = spec, store
        self.workers, self.backend, self.address = workers, backend, address
        self.on_sim = on_sim
        self.replications = replications or spec.replications
        self.new = 0

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

        outputs = execute(tasks(), self.workers, self.backend, self.address)
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

    def _store(self, stage: str, round_: int, p: Proposal, r: int, arm: str,
               out: RunOutput) -> dict[str, np.ndarray]:  # fmt: skip
        if not out.ok or out.metrics is None:
            error = str(out.error)
            if error.startswith("ScenarioError: "):  # bad input met only at run time
                raise ScenarioError(error.removeprefix("ScenarioError: ").rsplit(" [", 1)[0])
            raise SimulationError(f"{stage} round {round_} point {p.index} replication {r} "
                                   f"({arm}) failed: {error}")  # fmt: skip
        metrics = out.metrics.sort_values("step")
        series = {c: metrics[c].to_numpy(dtype=np.float64) for c in self.spec.series[arm]}
        seed = sim_seed(self.spec.seed, stage, round_, p.index, r)
        self.store.write(stage, round_, p.index, r, arm, seed, p.values, out.started,
                         out.wall_seconds, series)  # fmt: skip
        self.new += 1
        if self.on_sim is not None:
            self.on_sim((stage, round_, p.index, r, arm), self.new)
        return series

    def _evaluation(self, index: int,
                    runs: dict[tuple[int, str], dict[str, np.ndarray]]) -> Evaluation:  # fmt: skip
        rows = [target_values(self.spec, {arm: runs[(r, arm)] for arm in self.spec.arms})
                for r in range(self.replications)]  # fmt: skip
        return Evaluation(index, np.array(rows))

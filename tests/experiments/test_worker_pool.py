"""A pool kept for a session (issue 22): its workers outlive a call closed early, whose
unfinished runs never leak into the next call; stopped, none is left running."""

from __future__ import annotations

from scoresim import Scenario
from scoresim.experiments.backends import session
from scoresim.experiments.tasks import RunTask, compute_run
from scoresim.experiments.workers import WorkerPool

SMALL = Scenario.preset("seed").with_overrides({"population.agents": 300, "steps": 3})
SLOWER = Scenario.preset("seed").with_overrides({"population.agents": 5000, "steps": 40})


def test_a_call_closed_early_keeps_the_workers_and_drops_its_runs() -> None:
    pool = WorkerPool(2, keep=True)
    try:
        first = pool.run(RunTask(("first", i), SLOWER, i) for i in range(6))
        got = next(first)
        first.close()  # the other runs in progress are nobody's any more
        assert got.ok and got.tag[0] == "first"
        pids = sorted(w.process.pid for w in pool.pool)
        assert len(pids) == 2 and all(w.process.is_alive() for w in pool.pool)
        second = list(pool.run(RunTask(("second", i), SMALL, i) for i in range(5)))
        assert sorted(o.tag for o in second) == [("second", i) for i in range(5)]
        assert sorted(w.process.pid for w in pool.pool) == pids  # no worker started again
        for out in second:  # each output is its own task's run
            assert out.metrics.equals(compute_run(RunTask(out.tag, SMALL, out.tag[1])).metrics)
    finally:
        pool.close()
    assert pool.pool == []


def test_a_session_stops_its_workers_when_the_block_raises() -> None:
    processes = []
    try:
        with session(2) as runner:
            outputs = runner(RunTask(i, SLOWER, i) for i in range(4))
            next(outputs)
            processes = [w.process for w in runner.__self__.pool]  # type: ignore[attr-defined]
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert len(processes) == 2 and not any(p.is_alive() for p in processes)


def test_the_runs_are_the_same_whatever_the_pool() -> None:
    tasks = [RunTask(i, SMALL, 10 + i) for i in range(4)]
    with session(2) as runner:
        kept = {o.tag: o.metrics for batch in (tasks[:2], tasks[2:]) for o in runner(batch)}
    alone = {o.tag: o.metrics for o in map(compute_run, tasks)}
    assert kept.keys() == alone.keys()
    assert all(kept[k].equals(alone[k]) for k in alone)

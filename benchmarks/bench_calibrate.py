"""Calibration throughput: simulations per minute of ``scoresim calibrate`` (issues 11, 22).

Runs ``--waves`` history-matching waves (one by default) of ``--points`` points (one
replication each) plus the posterior predictive check of ``--checks`` draws, on the ``seed``
preset at ``--agents`` x ``--steps`` with ``--workers`` worker processes (one set for the
waves and the check), into a temporary folder, and prints the simulations stored per minute of
wall time (worker start-up and database writes included: what a calibration actually gets)
against the target of issue 22: at least 60 a minute at 20,000 agents x 180 steps on 2
workers (``make bench``). Beside it:

- the share of the workers' time spent outside the simulations (1 - the seconds the
  simulations took in the workers, set-up and steps, over workers x wall seconds), and where
  it went: the start-up (until the first simulation starts, times the workers), the tasks' own
  overhead in the workers (their time outside the simulation), and the rest (transfer, the
  parent's work between results, idle ends of the wave and the check);
- the CPU seconds per simulation, parent and workers together (``getrusage``), a figure the
  other tenants of a shared host move less than the wall clock;
- the load average and the host-speed probe of ``bench.py`` before and after.

Each of ``--reps`` repetitions is a fresh calibration; the best is reported.

    python benchmarks/bench_calibrate.py --agents 20000 --steps 180 --workers 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench import host_probe_ms
from scoresim.calibration.run import calibrate
from scoresim.calibration.spec import CalibrationSpec

#: issue 22: simulations a minute at 20,000 agents x 180 steps on 2 workers
TARGET_PER_MINUTE = 60.0


@dataclass(frozen=True)
class Throughput:
    """One calibration's figures."""

    simulations: int
    wall_seconds: float
    sim_seconds: float
    cpu_seconds: float
    workers: int
    startup_seconds: float
    task_seconds: float

    @property
    def per_minute(self) -> float:
        return 60.0 * self.simulations / self.wall_seconds

    @property
    def outside_share(self) -> float:
        """The share of worker time (workers x wall) not spent simulating."""
        return 1.0 - self.sim_seconds / (self.workers * self.wall_seconds)

    def shares(self) -> tuple[float, float, float]:
        """The outside share split: start-up, the tasks' overhead, the rest."""
        total = self.workers * self.wall_seconds
        startup = self.workers * self.startup_seconds / total
        task = (self.task_seconds - self.sim_seconds) / total
        return startup, task, self.outside_share - startup - task


def _cpu_seconds() -> float:
    """CPU seconds of this process and its reaped children (the workers, once stopped)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def throughput(agents: int = 20000, steps: int = 180, workers: int = 2, points: int = 16,
               checks: int = 4, waves: int = 1) -> Throughput:  # fmt: skip
    """The figures of one small calibration."""
    spec = CalibrationSpec.from_dict({
        "name": "bench", "scenario": "seed", "method": "history", "seed": 1,
        "set": {"population.agents": agents, "steps": steps},
        "parameters": {"adoption.innovation": {"low": 0.0005, "high": 0.01, "scale": "log"},
                       "adoption.imitation": {"low": 0.005, "high": 0.1, "scale": "log"}},
        "targets": [{"name": "enrolled", "metric": "adoption", "step": steps, "low": 0.0,
                     "high": 1.0}],
        "budget": {"waves": waves, "points": points, "checks": checks}})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        cpu = _cpu_seconds()
        began = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # the clock of ``sims.started``
        started = time.perf_counter()
        run = calibrate(spec, Path(tmp) / "bench", workers=workers, progress=False)
        wall = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu
        with duckdb.connect(str(run.database), read_only=True) as con:
            first, tasks = con.execute(
                "SELECT min(started), sum(wall_seconds) FROM sims"
            ).fetchone()
    startup = (first - began).total_seconds()
    return Throughput(run.new, wall, run.sim_seconds, cpu, workers, startup, tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=180)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--waves", type=int, default=1)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    load, probe = os.getloadavg()[0], host_probe_ms()
    runs = [throughput(args.agents, args.steps, args.workers, args.points, waves=args.waves)
            for _ in range(args.reps)]  # fmt: skip
    best = max(runs, key=lambda r: r.per_minute)
    startup, task, rest = best.shares()
    if args.json:  # read by verdicts.py
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {"sims_per_minute": best.per_minute, "simulations": best.simulations,
                   "wall_seconds": best.wall_seconds, "agents": args.agents,
                   "steps": args.steps, "workers": args.workers,
                   "outside_share": best.outside_share, "startup_share": startup,
                   "task_share": task, "cpu_per_simulation": best.cpu_seconds / best.simulations,
                   "probe_ms": probe, "load": load}  # fmt: skip
        args.json.write_text(json.dumps(figures) + "\n")
    verdict = "PASS" if best.per_minute >= TARGET_PER_MINUTE else "FAIL"
    if (args.agents, args.steps, args.workers) != (20_000, 180, 2):
        verdict = "no verdict (the target is at 20,000 x 180 on 2 workers)"
    print(
        f"calibration throughput: {best.per_minute:.1f} simulations per minute "
        f"({best.simulations} simulations of {args.agents:,} agents x {args.steps} steps in "
        f"{best.wall_seconds:.1f} s on {args.workers} workers, best of {args.reps}; target >= "
        f"{TARGET_PER_MINUTE:.0f}): {verdict}\n"
        f"  worker time outside the simulations: {100 * best.outside_share:.0f}% "
        f"({best.sim_seconds:.1f} s simulating of {args.workers} x {best.wall_seconds:.1f} s): "
        f"start-up {100 * startup:.0f}%, tasks' overhead {100 * task:.1f}%, transfer, parent "
        f"and idle {100 * rest:.0f}%\n"
        f"  CPU {best.cpu_seconds / best.simulations:.2f} s per simulation, parent and workers\n"
        f"  load average {load:.2f} -> {os.getloadavg()[0]:.2f}; host-speed probe "
        f"{probe:.0f} -> {host_probe_ms():.0f} ms"
    )


if __name__ == "__main__":
    main()

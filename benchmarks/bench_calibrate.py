"""Calibration throughput: simulations per minute of ``scoresim calibrate`` (issue 11).

Runs one history-matching wave of ``--points`` points (one replication each) plus the
posterior predictive check of ``--checks`` draws, on the ``seed`` preset at ``--agents`` x
``--steps`` with ``--workers`` long-lived worker processes, into a temporary folder, and prints
the simulations stored per minute of wall time (worker start-up and database writes included:
what a calibration actually gets). The figure of record is 20,000 agents x 180 steps on 2
workers (``make bench``).

    python benchmarks/bench_calibrate.py --agents 20000 --steps 180 --workers 2
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from scoresim.calibration.run import calibrate
from scoresim.calibration.spec import CalibrationSpec


def throughput(agents: int = 20000, steps: int = 180, workers: int = 2, points: int = 16,
               checks: int = 4) -> tuple[float, int, float]:  # fmt: skip
    """(simulations per minute, simulations, wall seconds) of one small calibration."""
    spec = CalibrationSpec.from_dict({
        "name": "bench", "scenario": "seed", "method": "history", "seed": 1,
        "set": {"population.agents": agents, "steps": steps},
        "parameters": {"adoption.innovation": {"low": 0.0005, "high": 0.01, "scale": "log"},
                       "adoption.imitation": {"low": 0.005, "high": 0.1, "scale": "log"}},
        "targets": [{"name": "enrolled", "metric": "adoption", "step": steps, "low": 0.0,
                     "high": 1.0}],
        "budget": {"waves": 1, "points": points, "checks": checks}})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        run = calibrate(spec, Path(tmp) / "bench", workers=workers, progress=False)
        wall = time.perf_counter() - started
    return 60.0 * run.new / wall, run.new, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=180)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    rate, sims, wall = throughput(args.agents, args.steps, args.workers, args.points)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {"sims_per_minute": rate, "simulations": sims, "wall_seconds": wall,
                   "agents": args.agents, "steps": args.steps, "workers": args.workers}  # fmt: skip
        args.json.write_text(json.dumps(figures) + "\n")
    print(
        f"calibration throughput: {rate:.1f} simulations per minute ({sims} simulations of "
        f"{args.agents:,} agents x {args.steps} steps in {wall:.1f} s on {args.workers} "
        "workers)"
    )


if __name__ == "__main__":
    main()

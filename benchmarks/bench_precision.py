"""The overhead of ``compare --replications auto`` over as many fixed replications (issue 21).

Runs ``compare seed`` twice over the same ``--replications`` paired replications on ``--workers``
worker processes: fixed (``replications = R``), and by precision with a precision no effect
can meet (``precision = 1e-12``, ``max_replications = R``), so that both compute exactly the
same runs (the auto comparison stops at the cap). The difference is what choosing by precision
costs: the headline effects after every batch of 5, and the workers idle at the end of each
batch. Each mode is timed ``--reps`` times, alternating, worker start-up included; the figure
is the ratio of the medians, against the target of issue 21 (under 10%).

    python benchmarks/bench_precision.py --agents 10000 --steps 104 --replications 20
"""

from __future__ import annotations

import argparse
import statistics
import time

from scoresim.experiments.compare import compare

#: issue 21: the overhead of --replications auto over as many fixed replications
TARGET_OVERHEAD = 0.10


def seconds(agents: int, steps: int, replications: int, workers: int, auto: bool) -> float:
    """Wall seconds of one comparison, fixed or by precision (stopping at its cap)."""
    small = {"population.agents": agents, "steps": steps}
    mode = ({"replications": "auto", "precision": 1e-12, "max_replications": replications}
            if auto else {"replications": replications})  # fmt: skip
    started = time.perf_counter()
    result = compare("seed", seed=1, overrides=small, workers=workers, **mode)  # type: ignore[arg-type]
    wall = time.perf_counter() - started
    assert result.replications == replications
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=104)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    seconds(500, 4, 2, 1, auto=False)  # numba's kernels compiled or loaded: not timed
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.reps):
        for auto in (False, True):
            times[auto].append(seconds(args.agents, args.steps, args.replications,
                                       args.workers, auto))  # fmt: skip
    fixed, auto = statistics.median(times[False]), statistics.median(times[True])
    overhead = auto / fixed - 1.0
    verdict = "PASS" if overhead < TARGET_OVERHEAD else "FAIL"
    print(
        f"compare --replications auto: {auto:.2f} s against {fixed:.2f} s fixed for the same "
        f"{args.replications} paired replications ({args.agents:,} agents x {args.steps} steps, "
        f"{args.workers} workers, median of {args.reps}): overhead {100 * overhead:+.1f}% "
        f"(target < {100 * TARGET_OVERHEAD:.0f}%): {verdict}"
    )


if __name__ == "__main__":
    main()

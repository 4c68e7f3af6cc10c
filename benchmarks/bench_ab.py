"""A/B of seconds per step: this tree's code against a git ref, interleaved (issues 19, 22).

The ref is checked out into a throwaway git worktree under a temporary directory (removed at
the end). Every measurement is a fresh interpreter whose ``PYTHONPATH`` is its tree's ``src``,
with ``NUMBA_NUM_THREADS=--threads``: it loads the kernels on a small run, then times
``Simulation(preset, N agents, S steps)`` step by step. Each side first runs :data:`LOAD` once
(both flavours of every kernel compile into the ref's fresh tree, so that no timed run pays
for a compilation), then the rounds alternate old, new / new, old so
that a drift of the host's speed falls on both. Per size: best and median seconds per step of
each, the ratio new / old of the bests (and of the best CPU seconds per step, all threads:
steadier on a busy host, though idle threads spinning count too), and PASS when the wall
ratio is at most ``1 + --tolerance``.

    .venv/bin/python benchmarks/bench_ab.py --base main                     # 10^3 .. 10^6
    .venv/bin/python benchmarks/bench_ab.py --base 1de8232 --sizes 1e6 --tolerance 0.02
    .venv/bin/python benchmarks/bench_ab.py --base main --sizes 1e7 --steps 3 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEW_TREE = HERE.parent

#: what each measurement runs (argv: preset, agents, steps); prints one JSON line
MEASURE = """
import json, sys, time
from scoresim import Scenario, Simulation
preset, agents, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
everyone = {"adoption.mandatory_step": 1} if sys.argv[4:] == ["everyone"] else {}
scenario = Scenario.preset(preset)
Simulation(scenario.with_overrides({"population.agents": 2000, "steps": 3})).run()
sim = Simulation(
    scenario.with_overrides({"population.agents": agents, "steps": steps, **everyone}), seed=1
)
wall, cpu = time.perf_counter(), time.process_time()
sim.run()
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"s_per_step": wall / steps, "cpu_per_step": cpu / steps}))
"""


#: run once per tree before the rounds: compiles (or loads) both flavours of every kernel into
#: the tree's numba cache, on a small run that enrols everyone at once so that every phase's
#: paths run (the network's drops and additions included), with the parallel flavours forced
LOAD = """
import sys
from scoresim import Scenario, Simulation
from scoresim.core import jit
small = Scenario.preset(sys.argv[1]).with_overrides(
    {"population.agents": 2000, "steps": 12, "adoption.mandatory_step": 1})
least, jit.PARALLEL_MIN_SIZE = jit.PARALLEL_MIN_SIZE, 0
Simulation(small).run()
jit.PARALLEL_MIN_SIZE = least
Simulation(small).run()
"""


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """The tree of git ``ref`` in a throwaway worktree under a temporary directory, removed at
    the end (its numba cache with it)."""
    repo = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="scoresim-ab-") as tmp:
        tree = Path(tmp) / "base"
        add = ["git", "-C", repo, "worktree", "add", "--detach", "--quiet", str(tree), ref]
        subprocess.run(add, check=True)
        try:
            yield tree
        finally:
            remove = ["git", "-C", repo, "worktree", "remove", "--force", str(tree)]
            subprocess.run(remove, check=False)
            subprocess.run(["git", "-C", repo, "worktree", "prune"], check=False)


def default_steps(agents: int) -> int:
    """Steps per measurement: short runs, longer where a step is short.

    >>> [default_steps(n) for n in (10**3, 10**4, 10**5, 10**6, 10**7)]
    [156, 156, 52, 10, 3]
    """
    if agents <= 10_000:
        return 156
    return 52 if agents <= 100_000 else 10 if agents <= 1_000_000 else 3


def measure(
    tree: Path,
    preset: str,
    agents: int,
    steps: int,
    threads: int,
    code: str = MEASURE,
    everyone: bool = False,
) -> dict:
    """One measurement of ``tree``'s code in a fresh interpreter (``code``: :data:`MEASURE`,
    or :data:`LOAD`, which measures nothing; ``everyone``: enrolment mandatory from step 1)."""
    env = os.environ | {"PYTHONPATH": str(tree / "src"), "NUMBA_NUM_THREADS": str(threads)}
    cmd = [sys.executable, "-c", code, preset, str(agents), str(steps)]
    cmd += ["everyone"] if everyone else []
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"measurement failed in {tree} (exit {out.returncode})")
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def verdict(old: float, new: float, tolerance: float) -> str:
    """PASS when ``new`` is at most ``1 + tolerance`` times ``old``.

    >>> verdict(0.100, 0.101, 0.02), verdict(0.100, 0.103, 0.02)
    ('PASS', 'FAIL')
    """
    return "PASS" if new <= old * (1.0 + tolerance) else "FAIL"


def ab(
    base_tree: Path,
    sizes: list[int],
    steps: int | None,
    rounds: int,
    threads: int,
    preset: str,
    everyone: bool = False,
) -> dict[int, dict[str, list[dict]]]:
    """Interleaved measurements of the two trees, by size then side."""
    trees = {"old": base_tree, "new": NEW_TREE}
    for side, tree in trees.items():  # compiles the ref's kernels into its fresh tree
        print(f"loading {side} ({tree}) ...", file=sys.stderr, flush=True)
        measure(tree, preset, 0, 0, threads, LOAD)
    found: dict[int, dict[str, list[dict]]] = {n: {"old": [], "new": []} for n in sizes}
    for r in range(rounds):
        order = ("old", "new") if r % 2 == 0 else ("new", "old")
        for n in sizes:
            for side in order:
                print(f"round {r + 1}, N = {n:,}: {side} ...", file=sys.stderr, flush=True)
                steps_n = steps or default_steps(n)
                found[n][side].append(
                    measure(trees[side], preset, n, steps_n, threads, everyone=everyone)
                )
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base", required=True, help="the git ref to compare with (old)")
    ap.add_argument(
        "--sizes", nargs="+", type=lambda s: int(float(s)), default=[10**3, 10**4, 10**5, 10**6]
    )
    ap.add_argument(
        "--steps",
        type=int,
        default=None,
        help="default: 156 up to 10^4, 52 at 10^5, 10 at 10^6, 3 above",
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="NUMBA_NUM_THREADS (default 2)")
    ap.add_argument("--preset", default="seed")
    ap.add_argument(
        "--everyone",
        action="store_true",
        help="enrolment mandatory from step 1 (every row walked; default the preset's date)",
    )
    ap.add_argument("--tolerance", type=float, default=0.02, help="allowed slow-down (0.02)")
    ap.add_argument(
        "--json", type=Path, default=None, help="write here (default benchmarks/out/ab-<date>.json)"
    )
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from bench import host_probe_ms

    probe = host_probe_ms()
    with checkout(args.base) as base_tree:
        found = ab(
            base_tree,
            args.sizes,
            args.steps,
            args.rounds,
            args.threads,
            args.preset,
            args.everyone,
        )
    report = {
        "base": args.base,
        "threads": args.threads,
        "preset": args.preset,
        "everyone_enrolled": args.everyone,
        "tolerance": args.tolerance,
        "rounds": args.rounds,
        "sizes": {},
        "probe_ms": [probe, host_probe_ms()],
        "load": list(os.getloadavg()),
    }
    print(
        f"A/B: {args.preset}{', everyone enrolled' * args.everyone}, "
        f"NUMBA_NUM_THREADS={args.threads}, {args.rounds} interleaved "
        f"rounds; old = {args.base}, new = this tree ({NEW_TREE})"
    )
    print(
        f"{'N':>10} {'old best':>9} {'old med':>9} {'new best':>9} {'new med':>9} "
        f"{'new/old':>8} {'CPU n/o':>8}  verdict (wall s/step; <= {1 + args.tolerance:g}x)"
    )
    for n, sides in found.items():
        old = [m["s_per_step"] for m in sides["old"]]
        new = [m["s_per_step"] for m in sides["new"]]
        v = verdict(min(old), min(new), args.tolerance)
        cpu = min(m["cpu_per_step"] for m in sides["new"]) / min(
            m["cpu_per_step"] for m in sides["old"]
        )
        report["sizes"][str(n)] = {
            "old": sides["old"],
            "new": sides["new"],
            "ratio": min(new) / min(old),
            "cpu_ratio": cpu,
            "pass": v == "PASS",
        }
        print(
            f"{n:>10,} {min(old):9.5f} {statistics.median(old):9.5f} {min(new):9.5f} "
            f"{statistics.median(new):9.5f} {min(new) / min(old):8.3f} {cpu:8.3f}  {v}"
        )
    print(
        f"host-speed probe before {probe:.0f} ms, after {report['probe_ms'][1]:.0f} ms; "
        f"load {report['load'][0]:.2f}"
    )
    path = args.json or HERE / "out" / f"ab-{time.strftime('%Y-%m-%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

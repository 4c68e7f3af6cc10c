"""Step time of each bundled preset at a given size (issue 10's performance targets).

Prints, per preset, the mean seconds per step over ``--steps`` steps after ``--warmup`` steps
(numba's compile and the first steps' allocations excluded), and the ratio to ``seed``. The
targets: ``rongcheng`` and ``defaulter-blacklist`` step within 1.3x of ``seed`` at 10^6 agents.
A step's cost depends mostly on how many agents are enrolled (scoring, adaptation and the
metrics walk their friends), so each is held against ``seed`` in the same regime:
``rongcheng`` (everyone registered from step 0) against ``seed`` with everyone enrolled
(``seed (all enrolled)``: the mandatory date at step 1), ``defaulter-blacklist`` (nobody
scored) against ``seed`` in its first weeks (5% enrolled). Both ratios are printed.
(That ``seed`` itself, with model v2 off, steps within 3% of model v1 was measured against the
v1 commit; see benchmarks/README.md.) Model v3 (issue 19): ``seed-v3`` (the press account on
the model v3 society) steps within 1.3x of ``seed-v1``; ``seed (v3 mechanisms)``, ``seed``
with every v3 mechanism on (:data:`V3_MECHANISMS`: threshold expression, heterogeneous
susceptibility with stubborn agents, bounded confidence, stake, backlash, threshold gaming),
is printed beside them as the heaviest case, without a target. (That ``seed`` with the v3
mechanisms off steps within 2% of the code before them is `bench_ab.py --base 1de8232`'s; see
benchmarks/README.md.) Verdicts are printed last.

    python benchmarks/bench_presets.py --agents 1000000 --steps 20
"""

from __future__ import annotations

import argparse
import time

from scoresim import Scenario, Simulation

ALL_ENROLLED = "seed (all enrolled)"
V3 = "seed (v3 mechanisms)"
#: every mechanism of model v3 (docs/model.md section 7) switched on in ``seed``
V3_MECHANISMS = {
    "expression.model": "threshold", "population.susceptibility": {"a": 2.0, "b": 2.0},
    "population.stubborn_share": 0.1, "adaptation.confidence": 0.4,
    "adaptation.stake_exponent": 1.0, "adaptation.backlash": 0.2,
    "adaptation.gaming_model": "threshold",
}  # fmt: skip
PRESETS = ("seed", ALL_ENROLLED, "seed-v1", "seed-v3", V3, "zhima-2015", "rongcheng",
           "defaulter-blacklist", "control")  # fmt: skip
#: the target ratio, and the seed regime each preset is held against
TARGET_RATIO = 1.3
REFERENCE = {"rongcheng": ALL_ENROLLED, "defaulter-blacklist": "seed", "seed-v3": "seed-v1"}


def step_seconds(name: str, agents: int, steps: int, warmup: int) -> float:
    """Mean wall seconds per step of preset ``name``, after ``warmup`` steps."""
    changes = {"population.agents": agents, "steps": warmup + steps, "schedule": []}
    if name == ALL_ENROLLED:
        name, changes = "seed", {**changes, "adoption.mandatory_step": 1}
    if name == V3:
        name, changes = "seed", {**changes, **V3_MECHANISMS}
    scenario = Scenario.preset(name).with_overrides(changes)
    sim = Simulation(scenario)
    for _ in sim.steps(warmup):
        pass
    started = time.perf_counter()
    for _ in sim.steps(steps):
        pass
    return (time.perf_counter() - started) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    times = {p: step_seconds(p, args.agents, args.steps, args.warmup) for p in PRESETS}
    full = times[ALL_ENROLLED]
    print(f"{'preset':<22}{'s/step':>10}{'x seed':>9}{'x seed, all enrolled':>22}")
    for name, seconds in times.items():
        print(f"{name:<22}{seconds:>10.4f}{seconds / times['seed']:>9.2f}{seconds / full:>22.2f}")
    for name, reference in REFERENCE.items():
        ratio = times[name] / times[reference]
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        print(f"{verdict}: {name} steps at {ratio:.2f}x {reference} (target <= {TARGET_RATIO}x)")


if __name__ == "__main__":
    main()

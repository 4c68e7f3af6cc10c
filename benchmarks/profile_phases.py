"""Where a step's time goes at 10^6 agents, against each phase's memory-traffic floor (issue 22).

Each thread count runs in a fresh interpreter (``NUMBA_NUM_THREADS=1``, then all cores): a
small run loads the kernels, ``--warm`` steps at N agents settle the buffers, then ``--steps``
steps run under :class:`scoresim.phases.profiling.KernelProfile`, which charges every compiled
kernel call to its phase (the rest of a phase's time is numpy and Python around the kernels).
Times are wall clock; ``CPU ms`` is the process's CPU time in the phase, all threads (the
metrics' is the rest of the step's), the steadier figure on a shared host.

The floor of a phase is the bytes it must read and write in a step (:data:`TRAFFIC`: each
array it touches once, at its dtype and size, the graph's CSR included) over this machine's
memory bandwidth, measured in the same process as a numpy copy of a 256 MiB array (best of 5;
read plus write bytes over seconds), split over the threads for the all-threads row. A ratio of
1 means the phase runs at the speed of memory; a large ratio, that it computes (or waits on
random reads: a neighbour's value is a cache miss the floor counts as 8 bytes).

    .venv/bin/python benchmarks/profile_phases.py                 # 10^6, 1 thread and all
    .venv/bin/python benchmarks/profile_phases.py --agents 1e5 --steps 5 --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
#: metrics' share of the step at 10^6 agents (issue 22)
TARGET_METRICS_SHARE = 0.10

# What each phase of model v1 (docs/model.md sections 2-3) must read and write once per step:
# ``society.X`` an agent array, ``rec.X`` this step's record, ``derived.X`` a kept buffer,
# ``graph`` the CSR (indptr + indices). Taken from the phases' Reads/Writes (their docstrings)
# and kernels, for the ``seed`` preset (the v2/v3 arrays are empty there and count 0 bytes).
_SCORED = ("rec.critical_by_topic", "rec.loyal", "rec.neutral", "rec.desirable",
           "rec.undesirable", "rec.groceries")  # fmt: skip
TRAFFIC: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "adoption": (("society.enrolled", "derived.enrolled_friends", "graph.indptr"),
                 ("society.enrolled",)),
    "activity": (("society.enrolled", "society.score", "society.dissent", "society.censor",
                  "society.gaming", "society.post_rate", "society.import_taste",
                  "society.buy_conform", "society.buy_rate"), _SCORED),
    "records": ((), ()),
    "scoring": (("graph", "society.enrolled", "society.score", "society.defaulted", *_SCORED),
                ("society.score", "society.defaulted", "rec.detected_critical",
                 "rec.false_positives", "rec.sanctioned")),
    "consequences": (("society.score", "society.enrolled", "society.employed",
                      "society.has_loan", "society.defaulted", "society.income",
                      "society.wealth"),
                     ("society.tier", "society.employed", "society.has_loan",
                      "society.defaulted", "society.wealth")),
    "adaptation": (("graph", "society.enrolled", "society.fear", "society.score", "society.tier",
                    "society.dissent", "society.censor", "society.dissent0", "rec.sanctioned",
                    "society.risk", "society.buy_conform", "society.gaming",
                    "derived.adaptation.expressed", "derived.adaptation.flags"),
                   ("derived.adaptation.expressed", "derived.adaptation.flags", "society.risk",
                    "society.censor", "society.buy_conform", "society.gaming", "society.climate",
                    "society.dissent")),
    "network": (("society.enrolled", "society.score"), ()),
    # the row: one pass over each column read, the wealth and enrolled scores copied and each
    # sorted in place (one more read and write of each, the least a sort can do)
    "metrics": (("graph", "society.enrolled", "society.score", "society.tier", "society.dissent",
                 "society.censor", "society.climate", "society.employed", "society.wealth",
                 "rec.critical_by_topic", "rec.loyal", "rec.undesirable", "rec.sanctioned",
                 "rec.detected_critical", "society.wealth", "society.score"),
                ("society.wealth", "society.score", "society.wealth", "society.score")),
}  # fmt: skip


def array_bytes(name: str, society, rec) -> int:
    """The bytes of the array ``name`` (see :data:`TRAFFIC`) in this run."""
    kind, _, field = name.partition(".")
    if kind == "graph":
        g = society.graph
        parts = [g.indptr, g.indices] if not field else [getattr(g, field)]
        return sum(int(a.nbytes) for a in parts)
    found = {"society": lambda: getattr(society, field, None),
             "rec": lambda: getattr(rec, field, None),
             "derived": lambda: society.derived.get(field)}[kind]()  # fmt: skip
    return int(found.nbytes) if hasattr(found, "nbytes") else 0


def traffic_bytes(society, rec) -> dict[str, int]:
    """Bytes each phase must move per step: its reads plus its writes."""
    return {phase: sum(array_bytes(a, society, rec) for a in (*reads, *writes))
            for phase, (reads, writes) in TRAFFIC.items()}  # fmt: skip


def bandwidth(threads: int, mib: int = 256, reps: int = 5) -> float:
    """Bytes per second of a numpy copy of ``mib`` MiB (read + write), split over ``threads``
    (numpy lets go of the GIL while it copies); best of ``reps``."""
    import numpy as np

    src = np.ones(mib * 2**20 // 8)
    dst = np.empty_like(src)
    parts = np.array_split(np.arange(src.size), threads)
    bounds = [(int(p[0]), int(p[-1]) + 1) for p in parts]

    def copy(b: tuple[int, int]) -> None:
        np.copyto(dst[b[0] : b[1]], src[b[0] : b[1]])

    best = float("inf")
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(reps):
            t0 = time.perf_counter()
            list(pool.map(copy, bounds))
            best = min(best, time.perf_counter() - t0)
    return 2 * src.nbytes / best


def warm_up(scenario) -> None:
    """Load every kernel's both flavours before timing: a small run that enrols everyone at
    once (so scores fall low enough for the network phase to drop and add ties), with the
    parallel flavours forced, then the same serial."""
    from scoresim import Simulation
    from scoresim.core import jit

    small = scenario.with_overrides({"population.agents": 2000, "steps": 12,
                                     "adoption.mandatory_step": 1})  # fmt: skip
    least, jit.PARALLEL_MIN_SIZE = jit.PARALLEL_MIN_SIZE, 0
    try:
        Simulation(small).run()
    finally:
        jit.PARALLEL_MIN_SIZE = least
    Simulation(small).run()


def worker(agents: int, steps: int, warm: int, preset: str, everyone: bool = False) -> dict:
    """Profile ``steps`` steps in this process; a JSON-able dict. ``everyone``: enrolment is
    mandatory from step 1 (the condition of issue 22's table), else the preset's date."""
    import numba

    from scoresim import Scenario, Simulation
    from scoresim.phases.profiling import KernelProfile

    scenario = Scenario.preset(preset)
    warm_up(scenario)
    changes = {"population.agents": agents, "steps": warm + steps}
    if everyone:
        changes["adoption.mandatory_step"] = 1
    sim = Simulation(scenario.with_overrides(changes), seed=1)
    for _ in range(warm):
        sim.step()
    before = dict(sim.phase_seconds)
    profile = KernelProfile()
    sim.phases = profile.wrap(sim.phases)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with profile.active():
        for _ in range(steps):
            sim.step()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    threads = int(numba.config.NUMBA_NUM_THREADS)
    return {
        "agents": agents, "steps": steps, "threads": threads, "preset": preset,
        "everyone_enrolled": everyone,
        "step_seconds": wall / steps, "cpu_seconds_per_step": cpu / steps,
        "phase_seconds": {k: (v - before[k]) / steps for k, v in sim.phase_seconds.items()},
        "phase_cpu_seconds": {**{k: v / steps for k, v in profile.phase_cpu.items()},
                              "metrics": (cpu - sum(profile.phase_cpu.values())) / steps},
        "kernel_seconds": {p: {k: s / steps for k, s in ks.items()}
                           for p, ks in profile.by_phase().items()},
        "bytes": traffic_bytes(sim.society, sim.record),
        "bandwidth": bandwidth(threads),
    }  # fmt: skip


def run(
    agents: int, steps: int, warm: int, preset: str, threads: int | None, everyone: bool = False
) -> dict:
    """:func:`worker` in a fresh interpreter with ``threads`` numba threads (None: all)."""
    env = dict(os.environ)
    if threads is not None:
        env |= {"NUMBA_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    cmd = [sys.executable, __file__, "--worker", "--agents", str(agents), "--steps", str(steps),
           "--warm", str(warm), "--preset", preset]  # fmt: skip
    cmd += ["--enrolment", "everyone" if everyone else "preset"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"profile worker failed (exit {out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def metrics_share(result: dict) -> float:
    """The metrics row's share of the step's phases.

    >>> metrics_share({"phase_seconds": {"a": 0.9, "metrics": 0.1}})
    0.1
    """
    ps = result["phase_seconds"]
    return ps["metrics"] / sum(ps.values())


def print_profile(result: dict, console) -> None:
    """The table of one profile: a row per phase, then its kernels indented."""
    from rich.table import Table

    bw, ps = result["bandwidth"], result["phase_seconds"]
    total = sum(ps.values())
    enrolled = ", everyone enrolled" if result.get("everyone_enrolled") else ""
    t = Table(title=f"profile: {result['preset']}{enrolled}, {result['agents']:,} agents, "
                    f"{result['threads']} thread(s), {result['steps']} steps; "
                    f"bandwidth {bw / 1e9:.1f} GB/s (numpy copy)")  # fmt: skip
    cpu = result.get("phase_cpu_seconds", {})
    cols = ("phase / kernel", "ms/step", "CPU ms", "share", "MB/step", "floor ms", "x floor")
    for col in cols:
        t.add_column(col, justify="left" if col == "phase / kernel" else "right")

    def row(name: str, seconds: float, cpu_s: float | None = None, nbytes: int | None = None):
        cells = [name, f"{1e3 * seconds:.2f}", "" if cpu_s is None else f"{1e3 * cpu_s:.2f}",
                 f"{100 * seconds / total:.1f}%"]  # fmt: skip
        if nbytes is not None:
            floor = nbytes / bw
            ratio = f"{seconds / floor:.1f}" if floor > 0 else "-"
            cells += [f"{nbytes / 1e6:.1f}", f"{1e3 * floor:.2f}", ratio]
        t.add_row(*cells, *[""] * (len(cols) - len(cells)))

    for phase, seconds in ps.items():
        row(phase, seconds, cpu.get(phase), result["bytes"].get(phase, 0))
        kernels = result["kernel_seconds"].get(phase, {})
        for name, ks in sorted(kernels.items(), key=lambda kv: -kv[1]):
            row(f"  {name}", ks)
        rest = seconds - sum(kernels.values())
        if kernels and rest > 0:
            row("  (numpy, Python)", rest)
    row("step", total, sum(cpu.values()) if cpu else None, sum(result["bytes"].values()))
    console.print(t)
    console.print(f"wall {result['step_seconds']:.4f} s/step, CPU "
                  f"{result['cpu_seconds_per_step']:.4f} s/step")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--agents", type=lambda s: int(float(s)), default=10**6)
    ap.add_argument("--steps", type=int, default=8, help="profiled steps (default 8)")
    ap.add_argument("--warm", type=int, default=2, help="unprofiled steps first (default 2)")
    ap.add_argument("--preset", default="seed")
    ap.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=None,
        help="numba thread counts, each in its own process (default: 1, then all)",
    )
    ap.add_argument(
        "--json",
        type=Path,
        default=None,
        help="write here (default benchmarks/out/profile-<date>.json)",
    )
    ap.add_argument(
        "--enrolment",
        choices=("preset", "everyone", "both"),
        default="both",
        help="the preset's enrolment date, everyone enrolled from step 1 (the condition of "
        "issue 22's table), or both (default)",
    )
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        everyone = args.enrolment == "everyone"
        print(json.dumps(worker(args.agents, args.steps, args.warm, args.preset, everyone)))
        return 0

    from rich.console import Console

    sys.path.insert(0, str(HERE))
    from bench import host_probe_ms

    console = Console(width=None if sys.stdout.isatty() else 140)
    probe_before = host_probe_ms()
    results = []
    conditions = {"preset": [False], "everyone": [True], "both": [False, True]}[args.enrolment]
    for everyone in conditions:
        for threads in args.threads or [1, None]:
            label = "all" if threads is None else threads
            who = "everyone enrolled" if everyone else "the preset's enrolment"
            print(f"profile: {label} thread(s), {who} ...", file=sys.stderr, flush=True)
            results.append(run(args.agents, args.steps, args.warm, args.preset, threads, everyone))
            print_profile(results[-1], console)
    report = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "results": results,
        "probe_ms": [probe_before, host_probe_ms()],
        "load": list(os.getloadavg()),
    }
    path = args.json or OUT / f"profile-{time.strftime('%Y-%m-%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    console.print(
        f"host-speed probe before {report['probe_ms'][0]:.0f} ms, after "
        f"{report['probe_ms'][1]:.0f} ms; load {report['load'][0]:.2f}; JSON: {path}"
    )
    for r in results:
        share = metrics_share(r)
        verdict = "PASS" if share <= TARGET_METRICS_SHARE else "FAIL"
        who = "everyone enrolled" if r.get("everyone_enrolled") else "the preset's enrolment"
        console.print(f"metrics {100 * share:.1f}% of the step at {r['agents']:,} agents, {who}, "
                      f"{r['threads']} thread(s): {verdict} (target <= "
                      f"{100 * TARGET_METRICS_SHARE:.0f}%)", markup=False)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

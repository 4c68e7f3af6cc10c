"""Speed and memory of scoresim at 10^4 .. 10^7 agents (issue 5, items 1 and 5).

Every size runs in a fresh subprocess (so its peak RSS is its own): a tiny run first warms up
numba (excluded), then ``--reps`` repetitions of ``Simulation(seed preset, N agents, S steps)``,
then the three graph generators at that N. The parent prints rich tables, checks the targets of
issue 5 and writes JSON.

    .venv/bin/python benchmarks/bench.py                    # N = 10^4, 10^5, 10^6 (make bench)
    .venv/bin/python benchmarks/bench.py --large            # + 10^7 and 10^6 x 312 (bench-large)
    .venv/bin/python benchmarks/bench.py --sizes 1e5 --steps 20 --reps 1
    .venv/bin/python benchmarks/bench.py --degree           # + seconds per step vs mean degree
    .venv/bin/python benchmarks/bench.py --json out.json    # JSON written there instead

It also times ``scoresim run`` as a whole process (issue 13): the start-up of a 1,000-agent,
1-step run (median of 10), and at 10^6 x 52 the peak memory of the process, output files
included, and its overhead: everything outside the step loop (interpreter, imports, kernel
loading, setup, writing, exit). ``--no-cli`` skips these.

Timings are wall clock on a shared machine: each figure is the median over repetitions, and the
load average at the start and end is recorded next to them, with a host-speed probe (a fixed
pure-Python loop): on a virtual machine other tenants of the host slow everything down without
showing in the load average, and the probe is how that shows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
MIB = 1024.0 * 1024.0
MB = 1e6  # the "400 MB", read strictly (400 MB = 381.5 MiB)
GIB = 1024.0**3

# issue 5 targets
TARGET_WALL_1E6_52 = 13.0
TARGET_WALL_1E6_312 = 80.0
TARGET_PEAK_1E6 = 400 * MB  # bytes
TARGET_WALL_1E7_52 = 180.0
TARGET_PEAK_1E7 = 24 * GIB
TARGET_GENERATOR_1E6 = 3.0
# issue 13 targets: scoresim run as a whole process
TARGET_CLI_SMALL = 0.7  # s, 1,000 agents x 1 step
TARGET_CLI_PEAK_1E6 = 400 * MB  # bytes, 10^6 x 52 with its output files
TARGET_CLI_OVERHEAD_1E6 = 1.2  # s outside the step loop, 10^6 x 52
CLI_SMALL_RUNS = 10

#: ``scoresim`` (argv) as the program runs it (scoresim.cli.program), the step loop timed
CLI_WRAPPER = """
import atexit, sys, time
import scoresim.simulation as simulation
spent = [0.0]
step = simulation.Simulation.step
def timed(self):
    t = time.perf_counter()
    try:
        return step(self)
    finally:
        spent[0] += time.perf_counter() - t
simulation.Simulation.step = timed
atexit.register(lambda: sys.stderr.write("STEP_SECONDS %r\\n" % spent[0]))
sys.argv = ["scoresim", *sys.argv[1:]]
from scoresim.cli import program
program()
"""

GENERATORS = ("watts_strogatz", "barabasi_albert", "sbm")
DEGREES = (4, 8, 12, 24, 48)


# --------------------------------------------------------------------------- worker side


def _proc_status_bytes(field: str) -> int:
    """A ``kB`` field of /proc/self/status in bytes (VmRSS, VmHWM), falling back to getrusage."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # kB on Linux


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _scenario(agents: int, steps: int, overrides: dict):
    from scoresim import Scenario

    return Scenario.preset("seed").with_overrides(
        {"population.agents": int(agents), "steps": int(steps), **overrides}
    )


def _generator_seconds(n: int, degree: int) -> dict[str, float]:
    """Wall seconds to build each kind of graph with ``n`` nodes at the seed preset's degree."""
    import numpy as np

    from scoresim import Scenario
    from scoresim.society import generators

    g = Scenario.preset("seed").graph
    calls = {
        "watts_strogatz": lambda rng: generators.watts_strogatz(n, degree, g.rewire, rng),
        "barabasi_albert": lambda rng: generators.barabasi_albert(n, max(1, degree // 2), rng),
        "sbm": lambda rng: generators.sbm(n, g.blocks, float(degree), g.mixing, rng),
    }
    rng = np.random.default_rng(0)  # compile the numba parts outside the timing
    generators.watts_strogatz(1000, 4, 0.1, rng)
    generators.barabasi_albert(1000, 3, rng)
    generators.sbm(1000, 4, 8.0, 0.1, rng)
    out = {}
    for name, call in calls.items():
        t0 = time.perf_counter()
        call(np.random.default_rng(1))
        out[name] = time.perf_counter() - t0
    return out


def worker(args: argparse.Namespace) -> dict:
    """Measure one size in this process; return a JSON-able dict."""
    import gc

    import numpy as np

    import scoresim
    from scoresim import Simulation

    overrides = json.loads(args.overrides)
    n, steps = int(args.worker), int(args.steps)

    # warm-up (excluded): compiles or loads the numba kernels
    t0 = time.perf_counter()
    warm = Simulation(_scenario(2000, 3, overrides), seed=0)
    for _ in range(3):
        warm.step()
    del warm
    gc.collect()
    warmup_seconds = time.perf_counter() - t0
    baseline = _proc_status_bytes("VmRSS")
    peak_reset = _reset_peak()

    reps = []
    for r in range(args.reps):
        scenario = _scenario(n, steps, overrides)
        c0, t0 = time.process_time(), time.perf_counter()
        sim = Simulation(scenario, seed=1 + r)
        t1, c1 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            sim.step()
        t2, c2 = time.perf_counter(), time.process_time()
        reps.append(
            {
                "setup_seconds": float(getattr(sim, "setup_seconds", t1 - t0)),
                "construct_seconds": t1 - t0,
                "step_seconds": t2 - t1,
                "wall_seconds": t2 - t0,
                "cpu_seconds": c2 - c0,
                "step_cpu_seconds": c2 - c1,
                "phase_seconds": {k: float(v) for k, v in sim.phase_seconds.items()},
                "edges_end": _edge_count(sim),
            }
        )
        del sim
        gc.collect()
    peak = _proc_status_bytes("VmHWM")
    rss_end = _proc_status_bytes("VmRSS")

    gens = {}
    if not args.no_generators:
        degree = int(overrides.get("graph.degree", 12))
        gens = _generator_seconds(n, degree)

    med = statistics.median
    phases = sorted({k for r in reps for k in r["phase_seconds"]}, key=list(
        reps[0]["phase_seconds"]).index)
    return {
        "agents": n,
        "steps": steps,
        "overrides": overrides,
        "reps": len(reps),
        "scoresim_version": getattr(scoresim, "__version__", "?"),
        "numba_threads": _numba_threads(),
        "warmup_seconds": warmup_seconds,
        "seconds_per_step": med(r["step_seconds"] for r in reps) / steps,
        "seconds_per_step_all": [r["step_seconds"] / steps for r in reps],
        "cpu_seconds_per_step": med(r["step_cpu_seconds"] for r in reps) / steps,
        "agent_steps_per_second": n * steps / med(r["step_seconds"] for r in reps),
        "setup_seconds": med(r["setup_seconds"] for r in reps),
        "wall_seconds": med(r["wall_seconds"] for r in reps),
        "wall_seconds_all": [r["wall_seconds"] for r in reps],
        "cpu_seconds": med(r["cpu_seconds"] for r in reps),
        "phase_seconds_per_step": {
            k: med(r["phase_seconds"].get(k, 0.0) for r in reps) / steps for k in phases
        },
        "edges_end": reps[-1]["edges_end"],
        "baseline_rss_bytes": baseline,
        "peak_rss_bytes": peak,
        "peak_is_since_baseline": peak_reset,
        "rss_end_bytes": rss_end,
        "bytes_per_agent": (peak - baseline) / n,
        "generator_seconds": gens,
        "numpy_version": np.__version__,
    }


def _edge_count(sim) -> int | None:
    """Edges at the end of the run (None if the graph API has no edge count)."""
    try:
        return int(sim.society.graph.edge_count)
    except AttributeError:  # pragma: no cover - depends on the graph class
        return None


def _numba_threads() -> int | None:
    try:
        import numba

        return int(numba.config.NUMBA_NUM_THREADS)
    except Exception:  # pragma: no cover
        return None


# --------------------------------------------------------------------------- parent side


def run_one(agents: int, steps: int, reps: int, overrides: dict, generators: bool) -> dict:
    """Run :func:`worker` for one size in a fresh interpreter and return its dict."""
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--worker", str(agents),
        "--steps", str(steps), "--reps", str(reps), "--overrides", json.dumps(overrides),
    ]  # fmt: skip
    if not generators:
        cmd.append("--no-generators")
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"benchmark worker failed for N={agents} (exit {proc.returncode})")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["subprocess_seconds"] = time.perf_counter() - started
    return result


def default_reps(n: int) -> int:
    return 3 if n <= 1_000_000 else 1


def _fmt_n(n: int) -> str:
    e = len(str(n)) - 1
    return f"10^{e}" if n == 10**e else f"{n:,}"


def _verdict(ok: bool) -> str:
    return "[green]PASS[/green]" if ok else "[red]FAIL[/red]"


def _package_dir() -> str:
    """Where the scoresim package that ``sys.executable`` imports lives."""
    code = "import importlib.util as u; print(*u.find_spec('scoresim').submodule_search_locations)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def cli_process(argv: list[str]) -> dict:
    """Run ``scoresim <argv>`` in a fresh interpreter (:data:`CLI_WRAPPER`): its wall seconds,
    step-loop seconds and peak RSS (``ru_maxrss`` of that process)."""
    cmd = [sys.executable, "-c", CLI_WRAPPER, *argv]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()
    largest = {"VmRSS": 0, "RssFile": 0}
    sampler = threading.Thread(target=_sample_rss, args=(proc.pid, done, largest), daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(err)
        raise SystemExit(f"scoresim {' '.join(argv)} failed (exit {proc.returncode})")
    steps = float(next(line.split()[1] for line in err.splitlines()
                       if line.startswith("STEP_SECONDS")))  # fmt: skip
    return {"wall_seconds": wall, "step_seconds": steps, "overhead_seconds": wall - steps,
            "peak_rss_bytes": usage.ru_maxrss * 1024,
            "library_pages_at_peak_bytes": largest["RssFile"]}  # fmt: skip


def _sample_rss(pid: int, done: threading.Event, largest: dict[str, int]) -> None:
    """Every 10 ms until ``done``: the largest RSS of process ``pid`` seen, and how much of it
    was pages of mapped files (libraries), whose count depends on the page cache (see
    docs/scale.md)."""
    while not done.wait(0.01):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        wanted = [line.split() for line in status.splitlines()
                  if line.startswith(("VmRSS:", "RssFile:"))]  # fmt: skip
        fields = {name.rstrip(":"): int(kib) * 1024 for name, kib, *_ in wanted}
        if fields.get("VmRSS", 0) > largest["VmRSS"]:
            largest.update(fields)


def cli_figures(out_dir: Path, agents: int = 10**6, steps: int = 52) -> dict:
    """``scoresim run`` as a user runs it: the start-up of a small run (median of
    :data:`CLI_SMALL_RUNS` processes) and one ``agents`` x ``steps`` run with its files."""
    import tempfile

    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        small = ["run", "seed", "--set", "population.agents=1000", "--set", "steps=1",
                 "--out", f"{tmp}/small"]  # fmt: skip
        program = [str(Path(sys.executable).parent / "scoresim"), *small]
        # byte-compiled sources and warm caches, as a user's second run finds them (where
        # PYTHONDONTWRITEBYTECODE is set, Python would compile the sources at every start)
        subprocess.run([sys.executable, "-m", "compileall", "-q", _package_dir()], check=True)
        subprocess.run(program, capture_output=True, check=True)
        walls = []
        for _ in range(CLI_SMALL_RUNS):  # the program itself, as a user or a script starts it
            t0 = time.perf_counter()
            subprocess.run(program, capture_output=True, check=True)
            walls.append(time.perf_counter() - t0)
        large = cli_process(["run", "seed", "--set", f"population.agents={agents}",
                             "--set", f"steps={steps}", "--out", f"{tmp}/large"])  # fmt: skip
    return {"small_wall_seconds": statistics.median(walls), "small_wall_all": walls,
            "agents": agents, "steps": steps, **large}  # fmt: skip


def targets(results: list[dict], long_run: dict | None, cli: dict | None = None) -> list[dict]:
    """The issue-5 (and issue-13, ``cli``) targets that these results can check."""
    out = []

    def add(name, value, limit, unit):
        out.append({"target": name, "value": value, "limit": limit, "unit": unit,
                    "pass": bool(value <= limit)})  # fmt: skip

    for r in results:
        if r["overrides"]:
            continue
        n, steps = r["agents"], r["steps"]
        if n == 10**6:
            if steps == 52:
                add("10^6 x 52 steps, wall (setup + steps)", r["wall_seconds"],
                    TARGET_WALL_1E6_52, "s")  # fmt: skip
            peak = r["peak_rss_bytes"]
            add("peak RSS at 10^6 (MB of 10^6 bytes)", peak / MB, TARGET_PEAK_1E6 / MB, "MB")
            for g, s in r["generator_seconds"].items():
                add(f"generator {g} at 10^6", s, TARGET_GENERATOR_1E6, "s")
        if n == 10**7:
            if steps == 52:
                add("10^7 x 52 steps, wall (setup + steps)", r["wall_seconds"],
                    TARGET_WALL_1E7_52, "s")  # fmt: skip
            add("peak RSS at 10^7", r["peak_rss_bytes"] / GIB, TARGET_PEAK_1E7 / GIB, "GiB")
    if long_run is not None:
        add("10^6 x 312 steps, wall (setup + steps)", long_run["wall_seconds"],
            TARGET_WALL_1E6_312, "s")  # fmt: skip
    if cli is not None:
        add("scoresim run, 1,000 x 1 step, whole process", cli["small_wall_seconds"],
            TARGET_CLI_SMALL, "s")  # fmt: skip
        if (cli["agents"], cli["steps"]) == (10**6, 52):
            add("scoresim run 10^6 x 52, peak RSS with its files (MB)",
                cli["peak_rss_bytes"] / MB, TARGET_CLI_PEAK_1E6 / MB, "MB")  # fmt: skip
            add("scoresim run 10^6 x 52, outside the step loop", cli["overhead_seconds"],
                TARGET_CLI_OVERHEAD_1E6, "s")  # fmt: skip
    return out


def verdict_line(checked: list[dict]) -> str:
    """The one line a benchmark ends with, so that a failed target cannot be missed.

    >>> verdict_line([{"target": "a", "pass": True}, {"target": "b", "pass": False}])
    'verdict: FAIL (1 of 2 targets missed: b)'
    >>> verdict_line([{"target": "a", "pass": True}])
    'verdict: PASS (all 1 targets met)'
    """
    if not checked:
        return "verdict: none (no target applies to these sizes)"
    missed = [t["target"] for t in checked if not t["pass"]]
    if missed:
        names = "; ".join(missed)
        return f"verdict: FAIL ({len(missed)} of {len(checked)} targets missed: {names})"
    return f"verdict: PASS (all {len(checked)} targets met)"


def print_report(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 140)
    results = [r for r in report["results"] if not r["overrides"]]
    t = Table(title=f"scoresim, seed preset ({report['steps']} steps; median of reps)")
    for col in ("N", "reps", "s/step", "agent-steps/s", "setup s", "wall s", "CPU s",
                "peak RSS MiB", "baseline MiB", "bytes/agent"):  # fmt: skip
        t.add_column(col, justify="right")
    for r in results:
        t.add_row(
            _fmt_n(r["agents"]), str(r["reps"]), f"{r['seconds_per_step']:.4f}",
            f"{r['agent_steps_per_second']:.3g}", f"{r['setup_seconds']:.2f}",
            f"{r['wall_seconds']:.2f}", f"{r.get('cpu_seconds', float('nan')):.2f}",
            f"{r['peak_rss_bytes'] / MIB:.0f}",
            f"{r['baseline_rss_bytes'] / MIB:.0f}", f"{r['bytes_per_agent']:.0f}",
        )  # fmt: skip
    console.print(t)

    if results:
        phases = list(results[0]["phase_seconds_per_step"])
        t = Table(title="milliseconds per step, by phase (share of the step)")
        t.add_column("N", justify="right")
        for p in phases:
            t.add_column(p, justify="right")
        for r in results:
            ps = r["phase_seconds_per_step"]
            total = sum(ps.values()) or 1.0
            t.add_row(_fmt_n(r["agents"]), *(
                f"{1e3 * ps[p]:.2f} ({100 * ps[p] / total:.0f}%)" for p in phases))
        console.print(t)

    if any(r["generator_seconds"] for r in results):
        t = Table(title="graph generators, seconds (mean degree 12)")
        t.add_column("N", justify="right")
        for g in GENERATORS:
            t.add_column(g, justify="right")
        for r in results:
            gs = r["generator_seconds"]
            if gs:
                t.add_row(_fmt_n(r["agents"]), *(f"{gs[g]:.3f}" for g in GENERATORS))
        console.print(t)

    sweep = report.get("degree_sweep") or []
    if sweep:
        t = Table(title=f"Watts-Strogatz mean degree sweep at N = {_fmt_n(sweep[0]['agents'])}")
        for col in ("degree", "s/step", "agent-steps/s", "edges at end"):
            t.add_column(col, justify="right")
        for r in sweep:
            t.add_row(str(r["overrides"]["graph.degree"]), f"{r['seconds_per_step']:.4f}",
                      f"{r['agent_steps_per_second']:.3g}", f"{r['edges_end'] or 0:,}")
        console.print(t)

    if report.get("long_run"):
        lr = report["long_run"]
        console.print(f"10^6 x {lr['steps']}: wall {lr['wall_seconds']:.1f} s "
                      f"({lr['seconds_per_step']:.4f} s/step, setup {lr['setup_seconds']:.2f} s)")

    cli = report.get("cli")
    if cli:
        library = cli.get("library_pages_at_peak_bytes")  # not in reports made before it was
        of_which = "" if library is None else (
            f", of which {library / MIB:.0f} MiB pages of libraries (more right after an "
            "install: docs/scale.md)")  # fmt: skip
        console.print(
            f"scoresim run as a process: 1,000 agents x 1 step {cli['small_wall_seconds']:.2f} s "
            f"(median of {len(cli['small_wall_all'])}); {_fmt_n(cli['agents'])} x {cli['steps']}: "
            f"wall {cli['wall_seconds']:.2f} s, step loop {cli['step_seconds']:.2f} s, outside "
            f"it {cli['overhead_seconds']:.2f} s, peak RSS {cli['peak_rss_bytes'] / MIB:.0f} MiB "
            f"({cli['peak_rss_bytes'] / MB:.0f} MB) with its output files{of_which}"
        )
    if report["targets"]:
        t = Table(title="targets (issues 5 and 13)")
        for col in ("target", "measured", "limit", "verdict"):
            t.add_column(col, justify="right" if col != "target" else "left")
        for x in report["targets"]:
            t.add_row(x["target"], f"{x['value']:.2f} {x['unit']}", f"{x['limit']:g} {x['unit']}",
                      _verdict(x["pass"]))
        console.print(t)
    la0, la1 = report["load_before"], report["load_after"]
    console.print(
        f"load average (1, 5, 15 min): before {la0[0]:.2f} {la0[1]:.2f} {la0[2]:.2f}, "
        f"after {la1[0]:.2f} {la1[1]:.2f} {la1[2]:.2f}; cores {os.cpu_count()}"
    )
    if "probe_ms_before" in report:
        console.print(
            f"host-speed probe ({PROBE_LOOPS:,} Python additions, best of 5): "
            f"before {report['probe_ms_before']:.0f} ms, after {report['probe_ms_after']:.0f} ms "
            "(about 100 ms when this 2-core VM has its host to itself; higher means other "
            "tenants are slowing it down)"
        )
    console.print(verdict_line(report["targets"]), markup=False)  # last: it cannot be missed


PROBE_LOOPS = 3_000_000


def host_probe_ms() -> float:
    """Milliseconds of a fixed pure-Python loop, best of 5: a yardstick of the host's speed now."""
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        total = 0
        for i in range(PROBE_LOOPS):
            total += i
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def _parse_size(text: str) -> int:
    return int(float(text))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=_parse_size, default=None,
                    help="agent counts (default 1e4 1e5 1e6; --large adds 1e7)")
    ap.add_argument("--large", action="store_true",
                    help="add N = 10^7 and a 10^6 x 312-step run (make bench-large)")
    ap.add_argument("--steps", type=int, default=52, help="steps per run (default 52)")
    ap.add_argument("--reps", type=int, default=None,
                    help="repetitions per size (default 3 up to 10^6, 1 above)")
    ap.add_argument("--long-steps", type=int, default=312,
                    help="steps of the 10^6 long run of --large (default 312)")
    ap.add_argument("--degree", action="store_true",
                    help="also sweep the Watts-Strogatz degree (4..48) at --degree-n agents")
    ap.add_argument("--degree-n", type=_parse_size, default=100_000)
    ap.add_argument("--degree-only", action="store_true", help="run only the degree sweep")
    ap.add_argument("--no-generators", action="store_true", help="skip generator timings")
    ap.add_argument("--no-cli", action="store_true",
                    help="skip timing scoresim run as a process (start-up; 10^6 x 52 overhead)")
    ap.add_argument("--json", type=Path, default=None,
                    help="write the JSON here (default benchmarks/out/bench-<date>.json)")
    # internal: measure one size in this process and print JSON
    ap.add_argument("--worker", type=_parse_size, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--overrides", default="{}", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker is not None:
        if args.reps is None:
            args.reps = default_reps(args.worker)
        print(json.dumps(worker(args)))
        return 0

    sizes = args.sizes or [10**4, 10**5, 10**6]
    if args.large and 10**7 not in sizes:
        sizes = [*sizes, 10**7]
    if args.degree_only:
        sizes = []
    report: dict = {
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "steps": args.steps,
        "load_before": list(os.getloadavg()),
        "probe_ms_before": host_probe_ms(),
        "results": [],
        "degree_sweep": [],
        "long_run": None,
    }
    for n in sizes:
        reps = args.reps or default_reps(n)
        print(f"N = {_fmt_n(n)}: {reps} x {args.steps} steps ...", file=sys.stderr, flush=True)
        report["results"].append(run_one(n, args.steps, reps, {}, not args.no_generators))
    if args.large:
        print(f"N = 10^6: 1 x {args.long_steps} steps ...", file=sys.stderr, flush=True)
        report["long_run"] = run_one(10**6, args.long_steps, 1, {}, False)
    if args.degree or args.degree_only:
        for k in DEGREES:
            print(f"degree {k} at N = {_fmt_n(args.degree_n)} ...", file=sys.stderr, flush=True)
            reps = args.reps or default_reps(args.degree_n)
            report["degree_sweep"].append(
                run_one(args.degree_n, args.steps, reps, {"graph.degree": k}, False)
            )
    if not args.no_cli and not args.degree_only:
        big = max(sizes) if sizes else 10**6
        print(f"scoresim run as a process: 1,000 x 1 step, then {_fmt_n(big)} x {args.steps} ...",
              file=sys.stderr, flush=True)  # fmt: skip
        OUT.mkdir(parents=True, exist_ok=True)
        report["cli"] = cli_figures(OUT, min(big, 10**6), args.steps)
    report["load_after"] = list(os.getloadavg())
    report["probe_ms_after"] = host_probe_ms()
    report["targets"] = targets(report["results"], report["long_run"], report.get("cli"))

    path = args.json
    if path is None:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"bench-{dt.datetime.now():%Y-%m-%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"JSON: {path}")
    print_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

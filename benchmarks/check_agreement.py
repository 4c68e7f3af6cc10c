"""Do scoresim and the Mesa version of docs/model.md (benchmarks/mesa_model.py) agree?

Both run the same scenario (the ``seed`` preset with the same overrides) over several seeds;
their draws differ, so they are compared statistically: for each metric and each checked step,
the difference of the means over seeds must satisfy

    |mean_scoresim - mean_mesa| <= z * sqrt(SE_scoresim^2 + SE_mesa^2) + slack

with SE the between-seed standard error of each mean (z = 4 by default) and ``slack`` a small
absolute-plus-relative allowance for metrics that have (almost) no between-seed variance.
The default overrides bring the mandatory step forward to 52 so that both regimes (voluntary
and mandatory enrolment) are covered. A flagged comparison is re-checked on the pooled runs of
fresh seeds (``--confirm-seeds``); the script exits 1 if the disagreement persists there.

    .venv/bin/python benchmarks/check_agreement.py            # 5 seeds, 2000 agents, 104 steps
    .venv/bin/python benchmarks/check_agreement.py --seeds 10 --agents 1000 --jobs 2
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scoresim
from mesa_model import run_mesa
from scoresim import Scenario

METRICS = (
    "adoption", "score_mean", "tier_poor", "tier_fair", "tier_good", "tier_excellent",
    "critical_posts", "loyal_posts", "falsification_gap", "sanctioned", "edges",
    "employment", "wealth_gini",
)  # fmt: skip


def scenario(agents: int, steps: int, mandatory: int | str) -> Scenario:
    return Scenario.preset("seed").with_overrides(
        {"population.agents": agents, "steps": steps, "adoption.mandatory_step": mandatory}
    )


def one_run(job: tuple[str, int, int, int, int | str]) -> tuple[str, int, pd.DataFrame, float]:
    impl, seed, agents, steps, mandatory = job
    sc = scenario(agents, steps, mandatory)
    t0 = time.perf_counter()
    if impl == "mesa":
        metrics, _, _ = run_mesa(sc, seed)
    else:
        metrics = scoresim.simulate(sc, seed=seed).metrics
    return impl, seed, metrics, time.perf_counter() - t0


def compare(runs: dict[str, list[pd.DataFrame]], at: list[int], metrics, z: float,
            abs_slack: float, rel_slack: float) -> pd.DataFrame:  # fmt: skip
    rows = []
    for step in at:
        for m in metrics:
            a = np.array([df.loc[df["step"] == step, m].iloc[0] for df in runs["scoresim"]])
            b = np.array([df.loc[df["step"] == step, m].iloc[0] for df in runs["mesa"]])
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            if a.size == 0 and b.size == 0:
                continue
            if a.size < 2 or b.size < 2:
                rows.append({"step": step, "metric": m, "scoresim": _m(a), "mesa": _m(b),
                             "diff": NAN, "se": NAN, "tol": NAN, "ok": a.size == b.size})
                continue  # fmt: skip
            se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            diff = a.mean() - b.mean()
            tol = z * se + abs_slack + rel_slack * max(abs(a.mean()), abs(b.mean()))
            rows.append({"step": step, "metric": m, "scoresim": a.mean(), "mesa": b.mean(),
                         "diff": diff, "se": se, "tol": tol, "ok": abs(diff) <= tol})  # fmt: skip
    return pd.DataFrame(rows)


NAN = float("nan")
#: the first seed of a check; the confirming seeds follow the first stage's
FIRST_SEED = 1000


def two_stage(
    runs_of: Callable[[range, int], Iterable[tuple[str, pd.DataFrame]]],
    seeds: int, confirm_seeds: int, steps: int, at: list[int],
    z: float, abs_slack: float = 1e-3, rel_slack: float = 2e-3,
) -> pd.DataFrame:  # fmt: skip
    """:func:`compare` over ``seeds`` seeds, then each flagged comparison re-checked on the
    pooled runs of ``confirm_seeds`` fresh seeds (with few seeds the SE is itself rough; the
    metrics at step t do not depend on the horizon, so the fresh runs stop at the last flagged
    step). ``runs_of(seeds, steps)`` gives ``(implementation, metrics)`` pairs, the other
    implementation named ``mesa``. The table's ``confirmed`` says what a re-check found."""
    runs: dict[str, list[pd.DataFrame]] = {"scoresim": [], "mesa": []}

    def add(seed_range: range, n_steps: int) -> None:
        for impl, df in runs_of(seed_range, n_steps):
            runs[impl].append(df)

    add(range(FIRST_SEED, FIRST_SEED + seeds), steps)
    table = compare(runs, at, METRICS, z, abs_slack, rel_slack)
    table["confirmed"] = ""
    flagged = table[~table["ok"]]
    if len(flagged) and confirm_seeds > 0:
        start = FIRST_SEED + seeds
        add(range(start, start + confirm_seeds), int(flagged["step"].max()))
        pooled = compare(runs, sorted(set(flagged["step"])), sorted(set(flagged["metric"])),
                         z, abs_slack, rel_slack)  # fmt: skip
        for idx, r in flagged.iterrows():
            p = pooled[(pooled["step"] == r["step"]) & (pooled["metric"] == r["metric"])].iloc[0]
            found = "disagrees" if not p["ok"] else "agrees (chance)"
            table.loc[idx, "confirmed"] = (
                f"{seeds + confirm_seeds} seeds: diff {p['diff']:+.3g} = "
                f"{p['diff'] / p['se']:+.1f} SE, {found}"
            )
            table.loc[idx, "ok"] = bool(p["ok"])
    return table


def _verdict(ok: bool, confirmed: str) -> str:
    if not ok:
        return "[red]DISAGREE[/red]"
    return "ok (re-checked)" if confirmed else "ok"


def _m(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else NAN


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--agents", type=int, default=2000)
    ap.add_argument("--steps", type=int, default=104)
    ap.add_argument("--mandatory", default="52", help='adoption.mandatory_step (or "never")')
    ap.add_argument("--at", type=int, nargs="+", default=None,
                    help="steps compared (default: 1, 13, 26, 51, 52, 78 and the last)")
    ap.add_argument("--z", type=float, default=4.0, help="tolerance in standard errors")
    ap.add_argument("--abs-slack", type=float, default=1e-3)
    ap.add_argument("--rel-slack", type=float, default=2e-3)
    ap.add_argument("--confirm-seeds", type=int, default=15,
                    help="fresh seeds added to re-check flagged comparisons (0: none)")
    ap.add_argument("--jobs", type=int, default=1, help="processes (the runs are independent)")
    ap.add_argument("--csv", type=Path, default=None, help="write the comparison table here")
    args = ap.parse_args(argv)

    mandatory: int | str = args.mandatory if args.mandatory == "never" else int(args.mandatory)
    at = args.at or sorted({s for s in (1, 13, 26, 51, 52, 78, args.steps) if s <= args.steps})
    seconds = {"scoresim": 0.0, "mesa": 0.0}

    def run_seeds(seeds: range, steps: int) -> list[tuple[str, pd.DataFrame]]:
        print(f"{len(seeds)} seeds x {args.agents} agents x {steps} steps "
              f"(mandatory_step={mandatory}) ...", file=sys.stderr, flush=True)  # fmt: skip
        jobs = [(impl, s, args.agents, steps, mandatory)
                for s in seeds for impl in ("scoresim", "mesa")]  # fmt: skip
        if args.jobs > 1:
            with ProcessPoolExecutor(args.jobs) as pool:
                results = list(pool.map(one_run, jobs))
        else:
            results = [one_run(j) for j in jobs]
        for impl, _, _, sec in results:
            seconds[impl] += sec
        return [(impl, df) for impl, _, df, _ in results]

    table = two_stage(run_seeds, args.seeds, args.confirm_seeds, args.steps, at, args.z,
                      args.abs_slack, args.rel_slack)  # fmt: skip
    if args.csv:
        table.to_csv(args.csv, index=False)

    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"scoresim vs Mesa: means over {args.seeds} seeds "
                    f"(tolerance {args.z:g} SE + slack)")  # fmt: skip
    for col in ("step", "metric", "scoresim", "mesa", "diff", "diff/SE", "verdict"):
        t.add_column(col, justify="left" if col == "metric" else "right")
    for r in table.itertuples():
        zscore = r.diff / r.se if r.se and r.se > 0 else NAN
        t.add_row(str(r.step), r.metric, f"{r.scoresim:.5g}", f"{r.mesa:.5g}", f"{r.diff:+.3g}",
                  f"{zscore:+.1f}", _verdict(r.ok, r.confirmed))  # fmt: skip
    console = Console(width=None if sys.stdout.isatty() else 140)
    console.print(t)
    for r in table[table["confirmed"] != ""].itertuples():
        console.print(f"flagged {r.metric}@{r.step} with {args.seeds} seeds "
                      f"({r.diff / r.se:+.1f} SE); re-checked with {r.confirmed}")  # fmt: skip
    bad = table[~table["ok"]]
    console.print(f"run time: scoresim {seconds['scoresim']:.1f} s, Mesa {seconds['mesa']:.1f} s")
    if len(bad):
        console.print(f"[red]{len(bad)} of {len(table)} comparisons disagree:[/red] "
                      + ", ".join(f"{r.metric}@{r.step}" for r in bad.itertuples()))  # fmt: skip
        return 1
    console.print(f"[green]all {len(table)} comparisons agree[/green]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

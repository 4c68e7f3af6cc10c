"""The commands over many runs: compare (and its effects), sweep, sensitivity, discover and
calibrate; and the dashboard."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from scoresim.cli.inputs import load_sweep, parse_override
from scoresim.core.errors import ScenarioError, missing_extra
from scoresim.scenario import Scenario


def cmd_compare(args: argparse.Namespace) -> int:
    from scoresim.experiments.arms import resolve_arms
    from scoresim.experiments.compare import check_effects, compare, default_folder
    from scoresim.experiments.console import RunProgress, print_comparison, print_precision
    from scoresim.experiments.lift import RECOVERY_WEEKS
    from scoresim.experiments.precision import BATCH, MAX_REPLICATIONS

    if args.recovery_weeks is not None and args.lift_step is None:
        raise ScenarioError("--recovery-weeks: needs --lift-step (the week the system is lifted)")
    weeks = RECOVERY_WEEKS if args.recovery_weeks is None else args.recovery_weeks
    overrides = dict(parse_override(o) for o in args.set)
    arms = resolve_arms(args.scenario or ["seed"], args.against, overrides, args.seed)
    check_effects(args.effect, arms)  # before any run: a bad expression is bad input
    out = Path(args.out) if args.out else default_folder(arms)
    auto = args.replications == "auto"
    most = (args.max_replications or MAX_REPLICATIONS) if auto else args.replications
    check_compare_memory([*arms.treatments, arms.control], args, min(most, BATCH) if auto else most)
    try:
        with RunProgress(arms.title, total=len(arms.labelled) * most) as progress:
            result = compare(arms, replications=args.replications, workers=args.workers,
                             on_run=lambda o: progress.update(o.ok), backend=args.backend,
                             address=args.address, min_group=args.min_group,
                             effects=args.effect, precision=args.precision,
                             max_replications=args.max_replications, lift_step=args.lift_step,
                             recovery_weeks=weeks)  # fmt: skip
    except RuntimeError as exc:
        print(f"scoresim: error: {exc}; no results written", file=sys.stderr)
        return 1
    title = (f"{arms.title}: effects at week {arms.control.steps}, {result.replications} "
             "paired replications (95% CI)")  # fmt: skip
    print_comparison(result, title, fmt=args.table_format)
    if result.precision is not None and args.table_format == "table":
        print_precision(result.precision)
    elif result.precision is not None:  # standard output holds the table alone
        print(result.precision.verdict(), file=sys.stderr)
    result.save(out)
    # with --format csv or markdown, standard output holds the table alone
    print(f"results: {out} ({result.wall_seconds:.1f} s, {args.workers} workers)",
          file=sys.stdout if args.table_format == "table" else sys.stderr)  # fmt: skip
    return 0


def cmd_effects(args: argparse.Namespace) -> int:
    import pandas as pd

    from scoresim.experiments.console import print_frame
    from scoresim.experiments.headline_effects import HEADLINE_EFFECTS

    rows = [{"effect": e.name, "expression": e.expression, "paired": e.paired,
             "shown": f"when the arm's {e.only} is on" if e.only else "always"}
            for e in HEADLINE_EFFECTS]  # fmt: skip
    print_frame(pd.DataFrame(rows), "Headline effects of 'scoresim compare', at the last week "
                "(paired difference: E(T) - E(C) per seed; treatment: E read in the arm, "
                "control.x in its control)")  # fmt: skip
    print("add one: scoresim compare ... --effect 'NAME=EXPR' (an expression with control.x "
          "is the effect itself; any other is read in both arms and differenced)")
    return 0


def check_compare_memory(arms: list[Scenario], args: argparse.Namespace,
                         replications: int) -> None:  # fmt: skip
    """``compare`` runs up to ``--workers`` simulations at once: refuse it up front if they
    cannot fit (the compare command itself knows nothing of memory)."""
    from scoresim.society.resources import check_memory

    runs = arms * replications
    check_memory(runs, concurrent=min(args.workers, len(runs)), force=args.force)


def cmd_sweep(args: argparse.Namespace) -> int:
    from scoresim.experiments.console import RunProgress
    from scoresim.experiments.sweep import default_database, run_sweep

    spec = load_sweep(args.file)
    db = Path(args.db) if args.db else default_database(spec)
    args.on_interrupt = f"the runs finished so far are kept in {db}; rerun the sweep to resume"
    state: dict[str, Any] = {}

    with ExitStack() as stack:

        def start(todo: int, skipped: int) -> None:
            print(f"sweep {spec.name}: {todo} runs to do, {skipped} already done ({db})",
                  flush=True)  # fmt: skip
            progress = RunProgress(f"sweep {spec.name}", total=todo, lines=True)
            state["progress"] = stack.enter_context(progress)

        def finished(point: Any, output: Any) -> None:
            state["progress"].update(output.ok, f"run {point.run_key} point {point.point} "
                                                f"replication {point.replication}")  # fmt: skip

        report = run_sweep(spec, db, args.workers, args.backend, args.address,
                           on_start=start, on_run=finished, force=args.force)  # fmt: skip
    print(
        f"results: {report.database} ({report.done} done, {report.failed} failed, "
        f"{report.skipped} skipped as already done, {report.wall_seconds:.1f} s)"
    )
    if report.failed:
        print(
            f"scoresim: {report.failed} runs failed; their errors are in the runs table; "
            "rerun the sweep to retry them",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from scoresim.experiments.console import print_frame
    from scoresim.experiments.sensitivity import sensitivity

    if args.every != 1 and not args.over_time:
        raise ScenarioError(f"--every {args.every}: only with --over-time")
    result = sensitivity(args.db, method=args.method, over_time=args.over_time,
                         every=args.every)  # fmt: skip
    db = Path(args.db)
    suffix = "-sensitivity-over-time" if args.over_time else "-sensitivity"
    out = Path(args.out) if args.out else db.with_name(f"{db.stem}{suffix}.csv")
    if args.table_format == "table":
        for title, frame in result.blocks():
            print_frame(frame, title)
    else:
        print_frame(result.shown(), result.title, fmt=args.table_format)
    side = sys.stdout if args.table_format == "table" else sys.stderr
    for line in result.notes():
        print(line, file=side)
    for line in result.warnings:
        print(f"scoresim: warning: {line}", file=sys.stderr)
    result.save(out)
    if result.over_time:
        from scoresim.report.exploration import indices_over_time, save_png, sweep_caveat

        figure = save_png(indices_over_time(result.table), out.with_suffix(".png"),
                          sweep_caveat(db))  # fmt: skip
        print(f"results: {out}, {figure}", file=side)
    else:
        print(f"results: {out}", file=side)
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    from scoresim.experiments.discovery import discover
    from scoresim.report.exploration import peeling_trajectory, save_png, sweep_caveat
    from scoresim.results.folders import atomic_folder

    db = Path(args.db)
    found = discover(db, args.outcome, args.where, min_coverage=args.min_coverage)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in args.outcome)
    out = Path(args.out) if args.out else db.with_name(f"{db.stem}-discover-{name}")
    for line in found.lines():
        print(line)
    print(found.summary())
    with atomic_folder(out) as tmp:
        found.save(tmp)
        save_png(peeling_trajectory(found), tmp / "peeling.png", sweep_caveat(db))
    print(f"results: {out}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from scoresim.calibration.evaluate import SimulationError
    from scoresim.calibration.run import CalibrationStoppedError, calibrate
    from scoresim.calibration.spec import CalibrationSpec
    from scoresim.experiments.console import print_frame

    spec = CalibrationSpec.load(args.file)
    # a plain kill ends like Ctrl-C (main's handler): the workers stop, the database is kept
    try:
        run = calibrate(spec, args.out, args.method, args.workers, args.backend, args.address,
                        args.max_minutes)  # fmt: skip
    except (CalibrationStoppedError, SimulationError) as exc:
        print(f"scoresim: {exc}", file=sys.stderr)
        return 1
    print_frame(run.tables["summary"], f"{spec.name} ({run.method}): posterior medians and "
                "90% credible intervals", fmt=args.table_format)  # fmt: skip
    print_frame(run.tables["targets"], "Targets: observed against the posterior predictive "
                "90% interval (held_out = validation)", fmt=args.table_format)  # fmt: skip
    if run.tables["posterior"].empty:
        print(
            "scoresim: no parameter point was kept: the model meets the fitted targets "
            "nowhere in the priors (see diagnostics.parquet's pass rates)",
            file=sys.stderr,
        )
    print(f"results: {run.folder} ({run.stop}; {run.new} new simulations, {run.earlier} "
          f"earlier, {run.wall_seconds:.1f} s; database {run.database})",
          file=sys.stdout if args.table_format == "table" else sys.stderr)  # fmt: skip
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    try:
        from scoresim.dashboard.server import require_extra, serve

        require_extra()
    except ImportError as exc:  # name the missing package, not a scoresim module that needs it
        missing = exc.name if exc.name and not exc.name.startswith("scoresim") else None
        raise missing_extra("dashboard", "dashboard", missing) from None
    serve(host=args.host, port=args.port, scenario_root=args.scenarios, max_runs=args.max_runs,
          verbose=args.verbose)  # fmt: skip
    return 0

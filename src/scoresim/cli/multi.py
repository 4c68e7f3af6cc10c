"""The commands over many runs: compare, sweep, sensitivity and calibrate; and the dashboard."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from scoresim.cli.inputs import load_sweep, parse_override
from scoresim.core.errors import missing_extra
from scoresim.scenario import Scenario


def cmd_compare(args: argparse.Namespace) -> int:
    from scoresim.experiments.compare import arms, compare
    from scoresim.experiments.console import RunProgress, print_arms_headline, print_headline
    from scoresim.experiments.multiarm import compare_arms, resolve_arms

    names = args.scenario or ["seed"]
    overrides = dict(parse_override(o) for o in args.set)
    run = {"backend": args.backend, "address": args.address}
    if len(names) == 1:  # the two-arm form: treatment against control
        treatment, control, shared, only = arms(names[0], args.against, overrides, args.seed)
        seed = treatment.seed
        out = Path(args.out) if args.out else Path("results") / f"compare-{treatment.name}-{seed}"
        label = f"{treatment.name} vs {control.name}"
        total = 2 * args.replications
    else:  # several arms against one control
        treatments, control, shared, only = resolve_arms(names, args.against, overrides,
                                                         args.seed)  # fmt: skip
        seed = treatments[0].seed
        first = treatments[0].name if len(treatments) == 2 else "systems"
        out = Path(args.out) if args.out else Path("results") / f"compare-{first}-{seed}"
        label = f"{', '.join(t.name for t in treatments)} vs {control.name}"
        total = (len(treatments) + 1) * args.replications
    check_compare_memory([*(treatments if len(names) > 1 else [treatment]), control], args)
    try:
        with RunProgress(label, total=total) as progress:
            if len(names) == 1:
                result: Any = compare(treatment, control, args.replications, seed, args.workers,
                                      on_run=lambda o: progress.update(o.ok), shared=shared,
                                      treatment_only=only, sources=(names[0], args.against),
                                      **run)  # fmt: skip
            else:
                sources = {t.name: n for t, n in zip(treatments, names, strict=True)}
                sources[control.name] = args.against
                result = compare_arms(treatments, control, args.replications, seed,
                                      args.workers, on_run=lambda o: progress.update(o.ok),
                                      shared=shared, treatment_only=only, sources=sources,
                                      **run)  # fmt: skip
    except RuntimeError as exc:
        print(f"scoresim: error: {exc}; no results written", file=sys.stderr)
        return 1
    title = (f"{label}: effects at week {control.steps}, {args.replications} paired "
             "replications (95% CI)")  # fmt: skip
    if len(names) == 1:
        print_headline(result.headline, title)
    else:
        print_arms_headline(result.headline, title)
    result.save(out)
    print(f"results: {out} ({result.wall_seconds:.1f} s, {args.workers} workers)")
    return 0


def check_compare_memory(arms: list[Scenario], args: argparse.Namespace) -> None:
    """``compare`` runs up to ``--workers`` simulations at once: refuse it up front if they
    cannot fit (the compare command itself knows nothing of memory)."""
    from scoresim.society.resources import check_memory

    runs = arms * args.replications
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
    from scoresim.experiments.sensitivity import sensitivity, write_table

    table = sensitivity(args.db)
    db = Path(args.db)
    out = Path(args.out) if args.out else db.with_name(f"{db.stem}-sensitivity.csv")
    shown = table.drop(columns=[c for c in table.columns if c.endswith(("_low", "_high"))])
    print_frame(shown, f"{table.attrs['method'].capitalize()} indices (95% CI half-widths)")
    for outcome in table.attrs.get("constant", []):
        print(f"{outcome}: indices undefined (the outcome does not vary)")
    write_table(table, out)
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
                "90% credible intervals")  # fmt: skip
    print_frame(run.tables["targets"], "Targets: observed against the posterior predictive "
                "90% interval (held_out = validation)")  # fmt: skip
    if run.tables["posterior"].empty:
        print(
            "scoresim: no parameter point was kept: the model meets the fitted targets "
            "nowhere in the priors (see diagnostics.parquet's pass rates)",
            file=sys.stderr,
        )
    print(f"results: {run.folder} ({run.stop}; {run.new} new simulations, {run.earlier} "
          f"earlier, {run.wall_seconds:.1f} s; database {run.database})")  # fmt: skip
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

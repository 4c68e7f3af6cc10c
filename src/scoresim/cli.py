"""The ``scoresim`` command line.

Bad input (an unknown field, a wrong type, a value out of range, a missing or malformed file)
ends with one line on standard error naming the field or file and the reason, exit status 2,
no traceback and no output folder. Exit status 1 is a failure that is not the input's fault
(failed runs, a full disk); Ctrl-C (SIGINT) and SIGTERM end with one line and 130 or 143
(128 + the signal's number), leaving no partial output and no worker process behind. Heavy
modules (numba, pandas, pyarrow, rich) are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import errno
import os
import signal
import sys
import threading
import tomllib
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, NoReturn

from scoresim.errors import ScenarioError, missing_extra
from scoresim.scenario import Scenario, preset_descriptions

EXIT_FAILURE = 1
EXIT_USAGE = 2
#: write errors that are the device's, not the path's: exit 1 rather than 2
DEVICE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or SIGINT) as an exception, so that cleanup runs as for Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


#: Last-step metrics compared by ``scoresim summary`` (and ``make run``).
HEADLINE = (
    ("critical_posts", "critical posts per capita"),
    ("loyal_posts", "loyal posts per capita"),
    ("falsification_gap", "falsification gap"),
    ("pluralistic_ignorance", "pluralistic ignorance"),
    ("isolated", "isolated share"),
    ("employment", "employment"),
    ("employment_poor", "employment, poor tier"),
    ("wealth_gini", "wealth Gini"),
    ("score_dissent_corr", "score-dissent correlation"),
    ("adoption", "enrolled share"),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other bad input
        self.exit(EXIT_USAGE, f"scoresim: error: {message} (see 'scoresim --help')\n")


def parse_override(text: str) -> tuple[str, Any]:
    """``FIELD=VALUE`` with VALUE read as a TOML literal (a bare word is a string).

    Examples
    --------
    >>> parse_override("graph.rewire=1.0"), parse_override("graph.kind=sbm")
    (('graph.rewire', 1.0), ('graph.kind', 'sbm'))
    """
    field, sep, raw = text.partition("=")
    field = field.strip()
    if not sep or not field:
        raise ScenarioError(f"--set {text!r}: expected FIELD=VALUE")
    try:
        return field, tomllib.loads(f"v = {raw.strip()}")["v"]
    except RecursionError:
        raise ScenarioError(f"{field}: cannot read value (nested too deeply)") from None
    except tomllib.TOMLDecodeError:
        if raw.strip() and raw.strip().replace("_", "").replace("-", "").isalnum():
            return field, raw.strip()
        raise ScenarioError(f"{field}: cannot read value {raw!r} (use a TOML literal)") from None


def load_scenario(
    name_or_path: str, overrides: Sequence[str] = (), seed: int | None = None
) -> Scenario:
    """A preset or file, with ``--set`` overrides and ``--seed`` applied, validated."""
    scenario = Scenario.resolve(name_or_path)
    changes = dict(parse_override(o) for o in overrides)
    if seed is not None:
        changes["seed"] = seed
    return scenario.with_overrides(changes) if changes else scenario


def _cmd_run(args: argparse.Namespace) -> int:
    from scoresim.resources import check_memory, give_back_memory
    from scoresim.results import check_output_folder

    scenario = load_scenario(args.scenario, args.set, args.seed)
    out = Path(args.out) if args.out else Path("results") / f"{scenario.name}-{scenario.seed}"
    check_memory([scenario], force=args.force)
    check_output_folder(out)  # fail now rather than after the run

    every = None
    if args.record:
        from scoresim.recording import parse_record

        every = parse_record(args.record)

    _load_numba_without_scipy()
    from scoresim.progress import step_with_progress
    from scoresim.results import atomic_folder
    from scoresim.run_files import RunFiles
    from scoresim.simulation import Simulation

    with atomic_folder(out) as tmp:  # per-step files stream into it while the run goes
        recorders = []
        if every:
            from scoresim.recording import AgentRecorder

            recorders.append(AgentRecorder(tmp, every))
        sim = Simulation(scenario, observers=recorders)
        step_with_progress(sim, label=f"{scenario.name} (seed {scenario.seed})")
        for recorder in recorders:
            recorder.close()
        files = RunFiles.take(sim)
        del sim  # what the files do not show (other traits, step buffers) is freed first
        give_back_memory()
        files.write_into(tmp)
    print(f"results: {out}")
    return 0


def _load_numba_without_scipy() -> None:
    """Load numba's array implementations as if scipy's BLAS were absent.

    numba imports ``scipy.linalg`` (0.1 s and 17 MB, a seventh of a small run) the first time it
    compiles or loads a kernel, only to choose how ``np.correlate`` and ``np.convolve`` compute
    an inner product inside compiled code; no scoresim kernel calls them, and ``np.dot`` and
    ``np.linalg`` still find scipy when compiled code asks for them. Should numba ever need
    the module for more, it is loaded the ordinary way.
    """
    if "numba.np.arraymath" in sys.modules:
        return
    name = "scipy.linalg.cython_blas"
    absent = name not in sys.modules
    if absent:
        sys.modules[name] = None  # type: ignore[assignment]  # its import now fails at once
    try:
        import numba.np.arraymath
    except ImportError:
        pass  # imported below, scipy and all
    finally:
        if absent:
            sys.modules.pop(name, None)
    import numba.np.arraymath  # noqa: F401


def _cmd_presets(args: argparse.Namespace) -> int:
    descriptions = preset_descriptions()
    width = max(map(len, descriptions))
    for name, description in descriptions.items():
        print(f"{name:<{width}}  {description}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    print(load_scenario(args.scenario, args.set).to_toml(), end="")
    return 0


def validate_file(path: str | Path) -> Scenario:
    """What ``scoresim validate`` checks: the scenario file and, for an ``edgelist`` graph, the
    edge list itself, read as ``run`` would read it (a bad line is refused now, not later)."""
    scenario = Scenario.load(path)
    if scenario.graph.kind == "edgelist":
        from scoresim.generators import read_edgelist

        read_edgelist(Path(scenario.graph.path), scenario.population.agents)
    return scenario


def load_sweep(path: str | Path) -> Any:
    """A validated sweep file (``SweepSpec``), its design size checked, as ``sweep`` reads it."""
    from scoresim.experiments.spec import SweepSpec
    from scoresim.experiments.sweep import check_design_size

    try:
        spec = SweepSpec.load(path)
    except RecursionError:  # tomllib parses nested arrays recursively
        raise ScenarioError(f"{path}: malformed TOML (nested too deeply)") from None
    check_design_size(spec)
    return spec


def _cmd_validate(args: argparse.Namespace) -> int:
    scenario = validate_file(args.file)
    print(f"{args.file}: valid ({scenario.population.agents} agents, {scenario.steps} steps)")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    import pandas as pd

    from scoresim.progress import print_comparison

    runs = {}
    for name in args.runs:
        folder = Path(name)
        if not folder.exists():
            raise ScenarioError(f"{name}: not found")
        if not folder.is_dir():
            raise ScenarioError(f"{name}: not a folder")
        if not (folder / "metrics.parquet").is_file() or not (folder / "scenario.toml").is_file():
            raise ScenarioError(f"{name}: not a run folder (no metrics.parquet, scenario.toml)")
        scenario = Scenario.load(folder / "scenario.toml")
        try:
            metrics = pd.read_parquet(folder / "metrics.parquet")
        except (OSError, ValueError) as exc:  # a damaged file (pyarrow's ArrowInvalid)
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ScenarioError(f"{name}: cannot read metrics.parquet ({reason})") from None
        if metrics.empty:
            raise ScenarioError(f"{name}: metrics.parquet has no rows")
        runs[f"{scenario.name} (seed {scenario.seed})"] = metrics.iloc[-1].to_dict()
    print_comparison(runs, HEADLINE)
    return 0


def _cmd_dashboard(args: argparse.Namespace) -> int:
    try:
        from scoresim.dashboard.server import require_extra, serve

        require_extra()
    except ImportError as exc:  # name the missing package, not a scoresim module that needs it
        missing = exc.name if exc.name and not exc.name.startswith("scoresim") else None
        raise missing_extra("dashboard", "dashboard", missing) from None
    serve(host=args.host, port=args.port, scenario_root=args.scenarios, max_runs=args.max_runs,
          verbose=args.verbose)  # fmt: skip
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
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
    _check_compare_memory([*(treatments if len(names) > 1 else [treatment]), control], args)
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


def _cmd_sweep(args: argparse.Namespace) -> int:
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


def _cmd_sensitivity(args: argparse.Namespace) -> int:
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


def _cmd_report(args: argparse.Namespace) -> int:
    out = _write_any_report(args.path, args.out)
    print(f"report: {out}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from scoresim.export import default_path, write_network
    from scoresim.results import Run

    if not (Path(args.run) / "edges.parquet").exists():
        raise ScenarioError(f"{args.run}: not a run folder (no edges.parquet)")
    out = Path(args.out) if args.out else default_path(args.run, args.format)
    written = write_network(Run.load(args.run), args.format, out)
    print(f"network: {', '.join(str(p) for p in written)}")
    return 0


def _write_any_report(path: str, out: str | None) -> Path:
    """A calibration folder's report, or :func:`scoresim.report.write_report` for the rest."""
    from scoresim.report import write_report
    from scoresim.report.calibration import is_calibration, write_calibration_report

    if is_calibration(Path(path)):
        return write_calibration_report(path, out)
    return write_report(path, out)


def _cmd_calibrate(args: argparse.Namespace) -> int:
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


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``scoresim`` argument parser (also the source of the docs' CLI reference)."""
    parser = _Parser(
        prog="scoresim", description="Agent-based simulator of social credit scoring systems."
    )
    parser.add_argument("--version", action="version", version=f"scoresim {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario and write its results")
    run.add_argument(
        "scenario", nargs="?", default="seed", help="preset name or TOML file (default: seed)"
    )
    run.add_argument("--seed", type=int, help="random seed (overrides the scenario's)")
    run.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                     help="override a field by its dotted path, e.g. graph.rewire=1.0")  # fmt: skip
    run.add_argument("--out", help="output folder (default: results/<scenario>-<seed>)")
    run.add_argument("--record", metavar="agents:every=K",
                     help="also write agent_steps.parquet (every agent's state every K steps) "
                          "and edges_initial.parquet")  # fmt: skip
    _add_force(run)
    run.set_defaults(func=_cmd_run)

    sub.add_parser("presets", help="list the bundled presets").set_defaults(func=_cmd_presets)

    show = sub.add_parser("show", help="print a resolved scenario as TOML")
    show.add_argument("scenario", help="preset name or TOML file")
    show.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    show.set_defaults(func=_cmd_show)

    validate = sub.add_parser("validate", help="check a scenario file")
    validate.add_argument("file")
    validate.set_defaults(func=_cmd_validate)

    summary = sub.add_parser("summary", help="compare the last step of run folders side by side")
    summary.add_argument("runs", nargs="+", metavar="RUN_DIR")
    summary.set_defaults(func=_cmd_summary)

    dash = sub.add_parser("dashboard", help="serve the live web dashboard")
    dash.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    dash.add_argument("--port", type=_port, default=8765, help="port (default: 8765)")
    dash.add_argument("--scenarios", type=_folder, metavar="DIR",
                      help="folder scenario files may be loaded from (default: .)")  # fmt: skip
    dash.add_argument("--max-runs", type=_positive, default=4, metavar="N",
                      help="simulations running at once over all viewers (default: 4)")  # fmt: skip
    dash.add_argument("--verbose", action="store_true", help="show the web server's logs")
    dash.set_defaults(func=_cmd_dashboard)

    cmp = sub.add_parser("compare", help="scenarios against their control over paired seeds")
    cmp.add_argument("scenario", nargs="*", default=["seed"], metavar="SCENARIO",
                     help="preset names or TOML files (default: seed); several are compared "
                          "with one control on the same seeds")  # fmt: skip
    cmp.add_argument("--against", default="control", help="the counterfactual (default: control)")
    cmp.add_argument("--replications", type=_positive, default=5, help="seeds (default: 5)")
    cmp.add_argument("--workers", type=_positive, default=1, help="processes (default: 1)")
    cmp.add_argument("--seed", type=int, help="first seed (default: the scenario's)")
    cmp.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                     help="override a field; a field an arm shares with the control "
                          "changes both")  # fmt: skip
    cmp.add_argument("--backend", choices=("local", "ray"), default="local")
    cmp.add_argument("--address", help="address of an existing Ray cluster (--backend ray)")
    cmp.add_argument("--out", help="output folder (default: results/compare-<scenario>-<seed>; "
                     "with several scenarios results/compare-<first>-<seed> for two, "
                     "results/compare-systems-<seed> for more)")  # fmt: skip
    _add_force(cmp)
    cmp.set_defaults(func=_cmd_compare)

    sweep = sub.add_parser("sweep", help="run (or resume) a parameter sweep into DuckDB")
    sweep.add_argument("file", metavar="SWEEP.toml")
    sweep.add_argument("--workers", type=_positive, default=1, help="parallel runs (default: 1)")
    sweep.add_argument("--backend", choices=("local", "ray"), default="local")
    sweep.add_argument("--address", help="address of an existing Ray cluster (--backend ray)")
    sweep.add_argument("--db", help="database file (default: results/<name>.duckdb)")
    _add_force(sweep)
    sweep.set_defaults(func=_cmd_sweep)

    sens = sub.add_parser("sensitivity", help="Sobol or Morris indices of a sweep database")
    sens.add_argument("db", metavar="DB")
    sens.add_argument("--out", help="table file, .csv or .parquet (default: <db>-sensitivity.csv)")
    sens.set_defaults(func=_cmd_sensitivity)

    cal = sub.add_parser("calibrate", help="fit parameters to published aggregates (resumable)")
    cal.add_argument("file", metavar="CAL.toml")
    cal.add_argument(
        "--method",
        choices=("history", "abc"),
        help="history matching or ABC-SMC (default: the file's method)",
    )
    cal.add_argument("--workers", type=_positive, default=1, help="parallel runs (default: 1)")
    cal.add_argument("--backend", choices=("local", "ray"), default="local")
    cal.add_argument("--address", help="address of an existing Ray cluster (--backend ray)")
    cal.add_argument(
        "--out",
        help="output folder (default: results/calibrate-<name>; the database is <out>.duckdb)",
    )
    cal.add_argument(
        "--max-minutes",
        type=float,
        metavar="M",
        help="stop after M minutes with the last complete wave or generation",
    )
    cal.set_defaults(func=_cmd_calibrate)

    report = sub.add_parser("report", help="an HTML report of a run, compare folder or sweep")
    report.add_argument("path", metavar="PATH")
    report.add_argument("--out", help="HTML file (default: report.html in the folder)")
    report.set_defaults(func=_cmd_report)

    export = sub.add_parser("export", help="write the final network of a run for networkx or Gephi")
    export.add_argument("run", metavar="RUN_DIR")
    export.add_argument("--format", choices=("graphml", "gexf", "csv"), default="graphml",
                        help="file format (default: graphml)")  # fmt: skip
    export.add_argument("--out", metavar="FILE",
                        help="default: network.<format> in the run folder; csv writes the edges "
                        "there and the nodes to <stem>.nodes.csv beside them")  # fmt: skip
    export.set_defaults(func=_cmd_export)
    return parser


def _add_force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="run even if the estimated memory exceeds what is free"
    )


def _folder(text: str) -> Path:
    """An argparse type: an existing folder."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {text}" if path.exists()
                                         else f"folder not found: {text}")  # fmt: skip
    return path


def _check_compare_memory(arms: list[Scenario], args: argparse.Namespace) -> None:
    """``compare`` runs up to ``--workers`` simulations at once: refuse it up front if they
    cannot fit (the compare command itself knows nothing of memory)."""
    from scoresim.resources import check_memory

    runs = arms * args.replications
    check_memory(runs, concurrent=min(args.workers, len(runs)), force=args.force)


def _port(text: str) -> int:
    """An argparse type: a TCP port number."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 1..65535, got {text!r}")
    return int(text)


def _version() -> str:
    from scoresim import __version__

    return __version__


def _interrupt_cause(exc: BaseException) -> KeyboardInterrupt | None:
    """The ``KeyboardInterrupt`` (or :class:`Interrupted`) in ``exc``'s chain of causes."""
    seen = exc.__cause__ or exc.__context__
    while seen is not None and not isinstance(seen, KeyboardInterrupt):
        seen = seen.__cause__ or seen.__context__
    return seen


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scoresim`` command."""
    previous = _catch_sigterm()
    args: argparse.Namespace | None = None
    try:
        args = build_parser().parse_args(argv)
        try:
            return args.func(args)
        except SystemError as exc:  # Ctrl-C inside a C call (numba loading its cache) comes so
            interrupt = _interrupt_cause(exc)
            if interrupt is None:
                raise
            raise interrupt from None
        except ScenarioError as exc:
            print(f"scoresim: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except OSError as exc:  # an output path that cannot be written, a full disk
            where = exc.filename or "output"
            text = exc.strerror or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            print(f"scoresim: error: {where}: {text}", file=sys.stderr)
            return EXIT_FAILURE if exc.errno in DEVICE_ERRORS else EXIT_USAGE
        except RecursionError:  # a structure nested deeper than any input needs
            print("scoresim: error: input nested too deeply", file=sys.stderr)
            return EXIT_USAGE
    except KeyboardInterrupt as exc:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C cannot cut this line
        signum = getattr(exc, "signum", None) or (_RECEIVED[-1] if _RECEIVED else signal.SIGINT)
        note = getattr(args, "on_interrupt", "no results written")
        print(f"scoresim: interrupted ({signal.Signals(signum).name}); {note}", file=sys.stderr)
        return 128 + signum
    finally:
        _restore_signals(previous)


#: the signals received during this :func:`main`, in order: a library that turns the exception
#: into one of its own (DuckDB does, mid-query) cannot hide which signal it was
_RECEIVED: list[int] = []


def _catch_sigterm() -> dict[int, Any] | None:
    """Make SIGTERM (and Ctrl-C, unless ignored) raise :class:`Interrupted` (Python's default
    for SIGTERM ends the process at once, leaving temporary folders and worker processes
    behind); the handlers it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None
    _RECEIVED.clear()
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, _raise_interrupted)
    if previous[signal.SIGINT] is signal.default_int_handler:
        signal.signal(signal.SIGINT, _raise_interrupted)
    return previous


def _raise_interrupted(signum: int, frame: object) -> None:
    _RECEIVED.append(signum)
    raise Interrupted(signum)


def _restore_signals(previous: dict[int, Any] | None) -> None:
    for signum, handler in (previous or {}).items():
        if handler is not None:
            signal.signal(signum, handler)


def program() -> NoReturn:
    """The ``scoresim`` program: :func:`main`, then the process ends without tearing down the
    interpreter's objects (numba's compiler state alone takes 0.2 s to free, a quarter of a small
    run), once the ``atexit`` handlers have run and the standard streams are flushed."""
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    program()

"""The ``scoresim`` argument parser (also the source of the docs' CLI reference)."""

from __future__ import annotations

import argparse
from pathlib import Path

from scoresim.cli import multi, single

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other bad input
        self.exit(EXIT_USAGE, f"scoresim: error: {message} (see 'scoresim --help')\n")


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
    run.set_defaults(func=single.cmd_run)

    sub.add_parser("presets", help="list the bundled presets").set_defaults(func=single.cmd_presets)

    show = sub.add_parser("show", help="print a resolved scenario as TOML")
    show.add_argument("scenario", help="preset name or TOML file")
    show.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    show.set_defaults(func=single.cmd_show)

    validate = sub.add_parser("validate", help="check a scenario file")
    validate.add_argument("file")
    validate.set_defaults(func=single.cmd_validate)

    summary = sub.add_parser("summary", help="compare the last step of run folders side by side")
    summary.add_argument("runs", nargs="+", metavar="RUN_DIR")
    summary.add_argument("--min-group", type=_count, default=30, metavar="N",
                         help="show a metric resting on fewer agents as 'too few' (default: 30)")
    _add_format(summary)
    summary.set_defaults(func=single.cmd_summary)

    dash = sub.add_parser("dashboard", help="serve the live web dashboard")
    dash.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    dash.add_argument("--port", type=_port, default=8765, help="port (default: 8765)")
    dash.add_argument("--scenarios", type=_folder, metavar="DIR",
                      help="folder scenario files may be loaded from (default: .)")  # fmt: skip
    dash.add_argument("--max-runs", type=_positive, default=4, metavar="N",
                      help="simulations running at once over all viewers; more wait in line "
                           "(default: 4)")  # fmt: skip
    dash.add_argument("--verbose", action="store_true", help="show the web server's logs")
    dash.set_defaults(func=multi.cmd_dashboard)

    cmp = sub.add_parser("compare", help="scenarios against their control over paired seeds")
    cmp.add_argument("scenario", nargs="*", default=["seed"], metavar="SCENARIO",
                     help="preset names or TOML files (default: seed); several are compared "
                          "with one control on the same seeds")  # fmt: skip
    cmp.add_argument("--against", default="control", help="the counterfactual (default: control)")
    cmp.add_argument("--replications", type=_replications, default=5, metavar="R|auto",
                     help="seeds (default: 5); auto: batches of 5 until every headline "
                          "effect's 95%% half-width is below --precision")  # fmt: skip
    cmp.add_argument("--precision", type=float, metavar="P",
                     help="with --replications auto: the half-width to reach, in each "
                          "effect's units")  # fmt: skip
    cmp.add_argument("--max-replications", type=_positive, metavar="N",
                     help="with --replications auto: stop at N replications (default: 100)")
    cmp.add_argument("--effect", action="append", default=[], metavar="NAME=EXPR",
                     help="add a headline effect, an outcome expression, e.g. 'late_chill=1 - "
                          "mean(critical_posts, 30, 40) / mean(control.critical_posts, 30, "
                          "40)' (see 'scoresim effects')")  # fmt: skip
    cmp.add_argument("--workers", type=_positive, default=1, help="processes (default: 1)")
    cmp.add_argument("--seed", type=int, help="first seed (default: the scenario's)")
    cmp.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                     help="override a field; a field an arm shares with the control "
                          "changes both")  # fmt: skip
    cmp.add_argument("--lift-step", type=int, metavar="L",
                     help="the week a schedule entry lifts the system: adds the effect 'voice "
                          "recovered' (docs/experiments.md)")  # fmt: skip
    cmp.add_argument("--recovery-weeks", type=int, metavar="W",
                     help="weeks after the lift to read the voice (default: 52)")  # fmt: skip
    cmp.add_argument("--backend", choices=("local", "ray"), default="local")
    cmp.add_argument("--address", help="address of an existing Ray cluster (--backend ray)")
    cmp.add_argument("--out", help="output folder (default: results/compare-<scenario>-<seed>; "
                     "with several scenarios results/compare-<first>-<seed> for two, "
                     "results/compare-systems-<seed> for more)")  # fmt: skip
    cmp.add_argument("--min-group", type=_count, default=30, metavar="N",
                     help="show an effect resting on fewer agents as 'too few' (default: 30; "
                          "also under 3 replications)")  # fmt: skip
    _add_format(cmp)
    _add_force(cmp)
    cmp.set_defaults(func=multi.cmd_compare)

    effects = sub.add_parser("effects", help="list the built-in headline effects of compare")
    effects.set_defaults(func=multi.cmd_effects)

    sweep = sub.add_parser("sweep", help="run (or resume) a parameter sweep into DuckDB")
    sweep.add_argument("file", metavar="SWEEP.toml")
    sweep.add_argument("--workers", type=_positive, default=1, help="parallel runs (default: 1)")
    sweep.add_argument("--backend", choices=("local", "ray"), default="local")
    sweep.add_argument("--address", help="address of an existing Ray cluster (--backend ray)")
    sweep.add_argument("--db", help="database file (default: results/<name>.duckdb)")
    _add_force(sweep)
    sweep.set_defaults(func=multi.cmd_sweep)

    sens = sub.add_parser("sensitivity", help="Sobol, Morris, SRC or PRCC indices of a sweep")
    sens.add_argument("db", metavar="DB")
    sens.add_argument("--method", choices=("sobol", "morris", "src", "prcc"),
                      help="default: sobol or morris for their own sweeps, else prcc")  # fmt: skip
    sens.add_argument("--over-time", action="store_true",
                      help="the indices of each outcome's metric at every step, and a figure "
                           "of them over the weeks")  # fmt: skip
    sens.add_argument("--every", type=_positive, default=1, metavar="K",
                      help="with --over-time: analyse every K-th step (default: 1)")  # fmt: skip
    sens.add_argument("--out", help="table file, .csv or .parquet (default: <db>-sensitivity.csv, "
                      "<db>-sensitivity-over-time.csv with --over-time)")  # fmt: skip
    _add_format(sens)
    sens.set_defaults(func=multi.cmd_sensitivity)

    disc = sub.add_parser("discover", help="scenario discovery (PRIM): where an outcome "
                          "passes a threshold")  # fmt: skip
    disc.add_argument("db", metavar="SWEEP_DB")
    disc.add_argument("--outcome", required=True, metavar="EXPR",
                      help="an outcome of the sweep, or an expression of its metrics such as "
                           "'mean(critical_posts, -52, -1)'")  # fmt: skip
    disc.add_argument("--where", required=True, metavar="'> X'",
                      help="the runs of interest: a comparison (>, >=, <, <=) and a "
                           "number")  # fmt: skip
    disc.add_argument("--min-coverage", type=_share, default=0.5, metavar="C",
                      help="the chosen box covers at least C of the runs of "
                           "interest (default: 0.5)")  # fmt: skip
    disc.add_argument("--out", help="output folder (default: <db>-discover-<outcome>)")
    disc.set_defaults(func=multi.cmd_discover)

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
    _add_format(cal)
    cal.set_defaults(func=multi.cmd_calibrate)

    report = sub.add_parser("report", help="an HTML report of a run, compare folder or sweep")
    report.add_argument("path", metavar="PATH")
    report.add_argument("--out", help="HTML file (default: report.html in the folder, "
                        "brief.html with --brief)")  # fmt: skip
    report.add_argument("--brief", action="store_true",
                        help="one page a journalist can quote: the caveat, what each system "
                             "does, the headline effects with their support, the systems, one "
                             "figure (compare folders)")  # fmt: skip
    report.set_defaults(func=single.cmd_report)

    export = sub.add_parser("export", help="write the final network of a run for networkx or Gephi")
    export.add_argument("run", metavar="RUN_DIR")
    export.add_argument("--format", choices=("graphml", "gexf", "csv"), default="graphml",
                        help="file format (default: graphml)")  # fmt: skip
    export.add_argument("--out", metavar="FILE",
                        help="default: network.<format> in the run folder; csv writes the edges "
                        "there and the nodes to <stem>.nodes.csv beside them")  # fmt: skip
    export.set_defaults(func=single.cmd_export)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _replications(text: str) -> int | str:
    """An argparse type: a positive integer, or ``auto``."""
    if text == "auto":
        return text
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or auto, got {text!r}")
    return int(text)


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "csv", "markdown"), default="table",
                        dest="table_format",
                        help="how tables are printed: fitted to the terminal (default), CSV "
                             "or Markdown")  # fmt: skip


def _count(text: str) -> int:
    """An argparse type: an integer >= 0."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return int(text)


def _share(text: str) -> float:
    """An argparse type: a number in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}")
    return value


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


def _port(text: str) -> int:
    """An argparse type: a TCP port number."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 1..65535, got {text!r}")
    return int(text)


def _version() -> str:
    from scoresim.core.version import __version__

    return __version__

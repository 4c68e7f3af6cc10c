"""The commands about one run or one scenario: run, presets, show, validate, summary (in
:mod:`~scoresim.cli.summary`), export and report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scoresim.cli.inputs import isolated_note, load_scenario, validate_file
from scoresim.core.errors import ScenarioError
from scoresim.scenario import preset_descriptions


def cmd_run(args: argparse.Namespace) -> int:
    from scoresim.results.folders import check_output_folder
    from scoresim.society.resources import check_memory, give_back_memory

    scenario = load_scenario(args.scenario, args.set, args.seed)
    out = Path(args.out) if args.out else Path("results") / f"{scenario.name}-{scenario.seed}"
    check_memory([scenario], force=args.force)
    check_output_folder(out)  # fail now rather than after the run
    if note := isolated_note(scenario):
        print(note)

    every = None
    if args.record:
        from scoresim.results.recording import parse_record

        every = parse_record(args.record)

    _load_numba_without_scipy()
    from scoresim.core.progress import step_with_progress
    from scoresim.results.files import RunFiles
    from scoresim.results.folders import atomic_folder
    from scoresim.simulation import Simulation

    with atomic_folder(out) as tmp:  # per-step files stream into it while the run goes
        recorders = []
        if every:
            from scoresim.results.recording import AgentRecorder

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
    for line in scenario.after_horizon():
        print(f"not applied: {line}")
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


def cmd_presets(args: argparse.Namespace) -> int:
    descriptions = preset_descriptions()
    width = max(map(len, descriptions))
    for name, description in descriptions.items():
        print(f"{name:<{width}}  {description}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.set)
    print(scenario.to_toml(), end="")
    for line in scenario.after_horizon():  # kept, never applied: a TOML comment
        print(f"# {line} (kept, never applied)")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    scenario = validate_file(args.file)
    print(f"{args.file}: valid ({scenario.population.agents} agents, {scenario.steps} steps)")
    if note := isolated_note(scenario):
        print(note)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from scoresim.cli.summary import print_summary, read_last_steps

    print_summary(read_last_steps(args.runs), args.min_group, args.table_format)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    out = _write_any_report(args.path, args.out, args.brief)
    print(f"report: {out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from scoresim.results.export import default_path, write_network
    from scoresim.results.run import Run

    if not (Path(args.run) / "edges.parquet").exists():
        raise ScenarioError(f"{args.run}: not a run folder (no edges.parquet)")
    out = Path(args.out) if args.out else default_path(args.run, args.format)
    written = write_network(Run.load(args.run), args.format, out)
    print(f"network: {', '.join(str(p) for p in written)}")
    return 0


def _write_any_report(path: str, out: str | None, brief: bool = False) -> Path:
    """A calibration folder's report, or :func:`scoresim.report.write_report` for the rest."""
    from scoresim.report import write_report
    from scoresim.report.calibration import is_calibration, write_calibration_report

    if is_calibration(Path(path)):
        if brief:
            raise ScenarioError(f"--brief: {path} is a calibration, not a compare folder")
        return write_calibration_report(path, out)
    return write_report(path, out, brief)

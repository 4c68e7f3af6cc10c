"""Parameter sweeps: a design of scenarios times replications, run and stored in DuckDB.

:func:`run_sweep` resolves every run of a :class:`~scoresim.experiments.spec.SweepSpec`, skips
those already ``done`` in the database (resume), sends the rest to a backend (local processes
or Ray) and writes each result as it arrives, one transaction per run. Runs that raise are
recorded as ``failed`` with their error, and rerunning the sweep tries them again. It is the
package face's ``scoresim.sweep`` (Mesa's ``batch_run``, with a database that resumes).
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.experiments.backends import RunOutput, RunTask, check_address, check_backend, execute
from scoresim.experiments.console import frame_html
from scoresim.experiments.database import SweepDatabase, interrupted, read_sweep
from scoresim.experiments.spec import SweepPoint, SweepSpec
from scoresim.metrics import metric_columns
from scoresim.phases.params import Params
from scoresim.society.resources import check_memory


@dataclass
class SweepReport:
    """Counts of one invocation of :func:`run_sweep`; its runs are in ``database``."""

    database: Path
    total: int
    skipped: int
    done: int
    failed: int
    wall_seconds: float

    def to_frame(self) -> pd.DataFrame:
        """The runs table of the database: one row per run (design point and replication),
        with its parameter values, outcomes, status and error."""
        return read_sweep(self.database)["runs"]

    def _repr_html_(self) -> str:
        """The counts and the first runs, for a notebook."""
        data = read_sweep(self.database)
        info, runs = data["info"], data["runs"]
        columns = ["point", "replication", *info["parameters"], *info["outcomes"], "status"]
        more = len(runs) - SHOWN_RUNS
        title = (f"scoresim sweep <b>{html.escape(info['name'])}</b> "
                 f"({html.escape(info['sampler'])}): {self.total:,} runs, {self.done:,} done "
                 f"and {self.failed:,} failed now, {self.skipped:,} done before "
                 f"({self.wall_seconds:.1f} s); "
                 f"<code>{html.escape(str(self.database))}</code>")  # fmt: skip
        tail = f"<p>{more:,} more runs: <code>to_frame()</code></p>" if more > 0 else ""
        return f"<div><p>{title}</p>{frame_html(runs[columns].head(SHOWN_RUNS))}{tail}</div>"


#: Runs a notebook shows of a sweep.
SHOWN_RUNS = 10


#: the most runs a sweep may have: its design is made in memory, one scenario a run
MAX_RUNS = 1_000_000


def design_runs(spec: SweepSpec) -> int:
    """How many runs the design of ``spec`` has (design points times replications), counted
    without making it.

    Examples
    --------
    >>> spec = SweepSpec.from_dict({
    ...     "name": "n", "sampler": "sobol", "samples": 8, "replications": 3,
    ...     "parameters": {"graph.rewire": {"low": 0.0, "high": 1.0},
    ...                    "adoption.imitation": {"low": 0.0, "high": 0.5}},
    ...     "outcomes": {"crit": {"metric": "critical_posts"}}})
    >>> design_runs(spec), len(spec.points())
    (96, 96)
    """
    d = len(spec.parameters)
    if spec.sampler == "grid":
        points = math.prod(len(p.values) if p.values is not None else p.levels
                           for p in spec.parameters)  # fmt: skip
    elif spec.sampler == "sobol":
        points = spec.samples * (2 * d + 2 if spec.second_order else d + 2)
    elif spec.sampler == "morris":
        points = spec.samples * (d + 1)
    else:
        points = spec.samples
    return points * spec.replications


def check_design_size(spec: SweepSpec) -> None:
    """Refuse, in one line, a design too big to make (a typo such as ``samples = 10000000``
    would otherwise fill the memory before anything runs)."""
    runs = design_runs(spec)
    if runs > MAX_RUNS:
        raise ScenarioError(f"samples: the design has {runs:,} runs (points x replications), "
                            f"more than {MAX_RUNS:,}")  # fmt: skip


def default_database(spec: SweepSpec) -> Path:
    """``results/<name>.duckdb``."""
    return Path("results") / f"{spec.name}.duckdb"


def sweep_spec(spec: SweepSpec | Mapping[str, Any] | str | Path) -> SweepSpec:
    """A sweep definition given as a file (SWEEP.toml), a mapping of its fields, or itself."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, Mapping):
        return SweepSpec.from_dict(dict(spec))
    return SweepSpec.load(spec)


def run_sweep(
    spec: SweepSpec | Mapping[str, Any] | str | Path,
    db: str | Path | None = None,
    workers: int = 1,
    backend: str = "local",
    address: str | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_run: Callable[[SweepPoint, RunOutput], None] | None = None,
    force: bool = False,
) -> SweepReport:
    """Run (or resume) a sweep into its DuckDB database.

    Parameters
    ----------
    spec : path, mapping or sweep spec
        The sweep: a SWEEP.toml file, a mapping of its fields or a validated ``SweepSpec``.
    db : path, optional
        The database file (default ``results/<name>.duckdb``).
    workers : int
        Parallel runs (processes locally, CPUs of a local Ray cluster).
    backend : str
        Where runs are computed, ``local`` or ``ray``; results are identical.
    address : str, optional
        Address of an existing Ray cluster (``ray`` backend only).
    on_start : callable, optional
        Called once with (runs to do, runs skipped as already done).
    on_run : callable, optional
        Called after each run is written, with its point and output.
    force : bool
        Skip the memory check (``scoresim.society.resources.check_memory``) of the runs that
        compute at once on this machine (a Ray cluster at ``address`` is not checked).

    Examples
    --------
    >>> import tempfile
    >>> spec = {"name": "doc", "set": {"population.agents": 100, "steps": 3},
    ...         "parameters": {"graph.rewire": {"values": [0.1, 1.0]}},
    ...         "outcomes": {"crit": {"metric": "critical_posts"}}}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     first = run_sweep(spec, f"{d}/s.duckdb")
    ...     again = run_sweep(spec, f"{d}/s.duckdb")
    ...     runs = again.to_frame()
    >>> (first.done, first.skipped), (again.done, again.skipped)
    ((2, 0), (0, 2))
    >>> runs[["graph.rewire", "status"]].values.tolist()
    [[0.1, 'done'], [1.0, 'done']]
    """
    spec = sweep_spec(spec)
    check_backend(workers, backend, address)
    if address:
        check_address(address)  # before anything is written: a wrong address is bad input
    started = time.perf_counter()
    path = Path(db) if db else default_database(spec)
    check_design_size(spec)
    points = spec.points()
    columns = metric_columns(Params.from_scenario(spec.base))
    if not address:  # before the database is made: a refused sweep leaves nothing behind
        runs = {pt.run_key: pt.scenario for pt in points}
        check_memory(runs.values(), concurrent=min(workers, len(runs)), force=force,
                     what="a sweep run")  # fmt: skip
    database = SweepDatabase.open(path, spec, points, columns)
    try:
        finished = database.finished_keys()
        todo: dict[str, SweepPoint] = {}
        for pt in points:
            if pt.run_key not in finished and pt.run_key not in todo:
                todo[pt.run_key] = pt
        unique = len({pt.run_key for pt in points})
        skipped = unique - len(todo)
        if on_start is not None:
            on_start(len(todo), skipped)
        done = failed = 0
        if todo:
            tasks = (RunTask(key, pt.scenario, pt.seed) for key, pt in todo.items())
            for out in execute(tasks, workers, backend, address):
                pt = todo[out.tag]
                outcomes = {}
                if out.ok and out.metrics is not None:
                    outcomes = {o.name: o.reduce(out.metrics) for o in spec.outcomes}
                status = "done" if out.ok else "failed"
                try:
                    database.write(pt, status, out.error, out.started, out.wall_seconds,
                                   outcomes, out.metrics if out.ok else None)  # fmt: skip
                except duckdb.Error as exc:  # e.g. metric columns the table does not have
                    out.error = f"cannot store the result: {str(exc).splitlines()[0]}"
                    database.write(pt, "failed", out.error, out.started, out.wall_seconds,
                                   {}, None)  # fmt: skip
                done += out.ok
                failed += not out.ok
                if on_run is not None:
                    on_run(pt, out)
    except (duckdb.Error, RuntimeError) as exc:
        if interrupted(exc):  # a signal mid-query, which DuckDB reports as its own error
            raise KeyboardInterrupt("interrupted during a database query") from None
        raise
    finally:
        database.close()
    return SweepReport(database=path, total=unique, skipped=skipped, done=done, failed=failed,
                       wall_seconds=time.perf_counter() - started)  # fmt: skip

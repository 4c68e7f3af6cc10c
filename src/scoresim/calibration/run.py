"""``scoresim calibrate``: run (or resume) a calibration and write its folder.

The database sits beside the folder (``results/calibrate-<name>.duckdb`` for the default
folder ``results/calibrate-<name>``); the folder is written atomically once the method and the
posterior predictive check are done. Rerunning the same file continues from the database:
stored simulations are read back, never run again. :func:`calibrate` is also the package
face's ``scoresim.calibrate``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.calibration.abc import AbcResult, AbcSettings, abc_smc
from scoresim.calibration.console import CalibrationProgress
from scoresim.calibration.evaluate import STAGES, Evaluator, Proposal, ScoresimEvaluator
from scoresim.calibration.history import HistoryResult, HistorySettings, history_match
from scoresim.calibration.outputs import check_draws, posterior_frame, write_folder
from scoresim.calibration.spec import METHODS, CalibrationSpec
from scoresim.calibration.store import CalibrationStore
from scoresim.core.errors import ScenarioError
from scoresim.experiments.backends import check_backend, session
from scoresim.experiments.console import frame_html


class CalibrationStoppedError(RuntimeError):
    """The time limit came before the first wave or generation was complete."""


@dataclass
class CalibrationRun:
    """What one invocation did."""

    folder: Path
    database: Path
    method: str
    stop: str
    earlier: int
    new: int
    wall_seconds: float
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: seconds the new simulations spent simulating in the workers (set-up and steps): against
    #: ``workers * wall_seconds``, the share of the workers' time that went to the model
    sim_seconds: float = 0.0

    def to_frame(self) -> pd.DataFrame:
        """The posterior summary (``summary.csv``): each parameter's prior range, posterior
        median and 90% credible interval."""
        return self.tables["summary"].copy()

    def _repr_html_(self) -> str:
        """The posterior summary, for a notebook."""
        title = (f"scoresim calibration ({html.escape(self.method)}, {html.escape(self.stop)}):"
                 f" posterior medians and 90% credible intervals; {self.new:,} new "
                 f"simulations, {self.earlier:,} earlier, {self.wall_seconds:.1f} s; "
                 f"<code>{html.escape(str(self.folder))}</code>")  # fmt: skip
        return f"<div><p>{title}</p>{frame_html(self.tables['summary'])}</div>"


class Silent:
    """A progress that shows nothing: ``calibrate(..., progress=False)``."""

    def __init__(self, *args: object) -> None:
        pass

    def __enter__(self) -> Silent:
        return self

    def __exit__(self, *args: object) -> None:
        pass

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args: None


def default_folder(spec: CalibrationSpec) -> Path:
    """``results/calibrate-<name>``."""
    return Path("results") / f"calibrate-{spec.name}"


def database_of(folder: Path) -> Path:
    """The database beside a calibration folder: ``<folder>.duckdb``."""
    return folder.with_name(folder.name + ".duckdb")


def check_options(method: str, workers: int, backend: str, address: str | None,
                  max_minutes: float | None) -> None:  # fmt: skip
    """One-line errors for bad command-line options (before anything is written)."""
    if method not in METHODS:
        raise ScenarioError(f"--method: must be one of {', '.join(METHODS)} (got {method!r})")
    check_backend(workers, backend, address)
    if max_minutes is not None and not max_minutes > 0:
        raise ScenarioError(f"--max-minutes: must be positive (got {max_minutes})")


def run_method(spec: CalibrationSpec, method: str, evaluate: Evaluator,
               progress: CalibrationProgress | None = None,
               deadline: float | None = None) -> AbcResult | HistoryResult:  # fmt: skip
    """Run history matching or ABC-SMC with the calibration's budget."""
    observed = np.array([t.mean for t in spec.targets])
    sd = np.array([t.sd for t in spec.targets])
    fitted = np.array([not t.held_out for t in spec.targets])
    b = spec.budget
    hooks: dict[str, Any] = {"deadline": deadline}
    if progress is not None:
        hooks.update(on_round=progress.round, on_point=progress.point)
    if method == "history":
        settings = HistorySettings(b.waves, b.points, b.cutoff, b.max_simulations,
                                   spec.replications)  # fmt: skip
        return history_match(spec.space, observed, sd, fitted, evaluate, settings, spec.seed,
                             **hooks)  # fmt: skip
    abc = AbcSettings(b.particles, b.generations, b.quantile, b.epsilon, b.max_simulations,
                      spec.replications)  # fmt: skip
    return abc_smc(spec.space, observed, sd, fitted, evaluate, abc, spec.seed, **hooks)


def predictive_check(
    spec: CalibrationSpec,
    posterior: pd.DataFrame,
    round_: int,
    evaluate: Evaluator,
    on_point: Callable[[int, float], None] | None = None,
) -> np.ndarray:
    """Target values ``[draw, k]`` of fresh simulations (one each) at posterior draws."""
    draws = check_draws(spec, posterior, spec.budget.checks, round_)
    values = np.full((len(draws), len(spec.targets)), np.nan)
    stream = (Proposal(i, d) for i, d in enumerate(draws))
    for done, ev in enumerate(evaluate("check", round_, stream), start=1):
        values[ev.index] = ev.values[0]
        if on_point is not None:
            on_point(done, float("nan"))
    return values


def calibrate(
    spec: CalibrationSpec | Mapping[str, Any] | str | Path,
    out: str | Path | None = None,
    method: str | None = None,
    workers: int = 1,
    backend: str = "local",
    address: str | None = None,
    max_minutes: float | None = None,
    progress: Callable[..., CalibrationProgress] | bool | None = None,
) -> CalibrationRun:
    """Run (or resume) a calibration and write its folder.

    Parameters
    ----------
    spec : path, mapping or calibration spec
        The calibration file (CAL.toml), a mapping of its fields (whose ``scenario`` and
        ``control`` may be :class:`~scoresim.Scenario` objects), or its validated
        ``CalibrationSpec``.
    out : path, optional
        The folder (default ``results/calibrate-<name>``; the database is ``<out>.duckdb``).
    method : str, optional
        ``history`` or ``abc`` (default: the file's).
    workers, backend, address
        Where simulations run (results are identical).
    max_minutes : float, optional
        Stop the method after this long (the last complete wave or generation is the result;
        the check then runs; a rerun continues).
    progress : callable or bool, optional
        A factory ``(method, rounds, width, earlier) -> CalibrationProgress``; by default
        ``CalibrationProgress`` (a bar on a terminal, a line per simulation elsewhere), False
        for none.

    Raises
    ------
    CalibrationStoppedError
        If the time limit came before the first round was complete (nothing written but
        the database).

    Examples
    --------
    >>> import tempfile
    >>> spec = CalibrationSpec.from_dict({
    ...     "name": "doc", "method": "abc", "set": {"population.agents": 200, "steps": 4},
    ...     "parameters": {"adoption.imitation": {"low": 0.01, "high": 0.5}},
    ...     "targets": [{"name": "late", "metric": "adoption", "step": 4, "value": 0.3,
    ...                  "sd": 0.1}],
    ...     "budget": {"particles": 4, "generations": 1, "checks": 2}})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     run = calibrate(spec, f"{d}/cal", progress=False)
    >>> run.to_frame()["parameter"].tolist(), run.method
    (['adoption.imitation'], 'abc')
    """
    if isinstance(spec, Mapping):
        spec = CalibrationSpec.from_dict(dict(spec))
    elif not isinstance(spec, CalibrationSpec):
        spec = CalibrationSpec.load(spec)
    method = method or spec.method
    check_options(method, workers, backend, address, max_minutes)
    folder = Path(out) if out else default_folder(spec)
    if folder.exists() and not folder.is_dir():
        raise ScenarioError(f"{folder}: exists and is not a folder")
    db = database_of(folder)
    started = time.perf_counter()
    deadline = None if max_minutes is None else time.monotonic() + 60.0 * max_minutes
    store = CalibrationStore.open(db, spec)
    try:
        earlier = store.count()
        b = spec.budget
        rounds, width = (b.waves, b.points) if method == "history" else (b.generations, b.particles)
        if progress is None or progress is True:
            progress = CalibrationProgress
        bar = (Silent if progress is False else progress)(method, rounds, width, earlier)
        # one set of workers for the waves or generations and the check, stopped however
        # the block ends
        with bar, session(workers, backend, address) as runner:
            evaluator = ScoresimEvaluator(spec, store, on_sim=bar.simulation, runner=runner)
            result = run_method(spec, method, evaluator, bar, deadline)
            posterior = posterior_frame(spec, result)
            if result.final is None:
                raise CalibrationStoppedError(f"stopped ({result.stop}) before the first "
                                         f"{'wave' if method == 'history' else 'generation'} "
                                         f"was complete; {store.count()} simulations are "
                                         f"stored in {db}; rerun to continue")  # fmt: skip
            final = int(getattr(result.final, "wave", getattr(result.final, "generation", 0)))
            round_ = 1000 * STAGES[method] + final
            checks = np.empty((0, len(spec.targets)))
            check = ScoresimEvaluator(spec, store, on_sim=bar.simulation, replications=1,
                                      runner=runner)  # fmt: skip
            check.new = evaluator.new
            if len(posterior):
                bar.start("predictive check", b.checks, "draws")
                checks = predictive_check(spec, posterior, round_, check, bar.point)
        sim_seconds = evaluator.sim_seconds + check.sim_seconds
        new = store.count() - earlier
        info = {"database": str(db), "workers": workers, "backend": backend,
                "simulations": store.count(), "new_simulations": new,
                "wall_seconds": round(time.perf_counter() - started, 3)}  # fmt: skip
        tables = write_folder(folder, spec, method, result, checks, info)
    finally:
        store.close()
    return CalibrationRun(folder, db, method, result.stop, earlier, new,
                          time.perf_counter() - started, tables, sim_seconds)  # fmt: skip

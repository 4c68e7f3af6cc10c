"""The dashboard's state and logic, with no web framework: testable without a browser.

A :class:`Controller` holds what one browser session sees: the scenario being edited (a preset or
a loaded TOML file plus the user's edits), a message per invalid input, and a pair of
simulations advanced in lock-step by a background thread: the scenario and its ``control`` (the
``control`` preset with the same population, graph, steps and seed, so it starts from the same
society). Commands (:meth:`run`, :meth:`pause`, :meth:`step`, :meth:`reset`) return at once; the
thread does the work, and :meth:`snapshot` gives an immutable copy of everything the page draws.

Threads: the commands only set flags under a lock that is never held across a build or a step
(the worker builds and steps outside it), so they take effect at once and the page shows the new
state as soon as a command returns; the worker reads the flags between steps, so a run stops
within one step. After each build or step the worker copies what the page draws into a
:class:`_Frame` and publishes it; the page reads only published frames, never the simulations
the worker is changing, so drawing never waits for a step to end.

Examples
--------
>>> from scoresim import Scenario
>>> c = Controller(Scenario.preset("seed").with_overrides({"population.agents": 300}))
>>> c.set_field("steps", "3")
>>> print(c.set_field("population.agents", "abc"))
population.agents: must be a whole number ('abc')
>>> c.run()
'fix the fields marked in red first'
>>> c.set_field("population.agents", "400")
>>> c.run()
>>> c.wait_idle(60)
True
>>> snap = c.snapshot()
>>> snap.t, snap.status.value, len(snap.treated), len(snap.control)
(3, 'done', 3, 3)
>>> c.close()
"""

from __future__ import annotations

import io
import math
import sys
import threading
import time
import tomllib
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.dashboard.fields import (
    MAX_AGENTS,
    MAX_STEPS,
    FieldSpec,
    editable_fields,
    format_value,
    get_value,
    parse_value,
)
from scoresim.dashboard.network import NetworkSample, NetworkView
from scoresim.errors import ScenarioError
from scoresim.metrics import metric_columns
from scoresim.params import Params
from scoresim.results import metrics_frame
from scoresim.scenario import Scenario, preset_names
from scoresim.simulation import Simulation

#: Largest scenario file the dashboard reads (an upload or a file under the scenario folder).
MAX_FILE_BYTES = 256 * 1024
#: Agents in the network drawing.
SAMPLE_SIZE = 240
NOT_ENROLLED = "not enrolled"


class Status(StrEnum):
    """Where the run stands."""

    READY = "ready"  # step 0
    RUNNING = "running"  # advancing to the horizon in the background
    STEPPING = "stepping"  # advancing a given number of steps
    PAUSED = "paused"  # between step 0 and the horizon
    DONE = "done"  # the horizon is reached
    ERROR = "error"  # building or stepping failed; the message says why


def control_for(scenario: Scenario) -> Scenario:
    """The ``control`` preset with the population, graph, steps and seed of ``scenario``.

    Examples
    --------
    >>> from scoresim import Scenario
    >>> s = Scenario.preset("seed").with_overrides({"population.agents": 500, "seed": 9})
    >>> c = control_for(s)
    >>> c.name, c.population.agents, c.seed, c.adoption.mandatory_step
    ('control', 500, 9, 'never')
    """
    d = scenario.to_dict()
    return Scenario.preset("control").with_overrides(
        {"population": d["population"], "graph": d["graph"], "steps": d["steps"], "seed": d["seed"]}
    )


def employment_by_tier(sim: Simulation) -> dict[str, float]:
    """Share employed among enrolled agents of each tier, and among agents not enrolled.

    NaN for a group with no agent.
    """
    soc = sim.society
    names = sim.params.tiers.names
    group = np.where(soc.enrolled, soc.tier.astype(np.int64), len(names))
    total = np.bincount(group, minlength=len(names) + 1)
    employed = np.bincount(group, weights=soc.employed.astype(np.float64), minlength=len(names) + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, employed / np.maximum(total, 1), np.nan)
    return dict(zip([*names, NOT_ENROLLED], share.tolist(), strict=True))


@dataclass
class _Runs:
    """The scenario and its control, stepped together, with what the page draws of them."""

    scenario: Scenario
    treated: Simulation
    control: Simulation
    sample: NetworkSample
    employment: list[dict[str, float]] = field(default_factory=list)

    @classmethod
    def build(cls, scenario: Scenario, sample_size: int) -> _Runs:
        treated = Simulation(scenario)
        control = Simulation(control_for(scenario))
        rng = np.random.default_rng([scenario.seed, 0x5C0])  # the drawing's own stream
        sample = NetworkSample.draw(treated.society.graph, sample_size, rng)
        return cls(scenario, treated, control, sample)

    @property
    def t(self) -> int:
        return self.treated.t

    def step(self) -> None:
        self.treated.step()
        self.control.step()
        self.employment.append(employment_by_tier(self.treated))

    def frame(self) -> _Frame:
        """A copy of what the page draws, taken by the worker thread (the only one that steps)."""
        soc = self.treated.society
        score = self.scenario.policy.score
        bins = np.linspace(score.min, score.max, 61)
        nodes = self.sample.nodes
        return _Frame(
            runs=self,
            t=self.treated.t,
            done=self.treated.done,
            treated=list(self.treated.rows),
            control=list(self.control.rows),
            employment=list(self.employment),
            score_bins=bins,
            score_counts=np.histogram(soc.score[soc.enrolled], bins=bins)[0],
            node_groups=np.where(soc.enrolled[nodes], soc.tier[nodes].astype(np.int64), -1),
            network=self.sample.view(soc.graph),
        )


@dataclass(frozen=True)
class _Frame:
    """The runs as of one step, published by the worker thread (read without touching them)."""

    runs: _Runs
    t: int
    done: bool
    treated: list[dict[str, float]]
    control: list[dict[str, float]]
    employment: list[dict[str, float]]
    score_bins: np.ndarray
    score_counts: np.ndarray
    node_groups: np.ndarray
    network: NetworkView


@dataclass(frozen=True)
class Snapshot:
    """Everything the page shows, copied at one instant (safe to read without a lock)."""

    version: int
    t: int
    horizon: int
    status: Status
    message: str
    steps_per_second: float
    pending: bool  # edits that apply at the next reset
    scenario_name: str
    tier_names: tuple[str, ...]
    tier_min_scores: tuple[float, ...]
    score_range: tuple[float, float]
    low_threshold: float
    treated: list[dict[str, float]]
    control: list[dict[str, float]]
    employment: list[dict[str, float]]
    score_bins: np.ndarray  # edges, len = counts + 1
    score_counts: np.ndarray  # enrolled agents per bin
    positions: np.ndarray | None  # (k, 2) layout of the sampled agents
    node_groups: np.ndarray | None  # tier index per sampled agent, -1 if not enrolled
    network: NetworkView | None


class Controller:
    """One session's dashboard state, with a background thread that advances the runs.

    Parameters
    ----------
    scenario : Scenario, optional
        The starting scenario (default: the ``seed`` preset).
    scenario_root : Path, optional
        The only folder from which scenario files (and edge lists) may be read by path.
    max_agents, max_steps : int
        Caps on the population and the horizon.
    sample_size : int
        Agents in the network drawing.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        scenario_root: Path | None = None,
        max_agents: int = MAX_AGENTS,
        max_steps: int = MAX_STEPS,
        sample_size: int = SAMPLE_SIZE,
    ) -> None:
        self.scenario_root = (scenario_root or Path.cwd()).resolve()
        self.max_agents = max_agents
        self.max_steps = max_steps
        self.sample_size = sample_size
        # guards the flags and the published frame; held only for a moment, never across a
        # build or a step, so commands and redraws never wait for the worker
        self._cond = threading.Condition(threading.RLock())
        self._thread: threading.Thread | None = None
        self._closed = False
        self._runs: _Runs | None = None  # stepped by the worker thread only
        self._frame: _Frame | None = None  # the runs as of their last published step
        self._in_flight = False  # the worker is building or stepping
        self._target: int | None = None
        self._running = False
        self._build_requested = False
        self._generation = 0
        self._error = ""
        self._step_times: deque[float] = deque(maxlen=40)
        self.version = 0
        self.load_message = ""
        self._set_base(scenario or Scenario.preset("seed"))

    # ------------------------------------------------------------------ scenario and fields
    def _set_base(self, scenario: Scenario) -> None:
        with self._cond:
            self.base = scenario
            self.fields: list[FieldSpec] = editable_fields(scenario)
            self._specs = {f.path: f for f in self.fields}
            self.edits: dict[str, Any] = {}
            self.texts: dict[str, str] = {}
            self._parse_errors: dict[str, str] = {}
            self.errors: dict[str, str] = {}
            self.scenario = scenario
            self._revalidate(None)
            self.reset()

    def text(self, path: str) -> str:
        """What the input of ``path`` shows: the typed text, or the scenario's value."""
        if path in self.texts:
            return self.texts[path]
        return format_value(get_value(self.scenario if not self.errors else self.base, path))

    def value(self, path: str) -> Any:
        """The current value of a field (the last valid one while the field has an error)."""
        return self.edits.get(path, get_value(self.base, path))

    def set_field(self, path: str, raw: Any) -> str | None:
        """Set a field from typed text or a slider value; return its error message, if any.

        A valid change is applied at once while the run is at step 0 (the society is rebuilt in
        the background), otherwise at the next :meth:`reset`.
        """
        spec = self._specs.get(path)
        if spec is None:
            raise KeyError(path)
        with self._cond:
            self.texts[path] = str(raw) if spec.kind != "probability" else format_value(raw)
            try:
                self.edits[path] = parse_value(spec, raw, self.max_agents, self.max_steps)
                self._parse_errors.pop(path, None)
            except ScenarioError as exc:
                self._parse_errors[path] = str(exc)
                self.edits.pop(path, None)
            self._revalidate(path)
            if not self.errors and self._t() == 0:
                self.reset()
            self._bump()
            return self.errors.get(path)

    def _field_for(self, message: str, fallback: str | None) -> str:
        """The field a validation message belongs to (its path prefix), else ``fallback``."""
        where = message.split(":", 1)[0].strip()
        matches = [p for p in self._specs if where == p or where.startswith(p + ".")]
        if matches:
            return max(matches, key=len)
        return fallback or "scenario"

    def _revalidate(self, edited: str | None) -> None:
        errors = dict(self._parse_errors)
        if not errors:
            try:
                candidate = self.base.with_overrides(self.edits) if self.edits else self.base
            except ScenarioError as exc:
                errors[self._field_for(str(exc), edited)] = str(exc)
            else:
                errors.update(self._dashboard_checks(candidate))
                if not errors:
                    self.scenario = candidate
        self.errors = errors

    def _dashboard_checks(self, scenario: Scenario) -> dict[str, str]:
        """The caps, and edge-list files only from inside the scenario folder."""
        out = {}
        if scenario.population.agents > self.max_agents:
            out["population.agents"] = (
                f"population.agents: at most {self.max_agents:,} agents in the dashboard "
                f"(got {scenario.population.agents:,})"
            )
        if scenario.steps > self.max_steps:
            out["steps"] = (
                f"steps: at most {self.max_steps:,} steps in the dashboard (got {scenario.steps:,})"
            )
        if scenario.graph.kind == "edgelist":
            path = (self.scenario_root / scenario.graph.path).resolve()
            if not path.is_relative_to(self.scenario_root):
                out["graph.path"] = (
                    f"graph.path: edge lists are read only from {self.scenario_root}"
                )
            elif not path.is_file():
                out["graph.path"] = f"graph.path: no such file under {self.scenario_root}"
        return out

    @property
    def general_errors(self) -> list[str]:
        """Messages that belong to no input field (shown above the fields)."""
        return [m for p, m in self.errors.items() if p not in self._specs]

    # ------------------------------------------------------------------ loading
    def choose_preset(self, name: str) -> None:
        """Start over from a bundled preset."""
        if name not in preset_names():
            self.load_message = f"unknown preset {name!r}"
            self._bump()
            return
        self.load_message = ""
        self._set_base(Scenario.preset(name))

    def load_toml(self, data: bytes | str, filename: str = "uploaded.toml") -> str | None:
        """Load a scenario from TOML text (parsed only, never executed); return an error."""
        if len(data) > MAX_FILE_BYTES:
            return self._load_failed(f"{filename}: larger than {MAX_FILE_BYTES // 1024} KiB")
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            doc = tomllib.loads(text)
        except UnicodeDecodeError:
            return self._load_failed(f"{filename}: not UTF-8 text")
        except tomllib.TOMLDecodeError as exc:
            return self._load_failed(f"{filename}: malformed TOML ({exc})")
        if "name" not in doc:
            doc = {"name": Path(filename).stem, "description": f"scenario file {filename}", **doc}
        graph = doc.get("graph")
        if isinstance(graph, dict) and isinstance(graph.get("path"), str) and graph["path"]:
            resolved = (self.scenario_root / graph["path"]).resolve()
            if not resolved.is_relative_to(self.scenario_root):
                return self._load_failed(
                    f"graph.path: edge lists are read only from {self.scenario_root}"
                )
            doc = {**doc, "graph": {**graph, "path": str(resolved)}}
        try:
            scenario = Scenario.from_dict(doc, source=filename)
        except ScenarioError as exc:
            return self._load_failed(str(exc))
        self.load_message = f"loaded {filename}"
        self._set_base(scenario)
        return None

    def load_path(self, relative: str) -> str | None:
        """Load a ``.toml`` file by its path inside the scenario folder; return an error."""
        relative = relative.strip()
        if not relative:
            return self._load_failed("give a path to a .toml file")
        path = (self.scenario_root / relative).resolve()
        if not path.is_relative_to(self.scenario_root):
            return self._load_failed(
                f"{relative}: scenario files are read only from {self.scenario_root}"
            )
        if path.suffix != ".toml":
            return self._load_failed(f"{relative}: not a .toml file")
        if not path.is_file():
            return self._load_failed(f"{relative}: no such file in {self.scenario_root}")
        if path.stat().st_size > MAX_FILE_BYTES:
            return self._load_failed(f"{relative}: larger than {MAX_FILE_BYTES // 1024} KiB")
        return self.load_toml(path.read_bytes(), path.name)

    def _load_failed(self, message: str) -> str:
        self.load_message = message
        self._bump()
        return message

    # ------------------------------------------------------------------ commands
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._work, name="scoresim-dashboard", daemon=True
            )
            self._thread.start()

    def _blocked(self) -> str | None:
        if self.errors:
            return "fix the fields marked in red first"
        if self._error:
            return "reset after an error"
        return None

    def _order(self, running: bool, target: int) -> None:
        """Hand the worker thread what to do next and wake it (the caller holds the lock)."""
        self._running = running
        self._target = target
        self._ensure_thread()
        self._cond.notify_all()
        self._bump()

    def run(self) -> str | None:
        """Advance in the background until the horizon or :meth:`pause`; return a refusal."""
        with self._cond:
            if (why := self._blocked()) is not None:
                return why
            if self._frame is not None and self._frame.done:
                return "the horizon is reached: reset to run again"
            self._order(running=True, target=sys.maxsize)
        return None

    def pause(self) -> None:
        """Stop after the step in progress (the status says paused at once)."""
        with self._cond:
            self._running = False
            self._target = None
            self._bump()

    def step(self, n: int = 1) -> str | None:
        """Advance ``n`` steps in the background (pausing a run first); return a refusal."""
        with self._cond:
            if (why := self._blocked()) is not None:
                return why
            fresh = self._runs is None or (self._t() == 0 and self._runs.scenario != self.scenario)
            t = 0 if fresh else self._t()
            self._order(running=False, target=t + max(1, int(n)))
        return None

    def reset(self) -> None:
        """Back to step 0 with the current scenario (the society is rebuilt in the background)."""
        with self._cond:
            self._generation += 1
            self._runs = None
            self._frame = None
            self._running = False
            self._target = None
            self._error = ""
            self._step_times.clear()
            self._build_requested = not self.errors
            if self._build_requested:
                self._ensure_thread()
            self._cond.notify_all()
            self._bump()

    def close(self) -> None:
        """Stop the background thread (the session ended)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no build or step is pending or under way; False on timeout (for tests)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy() or (self._in_flight and not self._closed):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
        return True

    # ------------------------------------------------------------------ the background thread
    def _t(self) -> int:
        """The published step (0 before the first)."""
        return self._frame.t if self._frame is not None else 0

    def _busy(self) -> bool:
        if self._error or self._closed:
            return False
        if self._build_requested:
            return True
        if self._target is None:
            return False
        frame = self._frame
        return frame is None or (frame.t < self._target and not frame.done)

    def _work(self) -> None:
        while True:
            with self._cond:  # the commands' flags, read between steps
                while not self._closed and not self._busy():
                    self._cond.wait()
                if self._closed:
                    return
                generation, scenario, runs = self._generation, self.scenario, self._runs
                rebuild = runs is None or (runs.t == 0 and runs.scenario != scenario)
                self._in_flight = True
            try:
                self._advance(generation, scenario, runs, rebuild)
            finally:
                with self._cond:
                    self._in_flight = False
                    self._cond.notify_all()

    def _advance(
        self, generation: int, scenario: Scenario, runs: _Runs | None, rebuild: bool
    ) -> None:
        """Build the runs or advance them one step, without the lock; then publish the result."""
        try:
            # pause, reset and the page's redraws go ahead meanwhile; their effect is seen
            # before the next step
            if rebuild or runs is None:
                runs = _Runs.build(scenario, self.sample_size)
            else:
                runs.step()
            frame = runs.frame()
        except Exception as exc:  # shown on the page; the server keeps serving
            with self._cond:
                if generation == self._generation:
                    self._error = f"{type(exc).__name__}: {exc}"
                    self._target = None
                    self._running = False
                    self._build_requested = False
                    self._bump()
            return
        with self._cond:
            if generation != self._generation:
                return  # reset meanwhile: the result is dropped
            if rebuild:
                self._runs = runs
                self._build_requested = False
            elif self._runs is not runs:
                return
            else:
                self._step_times.append(time.perf_counter())
                if frame.done or (self._target is not None and frame.t >= self._target):
                    self._target = None
                    self._running = False
            self._frame = frame
            self._bump()

    def _bump(self) -> None:
        with self._cond:
            self.version += 1
            self._cond.notify_all()

    # ------------------------------------------------------------------ reading
    @property
    def status(self) -> Status:
        """The run's state."""
        with self._cond:
            frame = self._frame
            if self._error:
                return Status.ERROR
            if self._running:
                return Status.RUNNING
            if self._target is not None:
                return Status.STEPPING
            if frame is not None and frame.done:
                return Status.DONE
            if frame is not None and frame.t > 0:
                return Status.PAUSED
            return Status.READY

    def steps_per_second(self) -> float:
        """Recent speed of the background loop (scenario and control together)."""
        with self._cond:
            times = list(self._step_times)
        if len(times) < 2 or time.perf_counter() - times[-1] > 1.0:
            return 0.0
        return (len(times) - 1) / max(times[-1] - times[0], 1e-9)

    def snapshot(self) -> Snapshot:
        """A copy of everything the page draws (the flags now, the runs as last published)."""
        with self._cond:
            frame = self._frame
            shown = frame.runs.scenario if frame is not None else self.scenario
            status = self.status
            message = self._error
            if not message and self.errors:
                message = "fix the fields marked in red to run"
            version = self.version
            pending = frame is not None and frame.t > 0 and frame.runs.scenario != self.scenario
        tiers = shown.tiers
        lo, hi = shown.policy.score.min, shown.policy.score.max
        return Snapshot(
            version=version,
            t=frame.t if frame is not None else 0,
            horizon=shown.steps,
            status=status,
            message=message,
            steps_per_second=self.steps_per_second(),
            pending=pending,
            scenario_name=shown.name,
            tier_names=tuple(t.name for t in tiers),
            tier_min_scores=tuple(t.min_score for t in tiers),
            score_range=(lo, hi),
            low_threshold=shown.policy.low_threshold,
            treated=frame.treated if frame is not None else [],
            control=frame.control if frame is not None else [],
            employment=frame.employment if frame is not None else [],
            score_bins=frame.score_bins if frame is not None else np.linspace(lo, hi, 61),
            score_counts=frame.score_counts if frame is not None else np.zeros(60, np.int64),
            positions=frame.runs.sample.positions if frame is not None else None,
            node_groups=frame.node_groups if frame is not None else None,
            network=frame.network if frame is not None else None,
        )

    # ------------------------------------------------------------------ downloads
    def scenario_toml(self) -> str:
        """The scenario with the user's edits (the last valid one), as TOML."""
        with self._cond:
            return self.scenario.to_toml()

    def metrics_frame(self) -> pd.DataFrame:
        """Metrics so far of the scenario and its control, a ``run`` column first."""
        with self._cond:
            frame = self._frame
            if frame is None:
                columns = metric_columns(Params.from_scenario(self.scenario))
                return pd.DataFrame(columns=["run", *columns])
        runs = frame.runs  # the published rows: no waiting for, or racing with, a step
        treated = metrics_frame(frame.treated, metric_columns(runs.treated.params))
        control = metrics_frame(frame.control, metric_columns(runs.control.params))
        name = runs.scenario.name
        control = control.reindex(columns=treated.columns)
        frame = pd.concat([treated.assign(run=name), control.assign(run="control")])
        return frame[["run", *treated.columns]].reset_index(drop=True)

    def metrics_csv(self) -> bytes:
        """:meth:`metrics_frame` as CSV."""
        return self.metrics_frame().to_csv(index=False).encode()

    def metrics_parquet(self) -> bytes:
        """:meth:`metrics_frame` as Parquet."""
        buf = io.BytesIO()
        self.metrics_frame().to_parquet(buf, index=False)
        return buf.getvalue()

    def kpis(self, snap: Snapshot) -> dict[str, float]:
        """Headline numbers of the last step: effects relative to the control."""
        if not snap.treated:
            return {}
        row, ctl = snap.treated[-1], snap.control[-1]
        crit = ctl["critical_posts"]
        return {
            "enrolled": row["adoption"],
            "chilling": 1 - row["critical_posts"] / crit if crit > 0 else math.nan,
            "gap": row["falsification_gap"],
            "gap_control": ctl["falsification_gap"],
            "isolated": row["isolated"],
            "isolated_control": ctl["isolated"],
            "employment_poor": row["employment_poor"],
        }

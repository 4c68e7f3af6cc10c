"""One page's dashboard state and commands, with no web framework: testable without a browser.

A :class:`Controller` holds what one browser session sees: the first system (a preset or a
loaded TOML file, plus the user's edits, a message per invalid input), up to three more systems
chosen to run beside it, and the ``control``; all on the first system's society (same
population, graph, horizon and seed, see :func:`~scoresim.experiments.arms.same_society`).
A :class:`~scoresim.dashboard.worker.Worker` builds and steps them in lock-step in a background
thread at the chosen pace; :meth:`Controller.snapshot` copies what the page draws, at the
newest week or at an earlier one (:meth:`Controller.scrub`).

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
>>> c.set_pace(None); c.run(); c.wait_idle(60)
True
>>> snap = c.snapshot()
>>> snap.t, snap.status.value, [a.name for a in snap.all_arms], len(snap.control.rows)
(3, 'done', ['seed', 'control'], 3)
>>> c.scrub(1); c.snapshot().t, len(c.snapshot().arms[0].rows)
(1, 1)
>>> c.close()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scoresim.core.errors import ScenarioError
from scoresim.dashboard import exports
from scoresim.dashboard.arms import ArmSpec, control_for
from scoresim.dashboard.editor import ScenarioEditor
from scoresim.dashboard.fields import MAX_AGENTS, MAX_STEPS
from scoresim.dashboard.loading import read_path, read_scenario
from scoresim.dashboard.slots import RunSlots
from scoresim.dashboard.snapshot import Snapshot, events_of, views
from scoresim.dashboard.worker import Status, Worker
from scoresim.describe.systems import (
    COUNTERFACTUAL,
    DOCUMENTED,
    USER,
    SystemStatus,
    caveat,
    describe,
    figure_caveat,
    system_colours,
)
from scoresim.experiments.arms import same_society
from scoresim.scenario import Scenario, preset_names
from scoresim.scenario.versions import code_line

#: The first system a page opens with (a link may name another).
DEFAULT_SYSTEM = "seed"
#: Systems side by side (besides the control).
MAX_SYSTEMS = 4
#: Agents in the network drawing.
SAMPLE_SIZE = 240
CONTROL = "control"
FIX_FIELDS = "fix the fields marked in red first"


class Controller(ScenarioEditor):
    """One session's dashboard state; a background worker advances the runs.

    Parameters
    ----------
    scenario : Scenario, optional
        The first system (default: the :data:`DEFAULT_SYSTEM` preset, as it ships).
    scenario_root : Path, optional
        The only folder from which scenario files (and edge lists) may be read by path.
    max_agents, max_steps : int
        Caps on the population and the horizon.
    sample_size : int
        Agents in the network drawing.
    slots : RunSlots, optional
        The server's cap on runs going at once (default: a cap of its own, 4).
    link : str, optional
        A preset name or a ``.toml`` file in the scenario folder to start from instead (a link's
        ``?scenario=``); a name that is neither is reported as a failed load.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        scenario_root: Path | None = None,
        max_agents: int = MAX_AGENTS,
        max_steps: int = MAX_STEPS,
        sample_size: int = SAMPLE_SIZE,
        slots: RunSlots | None = None,
        link: str | None = None,
    ) -> None:
        self.scenario_root = (scenario_root or Path.cwd()).resolve()
        self.max_agents = max_agents
        self.max_steps = max_steps
        self.worker = Worker(slots or RunSlots(), sample_size)
        self.loaded: dict[str, Scenario] = {}  # scenario files loaded in this session, by label
        self.extras: list[str] = []  # the systems run beside the first one
        self.view_week: int | None = None  # an earlier week shown (None: the newest)
        self.focus_name: str | None = None  # the system whose tiers and network are drawn
        self.load_message = ""
        self.load_ok = False
        self.edit_version = 0
        self._current: tuple[ArmSpec, ...] | None = None  # the systems as now edited
        self._shown: tuple[ArmSpec, ...] | None = None  # the last valid systems
        first = scenario or Scenario.preset(DEFAULT_SYSTEM)
        label, loaded = first.name, None
        if link:  # what a link names replaces the default before anything is built
            first, label, loaded = self._from_link(link.strip(), first)
        self._set_base(first, label)
        if loaded is not None:
            self.load_message, self.load_ok = loaded

    @property
    def version(self) -> int:
        """Grows with every change the page should show: its own, and the server's run slots
        and line (the runs counter and the place in line)."""
        return self.worker.version + self.worker.slots.version

    def _bump(self) -> None:
        self.edit_version += 1  # the sidebar's inputs redraw only when this changes
        self.worker.bump()

    # ------------------------------------------------------------------ systems
    def library(self) -> list[str]:
        """What the selectors offer: the presets but the controls (the control is always run)
        and loaded files."""
        systems = [n for n in preset_names() if describe(n).status != COUNTERFACTUAL]
        return systems + list(self.loaded)

    def lookup(self, name: str) -> Scenario:
        """A preset or a loaded scenario by its label."""
        return self.loaded[name] if name in self.loaded else Scenario.preset(name)

    def choose(self, name: str) -> None:
        """Start over from a preset or a loaded scenario as the first system."""
        if name not in self.library():
            self.load_message, self.load_ok = f"unknown scenario {name!r}", False
            self._bump()
            return
        self.load_message, self.load_ok = "", False
        self.extras = [n for n in self.extras if n != name]
        self._set_base(self.lookup(name), name)

    def set_systems(self, extras: list[str]) -> str | None:
        """Choose the systems run beside the first one (at most three); return a refusal."""
        extras = [n for n in dict.fromkeys(extras) if n != self.base_label]
        unknown = [n for n in extras if n not in self.library()]
        if unknown:
            return self._refuse(f"unknown scenario {unknown[0]!r}")
        if len(extras) > MAX_SYSTEMS - 1:
            return self._refuse(f"at most {MAX_SYSTEMS} systems side by side, with the control")
        self.extras = extras
        self.systems_message = ""
        self._refresh(None)
        return None

    def _refuse(self, message: str) -> str:
        self.systems_message = message
        self._bump()
        return message

    def set_focus(self, name: str) -> None:
        """Draw the tiers and the network of this system."""
        self.focus_name = name
        self._bump()

    def _status(self, label: str) -> SystemStatus:
        """A loaded file is the user's own, and so is a documented preset the user edited."""
        if label in self.loaded:
            return USER
        status = describe(label).status
        edited = label == self.base_label and self.edits
        return USER if edited and status == DOCUMENTED else status

    def _make_specs(self) -> tuple[ArmSpec, ...] | None:
        """The systems and the control on the first system's society (None while invalid)."""
        if self.errors:
            return None
        names = [self.base_label, *self.extras]
        colours = system_colours([*names, CONTROL])
        specs = [ArmSpec(self.base_label, self.scenario, colours[self.base_label],
                         self._status(self.base_label))]  # fmt: skip
        for name in self.extras:
            try:
                scenario = same_society(self.lookup(name), self.scenario)
            except ScenarioError as exc:
                self.errors["systems"] = f"{name} on this society: {exc}"
                return None
            specs.append(ArmSpec(name, scenario, colours[name], self._status(name)))
        control = control_for(self.scenario)
        specs.append(ArmSpec(CONTROL, control, colours[CONTROL], COUNTERFACTUAL, control=True))
        return tuple(specs)

    # ------------------------------------------------------------------ scenario and fields
    def _set_base(self, scenario: Scenario, label: str) -> None:
        self._edit(scenario)
        self.base_label = label
        self.systems_message = ""
        self.focus_name = None
        self._refresh(None, rebuild=True)

    def _refresh(self, edited: str | None, rebuild: bool = False) -> None:
        """Revalidate; at step 0 (or when asked) rebuild if the systems changed."""
        self._revalidate(edited)
        specs = self._current = self._make_specs()
        if specs is not None:
            self._shown = specs
        published = self.worker.published
        at_start = published is None or published.t == 0
        if rebuild or (at_start and specs != self.worker.specs):
            self.view_week = None
            self.worker.reset(specs)
        self._bump()

    # ------------------------------------------------------------------ loading
    def load_toml(self, data: bytes | str, filename: str = "uploaded.toml") -> str | None:
        """Load a scenario from TOML text (parsed only, never executed); return an error.

        It becomes the first system and joins the selectors under its name (with the file name
        if a preset has that name); a failed load changes nothing and says why.
        """
        try:
            scenario = read_scenario(data, filename, self.scenario_root)
        except ScenarioError as exc:
            self.load_message, self.load_ok = str(exc), False
            self._bump()
            return str(exc)
        label = self._register(scenario, filename)
        self.extras = [n for n in self.extras if n != label]
        self._set_base(scenario, label)
        self.load_message, self.load_ok = f"loaded {label}", True
        self._bump()
        return None

    def _register(self, scenario: Scenario, filename: str) -> str:
        """Offer a loaded scenario in the selectors; return its label (with the file name if a
        preset has its name)."""
        label = scenario.name
        if label in preset_names():
            label = f"{label} ({filename})"
        self.loaded[label] = scenario
        return label

    def _from_link(
        self, name: str, fallback: Scenario
    ) -> tuple[Scenario, str, tuple[str, bool] | None]:
        """The scenario a link names, its label and the load message (None for a preset)."""
        if name in self.library():
            return Scenario.preset(name), name, None
        if not name.endswith(".toml"):
            presets = ", ".join(self.library())
            return fallback, fallback.name, (f"{name}: not a preset ({presets}) nor a .toml file",
                                             False)  # fmt: skip
        try:
            data, filename = read_path(name, self.scenario_root)
            scenario = read_scenario(data, filename, self.scenario_root)
        except ScenarioError as exc:
            return fallback, fallback.name, (str(exc), False)
        label = self._register(scenario, filename)
        return scenario, label, (f"loaded {label}", True)

    def load_path(self, relative: str) -> str | None:
        """Load a ``.toml`` file by its path inside the scenario folder; return an error."""
        try:
            data, name = read_path(relative, self.scenario_root)
        except ScenarioError as exc:
            self.load_message, self.load_ok = str(exc), False
            self._bump()
            return str(exc)
        return self.load_toml(data, name)

    # ------------------------------------------------------------------ commands
    def run(self) -> str | None:
        """Advance at the set pace until the horizon or :meth:`pause`; return a refusal."""
        if self.errors:
            return FIX_FIELDS
        self.view_week = None
        return self.worker.run()

    def step(self, n: int = 1) -> str | None:
        """Advance ``n`` steps (pausing a run first); return a refusal."""
        if self.errors:
            return FIX_FIELDS
        self.view_week = None
        return self.worker.step(n)

    def pause(self) -> None:
        """Stop after the step in progress."""
        self.worker.pause()

    def reset(self) -> None:
        """Back to step 0 with the current systems (rebuilt in the background)."""
        self.view_week = None
        self.worker.reset(self._current)

    def set_pace(self, pace: float | None) -> None:
        """Weeks per second while running (``None``: as fast as it runs)."""
        self.worker.set_pace(pace)

    def scrub(self, week: int | None) -> None:
        """Show an earlier week (pausing the run); ``None`` or the newest week: follow the run."""
        published = self.worker.published
        latest = published.t if published is not None else 0
        if week is not None and int(week) < latest:
            self.worker.pause()
            self.view_week = max(0, int(week))
        else:
            self.view_week = None
        self._bump()

    def close(self) -> None:
        """Stop the background thread and free the runs (the session ended)."""
        self.worker.close()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no build or step is pending or under way; False on timeout (for tests)."""
        return self.worker.wait_idle(timeout)

    @property
    def status(self) -> Status:
        """The run's state."""
        return self.worker.status

    # ------------------------------------------------------------------ reading
    def snapshot(self) -> Snapshot:
        """A copy of everything the page draws (the flags now, the runs as last published)."""
        worker = self.worker
        with worker.cond:
            published = worker.published
            status = worker.status
            message = worker.error or (FIX_FIELDS.replace("first", "to run") if self.errors else "")
            version = worker.version
            pace = worker.pace
            current = self._current
        specs = published.runs.specs if published is not None else (current or self._shown)
        if specs is None:
            specs = self._fallback_specs()
        latest = published.t if published is not None else 0
        week = latest if self.view_week is None else min(self.view_week, latest)
        arms, control, focus, tiers = views(specs, published, week, self.focus_name)
        events = [e for s in specs if not s.control for e in events_of(s.name, s.scenario)]
        return Snapshot(
            version=version,
            t=week,
            latest=latest,
            horizon=specs[0].scenario.steps,
            status=status,
            message=message,
            steps_per_second=worker.steps_per_second(),
            pace=pace,
            pending=published is not None and latest > 0 and current != published.runs.specs,
            arms=arms,
            control=control,
            focus=focus,
            tiers=tiers,
            events=tuple(events),
            caveat=caveat([describe(s.name, preset=s.status != USER) for s in specs], brief=True),
            runs_in_use=worker.slots.in_use,
            max_runs=worker.slots.limit,
            figure_caveat=figure_caveat(
                [describe(s.name, preset=s.status != USER) for s in specs],
                code_line([s.scenario for s in specs], commit=False),
            ),
            waiting=worker.slots.waiting,
            queue_position=worker.queue_position,
        )

    def _fallback_specs(self) -> tuple[ArmSpec, ...]:
        """What to label an empty page with when even the first scenario is invalid."""
        colours = system_colours([self.base_label, CONTROL])
        return (
            ArmSpec(
                self.base_label, self.base, colours[self.base_label], self._status(self.base_label)
            ),
            ArmSpec(CONTROL, control_for(self.base), colours[CONTROL], COUNTERFACTUAL, True),
        )

    # ------------------------------------------------------------------ downloads
    def scenario_toml(self) -> str:
        """The first system with the user's edits (the last valid one), as TOML."""
        return self.scenario.to_toml()

    def metrics_frame(self) -> Any:
        """Metrics so far of every system and the control, a ``run`` column first."""
        return exports.metrics_frame(self.worker.published, self._shown or self._fallback_specs())

    def metrics_csv(self) -> bytes:
        """:meth:`metrics_frame` as CSV."""
        return self.metrics_frame().to_csv(index=False).encode()

    def metrics_parquet(self) -> bytes:
        """:meth:`metrics_frame` as Parquet."""
        return exports.parquet_bytes(self.metrics_frame())

    def snapshot_html(self) -> bytes:
        """The view now as one self-contained HTML file (a handout)."""
        return exports.snapshot_html(self.snapshot()).encode()

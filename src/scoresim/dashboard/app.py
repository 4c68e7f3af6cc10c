"""The Solara page: controls in the sidebar, headline numbers and live charts in the main area.

Every browser session gets its own :class:`~scoresim.dashboard.controller.Controller`; a small
poller thread re-renders the page a few times a second while the controller's background thread
advances the simulation, so the page stays responsive however fast the runs go.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import solara

from scoresim.dashboard.charts import CHARTS, network_chart
from scoresim.dashboard.controller import Controller, Snapshot, Status
from scoresim.dashboard.echarts import Echart
from scoresim.dashboard.fields import GROUPS, MAX_AGENTS, MAX_STEPS, FieldSpec
from scoresim.scenario import preset_names

#: Seconds between page refreshes while the simulation advances.
REFRESH_SECONDS = 0.25


@dataclass(frozen=True)
class DashboardConfig:
    """Server-wide settings; :func:`scoresim.dashboard.server.serve` passes them by environment.

    Examples
    --------
    >>> DashboardConfig.from_env({"SCORESIM_DASHBOARD_MAX_AGENTS": "1000"}).max_agents
    1000
    """

    scenario_root: Path = field(default_factory=Path.cwd)
    max_agents: int = MAX_AGENTS
    max_steps: int = MAX_STEPS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DashboardConfig:
        """Read ``SCORESIM_DASHBOARD_{ROOT,MAX_AGENTS,MAX_STEPS}`` (caps never exceed the
        defaults)."""
        env = os.environ if env is None else env
        root = env.get("SCORESIM_DASHBOARD_ROOT")
        return cls(
            scenario_root=Path(root) if root else Path.cwd(),
            max_agents=min(int(env.get("SCORESIM_DASHBOARD_MAX_AGENTS", MAX_AGENTS)), MAX_AGENTS),
            max_steps=min(int(env.get("SCORESIM_DASHBOARD_MAX_STEPS", MAX_STEPS)), MAX_STEPS),
        )


def slug(path: str) -> str:
    """A CSS class name for a field path (``policy.detect.critical`` -> ``policy-detect-critical``).

    Examples
    --------
    >>> slug("tiers.1.min_score")
    'tiers-1-min_score'
    """
    return path.replace(".", "-")


def _pct(x: float | None, digits: int = 1) -> str:
    return "-" if x is None or math.isnan(x) else f"{100 * x:.{digits}f}%"


@solara.component
def FieldInput(controller: Controller, spec: FieldSpec, version: int, on_change: Any) -> None:  # noqa: N802
    """One scenario field: a slider for a probability, else a text input; its error beside it."""
    error = controller.errors.get(spec.path)

    def on_value(value: Any) -> None:
        controller.set_field(spec.path, value)
        on_change()

    with solara.Div(classes=["field", f"field-{slug(spec.path)}"], style={"margin-bottom": "10px"}):
        if spec.kind == "probability":
            value = float(controller.value(spec.path))
            solara.Text(
                f"{spec.label}: {value:g}",
                classes=["slider-label"],
                style={"font-size": "13px", "color": "#333"},
            )
            solara.SliderFloat(
                "",
                value=value,
                min=0.0,
                max=1.0,
                step=spec.slider_step,
                on_value=on_value,
                thumb_label=False,
            )
            if error:
                solara.Text(
                    error, style={"color": "#c62828", "font-size": "12px"}, classes=["field-error"]
                )
        else:
            solara.InputText(
                spec.label,
                value=controller.text(spec.path),
                on_value=on_value,
                error=error or False,
                message=spec.help or None,
                dense=True,
                classes=["field-error"] if error else [],
            )


@solara.component
def ScenarioPicker(controller: Controller, on_change: Any) -> None:  # noqa: N802
    """Choose a preset, upload a TOML file, or load one by path inside the scenario folder."""

    def choose(name: str) -> None:
        controller.choose_preset(name)
        on_change()

    def on_file(info: dict[str, Any]) -> None:
        data = info["file_obj"].read(controller_max_bytes() + 1)
        controller.load_toml(data, info["name"])
        on_change()

    def by_path(text: str) -> None:
        if text and text.strip():
            controller.load_path(text)
            on_change()

    solara.Select(
        "Preset",
        values=preset_names(),
        value=controller.base.name if controller.base.name in preset_names() else None,
        on_value=choose,
    )
    solara.FileDrop(label="Drop a scenario .toml here (parsed, never run)", on_file=on_file)
    solara.InputText(
        "or a .toml path in the scenario folder",
        value="",
        on_value=by_path,
        message=f"folder: {controller.scenario_root}",
        dense=True,
    )
    if controller.load_message:
        if controller.load_message.startswith("loaded"):
            solara.Success(controller.load_message, dense=True)
        else:
            solara.Error(controller.load_message, dense=True, classes=["load-error"])


def controller_max_bytes() -> int:
    """The upload size cap."""
    from scoresim.dashboard.controller import MAX_FILE_BYTES

    return MAX_FILE_BYTES


@solara.component
def RunControls(controller: Controller, snap: Snapshot, on_change: Any) -> None:  # noqa: N802
    """Run, pause, step and reset, and the step counter."""
    refusal, set_refusal = solara.use_state("")

    def act(command: Any) -> Any:
        def handler() -> None:
            set_refusal(command() or "")
            on_change()

        return handler

    running = snap.status in (Status.RUNNING, Status.STEPPING)
    blocked = bool(controller.errors) or snap.status == Status.ERROR
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button(
            "Run",
            icon_name="mdi-play",
            color="primary",
            on_click=act(controller.run),
            disabled=running or blocked or snap.status == Status.DONE,
        )
        solara.Button(
            "Pause", icon_name="mdi-pause", on_click=act(controller.pause), disabled=not running
        )
        solara.Button(
            "Step",
            icon_name="mdi-step-forward",
            on_click=act(controller.step),
            disabled=running or blocked or snap.status == Status.DONE,
        )
        solara.Button("Reset", icon_name="mdi-restore", on_click=act(controller.reset))
    rate = f" · {snap.steps_per_second:.0f} steps/s" if snap.steps_per_second > 0 else ""
    solara.Text(
        f"Step {snap.t} / {snap.horizon} · {snap.status.value}{rate}",
        classes=["step-readout"],
        style={"font-weight": "bold"},
    )
    if snap.pending:
        solara.Info("Changed parameters apply at the next Reset.", dense=True)
    if snap.status == Status.ERROR:
        solara.Error(snap.message, dense=True, classes=["run-error"])
    elif refusal:
        solara.Warning(refusal, dense=True)
    for message in controller.general_errors:
        solara.Error(message, dense=True, classes=["field-error"])


@solara.component
def Downloads(controller: Controller, snap: Snapshot) -> None:  # noqa: N802
    """The scenario as TOML and the metrics (scenario and control) as CSV or Parquet."""
    name = controller.scenario.name
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.FileDownload(
            lambda: controller.scenario_toml().encode(), f"{name}.toml", label="Scenario TOML"
        )
        solara.FileDownload(controller.metrics_csv, f"{name}-metrics.csv", label="Metrics CSV")
        solara.FileDownload(
            controller.metrics_parquet, f"{name}-metrics.parquet", label="Metrics Parquet"
        )


@solara.component
def Kpi(label: str, value: str, note: str = "") -> None:  # noqa: N802
    """One headline number."""
    with solara.Card(style={"min-width": "150px", "padding": "4px 10px", "margin": "0"}):
        solara.Text(label, style={"font-size": "12px", "color": "#555"})
        solara.Text(value, style={"font-size": "22px", "font-weight": "bold", "display": "block"})
        if note:
            solara.Text(note, style={"font-size": "11px", "color": "#777"})


@solara.component
def Headline(controller: Controller, snap: Snapshot) -> None:  # noqa: N802
    """Step counter and effect estimates against the control at the last step."""
    k = controller.kpis(snap)
    with solara.Row(gap="10px", style={"flex-wrap": "wrap", "margin-bottom": "8px"}):
        Kpi("Step (week)", f"{snap.t} / {snap.horizon}", snap.status.value)
        Kpi("Enrolled", _pct(k.get("enrolled")), "share scored")
        Kpi("Chilling effect", _pct(k.get("chilling")), "fewer critical posts vs control")
        Kpi(
            "Falsification gap",
            "-" if not k else f"{k['gap']:.3f}",
            "-" if not k else f"control {k['gap_control']:.3f}",
        )
        Kpi(
            "Isolated",
            _pct(k.get("isolated"), 2),
            "-" if not k else f"control {_pct(k['isolated_control'], 2)}",
        )
        Kpi("Employed, lowest tier", _pct(k.get("employment_poor")), "enrolled agents")


@solara.component
def Charts(snap: Snapshot) -> None:  # noqa: N802
    """The live charts and the network drawing."""
    with solara.ColumnsResponsive(12, large=6, xlarge=4, gutters_dense=True):
        with solara.Card(margin=0, classes=["chart", "chart-network"]):
            Echart(network_chart(snap), height="320px")
        for make in CHARTS:
            with solara.Card(margin=0, classes=["chart", f"chart-{make.__name__}"]):
                Echart(make(snap), height="320px")


@solara.component
def Page() -> None:  # noqa: N802
    """The dashboard."""

    def make() -> Controller:
        config = DashboardConfig.from_env()
        return Controller(
            scenario_root=config.scenario_root,
            max_agents=config.max_agents,
            max_steps=config.max_steps,
        )

    controller = solara.use_memo(make, [])
    version, set_version = solara.use_state(0)
    solara.use_effect(lambda: controller.close, [])  # stop the thread when the session ends

    def poll(cancel: threading.Event) -> None:
        seen = -1
        while not cancel.is_set():
            now = controller.version
            if now != seen:
                seen = now
                set_version(now)
            cancel.wait(REFRESH_SECONDS)

    solara.use_thread(poll, dependencies=[controller], intrusive_cancel=False)

    def refresh() -> None:
        set_version(controller.version)

    snap = controller.snapshot()
    solara.Title("scoresim dashboard")
    with solara.Sidebar():
        solara.Text(
            "A scored society, live, beside its unscored control (dashed lines). "
            "Synthetic citizens only.",
            style={"font-size": "13px", "color": "#444"},
        )
        with solara.Card("Scenario", margin=0):
            ScenarioPicker(controller, refresh)
        with solara.Card("Run", margin=0):
            RunControls(controller, snap, refresh)
        for group in GROUPS:
            specs = [s for s in controller.fields if s.group == group]
            has_error = any(s.path in controller.errors for s in specs)
            with (
                solara.Details(
                    summary=group + (" (!)" if has_error else ""),
                    expand=group in ("Society and horizon", "Detection") or has_error,
                ),
                solara.Column(gap="2px"),
            ):
                for spec in specs:
                    FieldInput(controller, spec, version, refresh)
        with solara.Card("Download", margin=0):
            Downloads(controller, snap)
    with solara.Column(style={"padding": "6px 10px"}):
        Headline(controller, snap)
        Charts(snap)

"""The Solara page: controls in the sidebar, the caveat, headline cards and live charts.

Every browser session gets its own :class:`~scoresim.dashboard.controller.Controller` (all
sessions share the server's run slots); a small poller thread re-renders the page a few times a
second while the controller's worker advances the runs, so the page stays responsive however
fast the runs go. The page closes its controller (and frees its runs) when the session ends.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import solara

from scoresim.dashboard.controller import Controller
from scoresim.dashboard.fields import MAX_AGENTS, MAX_STEPS
from scoresim.dashboard.panels import Sidebar
from scoresim.dashboard.slots import server_slots
from scoresim.dashboard.views import Main

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


@solara.component
def Page() -> None:  # noqa: N802
    """The dashboard."""

    def make() -> Controller:
        config = DashboardConfig.from_env()
        return Controller(
            scenario_root=config.scenario_root,
            max_agents=config.max_agents,
            max_steps=config.max_steps,
            slots=server_slots(),
        )

    controller = solara.use_memo(make, [])
    _, set_version = solara.use_state(0)  # a new version redraws the page
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
        Sidebar(controller, snap, refresh)
    with solara.Column(style={"padding": "6px 10px"}):
        Main(controller, snap, refresh)

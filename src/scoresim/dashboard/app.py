"""The Solara page: controls in the sidebar, the caveat, headline cards and live charts.

Every browser session gets its own :class:`~scoresim.dashboard.controller.Controller` (all
sessions share the server's run slots); a small poller thread re-renders the page a few times a
second while the controller's worker advances the runs, never before the last redraw has
finished, so the page stays responsive however fast the runs go and however slow the machine.
The page closes its controller (and frees its runs) when the session ends.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import solara

from scoresim.dashboard.controller import Controller
from scoresim.dashboard.fields import MAX_AGENTS, MAX_STEPS
from scoresim.dashboard.panels import Sidebar
from scoresim.dashboard.slots import server_slots
from scoresim.dashboard.views import Main

TITLE = "scoresim dashboard"
#: Seconds between page refreshes while the simulation advances (at least; four times the last
#: redraw's time when that is longer, at most MAX_REFRESH_SECONDS).
REFRESH_SECONDS = 0.25
MAX_REFRESH_SECONDS = 2.0
#: Longest wait for a redraw to finish before the poller asks for the next one anyway.
DRAWN_TIMEOUT = 5.0


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


def open_from_link(controller: Controller, search: str | None) -> None:
    """Start from the scenario a link names: ``?scenario=rongcheng`` (a preset) or
    ``?scenario=lesson.toml`` (a file in the scenario folder), so a teacher can hand out one
    link that opens the lesson's scenario. A name that is neither says why, as a load does.

    Examples
    --------
    >>> from scoresim import Scenario
    >>> c = Controller(Scenario.preset("seed").with_overrides({"population.agents": 300}))
    >>> open_from_link(c, "scenario=zhima-2015"); c.base_label
    'zhima-2015'
    >>> open_from_link(c, "scenario=nope"); c.load_message
    'nope: not a preset (defaulter-blacklist, rongcheng, seed, zhima-2015) nor a .toml file'
    >>> c.close()
    """
    names = urllib.parse.parse_qs(search or "").get("scenario")
    if not names:
        return
    name = names[0].strip()
    if name in controller.library():
        controller.choose(name)
    elif name.endswith(".toml"):
        controller.load_path(name)
    else:
        presets = ", ".join(controller.library())
        controller.load_message = f"{name}: not a preset ({presets}) nor a .toml file"
        controller.load_ok = False


@solara.component
def Page() -> None:  # noqa: N802
    """The dashboard."""

    search = solara.use_router().search

    def make() -> Controller:
        config = DashboardConfig.from_env()
        controller = Controller(
            scenario_root=config.scenario_root,
            max_agents=config.max_agents,
            max_steps=config.max_steps,
            slots=server_slots(),
        )
        open_from_link(controller, search)
        return controller

    controller = solara.use_memo(make, [])
    version, set_version = solara.use_state(0)
    asked = solara.use_memo(lambda: [0, 0.0, 0.0], [])  # version asked for, when, render time
    drawn = solara.use_memo(threading.Event, [])  # set once the last redraw is on the page
    solara.use_effect(lambda: controller.close, [])  # stop the thread when the session ends

    def on_drawn() -> None:  # an effect: runs once a render pass has finished
        asked[2] = time.perf_counter() - asked[1]
        drawn.set()

    solara.use_effect(on_drawn, [version])

    def ask(now: int) -> None:
        asked[0], asked[1] = now, time.perf_counter()
        set_version(now)

    def poll(cancel: threading.Event) -> None:
        # one redraw at a time: the next is asked for only once the last one has finished
        # (a state change during every pass makes Solara give up on the page when a loaded
        # machine renders slowly), and the slower redraws are, the rarer, so that all the
        # pages of a busy server still answer their viewers' clicks at once
        while not cancel.is_set():
            cancel.wait(min(MAX_REFRESH_SECONDS, max(REFRESH_SECONDS, 4 * asked[2])))
            drawn.wait(timeout=DRAWN_TIMEOUT)
            now = controller.version
            if now != asked[0] and not cancel.is_set():
                drawn.clear()
                ask(now)

    solara.use_thread(poll, dependencies=[controller], intrusive_cancel=False)

    def refresh() -> None:
        ask(controller.version)

    snap = controller.snapshot()
    solara.Title(TITLE)
    # the sidebar is the layout's first child, not a solara.Sidebar: that one goes through a
    # portal, whose state then changes on every redraw and doubles the render passes
    with solara.AppLayout(title=TITLE, navigation=False):
        with solara.Column(gap="12px"):
            Sidebar(controller, snap, refresh)
        with solara.Column(style={"padding": "6px 10px"}):
            Main(controller, snap, refresh)


@solara.component
def Layout(children: list | None = None) -> None:  # noqa: N802
    """No layout around the page: the page lays itself out (see :func:`Page`)."""
    solara.Column(children=children or [], style={"height": "100%"})

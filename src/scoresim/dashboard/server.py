"""Start the dashboard's web server (Solara on Starlette, served by uvicorn).

It binds to 127.0.0.1 unless told otherwise. Solara's front-end files are served from the
installed ``solara-assets`` package, so the page loads nothing from outside the machine, and
Solara's usage telemetry is switched off.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from scoresim.errors import ScenarioError

APP = "scoresim.dashboard.app:Page"


def server_environment(
    scenario_root: Path | None = None,
    max_agents: int | None = None,
    max_steps: int | None = None,
) -> dict[str, str]:
    """The environment variables that configure Solara and the dashboard.

    Examples
    --------
    >>> env = server_environment(Path("/tmp"), max_agents=1000)
    >>> env["SOLARA_APP"], env["SCORESIM_DASHBOARD_MAX_AGENTS"]
    ('scoresim.dashboard.app:Page', '1000')
    >>> env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"]
    'False'
    """
    env = {
        "SOLARA_APP": APP,
        "SOLARA_MODE": "production",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SCORESIM_DASHBOARD_ROOT": str((scenario_root or Path.cwd()).resolve()),
    }
    if max_agents is not None:
        env["SCORESIM_DASHBOARD_MAX_AGENTS"] = str(max_agents)
    if max_steps is not None:
        env["SCORESIM_DASHBOARD_MAX_STEPS"] = str(max_steps)
    return env


def require_extra() -> None:
    """Raise ``ModuleNotFoundError`` now if the dashboard extra is missing (looked up, not
    imported: Solara reads its settings from the environment when imported), so that the
    command line reports it in one line before anything starts."""
    for name in ("uvicorn", "solara", "solara_assets"):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    scenario_root: Path | None = None,
    max_agents: int | None = None,
    max_steps: int | None = None,
) -> None:
    """Serve the dashboard until interrupted (blocks).

    Parameters
    ----------
    host, port : str, int
        Where to listen; 127.0.0.1 keeps it on this machine.
    scenario_root : Path, optional
        The folder scenario files may be loaded from by path (default: the current folder).
    max_agents, max_steps : int, optional
        Lower caps than the defaults (50,000 agents, 1,040 steps).
    """
    if scenario_root is not None and not Path(scenario_root).is_dir():
        raise ScenarioError(f"--scenarios: folder not found: {scenario_root}")
    os.environ.update(server_environment(scenario_root, max_agents, max_steps))
    os.environ.setdefault("MPLBACKEND", "Agg")
    require_extra()
    import uvicorn

    print(f"scoresim dashboard: http://{host}:{port}  (Ctrl-C to stop)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")

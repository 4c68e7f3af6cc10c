"""Start the dashboard's web server (Solara on Starlette, served by uvicorn).

It binds to 127.0.0.1 unless told otherwise and refuses a scenario folder that does not exist.
Solara's front-end files are served from the installed ``solara-assets`` package, so the page
loads nothing from outside the machine; Solara's usage telemetry is off, and its floating
"runs on Solara" banner is replaced by a line in the sidebar, so it never covers a chart.
Solara's warnings for deployments behind a proxy (the session cookie over plain http) and its
routine log lines stay out of the terminal unless ``verbose``.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import warnings
from pathlib import Path

from scoresim.core.errors import ScenarioError
from scoresim.dashboard.loading import scenario_folder
from scoresim.dashboard.slots import DEFAULT_MAX_RUNS

APP = "scoresim.dashboard.app:Page"
#: How long the server keeps a page's session after its browser went away without saying so.
CULL_TIMEOUT = "10m"


def server_environment(
    scenario_root: Path | None = None,
    max_agents: int | None = None,
    max_steps: int | None = None,
    max_runs: int = DEFAULT_MAX_RUNS,
) -> dict[str, str]:
    """The environment variables that configure Solara and the dashboard.

    Examples
    --------
    >>> env = server_environment(Path("/tmp"), max_agents=1000)
    >>> env["SOLARA_APP"], env["SCORESIM_DASHBOARD_MAX_AGENTS"], env["SCORESIM_DASHBOARD_MAX_RUNS"]
    ('scoresim.dashboard.app:Page', '1000', '4')
    >>> env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"], env["SOLARA_THEME_SHOW_BANNER"]
    ('False', 'False')
    """
    env = {
        "SOLARA_APP": APP,
        "SOLARA_MODE": "production",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_THEME_SHOW_BANNER": "False",
        "SOLARA_KERNEL_CULL_TIMEOUT": os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT),
        "SCORESIM_DASHBOARD_ROOT": str((scenario_root or Path.cwd()).resolve()),
        "SCORESIM_DASHBOARD_MAX_RUNS": str(max_runs),
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


def quiet() -> None:
    """Keep Solara's deployment warnings and routine logging out of the terminal."""
    warnings.filterwarnings("ignore", message="Cookies with samesite", category=UserWarning)
    for name in ("solara", "reacton", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.ERROR)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    scenario_root: Path | None = None,
    max_agents: int | None = None,
    max_steps: int | None = None,
    max_runs: int = DEFAULT_MAX_RUNS,
    verbose: bool = False,
) -> None:
    """Serve the dashboard until interrupted (blocks).

    Parameters
    ----------
    host, port : str, int
        Where to listen; 127.0.0.1 keeps it on this machine.
    scenario_root : Path, optional
        The folder scenario files may be loaded from by path (default: the current folder); it
        must exist (:class:`~scoresim.core.errors.ScenarioError` otherwise, before anything starts).
    max_agents, max_steps : int, optional
        Lower caps than the defaults (50,000 agents, 1,040 steps).
    max_runs : int
        Simulations advancing at once, over all viewers (default 4); one more is told to try
        again.
    verbose : bool
        Let Solara's and uvicorn's warnings and logs through.
    """
    root = scenario_folder(scenario_root)
    if max_runs < 1:
        raise ScenarioError(f"--max-runs: must be at least 1 (got {max_runs})")
    os.environ.update(server_environment(root, max_agents, max_steps, max_runs))
    os.environ.setdefault("MPLBACKEND", "Agg")
    require_extra()
    import uvicorn

    if not verbose:
        quiet()
    print(f"scoresim dashboard: http://{host}:{port}  (Ctrl-C to stop)", flush=True)
    uvicorn.run(
        "solara.server.starlette:app",
        host=host,
        port=port,
        log_level="info" if verbose else "warning",
    )

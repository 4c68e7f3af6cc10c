"""The tables of a run, made from a society or from metrics rows, and the metadata and summary
every run folder carries.

The agents table is defined once, here (:data:`AGENT_COLUMNS` and :func:`agent_columns`): the
run folder's writer, :meth:`Run.save <scoresim.results.run.Run.save>` and the agent recorder
all take their columns from it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from scoresim.core.version import version

if TYPE_CHECKING:
    import pandas as pd

    from scoresim.phases.params import Params
    from scoresim.scenario import Scenario
    from scoresim.society.agents import Society
    from scoresim.society.graph import Graph


class SimulationState(Protocol):
    """What the writers and the recorder read of a simulation (a
    :class:`~scoresim.simulation.Simulation`, which sits above this package)."""

    scenario: Scenario
    society: Society
    params: Params
    rows: list[dict[str, float]]
    t: int
    wall_seconds: float


class RunTables(Protocol):
    """What a finished run offers the functions that render or export it (a
    :class:`~scoresim.results.run.Run`)."""

    scenario: Scenario
    metrics: pd.DataFrame
    agents: pd.DataFrame
    edges: pd.DataFrame
    wall_seconds: float

    @property
    def seed(self) -> int: ...


INTEGER_METRICS = ("step", "edges", "loans_denied", "travel_denied", "listings", "delistings")
AGENT_COLUMNS = ("id", "dissent0", "dissent", "expressed", "fear", "censor", "buy_conform",
                 "score", "tier", "enrolled", "employed", "wealth", "degree",
                 "listed", "ever_listed")  # fmt: skip
RUN_FILES = ("metrics.parquet", "agents.parquet", "edges.parquet", "scenario.toml", "summary.json")


def metrics_frame(rows: list[dict[str, float]], columns: list[str]) -> pd.DataFrame:
    """Metrics rows as a DataFrame with the given column order (counts as int64)."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns).astype("float64")
    for col in INTEGER_METRICS:
        frame[col] = frame[col].astype("int64")
    return frame


def agents_frame(society: Society, tier_names: tuple[str, ...]) -> pd.DataFrame:
    """Final agent state, one row per agent.

    ``tier`` is categorical over the tier names in order, null for agents never enrolled.
    """
    import pandas as pd

    codes = np.where(society.enrolled, society.tier, -1)
    return pd.DataFrame({
        "id": np.arange(society.n, dtype=np.int64),
        "dissent0": society.dissent0,
        "dissent": society.dissent,
        "expressed": society.expressed,
        "fear": society.fear,
        "censor": society.censor,
        "buy_conform": society.buy_conform,
        "score": society.score,
        "tier": pd.Categorical.from_codes(codes, categories=list(tier_names)),
        "enrolled": society.enrolled.copy(),
        "employed": society.employed.copy(),
        "wealth": society.wealth,
        "degree": society.graph.degree.astype(np.int64),
        **_listed_columns(society),
    })  # fmt: skip


def _listed_columns(society: Society) -> dict[str, np.ndarray]:
    """Model v2's blacklist flags (all false in a run without a blacklist)."""
    if society.blacklist_on:
        return {"listed": society.listed.copy(), "ever_listed": society.ever_listed.copy()}
    return {"listed": np.zeros(society.n, bool), "ever_listed": np.zeros(society.n, bool)}


def edges_frame(graph: Graph) -> pd.DataFrame:
    """Final edges, ``src < dst``, sorted."""
    import pandas as pd

    # one (edges, 2) block that pandas takes as it is: no copy of a table of 10^7 edges
    return pd.DataFrame(graph.edge_array().T, columns=["src", "dst"], copy=False)


def summary_dict(scenario: Scenario, wall_seconds: float, steps: int,
             last: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """What ``summary.json`` holds."""
    return {
        "version": version(),
        "scenario": scenario.name,
        "run_key": scenario.key(),
        "seed": scenario.seed,
        "wall_seconds": round(wall_seconds, 3),
        "agents": scenario.population.agents,
        "steps": steps,
        "last": {k: _json_number(v) for k, v in last.items()},
    }


def file_metadata(scenario: Scenario) -> dict[str, str]:
    """The key-value metadata every Parquet file of a run carries."""
    return {"scoresim.version": version(), "scoresim.seed": str(scenario.seed),
            "scoresim.scenario": scenario.to_toml()}  # fmt: skip


def _json_number(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def dictionary_columns(schema: Any) -> list[str]:
    """Dictionary encoding only where the column is categorical: on floats it is tried, fails
    and costs five times the writing."""
    import pyarrow as pa

    return [f.name for f in schema if pa.types.is_dictionary(f.type)]



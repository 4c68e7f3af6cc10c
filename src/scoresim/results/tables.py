"""The tables of a run, made from a society or from metrics rows, and the metadata and summary
every run folder carries.

The agents' columns are defined once, here (:data:`AGENT_COLUMNS`: name, type and how each is
read from a society's arrays). The final agents table (:data:`AGENTS_TABLE`) is what
``agents.parquet`` holds, whether :class:`~scoresim.results.files.RunFiles` writes it from the
arrays or :meth:`Run.save <scoresim.results.run.Run.save>` from :func:`agents_frame`; the agent
recorder writes :data:`AGENT_STEPS_TABLE`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
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
    #: the metric columns added from Python, after the model's (reporters, extra phases)
    reporters: Mapping[str, Callable[[Society], float]]
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

#: A column source that is not an array of the society: the row number (the agent's id).
ROW = "row number"
#: A column source that is not an array of the society: the degree, from the graph's offsets.
DEGREE = "degree"


@dataclass(frozen=True)
class AgentColumn:
    """One per-agent column: its name, its numpy type and how to read it from a society.

    ``sources`` name the society's arrays it is made from (default: the array of the column's
    own name; :data:`ROW` and :data:`DEGREE` are made from the rows read and the graph), and
    ``make`` makes the column from those arrays' rows (default: the one source as it is).
    """

    name: str
    dtype: str
    sources: tuple[str, ...] = ()
    make: Callable[..., np.ndarray] | None = None

    @property
    def reads(self) -> tuple[str, ...]:
        return self.sources or (self.name,)


def _expressed(dissent: np.ndarray, censor: np.ndarray) -> np.ndarray:
    return dissent * (1.0 - censor)  # as Society.expressed


def _tier_code(enrolled: np.ndarray, tier: np.ndarray) -> np.ndarray:
    return np.where(enrolled, tier, -1)


#: Every per-agent column a table of scoresim shows, by name.
AGENT_COLUMNS: dict[str, AgentColumn] = {
    c.name: c
    for c in (
        AgentColumn("id", "int64", (ROW,)),
        AgentColumn("dissent0", "float64"),
        AgentColumn("dissent", "float64"),
        AgentColumn("expressed", "float64", ("dissent", "censor"), _expressed),
        AgentColumn("fear", "float64"),
        AgentColumn("censor", "float64"),
        AgentColumn("buy_conform", "float64"),
        AgentColumn("risk", "float64"),
        AgentColumn("gaming", "float64"),
        AgentColumn("score", "float64"),
        # the tier's number, -1 for an agent not enrolled (the final table names the tiers)
        AgentColumn("tier", "int8", ("enrolled", "tier"), _tier_code),
        AgentColumn("enrolled", "bool"),
        AgentColumn("employed", "bool"),
        AgentColumn("has_loan", "bool"),
        AgentColumn("wealth", "float64"),
        AgentColumn("degree", "int64", (DEGREE,)),
        # model v2's blacklist flags, all false in a run without a blacklist
        AgentColumn("listed", "bool"),
        AgentColumn("ever_listed", "bool"),
    )
}


def _table(*names: str, **dtypes: str) -> tuple[AgentColumn, ...]:
    return tuple(replace(AGENT_COLUMNS[n], dtype=dtypes[n]) if n in dtypes else AGENT_COLUMNS[n]
                 for n in names)  # fmt: skip


#: The final agents table: ``agents.parquet`` and :attr:`Run.agents
#: <scoresim.results.run.Run.agents>` (``tier`` categorical over the tier names, null for an
#: agent never enrolled).
AGENTS_TABLE = _table("id", "dissent0", "dissent", "expressed", "fear", "censor", "buy_conform",
                      "score", "tier", "enrolled", "employed", "wealth", "degree", "listed",
                      "ever_listed")  # fmt: skip
#: The column before :data:`AGENT_STEPS_TABLE` in ``agent_steps.parquet``: the step recorded.
STEP_COLUMN = "step"
#: The agent recorder's columns after ``step`` (``agent_steps.parquet``; ``tier`` as its number).
AGENT_STEPS_TABLE = _table("id", "dissent", "expressed", "censor", "risk", "gaming", "score",
                           "tier", "enrolled", "employed", "has_loan", "wealth", "degree",
                           "listed", degree="int32")  # fmt: skip


#: The source of a column kept by a phase added from Python: ``extra.<name>``, the array
#: ``society.extra[name]`` (:mod:`scoresim.phases.extension`).
EXTRA = "extra."


def extra_columns(society: Society) -> tuple[AgentColumn, ...]:
    """The state columns of the phases added from Python, in the order they were made."""
    return tuple(AgentColumn(name, str(array.dtype), (EXTRA + name,))
                 for name, array in society.extra.items())  # fmt: skip


def agents_table(society: Society) -> tuple[AgentColumn, ...]:
    """:data:`AGENTS_TABLE`, then the extra phases' state columns."""
    return AGENTS_TABLE + extra_columns(society)


def reserved_agent_names() -> tuple[str, ...]:
    """The column names of every agents table (a column added from Python takes none)."""
    return (*AGENT_COLUMNS, STEP_COLUMN)


def agent_steps_table(society: Society) -> tuple[AgentColumn, ...]:
    """:data:`AGENT_STEPS_TABLE`, then the extra phases' state columns."""
    return AGENT_STEPS_TABLE + extra_columns(society)


def agent_arrays(society: Society, columns: Sequence[AgentColumn]) -> dict[str, np.ndarray]:
    """The society's arrays that ``columns`` read, by name (references, no copy)."""
    names = dict.fromkeys(s for c in columns for s in c.reads if s not in (ROW, DEGREE))
    return {name: society.extra[name.removeprefix(EXTRA)] if name.startswith(EXTRA)
            else getattr(society, name) for name in names}  # fmt: skip


def agent_rows(columns: Sequence[AgentColumn], arrays: Mapping[str, np.ndarray],
               indptr: np.ndarray, start: int, stop: int) -> dict[str, np.ndarray]:  # fmt: skip
    """Rows ``start..stop-1`` of ``columns``, made from a society's ``arrays`` (as
    :func:`agent_arrays` gives them) and its graph's offsets ``indptr``.

    An array left empty (a model v2 mechanism off for the whole run) reads as zeros.
    """

    def source(name: str) -> np.ndarray:
        if name == ROW:
            return np.arange(start, stop, dtype=np.int64)
        if name == DEGREE:
            return np.diff(indptr[start : stop + 1])
        x = arrays[name]
        return x[start:stop] if x.size else np.zeros(stop - start, x.dtype)

    out = {}
    for column in columns:
        parts = [source(name) for name in column.reads]
        made = column.make(*parts) if column.make else parts[0]
        out[column.name] = made.astype(column.dtype, copy=False)
    return out


def society_columns(society: Society, columns: Sequence[AgentColumn]) -> dict[str, np.ndarray]:
    """Every row of ``columns`` for a society, as arrays by name."""
    arrays = agent_arrays(society, columns)
    return agent_rows(columns, arrays, society.graph.indptr, 0, society.n)


def metrics_frame(rows: list[dict[str, float]], columns: list[str]) -> pd.DataFrame:
    """Metrics rows as a DataFrame with the given column order (counts as int64)."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns).astype("float64")
    for col in INTEGER_METRICS:
        frame[col] = frame[col].astype("int64")
    return frame


def agents_frame(society: Society, tier_names: Sequence[str]) -> pd.DataFrame:
    """Final agent state, one row per agent: the columns of :func:`agents_table`.

    ``tier`` is categorical over the tier names in order, null for agents never enrolled.
    """
    import pandas as pd

    columns = society_columns(society, agents_table(society))
    columns["tier"] = pd.Categorical.from_codes(columns["tier"], categories=list(tier_names))
    return pd.DataFrame(columns)


def edges_frame(graph: Graph) -> pd.DataFrame:
    """Final edges, ``src < dst``, sorted."""
    import pandas as pd

    # one (edges, 2) block that pandas takes as it is: no copy of a table of 10^7 edges
    return pd.DataFrame(graph.edge_array().T, columns=["src", "dst"], copy=False)


def summary_dict(scenario: Scenario, wall_seconds: float, steps: int,
             last: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """What ``summary.json`` holds, the code that made it first
    (:func:`~scoresim.scenario.versions.code_identity`); ``after_horizon`` lists the timeline
    entries after the last step, never applied (docs/model.md 6.7), when there are any."""
    from scoresim.scenario.versions import code_identity

    summary = {
        **code_identity([scenario]),
        "scenario": scenario.name,
        "run_key": scenario.key(),
        "seed": scenario.seed,
        "wall_seconds": round(wall_seconds, 3),
        "agents": scenario.population.agents,
        "steps": steps,
        "last": {k: _json_number(v) for k, v in last.items()},
    }
    if later := scenario.after_horizon():
        summary["after_horizon"] = later
    return summary


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



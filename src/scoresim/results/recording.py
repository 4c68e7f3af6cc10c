"""Per-step agent data, as Mesa's ``DataCollector`` agent reporters give it, streamed to
Parquet: ``agent_steps.parquet`` holds ``step`` and the columns of
:data:`~scoresim.results.tables.AGENT_STEPS_TABLE` (``id`` first) every ``every`` steps (a row
group per recorded step, written as the run goes, never held for all steps), and
``edges_initial.parquet`` the graph at step 0 (``edges.parquet`` is the final one).

``scoresim run ... --record agents:every=13`` uses it; in Python, pass an
:class:`AgentRecorder` to :class:`~scoresim.simulation.Simulation` as an observer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scoresim.core.errors import ScenarioError
from scoresim.results.files import _arrow, write_edges
from scoresim.results.tables import (
    STEP_COLUMN,
    agent_steps_table,
    file_metadata,
    society_columns,
)

if TYPE_CHECKING:
    from scoresim.results.tables import SimulationState

def parse_record(text: str) -> int:
    """The ``--record`` option, ``agents:every=K``: returns ``K``.

    >>> parse_record("agents:every=13")
    13
    """
    what, _, rest = text.partition(":")
    key, _, value = rest.partition("=")
    if what != "agents" or key != "every" or not value.isdigit() or int(value) < 1:
        raise ScenarioError(f"--record {text!r}: expected agents:every=K with K >= 1")
    return int(value)


class AgentRecorder:
    """Writes the agents' state every ``every`` steps into ``folder/agent_steps.parquet`` and
    the initial graph into ``folder/edges_initial.parquet`` (call :meth:`close` at the end).
    ``folder`` is created (with its parents) when the recording starts."""

    def __init__(self, folder: str | Path, every: int) -> None:
        self.folder, self.every = Path(folder), every
        self._writer: Any = None

    def start(self, sim: SimulationState) -> None:
        """Before the first step: the graph at step 0."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ScenarioError(f"{self.folder}: cannot create the folder ({reason})") from None
        g, meta = sim.society.graph, file_metadata(sim.scenario)
        write_edges(self.folder / "edges_initial.parquet", g.indptr, g.indices, meta)

    def __call__(self, sim: SimulationState) -> None:
        """After each step: record it if it is a multiple of ``every``."""
        if sim.t % self.every:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {STEP_COLUMN: np.full(sim.society.n, sim.t, np.int32),
                   **society_columns(sim.society, agent_steps_table(sim.society))}  # fmt: skip
        table = pa.Table.from_arrays([_arrow(v) for v in columns.values()], names=list(columns))
        if self._writer is None:
            schema = table.schema.with_metadata(file_metadata(sim.scenario))
            self._writer = pq.ParquetWriter(self.folder / "agent_steps.parquet", schema)
        self._writer.write_table(table)

    def close(self) -> None:
        """Finish the file (an empty one with the columns if no step was recorded)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

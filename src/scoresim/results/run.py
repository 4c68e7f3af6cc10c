"""Results of a run: tables, the resolved scenario, and their files.

A run folder holds ``metrics.parquet``, ``agents.parquet``, ``edges.parquet``, ``scenario.toml``
and ``summary.json``. It is written into a temporary sibling folder and renamed into place at the
end, so an interrupted run never leaves a folder that looks complete, and an earlier result in
the same place is replaced only once the new one is whole.

Two ways lead to the same files: :meth:`Run.save` writes the DataFrames of a :class:`Run`, and
:class:`scoresim.results.files.RunFiles` (what ``scoresim run`` uses) writes a finished simulation
straight from its arrays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoresim.results.folders import atomic_folder
from scoresim.results.tables import file_metadata, summary_dict
from scoresim.scenario import Scenario

# pandas and pyarrow are imported where tables are made: a simulation that is only stepped
# (a benchmark, a dashboard worker) does not carry their ~60 MB.
if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd


@dataclass
class Run:
    """A finished (or paused) simulation: tables plus the resolved scenario that made them.

    Examples
    --------
    >>> import tempfile
    >>> from scoresim import Scenario, simulate
    >>> small = Scenario.preset("seed").with_overrides({"population.agents": 100, "steps": 2})
    >>> run = simulate(small)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     folder = run.save(f"{d}/out")
    ...     sorted(p.name for p in folder.iterdir())
    ['agents.parquet', 'edges.parquet', 'metrics.parquet', 'scenario.toml', 'summary.json']
    """

    scenario: Scenario
    metrics: pd.DataFrame
    agents: pd.DataFrame
    edges: pd.DataFrame
    wall_seconds: float = 0.0

    @property
    def seed(self) -> int:
        return self.scenario.seed

    def summary(self) -> dict[str, Any]:
        """Version, seed, wall time, size and the last metrics row."""
        last = {c: self.metrics[c].iloc[-1] for c in self.metrics} if len(self.metrics) else {}
        return summary_dict(self.scenario, self.wall_seconds, len(self.metrics), last)

    def save(self, folder: str | Path) -> Path:
        """Write the run folder atomically and return its path."""
        with atomic_folder(folder) as tmp:
            from scoresim.results.files import write_frames
            from scoresim.results.network_file import keep_edge_list

            scenario = keep_edge_list(self.scenario, tmp)  # as the folder records it
            write_frames(tmp, self.metrics, self.agents, self.edges, file_metadata(scenario))
            (tmp / "scenario.toml").write_text(scenario.to_toml())
            summary = replace(self, scenario=scenario).summary()
            (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        return Path(folder)

    def to_networkx(self) -> nx.Graph:
        """The final network as a :class:`networkx.Graph`, the agents' final state on its nodes.

        Node attributes: ``tier`` (absent for agents never enrolled), ``score``, ``dissent``,
        ``expressed``, ``enrolled``, ``listed`` and ``degree``; see :mod:`scoresim.results.export`.
        """
        from scoresim.results.export import to_networkx

        return to_networkx(self)

    def _repr_html_(self) -> str:
        """The summary Jupyter shows: scenario, size and the last step's headline metrics."""
        from scoresim.results.display import run_html

        return run_html(self)

    @classmethod
    def load(cls, folder: str | Path) -> Run:
        """Read a run folder written by :meth:`save`."""
        import pandas as pd

        folder = Path(folder)
        summary = json.loads((folder / "summary.json").read_text())
        return cls(
            scenario=Scenario.load(folder / "scenario.toml"),
            metrics=pd.read_parquet(folder / "metrics.parquet"),
            agents=pd.read_parquet(folder / "agents.parquet"),
            edges=pd.read_parquet(folder / "edges.parquet"),
            wall_seconds=float(summary.get("wall_seconds", 0.0)),
        )



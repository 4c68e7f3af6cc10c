"""What a run leaves: the :class:`Run` value (tables and the resolved scenario), the run
folder's files (Parquet, written atomically), agent recording and network export.

- :mod:`~scoresim.results.run`: :class:`Run`, the tables and the resolved scenario;
- :mod:`~scoresim.results.tables`: the tables made from a society or metrics rows, the agents'
  columns defined once (:data:`~scoresim.results.tables.AGENT_COLUMNS`), the files' metadata;
- :mod:`~scoresim.results.folders`: run folders written atomically;
- :mod:`~scoresim.results.files`: the run folder written straight from a simulation's arrays;
- :mod:`~scoresim.results.recording`: per-agent state every K steps;
- :mod:`~scoresim.results.export`: the network for NetworkX, Gephi and CSV tools;
- :mod:`~scoresim.results.display`: the HTML summary Jupyter shows.
"""

from scoresim.results.run import Run

__all__ = ["Run"]

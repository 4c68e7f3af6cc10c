"""What a run leaves: the :class:`Run` value (tables and the resolved scenario), the run
folder's files (Parquet, written atomically), agent recording and network export.

- :mod:`~scoresim.results.run`: :class:`Run`, the tables made from a society, atomic folders;
- :mod:`~scoresim.results.files`: the run folder written straight from a simulation's arrays;
- :mod:`~scoresim.results.recording`: per-agent state every K steps;
- :mod:`~scoresim.results.export`: the network for NetworkX, Gephi and CSV tools;
- :mod:`~scoresim.results.display`: the HTML summary Jupyter shows.
"""

from scoresim.results.run import Run

__all__ = ["Run"]

"""The society a scenario describes: agents as a struct of arrays, the friendship graph (CSR),
the tier table, the graph generators and the memory a society needs.

- :mod:`~scoresim.society.agents`: :class:`Society`, the agents' arrays, and how the
  population is drawn;
- :mod:`~scoresim.society.graph` and :mod:`~scoresim.society.csr`: the graph and its rows;
- :mod:`~scoresim.society.generators`: Watts-Strogatz, Barabasi-Albert, block model, edge list;
- :mod:`~scoresim.society.tiers`: tiers of the score and what each brings;
- :mod:`~scoresim.society.enrolled_friends`: each agent's count of enrolled friends;
- :mod:`~scoresim.society.resources`: memory a run needs and what the machine can give.
"""

from scoresim.society.agents import Society
from scoresim.society.graph import Graph
from scoresim.society.tiers import TierTable

__all__ = ["Graph", "Society", "TierTable"]

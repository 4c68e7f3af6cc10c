"""Fast random-graph generators for the initial friendship graph, one module each.

Every function returns the *canonical edge list* of an undirected simple graph on the nodes
``0..n-1``: a pair ``(src, dst)`` of ``int32`` arrays with ``src < dst`` for every edge, no
duplicate edge, no self-loop, sorted lexicographically by ``(src, dst)``
(see :func:`canonical_edges`). With ``canonical=False`` the generators return the same edges
as drawn, each once but unsorted, which ``scoresim.society.graph.Graph`` indexes directly.

All randomness comes from the ``rng`` argument (a :class:`numpy.random.Generator`): the same
generator state gives the same graph. The generators are vectorized with numpy; the one
inherently sequential algorithm (preferential attachment) runs in a numba kernel fed with
uniform numbers drawn from ``rng`` in bulk. The kernels let go of the GIL (``nogil``), so that
:class:`scoresim.Simulation` draws the population in a thread while the graph is built. A graph
with 10**6 nodes and mean degree 12 takes well under a second.

Modules: ``scoresim.society.generators.canonical`` (the canonical form and shared helpers),
``scoresim.society.generators.small_world`` (Watts-Strogatz),
``scoresim.society.generators.preferential_attachment`` (Barabasi-Albert),
``scoresim.society.generators.block_model`` (stochastic block model) and
``scoresim.society.generators.edge_list`` (an edge-list file). Everything is importable from
``scoresim.society.generators``.

Examples
--------
>>> import numpy as np
>>> from scoresim.society.generators import watts_strogatz
>>> src, dst = watts_strogatz(10, 4, 0.0, np.random.default_rng(1))
>>> src.size, src.dtype.name, bool(np.all(src < dst))
(20, 'int32', True)
"""

from scoresim.society.generators.block_model import sbm, sbm_blocks
from scoresim.society.generators.canonical import EdgeList, canonical_edges
from scoresim.society.generators.edge_list import read_edgelist
from scoresim.society.generators.preferential_attachment import barabasi_albert
from scoresim.society.generators.small_world import watts_strogatz

__all__ = [
    "EdgeList",
    "barabasi_albert",
    "canonical_edges",
    "read_edgelist",
    "sbm",
    "sbm_blocks",
    "watts_strogatz",
]

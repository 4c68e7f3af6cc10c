"""The final friendship network of a run, for the tools researchers take it to.

:func:`to_networkx` turns a :class:`~scoresim.Run` into a :class:`networkx.Graph` whose nodes
are the agents' ids ``0..N-1`` with their final state as node attributes, and
:func:`write_network` writes that graph as GraphML or GEXF (read by networkx, Gephi, igraph,
Cytoscape) or as the node and edge tables that Gephi's spreadsheet import takes.

Node attributes (:data:`NODE_ATTRIBUTES`): ``tier`` (the tier name; absent for an agent never
enrolled, which has no tier), ``score``, ``dissent`` (private), ``expressed`` (public),
``enrolled``, ``listed`` (model v2, when the agents table has it) and ``degree``. Graph
attributes: the scenario's name, the seed, the number of steps and the scoresim version.

networkx is imported only when a graph is built (it is a dependency, but a run never needs it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

    from scoresim.results.tables import RunTables

#: Node attributes, in order; those missing from a run's agents table are left out.
NODE_ATTRIBUTES = ("tier", "score", "dissent", "expressed", "enrolled", "listed", "degree")
#: Export formats of ``scoresim export`` and :func:`write_network`.
FORMATS = ("graphml", "gexf", "csv")


def to_networkx(run: RunTables) -> nx.Graph:
    """The final network of ``run`` with the agents' final state on its nodes.

    Examples
    --------
    >>> from scoresim import Scenario, simulate
    >>> run = simulate(Scenario.preset("seed").with_overrides(
    ...     {"population.agents": 200, "steps": 3}))
    >>> g = to_networkx(run)
    >>> g.number_of_nodes(), g.number_of_edges() == len(run.edges)
    (200, True)
    >>> sorted(g.nodes[0])[:4], g.graph["scenario"]
    (['degree', 'dissent', 'enrolled', 'expressed'], 'seed')
    """
    import networkx as nx

    from scoresim.core.version import version

    agents = run.agents
    graph = nx.Graph(scenario=run.scenario.name, seed=run.seed, steps=len(run.metrics),
                     version=version())  # fmt: skip
    ids = agents["id"].tolist()
    columns = {c: agents[c] for c in NODE_ATTRIBUTES if c in agents}
    values = {}
    for name, col in columns.items():
        if name == "tier":  # categorical; null for agents never enrolled
            values[name] = [None if v != v or v is None else str(v) for v in col.astype(object)]
        else:
            values[name] = col.tolist()  # Python bool, int, float: what the writers accept
    for row, node in enumerate(ids):
        attrs = {name: vals[row] for name, vals in values.items() if vals[row] is not None}
        graph.add_node(node, **attrs)
    graph.add_edges_from(zip(run.edges["src"].tolist(), run.edges["dst"].tolist(), strict=True))
    return graph


def default_path(folder: str | Path, fmt: str) -> Path:
    """``network.graphml``, ``network.gexf`` or ``network.csv`` inside the run folder."""
    return Path(folder) / f"network.{fmt}"


def nodes_path(edges_csv: Path) -> Path:
    """The node table written beside the edge table ``edges_csv`` (``x.csv`` -> ``x.nodes.csv``)."""
    return edges_csv.with_name(f"{edges_csv.stem}.nodes.csv")


def write_network(run: RunTables, fmt: str, path: str | Path) -> list[Path]:
    """Write the final network of ``run`` in ``fmt``; return the files written.

    ``graphml`` and ``gexf`` write one file, through networkx's writers. ``csv`` writes the
    edge table to ``path`` (columns ``Source``, ``Target``) and the node table beside it
    (:func:`nodes_path`; columns ``Id`` and the node attributes), as Gephi's spreadsheet import
    expects. Each file is written under a temporary name and renamed when complete.

    Examples
    --------
    >>> import tempfile, networkx as nx
    >>> from scoresim import Scenario, simulate
    >>> run = simulate(Scenario.preset("seed").with_overrides(
    ...     {"population.agents": 100, "steps": 2}))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [out] = write_network(run, "graphml", f"{d}/net.graphml")
    ...     nx.read_graphml(out, node_type=int).number_of_nodes()
    100
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    path = Path(path)
    if fmt == "csv":
        edges = run.edges.rename(columns={"src": "Source", "dst": "Target"})
        nodes = run.agents[["id", *(c for c in NODE_ATTRIBUTES if c in run.agents)]]
        nodes = nodes.rename(columns={"id": "Id"})
        with _atomic(path) as tmp:
            edges.to_csv(tmp, index=False)
        with _atomic(nodes_path(path)) as tmp:
            nodes.to_csv(tmp, index=False)
        return [path, nodes_path(path)]
    import networkx as nx

    graph = to_networkx(run)
    writer = nx.write_graphml if fmt == "graphml" else nx.write_gexf
    with _atomic(path) as tmp:
        writer(graph, tmp)
    return [path]


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path``, renamed to it on success and removed on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; an export is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

"""A friendship graph read from an edge-list file of anonymous ids (structure only)."""

from __future__ import annotations

from pathlib import Path

from scoresim.core.errors import ScenarioError
from scoresim.scenario.edge_file import read_edge_file
from scoresim.society.generators.canonical import EdgeList, _check_n, canonical_edges


def read_edgelist(path: str | Path, n: int, sha256: str = "") -> EdgeList:
    """Read an undirected graph on the nodes ``0..n-1`` from an edge-list file.

    The file is read as ``scoresim.scenario.edge_file`` describes: one pair of ids a line,
    separated by whitespace or a comma, ``#`` comments, blank lines and a header line skipped.
    Ids that are the integers ``0..n-1`` are the node numbers; any others are relabelled in
    first-seen order. Self-loops are dropped and an edge given more than once, in either
    orientation, is kept once.

    Parameters
    ----------
    path : str or pathlib.Path
        The edge list file.
    n : int
        Number of nodes; there must be no more distinct ids than this.
    sha256 : str, optional
        The file's recorded sha256 (``graph.sha256``); when given, the bytes must match it.

    Returns
    -------
    src, dst : numpy.ndarray of int32
        Canonical edge list (see :func:`canonical_edges`).

    Raises
    ------
    scoresim.core.errors.ScenarioError
        If the file is missing or unreadable, holds no edge, has a line that is not two ids,
        more distinct ids than ``n`` or bytes that differ from ``sha256``. The one-line message
        names the field and the file and, where it applies, the line, e.g.
        ``graph.path: edges.txt line 7: expected two ids, found 3``.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "g.txt")
    ...     _ = open(p, "w").write("# friends\\n2 1\\n1 2\\n3 3\\n0 3\\n")
    ...     read_edgelist(p, 4)
    (array([0, 1], dtype=int32), array([3, 2], dtype=int32))
    """
    n = _check_n(n)
    edges = read_edge_file(path, sha256)
    u, v, _ = edges.pairs(n)
    src, dst = canonical_edges(u, v)
    if src.size == 0:
        raise ScenarioError(f"graph.path: {edges.name}: no edges in file (only self-loops)")
    return src, dst

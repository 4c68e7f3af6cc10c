"""A friendship graph read from an edge-list file of anonymous ids (structure only)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from scoresim.core.errors import ScenarioError
from scoresim.society.generators.canonical import EdgeList, _check_n, canonical_edges

_INT_TOKEN = re.compile(rb"[+-]?[0-9]+")


def read_edgelist(path: str | Path, n: int) -> EdgeList:
    """Read an undirected graph on the nodes ``0..n-1`` from a text edge list.

    The file holds one edge per line as two whitespace-separated integer ids ``u v``. Blank
    lines are ignored and ``#`` starts a comment that runs to the end of the line (so lines
    starting with ``#`` are ignored). Self-loops are dropped and an edge given more than once,
    in either orientation, is kept once.

    Parameters
    ----------
    path : str or pathlib.Path
        The edge list file.
    n : int
        Number of nodes; every id must lie in ``0..n-1``.

    Returns
    -------
    src, dst : numpy.ndarray of int32
        Canonical edge list (see :func:`canonical_edges`).

    Raises
    ------
    scoresim.core.errors.ScenarioError
        If the file is missing or unreadable, holds no edge, has a line that is not exactly two
        integers, or an id outside ``0..n-1``. The one-line message starts with
        ``graph.path: `` and names the file and, where it applies, the line, e.g.
        ``graph.path: edges.txt line 7: id 12000 out of range 0..9999``.

    Notes
    -----
    Parsing uses numpy's C ``loadtxt``; only when it fails is the file scanned line by line
    to find the first offending line. Unlike ``networkx.read_edgelist``, ids are not relabelled
    (they are the node ids), extra columns (edge data) are an error, nodes without edges still
    exist (``n`` is given), and self-loops are dropped.

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
    name = str(path)
    where = f"graph.path: {name}"
    p = Path(path)
    if not p.is_file():
        reason = "not a file" if p.exists() else "file not found"
        raise ScenarioError(f"{where}: {reason}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            data = np.loadtxt(p, dtype=np.int64, comments="#", ndmin=2, encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # includes UnicodeDecodeError
        raise _diagnose(p, where, n, exc) from None
    if data.size == 0:
        raise ScenarioError(f"{where}: no edges in file")
    if data.shape[1] != 2 or data.min() < 0 or data.max() >= n:
        raise _diagnose(p, where, n, None)
    src, dst = canonical_edges(data[:, 0], data[:, 1])
    if src.size == 0:
        raise ScenarioError(f"{where}: no edges in file (only self-loops)")
    return src, dst


def _diagnose(path: Path, where: str, n: int, exc: Exception | None) -> ScenarioError:
    """Error for the first bad line of ``path`` (slow, only used once parsing has failed)."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            fields = raw.split(b"#", 1)[0].split()
            if not fields:
                continue
            if len(fields) != 2:
                return ScenarioError(
                    f"{where} line {number}: expected two integer ids, found {len(fields)} fields"
                )
            for field in fields:
                if not _INT_TOKEN.fullmatch(field):
                    text = field.decode("utf-8", "replace")[:40]
                    return ScenarioError(f"{where} line {number}: not an integer id: {text!r}")
                value = int(field)
                if not 0 <= value < n:
                    return ScenarioError(
                        f"{where} line {number}: id {value} out of range 0..{n - 1}"
                    )
    detail = str(exc).splitlines()[0] if exc is not None else "unreadable edge list"
    return ScenarioError(f"{where}: cannot parse: {detail}")

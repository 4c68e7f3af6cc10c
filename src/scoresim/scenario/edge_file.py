"""An edge-list file as networks come (docs/scenario.md, "An edge list"): the graph of an
``edgelist`` scenario, structure only, anonymous ids.

One pair of ids a line, separated by whitespace or a comma; ``#`` starts a comment; blank lines
are skipped; a first line naming the columns (``source,target``, ``from to``, ``u v``..., or any
two words above lines of numbers) is a header. Ids are read as the agents' numbers when they
are the integers ``0..N-1`` (``N`` = ``population.agents``, or, by default, the largest id + 1
when every number up to it occurs); any other ids (words, negative or larger numbers, numbers
with gaps) are relabelled ``0, 1, 2, ...`` in the order they first appear, and the run folder
keeps the mapping. Bad input is one :class:`ScenarioError` line naming the file and the line.

The scenario layer reads the file only for what a scenario needs before a run (the number of
nodes, the file's sha256); the society layer reads the pairs when it builds the graph.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scoresim.core.errors import ScenarioError

#: first-line words taken for column names (lower case)
HEADER_WORDS = frozenset({
    "source", "target", "src", "dst", "from", "to", "u", "v", "node1", "node2", "node_1",
    "node_2", "id1", "id2", "head", "tail", "i", "j",
})  # fmt: skip
_INT = re.compile(r"[+-]?[0-9]+")
_COMMENT = re.compile(r"#[^\n]*")
_MAX_ID_TEXT = 40  # characters of a bad id quoted in a message


@dataclass(frozen=True)
class EdgeFile:
    """The pairs of an edge-list file, as read: ``first`` and ``second`` hold integer ids when
    every id is an integer (``numbers`` True), else the ids' text."""

    name: str
    first: np.ndarray
    second: np.ndarray
    numbers: bool
    sha256: str

    @functools.cached_property
    def _order(self) -> tuple[np.ndarray, np.ndarray]:
        """Each endpoint's node (first-seen order, pair by pair) and the ids in that order."""
        import pandas as pd

        both = np.empty(2 * self.first.size, dtype=self.first.dtype)
        both[0::2], both[1::2] = self.first, self.second
        codes, uniques = pd.factorize(both)
        return codes.astype(np.int64), np.asarray(uniques)

    @property
    def distinct(self) -> int:
        """How many different ids the file holds."""
        return int(self._order[1].size)

    def numbered_within(self, n: int) -> bool:
        """Whether the ids are the agents' numbers in ``0..n-1`` (no relabelling)."""
        if not self.numbers:
            return False
        low = min(int(self.first.min(initial=0)), int(self.second.min(initial=0)))
        return low >= 0 and max(int(self.first.max(initial=0)), int(self.second.max(initial=0))) < n

    @property
    def nodes(self) -> int:
        """The agents the file describes: the largest id + 1 when the ids are the numbers up to
        it with none missing, else the number of distinct ids."""
        if not self.numbers:
            return self.distinct
        top = max(int(self.first.max(initial=-1)), int(self.second.max(initial=-1))) + 1
        return top if self.numbered_within(top) and top == self.distinct else self.distinct

    def pairs(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The pairs as agent numbers for ``n`` agents, and the ids relabelled (agent ``k`` had
        id ``labels[k]``) or None when the ids are the numbers themselves."""
        if self.numbered_within(n):
            return self.first.astype(np.int64), self.second.astype(np.int64), None
        if self.distinct > n:
            raise ScenarioError(
                f"population.agents: {n:,} is below the {self.distinct:,} ids of graph.path "
                f"{self.name}"
            )
        codes, labels = self._order
        return codes[0::2], codes[1::2], labels


def sha256_of(path: str | Path) -> str:
    """The sha256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_edge_file(path: str | Path, sha256: str = "") -> EdgeFile:
    """Read an edge-list file (module docstring); ``sha256``, when given, must match its bytes.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "g.csv")
    ...     _ = open(p, "w").write("source,target\\nann,bob\\n# a comment\\nbob,cy\\n")
    ...     f = read_edge_file(p)
    >>> f.nodes, f.pairs(3)
    (3, (array([0, 1]), array([1, 2]), array(['ann', 'bob', 'cy'], dtype=object)))
    """
    name = str(path)
    where = f"graph.path: {name}"
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{where}: {'not a file' if p.exists() else 'file not found'}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    if sha256 and digest != sha256:
        raise ScenarioError(
            f"graph.sha256: {name} is not the file this scenario recorded (its sha256 is "
            f"{digest[:12]}..., the scenario's {sha256[:12]}...)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(f"{where} line {line}: not UTF-8 text") from None
    del data
    first, second, numbers = _columns(text, where)
    if not numbers and _is_header(first[0], second[0], first[1:], second[1:]):
        first, second = first[1:], second[1:]
        if first.size == 0:
            raise ScenarioError(f"{where}: no edges in file")
        if (ints := _as_integers(first, second)) is not None:
            first, second, numbers = *ints, True
    return EdgeFile(name, first, second, numbers=numbers, sha256=digest)


#: nodes by the sha256 of an edge-list file: a scenario is validated often, its file read once
_NODES: dict[str, int] = {}
_NODES_KEPT = 64


def edge_file_nodes(path: str | Path) -> int:
    """The number of agents an edge-list file describes (:attr:`EdgeFile.nodes`), parsed once
    per content of the file (its sha256)."""
    try:
        digest = sha256_of(path)
    except OSError:
        return read_edge_file(path).nodes  # the reader's one-line error
    if digest not in _NODES:
        if len(_NODES) >= _NODES_KEPT:
            _NODES.pop(next(iter(_NODES)))
        _NODES[digest] = read_edge_file(path, digest).nodes
    return _NODES[digest]


def _columns(text: str, where: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """The two columns of ids (pandas' C reader): as int64 when every id is an integer, else as
    text; any line that is not two ids is found by :func:`_diagnose` and reported."""
    import csv

    import pandas as pd

    text = _COMMENT.sub("", text) if "#" in text else text
    text = text.replace(",", " ")
    options = {"sep": r"\s+", "header": None, "na_filter": False,
               "quoting": csv.QUOTE_NONE, "engine": "c", "skip_blank_lines": True}  # fmt: skip
    try:  # the usual case, numbers, parsed as numbers
        frame = pd.read_csv(io.StringIO(text), dtype=np.int64, **options)
        if frame.shape[1] == 2 and len(frame):
            return frame[0].to_numpy(), frame[1].to_numpy(), True
    except (ValueError, OverflowError):  # pandas' parser errors are ValueErrors
        pass
    if not text.strip():
        raise ScenarioError(f"{where}: no edges in file")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, **options)
    except pd.errors.EmptyDataError:
        raise ScenarioError(f"{where}: no edges in file") from None
    except ValueError:
        raise _diagnose(text, where) from None
    if frame.shape[1] != 2 or (frame == "").to_numpy().any():
        raise _diagnose(text, where)
    if len(frame) == 0:
        raise ScenarioError(f"{where}: no edges in file")
    return frame[0].to_numpy(dtype=object), frame[1].to_numpy(dtype=object), False


def _diagnose(text: str, where: str) -> ScenarioError:
    """The first line that is not a pair of ids (slow; used once the fast reader has failed)."""
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].replace(",", " ").split()
        if fields and len(fields) != 2:
            return ScenarioError(f"{where} line {number}: expected two ids, found {len(fields)}")
    return ScenarioError(f"{where}: cannot parse the edge list")


def _is_header(a: str, b: str, rest_a: np.ndarray, rest_b: np.ndarray) -> bool:
    """Whether the first pair names the columns: two known words, or two words that are not
    numbers above ids that all are."""
    if _INT.fullmatch(a) or _INT.fullmatch(b):
        return False
    if a.lower() in HEADER_WORDS and b.lower() in HEADER_WORDS:
        return True
    return rest_a.size > 0 and _as_integers(rest_a, rest_b) is not None


def _as_integers(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Both columns as int64 if every id is an integer that int64 holds, else None."""
    try:
        a, b = np.asarray(first, dtype=str), np.asarray(second, dtype=str)
        if not (np.char.isdigit(np.char.lstrip(a, "+-")).all()
                and np.char.isdigit(np.char.lstrip(b, "+-")).all()):  # fmt: skip
            return None
        return a.astype(np.int64), b.astype(np.int64)
    except (ValueError, OverflowError):
        return None


def path_from(path: Any, folder: Path) -> Any:
    """A file's relative path made absolute against its ``folder`` (not the current
    directory); anything else (an absolute path, an empty one, not a string) as it is.

    >>> here = Path("/data")
    >>> path_from("g.csv", here), path_from("/x/g.csv", here), path_from(3, here)
    ('/data/g.csv', '/x/g.csv', 3)
    """
    if not isinstance(path, str) or not path or Path(path).expanduser().is_absolute():
        return path
    return os.path.abspath(folder / Path(path).expanduser())


def graph_path_from(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """A scenario file's table with a relative ``graph.path`` made absolute against the file's
    ``folder`` (not the current directory), so the file runs from anywhere."""
    graph = data.get("graph")
    if not isinstance(graph, dict):
        return data
    path = path_from(graph.get("path"), folder)
    return data if path == graph.get("path") else {**data, "graph": {**graph, "path": path}}


def set_graph_path_from(overrides: dict[str, Any], folder: Path | None) -> dict[str, Any]:
    """A sweep's or a calibration's ``[set]`` overrides with a relative ``graph.path`` read
    from the file's ``folder``, as a scenario file's own; unchanged without a folder (a
    mapping given from Python)."""
    if folder is None or "graph.path" not in overrides:
        return overrides
    return {**overrides, "graph.path": path_from(overrides["graph.path"], folder)}


def agents_from_edge_list(data: dict[str, Any]) -> dict[str, Any]:
    """A resolved scenario mapping whose ``population.agents`` is the number of nodes of its
    edge list (:attr:`EdgeFile.nodes`); unchanged unless the graph is an existing edge list."""
    graph, population = data.get("graph"), data.get("population")
    if not (isinstance(graph, dict) and isinstance(population, dict)):
        return data
    path = graph.get("path")
    if graph.get("kind") != "edgelist" or not isinstance(path, str) or not Path(path).is_file():
        return data  # the scenario's own checks name what is wrong
    return {**data, "population": {**population, "agents": edge_file_nodes(path)}}


def sets_agents(changes: dict[str, Any]) -> bool:
    """Whether overrides set ``population.agents`` (directly or with the whole table)."""
    table = changes.get("population")
    return "population.agents" in changes or (isinstance(table, dict) and "agents" in table)

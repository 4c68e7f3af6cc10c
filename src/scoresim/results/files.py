"""The run folder of a finished simulation, written straight from its arrays.

This is what ``scoresim run`` writes; the files are those of :meth:`scoresim.results.run.Run.save`
(the same tables read back, the same types and metadata), made without pandas: each table is
written in row groups of :data:`CHUNK` rows, numpy memory handed to Arrow without a copy where
the dtype allows, so writing adds a few megabytes to a run's memory rather than a copy of its
state. At 10^6 agents this keeps ``scoresim run`` within the memory of its step loop.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scoresim.results.folders import atomic_folder
from scoresim.results.network_file import keep_edge_list
from scoresim.results.tables import (
    AGENTS_TABLE,
    INTEGER_METRICS,
    AgentColumn,
    agent_arrays,
    agent_rows,
    agents_table,
    dictionary_columns,
    file_metadata,
    summary_dict,
)
from scoresim.scenario import Scenario

if TYPE_CHECKING:
    from scoresim.results.tables import SimulationState

#: rows (agents, or the nodes whose edges are written) per Parquet row group
CHUNK = 1 << 16


@dataclass
class RunFiles:
    """What the files of a finished simulation need, and nothing more; written from the arrays.

    :meth:`take` keeps references to the arrays that the columns of
    :data:`~scoresim.results.tables.AGENTS_TABLE` read (no copy), so that once the simulation
    is dropped the rest of its memory (traits no table shows, the step buffers) is free before
    writing starts. Columns computed for the files (``id``, ``expressed``, ``tier``,
    ``degree``, the edges) are made one row group at a time.

    Examples
    --------
    >>> import tempfile
    >>> from scoresim import Run, Scenario, Simulation, simulate
    >>> small = Scenario.preset("seed").with_overrides({"population.agents": 100, "steps": 2})
    >>> sim = Simulation(small)
    >>> _ = sim.run()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     back = Run.load(RunFiles.take(sim).save(f"{d}/out"))
    >>> back.agents.equals(simulate(small).agents)
    True
    """

    scenario: Scenario
    metrics: dict[str, np.ndarray]
    arrays: dict[str, np.ndarray]
    tier_names: tuple[str, ...]
    indptr: np.ndarray
    indices: np.ndarray
    wall_seconds: float
    #: the agents table's columns (:func:`~scoresim.results.tables.agents_table`)
    columns: tuple[AgentColumn, ...] = AGENTS_TABLE

    @classmethod
    def take(cls, sim: SimulationState) -> RunFiles:
        """The pieces of ``sim`` (at its horizon or paused) that its run folder shows."""
        from scoresim.metrics import metric_columns

        graph, columns = sim.society.graph, agents_table(sim.society)
        return cls(
            scenario=sim.scenario,
            metrics=metrics_columns(sim.rows, [*metric_columns(sim.params), *sim.reporters]),
            arrays=agent_arrays(sim.society, columns),
            tier_names=tuple(sim.params.tiers.names),
            indptr=graph.indptr,
            indices=graph.indices,
            wall_seconds=sim.wall_seconds,
            columns=columns,
        )

    @property
    def n(self) -> int:
        return int(self.indptr.size - 1)

    def save(self, folder: str | Path) -> Path:
        """Write the run folder atomically (as :meth:`Run.save` would) and return its path."""

        with atomic_folder(folder) as tmp:
            self.write_into(tmp)
        return Path(folder)

    def write_into(self, tmp: Path) -> None:
        """Write the run's files into the (temporary) folder ``tmp``."""
        import pyarrow as pa

        scenario = keep_edge_list(self.scenario, tmp)  # as the folder records it
        meta = file_metadata(scenario)
        metrics = pa.Table.from_arrays([_arrow(v) for v in self.metrics.values()],
                                       names=list(self.metrics))  # fmt: skip
        _write_chunks(tmp / "metrics.parquet", metrics.schema, [metrics], meta)
        # the edges in a thread beside the agents: Arrow and numpy let go of the GIL while they
        # encode, compress and copy, so on two free cores the two files take the time of one
        pool = ThreadPoolExecutor(1)
        edges = pool.submit(write_edges, tmp / "edges.parquet", self.indptr, self.indices, meta)
        try:
            chunks = (self._agents(a, min(a + CHUNK, self.n)) for a in range(0, self.n, CHUNK))
            _write_chunks(tmp / "agents.parquet", self._agents(0, 0).schema, chunks, meta)
        finally:
            _wait_through_signals(edges)  # the thread is done before anyone removes ``tmp``
            pool.shutdown()
        edges.result()
        (tmp / "scenario.toml").write_text(scenario.to_toml())
        steps = len(self.metrics["step"])
        last = {c: v[-1] for c, v in self.metrics.items()} if steps else {}
        summary = summary_dict(scenario, self.wall_seconds, steps, last)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

    def _agents(self, a: int, b: int) -> Any:
        """Rows ``a..b-1`` of the agents table (as :func:`agents_frame` makes them)."""
        import pyarrow as pa

        columns: dict[str, Any] = agent_rows(self.columns, self.arrays, self.indptr, a, b)
        codes = columns["tier"]
        columns["tier"] = pa.DictionaryArray.from_arrays(_arrow(codes, valid=codes >= 0),
                                                         _strings(self.tier_names))  # fmt: skip
        return pa.Table.from_arrays([_arrow(v) for v in columns.values()], names=list(columns))


def _wait_through_signals(future: Future) -> None:
    """Wait until ``future`` is done even if Ctrl-C or SIGTERM interrupts the wait, then raise
    the interrupt (an interrupted wait would let the caller remove a folder that the thread is
    still writing into)."""
    interrupt: BaseException | None = None
    while not future.done():
        try:
            wait([future])
        except BaseException as exc:  # an interrupt: keep waiting, raise it afterwards
            interrupt = exc
    if interrupt is not None:
        raise interrupt


def edge_table(indptr: np.ndarray, indices: np.ndarray, a: int, b: int) -> Any:
    """The edges ``(src, dst)``, ``src < dst``, of nodes ``a..b-1`` (as
    :meth:`~scoresim.society.graph.Graph.edge_array` gives them: CSR rows are sorted)."""
    import pyarrow as pa

    from scoresim.society.graph import upper_edges

    # serial: this runs in a thread of its own, and numba's default (workqueue) threading layer
    # must not be entered by two threads at once
    edges = upper_edges(indptr, indices, False, a, b)
    return pa.Table.from_arrays([_arrow(edges[0]), _arrow(edges[1])], names=["src", "dst"])


def write_edges(path: Path, indptr: np.ndarray, indices: np.ndarray, meta: dict[str, str]) -> None:
    """The edge list of a CSR graph as Parquet, a row group per :data:`CHUNK` nodes."""
    n = int(indptr.size - 1)
    chunks = (edge_table(indptr, indices, a, min(a + CHUNK, n)) for a in range(0, n, CHUNK))
    _write_chunks(path, edge_table(indptr, indices, 0, 0).schema, chunks, meta)


def metrics_columns(rows: list[dict[str, float]], columns: list[str]) -> dict[str, np.ndarray]:
    """Metrics rows as one array per column, typed as :func:`metrics_frame` types them.

    Examples
    --------
    >>> cols = metrics_columns([{"step": 1, "x": 0.5}, {"step": 2}], ["step", "x"])
    >>> cols["step"].dtype.name, cols["step"].tolist(), cols["x"].tolist()
    ('int64', [1, 2], [0.5, nan])
    """
    out = {c: np.array([r.get(c, math.nan) for r in rows], np.float64) for c in columns}
    for c in INTEGER_METRICS:
        if c in out:
            out[c] = out[c].astype(np.int64)
    return out


def _arrow(x: np.ndarray, valid: np.ndarray | None = None) -> Any:
    """A pyarrow array over ``x``'s memory (booleans are bit-packed, a small copy).

    Made from buffers: ``pyarrow.array`` would import pandas (60 MB, 0.2 s) to ask whether
    ``x`` is a pandas object."""
    import pyarrow as pa

    if isinstance(x, pa.Array):
        return x
    x = np.ascontiguousarray(x)
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    nulls = 0 if valid is None else int(x.size - np.count_nonzero(valid))
    if x.dtype == np.bool_:
        data, kind = pa.py_buffer(np.packbits(x, bitorder="little")), pa.bool_()
    else:
        data, kind = pa.py_buffer(x), pa.from_numpy_dtype(x.dtype)
    return pa.Array.from_buffers(kind, x.size, [bitmap, data], null_count=nulls)


def _strings(values: tuple[str, ...]) -> Any:
    """A pyarrow string array of ``values`` (from buffers, see :func:`_arrow`)."""
    import pyarrow as pa

    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(encoded) + 1, np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.utf8(), len(encoded), [None, pa.py_buffer(offsets), data])


def _write_chunks(path: Path, schema: Any, tables: Iterable[Any], meta: dict[str, str]) -> None:
    """Write ``tables`` (of ``schema``) as the row groups of one Parquet file."""
    import pyarrow.parquet as pq

    schema = schema.with_metadata(meta)
    with pq.ParquetWriter(path, schema, use_dictionary=dictionary_columns(schema)) as writer:
        for table in tables:
            if table.num_rows:
                writer.write_table(table)


def write_frames(folder: Path, metrics: Any, agents: Any, edges: Any, meta: dict[str, str]) -> None:
    """Write a run's three tables from DataFrames exactly as :meth:`RunFiles.save` writes them
    from the arrays (same schema, row groups and metadata, so the same bytes): what
    :meth:`scoresim.results.run.Run.save` uses."""
    import pandas as pd
    import pyarrow as pa

    def table(frame: Any) -> Any:
        columns = []
        for name in frame.columns:
            col = frame[name]
            if isinstance(col.dtype, pd.CategoricalDtype):  # the tier
                codes = col.cat.codes.to_numpy().astype(np.int8)
                names = tuple(str(c) for c in col.cat.categories)
                columns.append(pa.DictionaryArray.from_arrays(
                    _arrow(codes, valid=codes >= 0), _strings(names)))  # fmt: skip
            else:
                columns.append(_arrow(col.to_numpy()))
        return pa.Table.from_arrays(columns, names=[str(c) for c in frame.columns])

    whole = table(metrics)
    _write_chunks(folder / "metrics.parquet", whole.schema, [whole], meta)
    whole, n = table(agents), len(agents)
    chunks = (whole.slice(a, CHUNK) for a in range(0, n, CHUNK))
    _write_chunks(folder / "agents.parquet", whole.schema, chunks, meta)
    whole = table(edges)
    # a row group per CHUNK nodes, as RunFiles writes them: edges are sorted by src
    bounds = np.searchsorted(edges["src"].to_numpy(), np.arange(0, n + CHUNK, CHUNK))
    chunks = (whole.slice(a, b - a) for a, b in itertools.pairwise(bounds))
    _write_chunks(folder / "edges.parquet", whole.schema, chunks, meta)

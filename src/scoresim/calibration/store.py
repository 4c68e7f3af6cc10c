"""The calibration database (DuckDB): every finished simulation of a calibration, for resume.

Tables
------
``calibration``
    One row: ``name``, ``fingerprint``, ``definition`` (JSON), ``version``, ``created``.
``sims``
    One row per simulation, primary key ``(stage, round, idx, replication, arm)``: ``stage`` is
    ``history`` (round = wave), ``abc`` (round = generation) or ``check`` (the posterior
    predictive draws); ``seed``, one ``"p:<parameter>"`` column per calibrated field, ``started``
    (UTC), ``wall_seconds``, ``version``, then one ``DOUBLE[]`` column ``"m:<metric>"`` per
    metric column a target reads (its value at steps 1..T).

Simulations are written in batches, one transaction each
(:meth:`CalibrationStore.write_many`), so a process killed at any moment leaves each simulation
wholly present or absent (a batch not yet committed is computed again by the rerun). Only the
calibrating process writes. A rerun reads what is stored and computes only what is missing:
the simulations are pure functions of (scenario, seed) and each seed is derived from its key,
so a stored result is exactly what a rerun would compute.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.calibration.spec import CalibrationSpec
from scoresim.core.errors import ScenarioError
from scoresim.core.version import version
from scoresim.experiments.database import connect, q

Key = tuple[int, int, str]  # (idx, replication, arm) within one (stage, round)


@dataclass(frozen=True)
class StoredSim:
    """One finished simulation as the ``sims`` table holds it."""

    stage: str
    round: int
    idx: int
    replication: int
    arm: str
    seed: int
    values: dict[str, Any]
    started: dt.datetime | None
    wall_seconds: float
    series: dict[str, np.ndarray]


class CalibrationStore:
    """Reader and writer of one calibration database.

    Examples
    --------
    >>> import tempfile
    >>> spec = CalibrationSpec.from_dict({
    ...     "name": "doc", "set": {"population.agents": 100, "steps": 3},
    ...     "parameters": {"adoption.imitation": {"low": 0.0, "high": 0.1}},
    ...     "targets": [{"name": "a", "metric": "adoption", "step": 3, "value": 0.1, "sd": 0.1}]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = CalibrationStore.open(f"{d}/c.duckdb", spec)
    ...     store.write("abc", 0, 5, 0, "treatment", 9, {"adoption.imitation": 0.01},
    ...                 None, 0.1, {"adoption": np.array([0.1, 0.2, 0.3])})
    ...     store.cached("abc", 0)[(5, 0, "treatment")]["adoption"].tolist(), store.count()
    ...     store.close()
    ([0.1, 0.2, 0.3], 1)
    """

    def __init__(self, con: Any, spec: CalibrationSpec, path: Path) -> None:
        self.con, self.spec, self.path = con, spec, path
        self.params = spec.space.names
        self.metrics = sorted({c for cols in spec.series.values() for c in cols})

    @classmethod
    def open(cls, path: str | Path, spec: CalibrationSpec) -> CalibrationStore:
        """Open (creating if new) the database of ``spec``; refuses one of another definition."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = connect(path)
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}  # fmt: skip
        if {"calibration", "sims"} <= tables:
            row = con.execute("SELECT name, fingerprint FROM calibration").fetchone()
            if row is None or row[1] != spec.fingerprint:
                con.close()
                raise ScenarioError(f"{path}: holds the calibration {row[0] if row else '?'!r} "
                                    "with a different definition; remove the file or give "
                                    "another --out")  # fmt: skip
            return cls(con, spec, path)
        if tables:
            con.close()
            raise ScenarioError(f"{path}: not a scoresim calibration database")
        store = cls(con, spec, path)
        con.execute("BEGIN TRANSACTION")
        try:
            store._create()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            con.close()
            raise
        return store

    def _create(self) -> None:
        con, spec = self.con, self.spec
        con.execute("CREATE TABLE calibration (name VARCHAR, fingerprint VARCHAR, "
                    "definition VARCHAR, version VARCHAR, created TIMESTAMP)")  # fmt: skip
        con.execute("INSERT INTO calibration VALUES (?, ?, ?, ?, ?)", [
            spec.name, spec.fingerprint, json.dumps(spec.definition, default=str), version(),
            dt.datetime.now(dt.UTC).replace(tzinfo=None)])  # fmt: skip
        pcols = "".join(f", {q('p:' + p)} DOUBLE" for p in self.params)
        mcols = "".join(f", {q('m:' + m)} DOUBLE[]" for m in self.metrics)
        con.execute(
            "CREATE TABLE sims (stage VARCHAR, round INTEGER, idx INTEGER, replication INTEGER, "
            f"arm VARCHAR, seed BIGINT{pcols}, started TIMESTAMP, wall_seconds DOUBLE, "
            f"version VARCHAR{mcols}, PRIMARY KEY (stage, round, idx, replication, arm))"
        )

    def write(self, stage: str, round_: int, idx: int, replication: int, arm: str, seed: int,
              values: dict[str, Any], started: dt.datetime | None, wall_seconds: float,
              series: dict[str, np.ndarray]) -> None:  # fmt: skip
        """Record one finished simulation (wholly stored or not at all)."""
        self.write_many([StoredSim(stage, round_, idx, replication, arm, seed, values, started,
                                   wall_seconds, series)])  # fmt: skip

    def write_many(self, sims: Sequence[StoredSim]) -> None:
        """Record finished simulations in one transaction: all of them stored, or none.

        The rows go in as one table (a ``DOUBLE[]`` cell per series, its float64 values
        unchanged), which costs a fraction of a millisecond a row where an ``INSERT`` a row
        costs several.
        """
        if not sims:
            return
        frame = pd.DataFrame({
            "stage": [s.stage for s in sims], "round": [s.round for s in sims],
            "idx": [s.idx for s in sims], "replication": [s.replication for s in sims],
            "arm": [s.arm for s in sims], "seed": [s.seed for s in sims],
            **{f"p:{p}": [float(s.values[p]) for s in sims] for p in self.params},
            "started": pd.Series([s.started for s in sims], dtype="datetime64[us]"),
            "wall_seconds": [float(s.wall_seconds) for s in sims],
            "version": version(),
            **{f"m:{m}": [_cell(s.series.get(m)) for s in sims] for m in self.metrics},
        })  # fmt: skip
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("stored_batch", frame)
            con.execute("INSERT OR REPLACE INTO sims BY NAME SELECT * FROM stored_batch")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("stored_batch")

    def cached(self, stage: str, round_: int) -> dict[Key, dict[str, np.ndarray]]:
        """The stored series of one stage and round: (idx, replication, arm) -> column -> array."""
        cols = "".join(f", {q('m:' + m)}" for m in self.metrics)
        rows = self.con.execute(
            f"SELECT idx, replication, arm{cols} FROM sims WHERE stage = ? AND round = ?",
            [stage, round_],
        ).fetchall()
        out: dict[Key, dict[str, np.ndarray]] = {}
        for row in rows:
            arm = row[2]
            wanted = set(self.spec.series[arm])
            out[(row[0], row[1], arm)] = {m: np.array(v, dtype=np.float64)
                                          for m, v in zip(self.metrics, row[3:], strict=True)
                                          if m in wanted}  # fmt: skip
        return out

    def count(self, stage: str | None = None) -> int:
        """Stored simulations (of one stage, or all)."""
        if stage is None:
            return int(self.con.execute("SELECT count(*) FROM sims").fetchone()[0])
        return int(self.con.execute("SELECT count(*) FROM sims WHERE stage = ?",
                                    [stage]).fetchone()[0])  # fmt: skip

    def close(self) -> None:
        self.con.close()


def _cell(series: np.ndarray | None) -> list[float] | None:
    """A ``DOUBLE[]`` cell: the series' float64 values (NULL for a column this arm lacks)."""
    return None if series is None else np.asarray(series, dtype=np.float64).tolist()

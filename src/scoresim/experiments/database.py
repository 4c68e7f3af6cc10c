"""The sweep database (DuckDB): one file holding a sweep's definition, design, runs and metrics.

Tables
------
``sweep``
    One row: ``name``, ``fingerprint``, ``definition`` (JSON of the SWEEP.toml fields),
    ``problem`` (JSON of the SALib problem), ``sampler``, ``second_order``, ``num_levels``,
    ``parameters`` and ``outcomes`` (JSON lists), ``version``, ``created``.
``design``
    One row per (design point, replication): ``point``, ``replication``, ``seed``, ``run_key``,
    ``"x:<parameter>"`` (the problem-space coordinate) and ``"<parameter>"`` (the value applied).
``runs``
    One row per run, ``run_key`` the primary key (hash of the resolved scenario and seed):
    ``point``, one column per varied parameter, ``replication``, ``seed``, ``status``
    (``done``/``failed``), ``error``, ``started`` (UTC), ``wall_seconds``, ``version``,
    ``model``, ``git_commit``, ``git_dirty`` (the code of the run), then one column per
    outcome.
``metrics``
    ``run_key``, ``step`` and the docs/model.md section 3 columns; primary key ``(run_key, step)``.

The sweep's parent process is the only writer. Each finished run is written in one transaction
(its ``runs`` row and all its ``metrics`` rows, replacing an earlier failed attempt), so a
process killed at any moment leaves every run either wholly present or absent. A write the disk
refuses (full, read-only) raises ``OSError`` naming the database: the runs committed before it
stay, and rerunning the sweep once there is room goes on from them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from scoresim.core.errors import ScenarioError
from scoresim.core.version import version
from scoresim.experiments.spec import SweepPoint, SweepSpec
from scoresim.scenario.versions import code_identity

#: The runs table's columns naming the code of a run, after ``version``: the model version of
#: its scenario and the git commit and dirty flag of a checkout (NULL otherwise).
CODE_COLUMNS = (("model", "VARCHAR"), ("git_commit", "VARCHAR"), ("git_dirty", "BOOLEAN"))


def q(name: str) -> str:
    """A quoted SQL identifier.

    Examples
    --------
    >>> q('adoption.imitation')
    '"adoption.imitation"'
    """
    return '"' + name.replace('"', '""') + '"'


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a sweep database, with one-line errors for a missing or busy file."""
    path = Path(path)
    if read_only and not path.exists():
        raise ScenarioError(f"{path}: file not found")
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc).splitlines()[0]
        if "lock" in text.lower():
            raise ScenarioError(f"{path}: in use by another process (a running sweep?)") from None
        raise ScenarioError(f"{path}: cannot open as a DuckDB database ({text})") from None
    except duckdb.Error as exc:
        raise ScenarioError(f"{path}: cannot open ({str(exc).splitlines()[0]})") from None


def _sql_type(values: Sequence[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "BOOLEAN"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "BIGINT"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "DOUBLE"
    return "VARCHAR"


def _cell(value: Any, sql_type: str) -> Any:
    if sql_type == "VARCHAR" and not isinstance(value, str):
        return json.dumps(value)
    if sql_type == "DOUBLE":
        return float(value)
    return value


def has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database already holds a sweep."""
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables")
             .fetchall()}  # fmt: skip
    return {"sweep", "design", "runs", "metrics"} <= names


class SweepDatabase:
    """Writer side of a sweep database (the sweep's parent process only).

    Examples
    --------
    >>> import tempfile
    >>> spec = SweepSpec.from_dict({
    ...     "name": "doc", "set": {"population.agents": 100, "steps": 2},
    ...     "parameters": {"graph.rewire": {"values": [0.1]}},
    ...     "outcomes": {"crit": {"metric": "critical_posts"}}})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     db = SweepDatabase.open(f"{d}/doc.duckdb", spec, spec.points(), ["step", "x"])
    ...     db.finished_keys(), db.con.execute("SELECT count(*) FROM design").fetchone()
    ...     db.close()
    (set(), (1,))
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: SweepSpec,
                 types: dict[str, str], path: Path | None = None) -> None:  # fmt: skip
        self.con, self.spec, self.types, self.path = con, spec, types, path

    @classmethod
    def open(
        cls, path: str | Path, spec: SweepSpec, points: Sequence[SweepPoint],
        metric_columns: Sequence[str],
    ) -> SweepDatabase:  # fmt: skip
        """Open (creating if new) the database of ``spec``; refuses one of another sweep."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = connect(path)
        types = {p.name: _sql_type([pt.values[p.name] for pt in points]) for p in spec.parameters}
        if has_tables(con):
            row = con.execute("SELECT name, fingerprint FROM sweep").fetchone()
            if row is None or row[1] != spec.fingerprint:
                con.close()
                raise ScenarioError(
                    f"{path}: holds the sweep {row[0] if row else '?'!r} with a different "
                    "definition; remove the file or give another --db"
                )
            stored = dict(con.execute("SELECT column_name, data_type FROM "
                                      "information_schema.columns WHERE table_name = 'runs'")
                          .fetchall())  # fmt: skip
            types = {n: stored.get(n, t) for n, t in types.items()}
            for name, sql in CODE_COLUMNS:  # a database made before runs named their code
                if name not in stored:
                    con.execute(f"ALTER TABLE runs ADD COLUMN {q(name)} {sql}")
            return cls(con, spec, types, path)
        try:
            con.execute("BEGIN TRANSACTION")
            cls._create(con, spec, points, metric_columns, types)
            con.execute("COMMIT")
        except BaseException as exc:
            _rollback(con)
            con.close()
            if interrupted(exc):
                raise KeyboardInterrupt("interrupted while making the database") from None
            if isinstance(exc, duckdb.Error) and (error := storage_error(path, exc)):
                raise error from None
            raise
        return cls(con, spec, types, path)

    @staticmethod
    def _create(con: duckdb.DuckDBPyConnection, spec: SweepSpec, points: Sequence[SweepPoint],
                metric_columns: Sequence[str], types: dict[str, str]) -> None:  # fmt: skip
        from scoresim.experiments.samplers import problem

        params = [p.name for p in spec.parameters]
        outcomes = [o.name for o in spec.outcomes]
        con.execute(
            "CREATE TABLE sweep (name VARCHAR, fingerprint VARCHAR, definition VARCHAR, "
            "problem VARCHAR, sampler VARCHAR, second_order BOOLEAN, num_levels INTEGER, "
            "parameters VARCHAR, outcomes VARCHAR, version VARCHAR, created TIMESTAMP)"
        )
        con.execute("INSERT INTO sweep VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            spec.name, spec.fingerprint, json.dumps(spec.definition, default=str),
            json.dumps(problem(spec.parameters)), spec.sampler, spec.second_order,
            spec.num_levels, json.dumps(params), json.dumps(outcomes), version(),
            dt.datetime.now(dt.UTC).replace(tzinfo=None)])  # fmt: skip
        xcols = ", ".join(f"{q('x:' + p)} DOUBLE" for p in params)
        vcols = ", ".join(f"{q(p)} {types[p]}" for p in params)
        con.execute(f"CREATE TABLE design (point INTEGER, replication INTEGER, seed BIGINT, "
                    f"run_key VARCHAR, {xcols}, {vcols})")  # fmt: skip
        design = pd.DataFrame(
            [[pt.point, pt.replication, pt.seed, pt.run_key, *pt.x,
              *(_cell(pt.values[p], types[p]) for p in params)] for pt in points],
            columns=["point", "replication", "seed", "run_key", *(f"x:{p}" for p in params),
                     *params])  # fmt: skip
        con.register("design_frame", design)
        con.execute("INSERT INTO design SELECT * FROM design_frame")
        con.unregister("design_frame")
        ocols = ", ".join(f"{q(o)} DOUBLE" for o in outcomes)
        con.execute(
            f"CREATE TABLE runs (run_key VARCHAR PRIMARY KEY, point INTEGER, {vcols}, "
            "replication INTEGER, seed BIGINT, status VARCHAR, error VARCHAR, "
            "started TIMESTAMP, wall_seconds DOUBLE, version VARCHAR, "
            + "".join(f"{q(name)} {sql}, " for name, sql in CODE_COLUMNS)
            + f"{ocols})"
        )
        mcols = ", ".join(f"{q(m)} {'BIGINT' if m in _INT_METRICS else 'DOUBLE'}"
                          for m in metric_columns if m != "step")  # fmt: skip
        con.execute(
            f"CREATE TABLE metrics (run_key VARCHAR, step INTEGER, {mcols}, "
            "PRIMARY KEY (run_key, step))"
        )

    def finished_keys(self) -> set[str]:
        """Keys of the runs already ``done``."""
        rows = self.con.execute("SELECT run_key FROM runs WHERE status = 'done'").fetchall()
        return {r[0] for r in rows}

    def write(self, point: SweepPoint, status: str, error: str | None,
              started: dt.datetime | None, wall_seconds: float,
              outcomes: dict[str, float], metrics: pd.DataFrame | None) -> None:  # fmt: skip
        """Record one run (its row and its metrics) in a single transaction."""
        params = [p.name for p in self.spec.parameters]
        names = [
            "run_key",
            "point",
            *params,
            "replication",
            "seed",
            "status",
            "error",
            "started",
            "wall_seconds",
            "version",
            *(name for name, _ in CODE_COLUMNS),
            *(o.name for o in self.spec.outcomes),
        ]
        code = code_identity([point.scenario])
        git = code["git"] or {}
        values = [point.run_key, point.point,
                  *(_cell(point.values[p], self.types[p]) for p in params),
                  point.replication, point.seed, status, error, started, wall_seconds,
                  code["version"], code["model"], git.get("commit"), git.get("dirty"),
                  *(outcomes.get(o.name) for o in self.spec.outcomes)]  # fmt: skip
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM metrics WHERE run_key = ?", [point.run_key])
            con.execute("DELETE FROM runs WHERE run_key = ?", [point.run_key])
            con.execute(f"INSERT INTO runs ({', '.join(q(n) for n in names)}) "
                        f"VALUES ({', '.join('?' * len(names))})", values)  # fmt: skip
            if metrics is not None:
                frame = metrics.assign(run_key=point.run_key)
                con.register("run_metrics", frame)
                con.execute("INSERT INTO metrics BY NAME SELECT * FROM run_metrics")
                con.unregister("run_metrics")
            con.execute("COMMIT")
        except BaseException as exc:
            _rollback(con)
            if interrupted(exc):
                raise KeyboardInterrupt("interrupted while writing a run") from None
            if isinstance(exc, duckdb.Error) and (error := storage_error(self.path, exc)):
                raise error from None
            raise

    def close(self) -> None:
        """Close; a checkpoint the disk refuses is left to the next open (the committed runs
        are in the write-ahead log)."""
        with contextlib.suppress(duckdb.Error):
            self.con.close()


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's form of a Ctrl-C or SIGTERM that arrived mid-query (it turns
    the Python exception into its own, which must not pass for a failed run).

    >>> interrupted(RuntimeError("Query interrupted")), interrupted(duckdb.Error("x"))
    (True, False)
    """
    if isinstance(exc, duckdb.InterruptException):
        return True
    return isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower()


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is open (a COMMIT that failed has already ended it)."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


#: how DuckDB words a refused write, and the error number it stands for
_STORAGE_MESSAGES = (("no space left", errno.ENOSPC), ("file too large", errno.EFBIG),
                     ("read-only file system", errno.EROFS), ("disk quota", errno.EDQUOT),
                     ("could not write", errno.EIO), ("could not fsync", errno.EIO))  # fmt: skip


def storage_error(path: Path | None, exc: duckdb.Error) -> OSError | None:
    """``exc`` as an ``OSError`` about the database file if the disk refused a write (DuckDB
    reports it as an IO or a failed-commit error), else None.

    >>> e = storage_error(Path("s.duckdb"), duckdb.IOException('Could not write file "s.wal": '
    ...                                                        'No space left on device'))
    >>> e.errno == errno.ENOSPC, e.filename, e.strerror
    (True, 's.duckdb', 'cannot write the database (No space left on device)')
    """
    text = str(exc).lower()
    code = next((c for words, c in _STORAGE_MESSAGES if words in text), None)
    if code is None and not isinstance(exc, duckdb.IOException):
        return None
    code = code or errno.EIO
    return OSError(
        code, f"cannot write the database ({os.strerror(code)})", str(path or "database")
    )


_INT_METRICS = ("edges", "loans_denied", "travel_denied")


# --------------------------------------------------------------------------- reading
def read_sweep(path: str | Path, metrics: bool = False) -> dict[str, Any]:
    """A sweep database's tables as DataFrames plus the ``sweep`` row as a dict.

    Returns
    -------
    dict
        ``info`` (the sweep row, JSON fields decoded), ``design``, ``runs``, and ``metrics``
        when asked for (it can be large).
    """
    con = connect(path, read_only=True)
    try:
        if not has_tables(con):
            raise ScenarioError(f"{path}: not a scoresim sweep database (no sweep tables)")
        info_frame = con.execute("SELECT * FROM sweep").df()
        info = info_frame.iloc[0].to_dict()
        for key in ("definition", "problem", "parameters", "outcomes"):
            info[key] = json.loads(info[key])
        out = {
            "info": info,
            "design": con.execute("SELECT * FROM design ORDER BY point, replication").df(),
            "runs": con.execute("SELECT * FROM runs ORDER BY point, replication").df(),
        }
        if metrics:
            out["metrics"] = con.execute("SELECT * FROM metrics ORDER BY run_key, step").df()
        return out
    finally:
        con.close()

"""Batched writes of a calibration (issue 22): one transaction per batch, the values stored
bit for bit, a simulation reported done only once stored, and one set of workers for the
whole calibration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scoresim.calibration.run import calibrate
from scoresim.calibration.spec import CalibrationSpec
from scoresim.calibration.store import CalibrationStore, StoredSim
from scoresim.experiments import workers

from .conftest import Quiet, calibration

SPEC = CalibrationSpec.from_dict(calibration())
VALUES = {"adoption.innovation": 0.001, "adoption.imitation": 0.01}


def _sim(idx: int, series: np.ndarray, round_: int = 0) -> StoredSim:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, 678901)
    return StoredSim("abc", round_, idx, 0, "treatment", 7 + idx, VALUES, when, 0.5,
                     {"adoption": series})  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.lists(arrays(np.float64, 4), min_size=1, max_size=6))
def test_a_batch_stores_what_one_write_a_simulation_stores(
    tmp_path_factory: pytest.TempPathFactory, series: list[np.ndarray]
) -> None:
    store = CalibrationStore.open(tmp_path_factory.mktemp("b") / "c.duckdb", SPEC)
    try:
        store.write_many([_sim(i, s) for i, s in enumerate(series)])
        for i, s in enumerate(series):
            one = _sim(i, s, round_=1)
            store.write(one.stage, one.round, one.idx, one.replication, one.arm, one.seed,
                        one.values, one.started, one.wall_seconds, one.series)  # fmt: skip
        batched, alone = store.cached("abc", 0), store.cached("abc", 1)
        assert batched.keys() == alone.keys() == {(i, 0, "treatment") for i in range(len(series))}
        for key, got in batched.items():
            assert got["adoption"].tobytes() == alone[key]["adoption"].tobytes()
            assert np.array_equal(got["adoption"], series[key[0]], equal_nan=True)
        rows = store.con.execute("SELECT DISTINCT seed - idx, started, wall_seconds, "
                                 "\"p:adoption.imitation\" FROM sims").fetchall()  # fmt: skip
        assert rows == [(7, dt.datetime(2026, 1, 2, 3, 4, 5, 678901), 0.5, 0.01)]
    finally:
        store.close()


def test_a_failed_batch_stores_none_of_its_simulations(tmp_path: Path) -> None:
    store = CalibrationStore.open(tmp_path / "c.duckdb", SPEC)
    try:
        store.write_many([_sim(0, np.ones(4))])
        batch = [_sim(1, np.ones(4)), _sim(2, np.ones(4)), _sim(3, np.ones(4), round_=2**40)]
        with pytest.raises(duckdb.Error):  # the last round is out of INTEGER's range
            store.write_many(batch)
        assert store.count() == 1 and set(store.cached("abc", 0)) == {(0, 0, "treatment")}
        store.write_many(batch[:2])  # the connection is usable again
        assert store.count() == 3
    finally:
        store.close()


def test_reported_done_only_once_stored_and_one_set_of_workers(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:  # fmt: skip
    spec = CalibrationSpec.from_dict(calibration(method="history"))  # 2 waves and a check
    started = []
    spawn = workers._Worker.__init__

    def counted(self: workers._Worker, context: object) -> None:
        spawn(self, context)
        started.append(self.process.pid)

    monkeypatch.setattr(workers._Worker, "__init__", counted)

    stored: list[tuple[str, int, int, int, str]] = []
    opened = CalibrationStore.open

    def spying(path: Path, spec: CalibrationSpec) -> CalibrationStore:
        store = opened(path, spec)
        original = store.write_many

        def write_many(sims: list[StoredSim]) -> None:
            original(sims)
            for s in sims:  # stored when the batch returns; nothing reported done before
                assert (s.idx, s.replication, s.arm) in store.cached(s.stage, s.round)
            stored.extend((s.stage, s.round, s.idx, s.replication, s.arm) for s in sims)

        store.write_many = write_many  # type: ignore[method-assign]
        return store

    monkeypatch.setattr(CalibrationStore, "open", staticmethod(spying))
    reported: list[tuple[str, int, int, int, str]] = []

    class Reporting(Quiet):
        def simulation(self, key: tuple[str, int, int, int, str], n: int) -> None:
            assert key in stored  # its batch was written first
            reported.append(key)

    run = calibrate(spec, tmp_path / "cal", workers=2, progress=Reporting)
    assert run.new == len(reported) == len(stored) == 2 * 8 + 4
    assert len(started) == 2  # one pair of workers for both waves and the check
    assert 0 < run.sim_seconds < 2 * run.wall_seconds

"""Run folders: save/load round trip, atomic replacement, summary.json and parquet metadata."""

from __future__ import annotations

import json
import math
import os
import stat
import tomllib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

import scoresim.results.files as run_files
import scoresim.results.folders as results
from scoresim import Run, Scenario, __version__, simulate
from scoresim.results.tables import AGENTS_TABLE

RUN_FILES = {"metrics.parquet", "agents.parquet", "edges.parquet", "scenario.toml", "summary.json"}
TINY = Scenario.preset("seed").with_overrides({"population.agents": 200, "steps": 5})


@pytest.fixture(scope="module")
def run_a() -> Run:
    return simulate(TINY, seed=21)


@pytest.fixture(scope="module")
def run_b() -> Run:
    return simulate(TINY.with_overrides({"population.agents": 150, "steps": 3}), seed=22)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _complete_folders(parent: Path) -> list[str]:
    return sorted(
        p.name
        for p in parent.iterdir()
        if p.is_dir() and {q.name for q in p.iterdir()} >= RUN_FILES
    )


def test_save_then_load_round_trips(run_a: Run, tmp_path: Path) -> None:
    folder = run_a.save(tmp_path / "nested" / "run")
    assert folder == tmp_path / "nested" / "run"
    assert {p.name for p in folder.iterdir()} == RUN_FILES
    back = Run.load(folder)
    assert back.scenario == run_a.scenario
    assert back.seed == run_a.seed == 21
    assert_frame_equal(back.metrics, run_a.metrics, check_exact=True)
    assert_frame_equal(back.agents, run_a.agents, check_exact=True)
    assert_frame_equal(back.edges, run_a.edges, check_exact=True)
    assert back.wall_seconds == pytest.approx(run_a.wall_seconds, abs=1e-3)
    assert [p.name for p in (tmp_path / "nested").iterdir()] == ["run"]  # no temp leftovers


def test_the_agents_file_has_the_columns_the_agent_columns_define(
    run_a: Run, tmp_path: Path
) -> None:
    schema = pq.read_schema(run_a.save(tmp_path / "out") / "agents.parquet")
    assert schema.names == [c.name for c in AGENTS_TABLE] == list(run_a.agents.columns)
    for column in AGENTS_TABLE:
        kind = schema.field(column.name).type
        if column.name == "tier":  # the tier's number, named by the tier names
            assert kind == pa.dictionary(pa.int8(), pa.string())
        else:
            assert kind == pa.from_numpy_dtype(np.dtype(column.dtype)), column.name


def test_summary_json(run_a: Run, tmp_path: Path) -> None:
    folder = run_a.save(tmp_path / "run")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["version"] == __version__
    assert summary["seed"] == 21
    assert isinstance(summary["wall_seconds"], float) and summary["wall_seconds"] >= 0
    assert (summary["agents"], summary["steps"]) == (200, 5)
    last = run_a.metrics.iloc[-1]
    assert list(summary["last"]) == list(run_a.metrics.columns)
    for col, value in summary["last"].items():
        if value is None:
            assert math.isnan(last[col]), col
        else:
            assert value == last[col], col


def test_parquet_metadata(run_a: Run, tmp_path: Path) -> None:
    folder = run_a.save(tmp_path / "run")
    for name in ("metrics.parquet", "agents.parquet", "edges.parquet"):
        meta = pq.read_schema(folder / name).metadata
        assert meta[b"scoresim.version"].decode() == __version__
        assert meta[b"scoresim.seed"].decode() == "21"
        scenario = Scenario.from_dict(tomllib.loads(meta[b"scoresim.scenario"].decode()))
        assert scenario == run_a.scenario


def test_saving_over_an_existing_folder_replaces_it(run_a: Run, run_b: Run, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    run_a.save(folder)
    (folder / "stale.txt").write_text("from an earlier run")
    run_b.save(folder)
    assert {p.name for p in folder.iterdir()} == RUN_FILES
    back = Run.load(folder)
    assert back.seed == 22 and len(back.metrics) == 3 and len(back.agents) == 150
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


@pytest.mark.parametrize("exc_type", [OSError, KeyboardInterrupt])
@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_failed_save_keeps_the_previous_folder(
    run_a: Run,
    run_b: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fail_at: int,
    exc_type: type[BaseException],
) -> None:
    folder = tmp_path / "run"
    run_a.save(folder)
    before = _snapshot(folder)
    real = run_files._write_chunks  # each of the three Parquet files
    calls = []

    def flaky(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == fail_at:
            raise exc_type("disk full")
        real(*args, **kwargs)

    monkeypatch.setattr(run_files, "_write_chunks", flaky)
    with pytest.raises(exc_type):
        run_b.save(folder)
    assert _snapshot(folder) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert Run.load(folder).seed == 21


def test_failed_summary_leaves_no_folder(
    run_a: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Run) -> dict[str, object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(Run, "summary", broken)
    with pytest.raises(RuntimeError):
        run_a.save(tmp_path / "fresh")
    assert list(tmp_path.iterdir()) == []
    assert _complete_folders(tmp_path) == []


def test_failed_final_rename_keeps_the_previous_folder(
    run_a: Run, run_b: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "run"
    run_a.save(folder)
    before = _snapshot(folder)
    real = os.replace
    calls = []

    def flaky(src: object, dst: object) -> None:
        calls.append(1)
        if len(calls) == 2:  # old -> .old worked; tmp -> folder fails
            raise OSError("rename failed")
        real(src, dst)

    monkeypatch.setattr(results.os, "replace", flaky)
    with pytest.raises(OSError):
        run_b.save(folder)
    monkeypatch.undo()
    assert folder.exists() and _snapshot(folder) == before


def test_saved_folder_has_umask_permissions(run_a: Run, tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        folder = run_a.save(tmp_path / "run")
        reference = tmp_path / "reference"
        reference.mkdir()
    finally:
        os.umask(umask)
    assert stat.S_IMODE(folder.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)

"""Resume: ``scoresim calibrate`` killed with SIGKILL loses no stored simulation, and the rerun
computes only what is missing and reaches the same posterior as an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from scoresim.cli import main

from .conftest import calibration, write

SCORESIM = Path(sys.executable).parent / "scoresim"
KEY = ["stage", "round", "idx", "replication", "arm"]


def _rows(db: Path) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * FROM sims ORDER BY stage, round, idx, replication, "
                           "arm").df()  # fmt: skip
    finally:
        con.close()


def test_sigkill_then_rerun_loses_and_repeats_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = calibration(budget={"generations": 3, "particles": 15, "checks": 4})
    path = write(tmp_path / "cal.toml", data)
    out, db = tmp_path / "killed", tmp_path / "killed.duckdb"
    proc = subprocess.Popen([str(SCORESIM), "calibrate", str(path), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    printed: list[tuple[str, int, int, int, str]] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # "simulation abc round 0 point 3 replication 0 treatment ..."
            if line.startswith("simulation "):
                w = line.split()
                printed.append((w[1], int(w[3]), int(w[5]), int(w[7]), w[8]))
                if len(printed) >= 25:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()  # the folder is written only when whole
    before = _rows(db)
    stored = set(map(tuple, before[KEY].itertuples(index=False)))
    assert set(printed) <= stored  # every simulation reported done was kept
    assert len(stored) == len(before) >= 25

    assert main(["calibrate", str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    after = _rows(db)
    assert len(after) == len(set(map(tuple, after[KEY].itertuples(index=False))))
    assert f"{len(before)} earlier" in text and f"{len(after) - len(before)} new" in text
    kept = after.merge(before, on=KEY, suffixes=("", "_before"))
    assert len(kept) == len(before)  # nothing stored before the kill was run again:
    assert (kept["started"] == kept["started_before"]).all()  # same rows, same start times

    fresh = tmp_path / "fresh"
    assert main(["calibrate", str(path), "--out", str(fresh)]) == 0
    capsys.readouterr()
    for name in ("posterior.parquet", "diagnostics.parquet"):
        assert pd.read_parquet(out / name).equals(pd.read_parquet(fresh / name)), name
    for name in ("summary.csv", "targets.csv"):
        assert (out / name).read_text() == (fresh / name).read_text(), name

    # a third run has nothing left to do
    assert main(["calibrate", str(path), "--out", str(out)]) == 0
    assert " 0 new simulations" in capsys.readouterr().out
    assert len(_rows(db)) == len(after)


def test_changed_definition_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:  # fmt: skip
    path = write(tmp_path / "cal.toml", calibration(method="history"))
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 0
    capsys.readouterr()
    write(path, calibration(method="history", seed=2))
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "out.duckdb: holds the calibration 'tiny' with a different definition" in err
    assert err.count("\n") == 1


def test_time_limit_before_a_first_round_writes_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "cal.toml", calibration())
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--max-minutes", "0.00001"]) == 1
    err = capsys.readouterr().err
    assert "before the first generation was complete" in err and "rerun to continue" in err
    assert not out.exists() and (tmp_path / "out.duckdb").exists()
    assert main(["calibrate", str(path), "--out", str(out)]) == 0  # and a rerun finishes
    assert (out / "posterior.parquet").exists()

"""The calibration folder: its files and columns, the calibrated scenario, and the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoresim import Scenario, simulate
from scoresim.cli import main

from .conftest import calibration, write

FILES = {"posterior.parquet", "summary.csv", "targets.csv", "calibrated.toml",
         "diagnostics.parquet", "calibration.json", "calibration.toml"}  # fmt: skip
PARAMS = ["adoption.innovation", "adoption.imitation"]


@pytest.fixture(scope="module", params=["history", "abc"])
def folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp(request.param)
    path = write(tmp / "cal.toml", calibration(method=request.param))
    assert main(["calibrate", str(path), "--out", str(tmp / "out")]) == 0
    return tmp / "out"


def test_files_and_columns(folder: Path) -> None:
    assert {p.name for p in folder.iterdir()} == FILES
    info = json.loads((folder / "calibration.json").read_text())
    post = pd.read_parquet(folder / "posterior.parquet")
    assert list(post.columns) == [*PARAMS, "weight", "generation"]
    assert len(post) and np.isclose(post["weight"].sum(), 1.0 if info["method"] == "abc"
                                    else len(post))  # fmt: skip
    for name, p in info["parameters"].items():
        assert post[name].between(p["low"], p["high"]).all()
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary.columns) == ["parameter", "prior_low", "prior_high", "median",
                                     "ci_low", "ci_high"]  # fmt: skip
    assert (summary["ci_low"] <= summary["median"]).all()
    assert (summary["median"] <= summary["ci_high"]).all()
    targets = pd.read_csv(folder / "targets.csv")
    assert list(targets.columns) == ["target", "observed_low", "observed_high", "sim_median",
                                     "sim_low", "sim_high", "held_out", "pass"]  # fmt: skip
    assert targets["held_out"].tolist() == [False, False, True]
    assert (targets["sim_low"] <= targets["sim_high"]).all()
    meets = (targets["sim_low"] <= targets["observed_high"]) & (
        targets["sim_high"] >= targets["observed_low"]
    )
    assert (targets["pass"] == meets).all()
    diag = pd.read_parquet(folder / "diagnostics.parquet")
    assert {"round", "epsilon", "acceptance", "ess", "simulations", "kept_fraction"} <= set(
        diag.columns
    )
    assert len(diag) == 2 and info["rounds"] == 2


def test_calibrated_scenario_runs_at_the_medians(folder: Path) -> None:
    summary = pd.read_csv(folder / "summary.csv").set_index("parameter")["median"]
    scenario = Scenario.load(folder / "calibrated.toml")
    assert scenario.adoption.innovation == pytest.approx(summary["adoption.innovation"])
    assert scenario.adoption.imitation == pytest.approx(summary["adoption.imitation"])
    assert (scenario.population.agents, scenario.steps, scenario.adoption.initial) == (500, 20, 0.0)
    assert len(simulate(scenario.with_overrides({"steps": 2})).metrics) == 2


def test_report_draws_every_section(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(folder)]) == 0
    page = (folder / "report.html").read_text()
    assert capsys.readouterr().out.strip() == f"report: {folder / 'report.html'}"
    for heading in (
        "Convergence per",
        "Posterior marginals",
        "Posterior pairs",
        "Targets: observed against simulated",
        "Target definitions",
    ):
        assert heading in page, heading
    assert page.count("<img ") == 4
    assert "Held out (validation, not fitted): held." in page
    (folder / "report.html").unlink()


def test_damaged_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "calibration.json").write_text("{}")
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "damaged calibration folder" in err and err.count("\n") == 1


def test_unreachable_target_keeps_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    impossible = [{"name": "all", "metric": "adoption", "step": 20, "value": 0.99, "sd": 0.001}]
    path = write(tmp_path / "cal.toml", calibration(method="history", targets=impossible))
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "no parameter point was kept" in err
    assert pd.read_parquet(out / "posterior.parquet").empty
    targets = pd.read_csv(out / "targets.csv")
    assert not targets["pass"].any() and targets["sim_median"].isna().all()
    diag = pd.read_parquet(out / "diagnostics.parquet")
    assert diag["kept_fraction"].tolist() == [0.0] and diag["pass:all"].tolist() == [0.0]
    base = Scenario.load(out / "calibrated.toml")  # the scenario as given, still runnable
    assert base.adoption.innovation == Scenario.preset("seed").adoption.innovation

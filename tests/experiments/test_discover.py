"""`scoresim discover`: PRIM on a sweep's runs recovers a known box, prints its restricted
parameters one line each and a one-line summary, writes its table, figure and summary, and
refuses bad input in one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from tests.experiments.synthetic_sweep import NAMES, make_sweep

from scoresim import ScenarioError
from scoresim.cli import main
from scoresim.experiments.discovery import discover


def _box_outcome(X: np.ndarray) -> np.ndarray:
    """0.5 inside detect.critical >= 0.6 and risk_sensitivity <= 4, 0.1 outside."""
    return np.where((X[:, 0] >= 0.6) & (X[:, 2] <= 4.0), 0.5, 0.1)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("discover"), "lhs", samples=400,
                      outcome=_box_outcome)  # fmt: skip


def test_a_known_box_is_recovered_from_a_sweep(sweep: Path) -> None:
    found = discover(sweep, "y", "> 0.3")
    box = found.box_frame().set_index("parameter")
    assert list(box.index) == [NAMES[0], NAMES[2]]
    assert box.loc[NAMES[0], "low"] == pytest.approx(0.6, abs=0.01)
    assert box.loc[NAMES[2], "high"] == pytest.approx(4.0, abs=0.1)
    assert np.isnan(box.loc[NAMES[0], "high"]) and np.isnan(box.loc[NAMES[2], "low"])
    assert found.result.box.density == 1.0 and found.result.box.coverage > 0.95
    assert found.runs == 400 and found.of_interest == int((_box_outcome_values(sweep)).sum())


def _box_outcome_values(db: Path) -> np.ndarray:
    from tests.experiments.synthetic_sweep import values

    return _box_outcome(values(samples=400)) > 0.3


def test_the_command_prints_the_box_and_writes_its_files(
    sweep: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "found"
    assert main(["discover", str(sweep), "--outcome", "y", "--where", "> 0.3",
                 "--out", str(out)]) == 0  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith(f"{NAMES[0]} >= 0.6") and "quasi-p" in lines[0]
    assert lines[1].startswith(f"{NAMES[2]} <= 4") or lines[1].startswith(f"{NAMES[2]} <= 3.9")
    summary = lines[2]
    assert summary.startswith("y > 0.3 in 100% of runs with policy.detect.critical >= 0.6")
    assert re.search(r"; the box covers (9\d|100)% of such runs \(\d+ of the sweep's 400\)$",
                     summary)  # fmt: skip
    assert lines[3] == f"results: {out}"
    trajectory = pd.read_csv(out / "trajectory.csv")
    assert trajectory["chosen"].sum() == 1 and trajectory["mass"].is_monotonic_decreasing
    assert list(pd.read_csv(out / "box.csv")["parameter"]) == [NAMES[0], NAMES[2]]
    record = json.loads((out / "summary.json").read_text())
    assert record["summary"] == summary and record["density"] == 1.0
    caveat = Image.open(out / "peeling.png").text["Caveat"]
    assert caveat.startswith("hypothetical · synthetic citizens · scoresim ")


@pytest.mark.parametrize(("args", "message"), [
    (["--outcome", "chill", "--where", "> 0.3"],
     "--outcome 'chill': not an outcome of this sweep (its outcomes: y, z) nor an "
     "expression of its metrics"),
    (["--outcome", "y", "--where", "above 0.3"],
     "--where 'above 0.3': expected a comparison (>, >=, <, <=) and a number"),
    (["--outcome", "y", "--where", "> 0.9"], "--where '> 0.9': no run has y > 0.9"),
])  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(
    sweep: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
    message: str,
) -> None:  # fmt: skip
    out = tmp_path / "nothing"
    assert main(["discover", str(sweep), *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not out.exists()


def test_a_coverage_out_of_range_is_refused_by_the_parser(
    sweep: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["discover", str(sweep), "--outcome", "y", "--where", "> 0.3",
              "--min-coverage", "2"])  # fmt: skip
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--min-coverage: expected a number in (0, 1], got '2'" in err[0]


def test_an_expression_of_the_stored_metrics_is_an_outcome(tmp_path: Path) -> None:
    """``--outcome`` takes the outcome language over the sweep's per-step metrics: the same
    expression as a sweep outcome and as a discover outcome finds the same runs and box."""
    from scoresim.experiments.sweep import run_sweep

    text = "mean(critical_posts, 2, 4) / max(critical_posts)"
    spec = {"name": "expr", "sampler": "lhs", "samples": 16,
            "set": {"population.agents": 200, "steps": 4},
            "parameters": {"policy.detect.critical": {"low": 0.0, "high": 1.0},
                           "adaptation.awareness": {"low": 0.0, "high": 1.0}},
            "outcomes": {"ratio": {"metric": text}}}  # fmt: skip
    db = tmp_path / "expr.duckdb"
    values = run_sweep(spec, db).to_frame()["ratio"]
    where = f"> {float(np.median(values)):.17g}"
    stored = discover(db, "ratio", where)
    computed = discover(db, text, where)
    assert computed.of_interest == 8 and computed.runs == 16
    assert computed.of_interest == stored.of_interest
    pd.testing.assert_frame_equal(computed.box_frame(), stored.box_frame())
    with pytest.raises(ScenarioError, match=r"not an outcome of this sweep \(its outcomes: "
                       r"ratio\) nor an expression of its metrics \(unknown metric column"):
        discover(db, "mean(critical_postz)", "> 0.9")

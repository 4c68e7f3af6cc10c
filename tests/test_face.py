"""The package face: ``import scoresim`` stays light, and the four experiments are one call each,
as Mesa's ``batch_run``: compare, sweep, sensitivity and calibrate, each returning a result with
``to_frame()`` and ``_repr_html_``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import tomli_w

import scoresim
from scoresim import Scenario
from scoresim.experiments.effects import HEADLINE_COLUMNS

SMALL = {"population.agents": 200, "steps": 4}
SWEEP = {
    "name": "face",
    "sampler": "morris",
    "samples": 2,
    "set": SMALL,
    "parameters": {"graph.rewire": {"low": 0.0, "high": 1.0},
                   "policy.friend_weight": {"low": 0.0, "high": 0.2}},
    "outcomes": {"crit": {"metric": "critical_posts"}},
}  # fmt: skip
CALIBRATION = {
    "name": "face",
    "method": "abc",
    "set": SMALL,
    "parameters": {"adoption.imitation": {"low": 0.01, "high": 0.5}},
    "targets": [{"name": "late", "metric": "adoption", "step": 4, "value": 0.3, "sd": 0.1}],
    "budget": {"particles": 4, "generations": 1, "checks": 2},
}


def test_import_scoresim_loads_no_experiment_nor_table_library() -> None:
    code = ("import sys, scoresim\n"
            "heavy = ('pandas', 'duckdb', 'pyarrow', 'SALib', 'scoresim.experiments',\n"
            "         'scoresim.calibration')\n"
            "print([m for m in heavy if m in sys.modules])\n"
            "print(scoresim.compare.__module__, 'pandas' in sys.modules)")  # fmt: skip
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.splitlines()  # fmt: skip
    assert shown == ["[]", "scoresim.experiments.compare True"]
    assert {"compare", "sweep", "sensitivity", "discover", "calibrate"} <= set(scoresim.__all__)
    assert {"compare", "sweep", "sensitivity", "discover", "calibrate"} <= set(dir(scoresim))


def test_compare_takes_names_files_and_scenarios(tmp_path: Path) -> None:
    early = tmp_path / "early.toml"
    early.write_text('base = "seed"\nname = "early"\n[adoption]\nmandatory_step = 2\n')
    three = scoresim.compare("seed", early, against="control", replications=2, seed=3,
                             overrides=SMALL, out=tmp_path / "cmp")  # fmt: skip
    frame = three.to_frame()
    assert list(frame.columns) == ["arm", *HEADLINE_COLUMNS]
    assert list(dict.fromkeys(frame["arm"])) == ["seed", "early"]
    info = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert [a["source"] for a in info["arms"]] == ["seed", str(early)]
    html = three._repr_html_()
    assert "early" in html and "chilling effect" in html

    treatment = Scenario.preset("seed").with_overrides({**SMALL, "seed": 3})
    two = scoresim.compare(treatment, against=Scenario.preset("control"), replications=2)
    assert list(two.to_frame().columns) == list(HEADLINE_COLUMNS)
    by_name = three.headline[three.headline["arm"] == "seed"].drop(columns="arm")
    pd.testing.assert_frame_equal(by_name.reset_index(drop=True), two.to_frame(),
                                  check_exact=True)  # fmt: skip
    assert "source" not in two.summary()["treatment"]  # given as a scenario, not a name


def test_sweep_and_sensitivity_take_a_file_a_mapping_or_the_sweep(tmp_path: Path) -> None:
    path = tmp_path / "face.toml"
    path.write_text(tomli_w.dumps(SWEEP))
    from_file = scoresim.sweep(path, db=tmp_path / "file.duckdb")
    from_mapping = scoresim.sweep(SWEEP, db=tmp_path / "mapping.duckdb")
    runs = from_file.to_frame()
    assert len(runs) == from_file.done == 2 * (2 + 1)
    columns = ["point", "graph.rewire", "policy.friend_weight", "crit"]
    pd.testing.assert_frame_equal(runs[columns], from_mapping.to_frame()[columns])
    assert "face" in from_file._repr_html_() and "crit" in from_file._repr_html_()

    indices = scoresim.sensitivity(from_file, out=tmp_path / "indices.csv")
    assert indices.method == "morris"
    again = scoresim.sensitivity(tmp_path / "file.duckdb")
    pd.testing.assert_frame_equal(indices.to_frame(), again.to_frame())
    assert pd.read_csv(tmp_path / "indices.csv").shape == indices.to_frame().shape
    assert "mu_star" in indices._repr_html_() and "graph.rewire" in indices._repr_html_()


def test_calibrate_takes_a_file(tmp_path: Path) -> None:
    path = tmp_path / "face.toml"
    path.write_text(tomli_w.dumps(CALIBRATION))
    run = scoresim.calibrate(path, out=tmp_path / "cal", progress=False)
    summary = run.to_frame()
    pd.testing.assert_frame_equal(summary, pd.read_csv(tmp_path / "cal" / "summary.csv"))
    assert summary["parameter"].tolist() == ["adoption.imitation"]
    assert "adoption.imitation" in run._repr_html_()


def test_sweep_and_calibrate_take_scenario_objects(tmp_path: Path) -> None:
    """A mapping's ``scenario`` (and a calibration's ``control``) may be a Scenario: the runs
    are those of the same scenario named by a file, and two objects of one name differ."""
    harsh = Scenario.preset("seed").with_overrides({"name": "harsh",
                                                    "policy.detect.critical": 0.9})
    path = tmp_path / "harsh.toml"
    path.write_text('base = "seed"\nname = "harsh"\n[policy.detect]\ncritical = 0.9\n')
    from scoresim.experiments.spec import SweepSpec

    by_object = SweepSpec.from_dict({**SWEEP, "scenario": harsh})
    by_file = SweepSpec.from_dict({**SWEEP, "scenario": str(path)})
    assert [p.run_key for p in by_object.points()] == [p.run_key for p in by_file.points()]
    assert by_object.fingerprint != SweepSpec.from_dict(SWEEP).fingerprint  # not the preset
    report = scoresim.sweep({**SWEEP, "scenario": harsh}, db=tmp_path / "s.duckdb")
    assert (report.to_frame()["status"] == "done").all()

    control = Scenario.preset("control")
    calibration = {**CALIBRATION, "scenario": harsh, "control": control,
                   "targets": [{"name": "chill", "metric": "1 - critical_posts / "
                                "control.critical_posts", "step": 4, "value": 0.2, "sd": 0.2}]}
    run = scoresim.calibrate(calibration, tmp_path / "cal", progress=False)
    assert run.to_frame()["parameter"].tolist() == ["adoption.imitation"]
    from scoresim.calibration.spec import CalibrationSpec

    spec = CalibrationSpec.from_dict(calibration)
    arms = spec.scenarios({"adoption.imitation": 0.2, "economy.hire": 0.07}, seed=5)
    assert arms["treatment"].policy.detect.critical == 0.9
    assert arms["treatment"].adoption.imitation == 0.2
    assert arms["control"].adoption.imitation == 0.0  # nobody enrols in the control: its own
    assert arms["control"].economy.hire == 0.07  # a value both hold: shared
    assert arms["control"].population == arms["treatment"].population  # the same society
    assert (arms["treatment"].seed, arms["control"].seed) == (5, 5)

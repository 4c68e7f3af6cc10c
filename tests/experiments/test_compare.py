"""`scoresim compare`: pairing, the override rule, identity across worker counts, files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoresim import Run, Scenario, Simulation
from scoresim.cli import main
from scoresim.experiments.arms import resolve_arms
from scoresim.experiments.compare import compare
from scoresim.experiments.effects import HEADLINE_COLUMNS, paired_interval

TINY = {"population.agents": 300, "steps": 12}
TINY_ARGS = ["--set", "population.agents=300", "--set", "steps=12"]


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "cmp"
    rc = main(["compare", "seed", "--replications", "3", "--workers", "2", "--seed", "4",
               *TINY_ARGS, "--out", str(out)])
    assert rc == 0
    return out


def test_override_rule_shared_fields_change_both_arms() -> None:
    a = resolve_arms(["seed"], "control", {
        "population.agents": 250, "steps": 7, "economy.job_loss": 0.02,
        "adoption.mandatory_step": 3, "policy.friend_weight": 0.5, "tiers.0.reach": 0.5,
    }, seed=9)
    t, c, shared, only = a.treatments[0], a.control, a.shared, a.treatment_only
    assert (t.population.agents, c.population.agents) == (250, 250)
    assert (t.steps, c.steps) == (7, 7)
    assert t.economy.job_loss == c.economy.job_loss == 0.02
    assert (t.seed, c.seed) == (9, 9)
    # fields where the arms differ define the treatment: the control stays a control
    assert t.adoption.mandatory_step == 3 and c.adoption.mandatory_step == "never"
    assert t.policy.friend_weight == 0.5 and c.policy.friend_weight == 0.0
    assert set(shared) == {"population.agents", "steps", "economy.job_loss", "tiers.0.reach"}
    assert set(only) == {"adoption.mandatory_step", "policy.friend_weight"}


def test_pairing_same_society_in_both_arms() -> None:
    a = resolve_arms(["seed"], "control", TINY)
    t, c = a.treatments[0], a.control
    for seed in (1, 2):
        a, b = Simulation(t, seed).society, Simulation(c, seed).society
        for name in ("dissent0", "dissent", "fear", "wealth", "employed"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert np.array_equal(a.graph.src, b.graph.src)
        assert np.array_equal(a.graph.dst, b.graph.dst)
    other = Simulation(t, 3).society
    assert not np.array_equal(other.dissent0, Simulation(t, 1).society.dissent0)


def test_compare_folder_records_paired_seeds_and_same_initial_agents(compare_dir: Path) -> None:
    names = {p.name for p in compare_dir.iterdir()}
    assert {"effects.parquet", "runs.parquet", "headline.csv", "compare.json", "treatment.toml",
            "control.toml", "runs"} <= names
    runs = pd.read_parquet(compare_dir / "runs.parquet")
    assert list(runs.columns[:4]) == ["arm", "replication", "seed", "step"]
    seeds = runs.groupby(["arm", "replication"])["seed"].first().unstack(0)
    assert (seeds["treatment"] == seeds["control"]).all()
    assert seeds["treatment"].tolist() == [4, 5, 6]
    t_run = Run.load(compare_dir / "runs" / "treatment-4")
    c_run = Run.load(compare_dir / "runs" / "control-4")
    assert np.array_equal(t_run.agents["dissent0"], c_run.agents["dissent0"])
    assert c_run.agents["enrolled"].sum() == 0
    info = json.loads((compare_dir / "compare.json").read_text())
    assert info["seeds"] == [4, 5, 6] and info["replications"] == 3
    assert info["treatment"]["name"] == "seed" and info["control"]["name"] == "control"
    assert Scenario.load(compare_dir / "control.toml").population.agents == 300


def test_effects_and_headline_agree_with_the_per_replication_runs(compare_dir: Path) -> None:
    runs = pd.read_parquet(compare_dir / "runs.parquet")
    effects = pd.read_parquet(compare_dir / "effects.parquet")
    row = effects[(effects["metric"] == "falsification_gap") & (effects["step"] == 12)].iloc[0]
    last = runs[runs["step"] == 12].set_index(["arm", "replication"])["falsification_gap"]
    iv = paired_interval(last["treatment"].sort_index(), last["control"].sort_index())
    assert row["difference"] == pytest.approx(iv.estimate)
    assert row["ci_low"] == pytest.approx(iv.low) and row["ci_high"] == pytest.approx(iv.high)
    assert len(effects) == 12 * effects["metric"].nunique()
    headline = pd.read_csv(compare_dir / "headline.csv")
    assert list(headline.columns) == list(HEADLINE_COLUMNS)
    assert len(headline) == 10 and headline["replications"].eq(3).all()  # 7, and v3's channels
    assert headline.set_index("effect").loc["falsification gap", "min_agents"] == 300
    gap = headline.set_index("effect").loc["falsification gap"]
    assert gap["estimate"] == pytest.approx(iv.estimate)


@pytest.mark.slow
def test_results_identical_whatever_the_number_of_workers(compare_dir: Path) -> None:
    serial = compare("seed", overrides=TINY, replications=3, seed=4, workers=1)
    saved = pd.read_parquet(compare_dir / "runs.parquet")
    pd.testing.assert_frame_equal(serial.runs, saved, check_exact=True)


def test_one_replication_gives_nan_intervals(tmp_path: Path) -> None:
    one = compare("seed", overrides={"population.agents": 200, "steps": 5}, replications=1,
                  seed=2)
    assert one.effects["ci_low"].isna().all() and one.headline["ci_high"].isna().all()
    assert one.effects["difference"].notna().any()
    # one replication is under the floor of 3: every headline number is withheld, its support kept
    assert one.headline["estimate"].isna().all()
    assert one.headline["replications"].le(1).all() and one.headline["replications"].eq(1).any()


def test_compare_cli_bad_input_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x"
    assert main(["compare", "--set", "population.agentz=5", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "scoresim: error: population.agentz: unknown field"
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "--replications", "0", "--out", str(out)])
    assert exit_info.value.code == 2
    assert "--replications: expected a positive integer" in capsys.readouterr().err
    assert main(["compare", "nope", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("scoresim: error: nope: not a preset")
    assert not out.exists()


def test_two_arm_folder_keeps_its_files(compare_dir: Path) -> None:
    names = {p.name for p in compare_dir.iterdir()}
    assert names == {"effects.parquet", "runs.parquet", "headline.csv", "compare.json",
                     "treatment.toml", "control.toml", "runs"}  # fmt: skip
    assert sorted(p.name for p in (compare_dir / "runs").iterdir()) == ["control-4",
                                                                        "treatment-4"]  # fmt: skip
    info = json.loads((compare_dir / "compare.json").read_text())
    assert "form" not in info and "arms" not in info
    assert (info["treatment"]["source"], info["control"]["source"]) == ("seed", "control")
    assert set(pd.read_parquet(compare_dir / "runs.parquet")["arm"]) == {"treatment", "control"}


def test_compare_json_records_the_override_split(tmp_path: Path) -> None:
    """Issue 13, defect 6: the split was applied but compare.json recorded two empty lists."""
    out = tmp_path / "cmp"
    sets = ["policy.friend_weight=0.1", "population.agents=200", "steps=3"]
    args = [a for s in sets for a in ("--set", s)]
    rc = main(["compare", "--replications", "1", *args, "--out", str(out)])
    assert rc == 0
    info = json.loads((out / "compare.json").read_text())
    assert info["overrides_shared"] == ["population.agents", "steps"]
    assert info["overrides_treatment_only"] == ["policy.friend_weight"]
    assert Scenario.load(out / "treatment.toml").policy.friend_weight == 0.1
    assert Scenario.load(out / "control.toml").policy.friend_weight == 0.0

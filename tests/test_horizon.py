"""A policy timeline past the horizon (docs/model.md 6.7): an entry with ``step > steps`` is kept
in the resolved scenario, never applied, and listed as "after the horizon" by ``scoresim show``
and the run's summary; ``run``, ``compare``, ``sweep``, ``calibrate`` and the dashboard all take
a preset whose timeline runs past a shorter horizon."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tomli_w

from scoresim import Scenario, simulate
from scoresim.cli import main
from scoresim.dashboard.controller import Controller
from scoresim.simulation import Simulation

TINY = ["--set", "population.agents=200", "--set", "steps=6"]
#: the systems of the issue's command, whose timelines (weeks 118 and 156) outlast 60 weeks
SYSTEMS = ["seed", "zhima-2015", "rongcheng", "defaulter-blacklist"]


def test_an_entry_after_the_horizon_is_kept_and_never_applied():
    sc = Scenario.preset("rongcheng").with_overrides({"population.agents": 300, "steps": 5})
    assert [e.step for e in sc.schedule] == [156]  # kept in the resolved scenario
    assert sc.timeline() == []  # nothing to apply within 5 weeks
    assert sc.after_horizon() == [
        "schedule.0, week 156, after the horizon (5 steps): tiers.C.inspection = 1.0, "
        "tiers.D.inspection = 1.0"
    ]
    without = simulate(sc.with_overrides({"schedule": []}))
    run = simulate(sc)
    assert run.metrics.equals(without.metrics) and run.agents.equals(without.agents)
    assert run.scenario.schedule == sc.schedule
    sim = Simulation(sc)
    assert sim.changes == {}


def test_an_entry_on_the_last_step_is_applied_and_one_after_it_is_not():
    base = Scenario.preset("seed").with_overrides({"population.agents": 300, "steps": 4})
    entries = [{"step": 4, "set": {"policy.detect.critical": 0.1}},
               {"step": 5, "set": {"policy.detect.critical": 0.9}}]  # fmt: skip
    sc = base.with_overrides({"schedule": entries})
    assert [k for k, _ in sc.timeline()] == [4]
    assert [line.split(",")[0] for line in sc.after_horizon()] == ["schedule.1"]
    sim = Simulation(sc)
    for _ in range(4):
        sim.step()
    assert sim.params.scenario.policy.detect.critical == 0.1


def test_an_entry_after_the_horizon_is_still_validated():
    from scoresim.core.errors import ScenarioError

    base = Scenario.preset("seed").with_overrides({"steps": 4})
    with pytest.raises(ScenarioError, match=r"schedule\.0\.set: policy\.detect\.critical"):
        base.with_overrides({"schedule": [{"step": 9, "set": {"policy.detect.critical": 2.0}}]})
    with pytest.raises(ScenarioError, match=r"schedule\.0\.set\.population\.agents"):
        base.with_overrides({"schedule": [{"step": 9, "set": {"population.agents": 9}}]})


def test_run_and_show_list_the_entries_after_the_horizon(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "rongcheng", *TINY, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "not applied: schedule.0, week 156, after the horizon (6 steps)" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["after_horizon"] == [
        "schedule.0, week 156, after the horizon (6 steps): tiers.C.inspection = 1.0, "
        "tiers.D.inspection = 1.0"
    ]
    again = Scenario.load(out / "scenario.toml")
    assert [e.step for e in again.schedule] == [156]
    assert main(["show", "rongcheng", "--set", "steps=60"]) == 0
    shown = capsys.readouterr().out
    assert "# schedule.0, week 156, after the horizon (60 steps)" in shown
    assert main(["show", "rongcheng"]) == 0  # 312 weeks: the entry applies, nothing listed
    assert "after the horizon" not in capsys.readouterr().out
    plain = tmp_path / "p"
    assert main(["run", "seed", *TINY, "--out", str(plain)]) == 0
    assert "after_horizon" not in json.loads((plain / "summary.json").read_text())


def test_compare_of_the_issue_runs_and_lists_what_is_not_applied(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", *SYSTEMS, "--against", "control", "--set", "steps=60",
            "--set", "population.agents=200", "--replications", "2", "--workers", "1",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    info = json.loads((out / "compare.json").read_text())
    later = {arm["name"]: arm.get("after_horizon", []) for arm in info["arms"]}
    assert later["seed"] == later["zhima-2015"] == []
    assert later["rongcheng"][0].startswith("schedule.0, week 156, after the horizon (60 steps)")
    assert later["defaulter-blacklist"][0].startswith("schedule.0, week 118, after the horizon")
    kept = Scenario.load(out / "scenarios" / "defaulter-blacklist.toml")
    assert [e.step for e in kept.schedule] == [118] and kept.steps == 60


def test_sweep_takes_a_preset_whose_timeline_outlasts_it(tmp_path, capsys):
    spec = {
        "name": "short", "scenario": "rongcheng", "sampler": "grid", "replications": 1,
        "seed": 1, "set": {"population.agents": 200, "steps": 6},
        "parameters": {"adoption.imitation": {"values": [0.05, 0.2]}},
        "outcomes": {"crit": {"metric": "critical_posts", "reduce": "last"}},
    }  # fmt: skip
    path = tmp_path / "short.toml"
    path.write_text(tomli_w.dumps(spec))
    db = tmp_path / "short.duckdb"
    assert main(["sweep", str(path), "--db", str(db), "--workers", "1"]) == 0, (
        capsys.readouterr().err
    )
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        status = con.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall()
    assert status == [("done", 2)]


def test_calibrate_takes_a_preset_whose_timeline_outlasts_it(tmp_path, capsys):
    spec = {
        "name": "short", "scenario": "defaulter-blacklist", "method": "history", "seed": 1,
        "replications": 1, "set": {"population.agents": 300, "steps": 8},
        "parameters": {"blacklist.comply": {"low": 0.001, "high": 0.02, "scale": "log"}},
        "targets": [{"name": "listed", "metric": "listed", "step": 8, "low": 0.0, "high": 0.5}],
        "budget": {"waves": 1, "points": 4, "checks": 2},
    }  # fmt: skip
    path = tmp_path / "short.toml"
    path.write_text(tomli_w.dumps(spec))
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1"]) == 0, (
        capsys.readouterr().err
    )
    calibrated = Scenario.load(out / "calibrated.toml")
    assert [e.step for e in calibrated.schedule] == [118] and calibrated.timeline() == []


def test_the_dashboard_runs_the_issues_systems_on_60_weeks(tmp_path):
    seed = Scenario.preset("seed").with_overrides({"population.agents": 200})
    c = Controller(seed, scenario_root=tmp_path)
    try:
        assert c.set_systems(SYSTEMS[1:]) is None and "systems" not in c.errors
        assert c.set_field("steps", "60") is None and c.errors == {}
        specs = {s.name: s.scenario for s in c.worker.specs}
        assert [e.step for e in specs["rongcheng"].schedule] == [156]  # kept, not dropped
        assert [e.step for e in specs["defaulter-blacklist"].schedule] == [118]
        assert all(s.steps == 60 for s in specs.values())
        c.set_pace(None)
        assert c.wait_idle(60) and c.step(2) is None and c.wait_idle(120)
        snap = c.snapshot()
        assert [len(a.rows) for a in snap.all_arms] == [2] * 5
        assert all(e.step <= 60 for e in snap.events)  # nothing marked past the horizon
    finally:
        c.close()


def test_a_short_run_is_bit_identical_to_the_same_run_without_the_later_timeline():
    sc = Scenario.preset("defaulter-blacklist").with_overrides(
        {"population.agents": 300, "steps": 6}
    )
    a, b = simulate(sc), simulate(sc.with_overrides({"schedule": []}))
    for column in a.metrics:
        np.testing.assert_array_equal(a.metrics[column].to_numpy(), b.metrics[column].to_numpy())

"""The dashboard's controller, fields and network sample, without a browser."""

from __future__ import annotations

import io
import time
import tomllib

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara")

from scoresim import Scenario, Simulation
from scoresim.dashboard.arms import NOT_ENROLLED, control_for, employment_by_tier
from scoresim.dashboard.controller import Controller, Status
from scoresim.dashboard.network import NetworkSample, edge_keys
from scoresim.society.graph import Graph

SMALL = {"population.agents": 400, "steps": 6, "seed": 3}


@pytest.fixture
def controller(tmp_path):
    c = Controller(Scenario.preset("seed").with_overrides(SMALL), scenario_root=tmp_path)
    c.set_pace(None)
    assert c.wait_idle(60)
    yield c
    c.close()


def _advance(c: Controller, n: int = 1) -> None:
    assert c.step(n) is None
    assert c.wait_idle(60)


# ------------------------------------------------------------------ validation and caps
@pytest.mark.parametrize(
    ("path", "raw", "expected"),
    [
        ("population.agents", "abc", "population.agents: must be a whole number"),
        ("population.agents", "60000", "population.agents: at most 50,000 agents"),
        ("population.agents", "1", "population.agents: Input should be greater than or equal to 2"),
        ("steps", "2000", "steps: at most 1,040 steps"),
        ("steps", "0", "steps: Input should be greater than or equal to 1"),
        ("seed", "-1", "seed: Input should be greater than or equal to 0"),
        ("policy.low_threshold", "1e999", "policy.low_threshold: must be a finite number"),
        ("tiers.2.min_score", "400", "tiers: min_score must be strictly increasing"),
        ("adoption.mandatory_step", "soon", "adoption.mandatory_step: must be a step number"),
        ("adoption.mandatory_step", "0", "adoption.mandatory_step"),
        ("policy.detect.critical", 1.5, "policy.detect.critical: must lie within [0, 1]"),
    ],
)
def test_an_invalid_value_gets_a_message_beside_its_field(controller, path, raw, expected):
    message = controller.set_field(path, raw)
    assert message is not None and message.startswith(expected), message
    assert controller.errors == {path: message}
    assert controller.text(path) == str(raw)
    assert controller.run() == "fix the fields marked in red first"
    assert controller.step() == "fix the fields marked in red first"
    assert controller.snapshot().message  # the page says why it cannot run


def test_fixing_the_field_clears_the_message_and_applies_the_value(controller):
    controller.set_field("population.agents", "abc")
    assert controller.set_field("population.agents", "500") is None
    assert controller.errors == {}
    assert controller.scenario.population.agents == 500
    assert controller.text("population.agents") == "500"


def test_the_caps_can_be_lowered_and_also_bind_loaded_scenarios(tmp_path):
    c = Controller(
        Scenario.preset("seed").with_overrides(SMALL),
        scenario_root=tmp_path,
        max_agents=1000,
        max_steps=10,
    )
    try:
        assert "at most 1,000 agents" in c.set_field("population.agents", "1001")
        c.set_field("population.agents", "400")
        assert c.load_toml(b"steps = 50\n[population]\nagents = 400\n", "long.toml") is None
        assert c.errors["steps"].startswith("steps: at most 10 steps in the dashboard")
        assert c.run() is not None
    finally:
        c.close()


def test_every_editable_field_round_trips_its_scenario_value(controller):
    for spec in controller.fields:
        value = controller.value(spec.path)
        raw = value if spec.kind == "probability" else controller.text(spec.path)
        assert controller.set_field(spec.path, raw) is None, spec.path
    assert controller.scenario == controller.base
    paths = {f.path for f in controller.fields}
    assert {
        "policy.posts.critical_topics.0.delta",
        "policy.posts.critical_topics.1.delta",
        "policy.purchases.undesirable.delta",
        "policy.detect.false_positive",
        "policy.friend_weight",
        "policy.low_friend_penalty",
        "policy.low_threshold",
        "tiers.3.min_score",
        "adoption.mandatory_step",
        "adaptation.awareness",
    } <= paths


# ------------------------------------------------------------------ run, pause, step, reset
def test_step_run_and_reset_move_through_the_states(controller):
    assert controller.status == Status.READY
    _advance(controller)
    snap = controller.snapshot()
    assert (snap.t, snap.status) == (1, Status.PAUSED)
    _advance(controller, 2)
    assert controller.snapshot().t == 3
    assert controller.run() is None
    assert controller.wait_idle(60)
    snap = controller.snapshot()
    assert (snap.t, snap.status, len(snap.arms[0].rows)) == (6, Status.DONE, 6)
    assert "horizon" in controller.run()
    assert "horizon" in controller.step() and controller.wait_idle(10)
    assert controller.snapshot().t == 6  # never past the horizon
    controller.reset()
    assert controller.wait_idle(60)
    snap = controller.snapshot()
    assert (snap.t, snap.status, snap.arms[0].rows) == (0, Status.READY, [])
    assert snap.tiers.network is not None  # the society is rebuilt for the drawing


def test_pause_stops_a_run_in_the_background(tmp_path):
    scenario = Scenario.preset("seed").with_overrides({"population.agents": 2000, "steps": 1000})
    c = Controller(scenario, scenario_root=tmp_path)
    c.set_pace(None)
    try:
        assert c.run() is None
        deadline = time.monotonic() + 60
        while c.snapshot().t < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert c.status == Status.RUNNING
        started = time.monotonic()
        c.pause()
        asked = c.snapshot()  # the page redraws at once, without waiting for the worker
        assert time.monotonic() - started < 1.0
        assert asked.status == Status.PAUSED
        assert c.wait_idle(10)
        t = c.snapshot().t
        assert t <= asked.t + 1  # at most the step under way when Pause came
        time.sleep(0.3)
        snap = c.snapshot()
        assert snap.status == Status.PAUSED and 3 <= snap.t == t < 1000
    finally:
        c.close()


def test_edits_apply_at_step_zero_and_otherwise_at_reset(controller):
    controller.set_field("population.agents", "300")
    assert controller.wait_idle(60)
    assert controller.snapshot().tiers.network is not None
    _advance(controller)
    assert controller.snapshot().t == 1
    controller.set_field("policy.detect.critical", 0.2)
    snap = controller.snapshot()
    assert snap.pending and snap.t == 1
    controller.reset()
    assert controller.wait_idle(60)
    _advance(controller)
    assert not controller.snapshot().pending
    frame = controller.metrics_frame()
    assert frame.loc[frame.run == "seed", "step"].tolist() == [1]
    assert controller.scenario.policy.detect.critical == 0.2


def test_a_failure_in_the_background_is_reported_not_raised(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("0 1\n1 2 3\n")
    toml = f'[graph]\nkind = "edgelist"\npath = "{edges.name}"\n[population]\nagents = 50\n'
    c = Controller(scenario_root=tmp_path)
    try:
        assert c.load_toml(toml, "bad-edges.toml") is None
        assert c.wait_idle(30)
        snap = c.snapshot()
        assert snap.status == Status.ERROR and snap.message
        assert c.run() == "reset after an error"
    finally:
        c.close()


# ------------------------------------------------------------------ control in lock-step
def test_the_control_runs_in_lock_step_from_the_same_society(controller):
    _advance(controller, 4)
    snap = controller.snapshot()
    treated, control = snap.arms[0].rows, snap.control.rows
    assert [r["step"] for r in treated] == [r["step"] for r in control] == [1, 2, 3, 4]
    reference = Simulation(control_for(controller.scenario))
    expected = [reference.step() for _ in range(4)]
    assert control == expected  # bit-identical to a separate control run
    assert all(r["adoption"] == 0 for r in snap.control.rows)
    assert any(r["adoption"] > 0 for r in snap.arms[0].rows)
    fresh_treated = Simulation(controller.scenario)
    fresh_control = Simulation(control_for(controller.scenario))
    np.testing.assert_array_equal(fresh_treated.society.dissent0, fresh_control.society.dissent0)
    np.testing.assert_array_equal(
        edge_keys(fresh_treated.society.graph), edge_keys(fresh_control.society.graph)
    )


def test_employment_by_tier_counts_each_group():
    sim = Simulation(Scenario.preset("seed").with_overrides({**SMALL, "adoption.initial": 0.5}))
    sim.step()
    shares = employment_by_tier(sim)
    soc = sim.society
    assert list(shares) == [*sim.params.tiers.names, NOT_ENROLLED]
    for k, name in enumerate(sim.params.tiers.names):
        members = soc.enrolled & (soc.tier == k)
        expected = soc.employed[members].mean() if members.any() else np.nan
        np.testing.assert_equal(shares[name], expected)
    assert shares[NOT_ENROLLED] == pytest.approx(soc.employed[~soc.enrolled].mean())


# ------------------------------------------------------------------ loading and downloads
def test_loading_toml_parses_only_and_reports_problems(controller, tmp_path):
    assert "malformed TOML" in controller.load_toml(b"steps = = 3", "x.toml")
    assert "unknown field" in controller.load_toml(b"bogus = 1", "x.toml")
    assert "larger than" in controller.load_toml(b"#" * (300 * 1024), "big.toml")
    assert "not UTF-8" in controller.load_toml(b"\xff\xfe", "bin.toml")
    outside = "../" * 12 + "etc/passwd.toml"
    assert "read only from" in controller.load_path(outside)
    assert "not a .toml file" in controller.load_path("notes.txt")
    escape = '[graph]\nkind = "edgelist"\npath = "/etc/hostname"\n'
    assert "edge lists are read only from" in controller.load_toml(escape, "e.toml")
    assert controller.base.name == "seed"  # a failed load changes nothing, and says why
    assert not controller.load_ok and controller.load_message.startswith("graph.path:")
    (tmp_path / "mine.toml").write_text(
        'base = "seed"\nsteps = 4\n[population]\nagents = 300\n[policy]\nfriend_weight = 0.0\n'
    )
    assert controller.load_path("mine.toml") is None
    assert (controller.load_message, controller.load_ok) == ("loaded mine", True)
    assert controller.base_label == "mine" and "mine" in controller.library()  # the selector
    assert controller.scenario.name == "mine"
    assert controller.scenario.policy.friend_weight == 0.0
    assert controller.scenario.steps == 4


def test_choose_starts_over_from_a_preset_or_a_loaded_file(controller, tmp_path):
    controller.set_field("steps", "5")
    (tmp_path / "mine.toml").write_text("steps = 4\n[population]\nagents = 300\n")
    assert controller.load_path("mine.toml") is None
    assert controller.library()[-1] == "mine" and controller.base_label == "mine"
    controller.choose("seed")
    assert controller.base.name == "seed" and controller.edits == {}
    assert controller.scenario.steps == 312  # the edit is gone
    controller.choose("mine")
    assert controller.scenario.steps == 4  # the loaded file is still offered
    controller.choose("nope")
    assert "unknown scenario" in controller.load_message and controller.base_label == "mine"
    assert "control" not in controller.library()  # the control always runs
    assert "control-v1" not in controller.library() and "seed-v1" in controller.library()


def test_downloads_hold_the_scenario_and_both_runs_metrics(controller):
    controller.set_field("policy.low_threshold", "480")
    _advance(controller, 3)
    loaded = Scenario.from_dict(tomllib.loads(controller.scenario_toml()))
    assert loaded == controller.scenario and loaded.policy.low_threshold == 480.0
    csv = pd.read_csv(io.BytesIO(controller.metrics_csv()))
    assert list(csv.columns[:2]) == ["run", "step"]
    assert csv.groupby("run")["step"].apply(list).to_dict() == {
        "control": [1, 2, 3],
        "seed": [1, 2, 3],
    }
    parquet = pd.read_parquet(io.BytesIO(controller.metrics_parquet()))
    pd.testing.assert_frame_equal(parquet, controller.metrics_frame())
    treated = parquet[parquet.run == "seed"].drop(columns="run").reset_index(drop=True)
    assert treated["critical_posts"].tolist() == [
        r["critical_posts"] for r in controller.snapshot().arms[0].rows
    ]


def test_metrics_before_any_step_are_an_empty_table_with_the_columns(controller):
    frame = pd.read_csv(io.BytesIO(controller.metrics_csv()))
    assert frame.empty and {"run", "step", "adoption", "tier_poor"} <= set(frame.columns)


# ------------------------------------------------------------------ network sample
def test_the_network_sample_is_fixed_and_tracks_cut_and_new_ties():
    n = 60
    ring = Graph(n, np.arange(n), (np.arange(n) + 1) % n)
    sample = NetworkSample.draw(ring, size=20, rng=np.random.default_rng(1), balls=2)
    assert sample.nodes.size == 20 and np.all((sample.positions >= 0) & (sample.positions <= 1))
    start = sample.view(ring)
    assert len(start.kept) == sample.initial_keys.size > 0 and not start.cut and not start.added
    # cut one sampled tie and add one between two sampled agents
    u, v = divmod(int(sample.initial_keys[0]), n)
    present = set(edge_keys(ring).tolist())
    a, b = next(
        (int(x), int(y))
        for x in sample.nodes
        for y in sample.nodes
        if x < y and int(x) * n + int(y) not in present
    )
    keys = present - {u * n + v} | {a * n + b}
    src, dst = np.array(sorted(keys)) // n, np.array(sorted(keys)) % n
    later = sample.view(Graph(n, src, dst))
    local = {int(x): i for i, x in enumerate(sample.nodes)}
    assert later.cut == [(local[u], local[v])]
    assert later.added == [(local[min(a, b)], local[max(a, b)])]
    assert len(later.kept) == len(start.kept) - 1

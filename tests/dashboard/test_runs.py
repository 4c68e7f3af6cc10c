"""Pace, the scrubber's history, systems in lock-step and the run cap, without a browser."""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("solara")

from scoresim import Scenario, Simulation
from scoresim.dashboard.arms import SCORE_BINS
from scoresim.dashboard.controller import MAX_SYSTEMS, Controller, Status
from scoresim.dashboard.slots import RunSlots
from scoresim.dashboard.snapshot import events_of
from scoresim.describe.systems import SYSTEMS
from scoresim.experiments.arms import same_society

SMALL = {"population.agents": 400, "steps": 40, "seed": 5}
HARSH = 'name = "harsh"\n[policy.detect]\ncritical = 1.0\n[adoption]\nmandatory_step = 3\n'


def _controller(tmp_path, slots: RunSlots | None = None, **overrides) -> Controller:
    scenario = Scenario.preset("seed").with_overrides({**SMALL, **overrides})
    c = Controller(scenario, scenario_root=tmp_path, slots=slots, sample_size=60)
    assert c.wait_idle(60)
    return c


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# ------------------------------------------------------------------ pace
def test_the_pace_spaces_the_steps_of_a_run(tmp_path):
    c = _controller(tmp_path)
    try:
        c.step()  # compile and warm up outside the timed part
        assert c.wait_idle(60)
        c.set_pace(10)
        started = time.monotonic()
        assert c.run() is None
        _wait_for(lambda: c.snapshot().latest >= 7)
        elapsed = time.monotonic() - started
        # steps 2..7 each start at least 1/10 s after the one before: at least 0.5 s
        assert elapsed >= 0.5, elapsed
        assert c.snapshot().pace == 10
        c.set_pace(None)  # as fast as it runs: the rest goes on without waiting
        _wait_for(lambda: c.status == Status.DONE)
        assert c.snapshot().latest == 40
    finally:
        c.close()


def test_pause_cuts_a_slow_pace_short(tmp_path):
    c = _controller(tmp_path)
    try:
        c.set_pace(0.2)  # a step every five seconds
        assert c.run() is None
        _wait_for(lambda: c.snapshot().latest >= 1)
        asked = time.monotonic()
        c.pause()
        assert c.wait_idle(2.0)  # not held until the next step is due
        assert time.monotonic() - asked < 2.0
        assert c.status == Status.PAUSED and c.snapshot().latest == 1
        with pytest.raises(ValueError, match="pace"):
            c.set_pace(0)
    finally:
        c.close()


# ------------------------------------------------------------------ scrubber
def test_the_scrubber_shows_an_earlier_week_as_it_was(tmp_path):
    c = _controller(tmp_path)
    try:
        c.set_pace(None)
        assert c.step(6) is None and c.wait_idle(60)
        live = c.snapshot()
        c.scrub(2)
        snap = c.snapshot()
        assert (snap.t, snap.latest, snap.scrubbing) == (2, 6, True)
        assert snap.arms[0].rows == live.arms[0].rows[:2]
        assert snap.control.rows == live.control.rows[:2]
        # the histogram, tiers and ties of week 2 are those of a fresh run stopped at week 2
        ref = Simulation(c.scenario)
        ref.step()
        ref.step()
        soc = ref.society
        bins = np.linspace(soc_min := c.scenario.policy.score.min, c.scenario.policy.score.max,
                           SCORE_BINS + 1)  # fmt: skip
        assert bins[0] == soc_min
        expected = np.histogram(soc.score[soc.enrolled], bins=bins)[0]
        np.testing.assert_array_equal(snap.tiers.score_counts, expected)
        sample = c.worker.published.runs.sample
        nodes = sample.nodes
        groups = np.where(soc.enrolled[nodes], soc.tier[nodes], -1)
        np.testing.assert_array_equal(snap.tiers.node_groups, groups)
        assert snap.tiers.network == sample.view(soc.graph)
        assert len(snap.tiers.employment) == 2
        # back to the newest week, then to the first one, then the end again (replayed)
        c.scrub(0)
        assert c.snapshot().t == 0 and c.snapshot().arms[0].rows == []
        c.scrub(None)
        assert c.snapshot().t == 6 and not c.snapshot().scrubbing
        assert c.snapshot().tiers.network == live.tiers.network
    finally:
        c.close()


def test_scrubbing_pauses_a_run_and_run_returns_to_the_newest_week(tmp_path):
    c = _controller(tmp_path)
    try:
        c.set_pace(20)
        assert c.run() is None
        _wait_for(lambda: c.snapshot().latest >= 4)
        c.scrub(1)
        assert c.wait_idle(10) and c.status == Status.PAUSED
        held = c.snapshot()
        assert held.t == 1 and held.latest >= 4
        assert c.run() is None
        assert not c.snapshot().scrubbing
    finally:
        c.close()


# ------------------------------------------------------------------ systems side by side
def test_systems_run_in_lock_step_on_the_same_society(tmp_path):
    (tmp_path / "harsh.toml").write_text(HARSH)
    c = _controller(tmp_path)
    try:
        assert c.load_path("harsh.toml") is None
        c.choose("seed")
        assert c.set_systems(["harsh"]) is None
        for path, value in SMALL.items():  # the others follow the first system's society
            assert c.set_field(path, str(value)) is None
        c.set_pace(None)
        assert c.wait_idle(60) and c.step(4) is None and c.wait_idle(60)
        snap = c.snapshot()
        assert [a.name for a in snap.all_arms] == ["seed", "harsh", "control"]
        for arm in snap.all_arms:
            assert [r["step"] for r in arm.rows] == [1, 2, 3, 4]
        # each arm is exactly a separate run of its scenario on the first system's society
        runs = c.worker.published.runs
        for arm in runs.arms:
            ref = Simulation(arm.spec.scenario)
            assert [ref.step() for _ in range(4)] == arm.history.rows[:4], arm.spec.name
            assert arm.spec.scenario.population == c.scenario.population
            assert arm.spec.scenario.seed == c.scenario.seed
        first = [a.sim.society for a in runs.arms]
        for soc in first[1:]:
            np.testing.assert_array_equal(soc.dissent0, first[0].dissent0)
        harsh = runs.arms[1].spec.scenario
        assert harsh == same_society(c.lookup("harsh"), c.scenario)
        assert harsh.policy.detect.critical == 1.0
        # one colour each, the presets' fixed ones; the loaded file one of its own
        colours = {a.name: a.colour for a in snap.all_arms}
        assert colours["seed"] == SYSTEMS["seed"].colour
        assert colours["control"] == SYSTEMS["control"].colour
        assert len(set(colours.values())) == 3
        # its mandatory date is an event of its own (seed's, week 260, is past this horizon)
        assert {(e.step, e.arm) for e in snap.events} == {(3, "harsh")}
    finally:
        c.close()


def test_at_most_four_systems_and_changes_wait_for_reset(tmp_path):
    for i in range(4):
        (tmp_path / f"f{i}.toml").write_text(f'name = "f{i}"\n')
    c = _controller(tmp_path)
    try:
        for i in range(4):
            assert c.load_path(f"f{i}.toml") is None
        c.choose("seed")
        for path, value in SMALL.items():
            assert c.set_field(path, str(value)) is None
        assert "at most 4" in c.set_systems(["f0", "f1", "f2", "f3"])
        assert c.extras == []
        assert c.set_systems(["f0", "seed", "f1"]) is None  # the first system is dropped
        assert c.extras == ["f0", "f1"] and MAX_SYSTEMS == 4
        c.set_pace(None)
        assert c.wait_idle(60) and c.step(2) is None and c.wait_idle(60)
        assert c.set_systems(["f2"]) is None
        snap = c.snapshot()
        assert snap.pending and [a.name for a in snap.arms] == ["seed", "f0", "f1"]
        c.reset()
        assert c.wait_idle(60)
        assert [a.name for a in c.snapshot().arms] == ["seed", "f2"]
        c.set_focus("f2")
        assert c.snapshot().focus.name == "f2" and c.snapshot().tiers.name == "f2"
    finally:
        c.close()


def test_a_schedule_entry_is_an_event_saying_what_changed():
    entry = SimpleNamespace(step=52, set={"policy.detect.critical": 0.5, "tiers.poor.reach": 0.2})
    later = SimpleNamespace(step=400, set={"policy.decay": 0.1})  # after the horizon
    scenario = SimpleNamespace(mandatory_step=260, schedule=[entry, later], steps=312)
    events = events_of("zhima", scenario)
    assert [(e.step, e.text) for e in events] == [
        (52, "policy.detect.critical = 0.5, tiers.poor.reach = 0.2"),
        (260, "enrolment becomes mandatory"),
    ]


# ------------------------------------------------------------------ run cap
def test_the_run_cap_is_shared_and_queues_in_order(tmp_path):
    slots = RunSlots(1)
    a, b, c = (_controller(tmp_path, slots) for _ in range(3))
    try:
        a.set_pace(1)
        assert a.run() is None and slots.in_use == 1
        before = b.version
        assert b.run() is None and c.step() is None  # no refusal: they wait in line
        assert (b.status, c.status) == (Status.QUEUED, Status.QUEUED)
        assert (b.worker.queue_position, c.worker.queue_position) == (1, 2)
        snap = c.snapshot()
        assert (snap.runs_in_use, snap.max_runs, snap.waiting, snap.queue_position) == (1, 1, 2, 2)
        assert b.version > before  # every page's counter redraws when the line changes
        assert b.snapshot().t == 0  # nothing ran while waiting
        b.pause()  # leaving the line moves c up
        assert b.status == Status.READY and c.worker.queue_position == 1
        a.pause()
        _wait_for(lambda: c.status != Status.QUEUED)  # c's turn came by itself
        assert c.wait_idle(60) and c.snapshot().t == 1 and slots.in_use == 0
        assert a.snapshot().runs_in_use == 0 and a.snapshot().waiting == 0
        b.set_pace(None)
        assert b.step(2) is None
        assert b.wait_idle(60) and slots.in_use == 0  # a finished step gives its slot back
        assert b.run() is None
        assert b.wait_idle(60) and b.status == Status.DONE and slots.in_use == 0
        assert a.run() is None and slots.in_use == 1
        a.reset()
        assert slots.in_use == 0
        assert a.run() is None and slots.in_use == 1
        a.close()  # the page went away
        assert slots.in_use == 0
    finally:
        a.close()
        b.close()
        c.close()


def test_a_page_that_goes_away_leaves_the_line(tmp_path):
    slots = RunSlots(1)
    a, b, c = (_controller(tmp_path, slots) for _ in range(3))
    try:
        a.set_pace(1)
        assert a.run() is None and b.run() is None and c.run() is None
        b.close()
        assert c.worker.queue_position == 1 and slots.waiting == 1
        a.reset()  # a's slot is free: c takes it
        _wait_for(lambda: c.status == Status.RUNNING)
        assert slots.in_use == 1 and slots.waiting == 0
    finally:
        for page in (a, b, c):
            page.close()


def test_close_lets_the_runs_go(tmp_path):
    c = _controller(tmp_path)
    c.set_pace(None)
    assert c.step(2) is None and c.wait_idle(60)
    c.close()
    assert c.worker.published is None and c.worker._runs is None


def test_the_documented_presets_run_beside_seed_on_a_shorter_horizon(tmp_path):
    c = _controller(tmp_path)
    try:
        extras = ["zhima-2015", "rongcheng", "defaulter-blacklist"]
        assert c.set_systems(extras) is None and "systems" not in c.errors
        specs = c.worker.specs
        assert [s.name for s in specs] == ["seed", *extras, "control"]
        # their timelines are kept whole: an entry after week 40 is never applied
        for spec in specs[1:-1]:
            preset = Scenario.preset(spec.name)
            assert spec.scenario.schedule == preset.schedule
            assert spec.scenario.timeline() == []
            assert spec.scenario.tiers == preset.tiers and spec.scenario.policy == preset.policy
        assert [s.colour for s in specs] == [SYSTEMS[s.name].colour for s in specs]
        assert [s.status for s in specs] == ["hypothetical", *["documented"] * 3, "counterfactual"]
        c.set_pace(None)
        assert c.wait_idle(60) and c.step(3) is None and c.wait_idle(120)
        snap = c.snapshot()
        assert [len(a.rows) for a in snap.all_arms] == [3] * 5
        assert [a.listing for a in snap.arms] == [False, False, False, True]
    finally:
        c.close()


def test_a_shorter_horizon_keeps_the_first_systems_timeline_unapplied(tmp_path):
    rongcheng = Scenario.preset("rongcheng").with_overrides({"population.agents": 400})
    c = Controller(rongcheng, scenario_root=tmp_path)
    try:
        assert c.set_field("steps", "200") is None
        assert [k for k, _ in c.scenario.timeline()] == [156]
        assert c.set_field("steps", "100") is None
        assert [e.step for e in c.scenario.schedule] == [156] and c.errors == {}
        assert c.scenario.timeline() == [] and c.scenario.after_horizon()
    finally:
        c.close()


def test_a_link_opens_a_preset_or_a_file_before_anything_is_built(tmp_path):
    lesson = 'name = "lesson"\nsteps = 30\n[population]\nagents = 300\n'
    (tmp_path / "lesson.toml").write_text(lesson)
    c = Controller(scenario_root=tmp_path, link="lesson.toml")
    try:
        assert (c.base_label, c.load_message, c.load_ok) == ("lesson", "loaded lesson", True)
        assert c.worker.specs[0].scenario.steps == 30 and "lesson" in c.library()
    finally:
        c.close()
    c = Controller(Scenario.preset("seed").with_overrides(SMALL), link="rongcheng")
    try:
        assert c.base_label == "rongcheng" and c.load_message == ""
    finally:
        c.close()
    for link, message in (("nope", "nope: not a preset"), ("gone.toml", "gone.toml: no such file")):
        c = Controller(Scenario.preset("seed").with_overrides(SMALL), scenario_root=tmp_path,
                       link=link)  # fmt: skip
        try:
            assert c.base_label == "seed" and c.load_message.startswith(message)
            assert not c.load_ok
        finally:
            c.close()

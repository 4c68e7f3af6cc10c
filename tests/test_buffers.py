"""Arrays reused from step to step: reused when unshared, never when anyone holds them."""

from __future__ import annotations

import numpy as np

from scoresim import Scenario, Simulation
from scoresim.core.buffers import unshared
from scoresim.phases.activity import COUNT_WIDTH
from scoresim.phases.record import COUNT_FIELDS


def address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def sim() -> Simulation:
    sc = Scenario.preset("seed").with_overrides(
        {"population.agents": 400, "steps": 10, "adoption.mandatory_step": 2}
    )
    return Simulation(sc, seed=4)


def test_unshared_sees_views_containers_and_names():
    a = np.arange(4.0)
    assert unshared(a)
    box = [a]
    assert not unshared(a)
    box.clear()
    view = a[:2]
    assert not unshared(a)
    del view
    assert unshared(a)
    b = a
    assert not unshared(a)
    del b


def test_record_and_score_arrays_are_reused_when_unshared():
    s = sim()
    s.step()
    before = address(s.record.loyal), address(s.record.critical_by_topic)
    score_before = address(s.society.score)
    s.step()
    assert (address(s.record.loyal), address(s.record.critical_by_topic)) == before
    s.step()
    assert address(s.society.score) == score_before  # two steps on: the spare came back


def test_held_record_array_and_score_are_never_written():
    s = sim()
    s.step()
    record, loyal, score = s.record, s.record.neutral, s.society.score
    kept = {name: getattr(record, name).copy() for name in ("loyal", "neutral", "groceries")}
    kept_score = score.copy()
    for _ in range(3):
        s.step()
        assert not np.shares_memory(s.record.loyal, record.loyal)
        assert not np.shares_memory(s.society.score, score)
    for name, values in kept.items():
        np.testing.assert_array_equal(getattr(record, name), values)
    np.testing.assert_array_equal(loyal, kept["neutral"])
    np.testing.assert_array_equal(score, kept_score)


def test_holding_arrays_does_not_change_results():
    a, b = sim(), sim()
    held = []
    for _ in range(6):
        a.step()
        b.step()
        held.append((b.record, b.society.score))  # b never reuses, a always can
    np.testing.assert_array_equal(a.metrics.to_numpy(), b.metrics.to_numpy())
    for name, arr in a.society.arrays().items():
        np.testing.assert_array_equal(arr, getattr(b.society, name), err_msg=name)


def test_buffers_are_let_go_at_the_horizon():
    s = sim()
    for _ in range(5):
        s.step()
    s.result()  # before the horizon: kept for the next step
    assert s.society.derived
    s.run()
    assert not s.society.derived


def test_counts_are_one_byte_in_the_seed_society():
    s = sim()
    s.step()
    assert all(getattr(s.record, name).dtype == np.uint8 for name in COUNT_FIELDS)


def test_counts_widen_when_a_step_outgrows_them_and_the_draws_stay_the_same():
    sc = Scenario.preset("seed").with_overrides(
        {
            "population.agents": 300,
            "steps": 3,
            "population.post_rate": 300.0,
            "population.post_rate_shape": 1.0,
            "adoption.mandatory_step": 1,
        }
    )  # exponential rates with mean 300: some agents post over 255 times a step
    narrow, wide = Simulation(sc, seed=5), Simulation(sc, seed=5)
    wide.society.derived[COUNT_WIDTH] = np.int64  # drawn wide from the start
    for _ in range(3):
        narrow.step()
        wide.step()
        most = int(wide.record.neutral.max() + wide.record.loyal.max())
        assert most > 255
        for name in COUNT_FIELDS:
            a, b = getattr(narrow.record, name), getattr(wide.record, name)
            assert a.dtype == np.uint16, name  # widened once, from one byte to two
            np.testing.assert_array_equal(a, b, err_msg=name)
    np.testing.assert_array_equal(narrow.metrics.to_numpy(), wide.metrics.to_numpy())
    for name, arr in narrow.society.arrays().items():
        np.testing.assert_array_equal(arr, getattr(wide.society, name), err_msg=name)

"""The three sign patterns of docs/model.md 7.3, held out of every fit, as validation tests.

Each runs a scenario of this folder against the same society without the change it studies
(the same seed: common random numbers, so the difference is the change's), at a size where the
sign is far beyond the spread between seeds (measured when the scenarios were written: the
purge moved expressed dissent by -0.14 and private dissent by +0.055, with seeds agreeing to
0.01; the crackdown's sanctioned posted about 20 against 24 critical posts, their friends 29
against 22).

- A purge (Jiang & Yang 2016): detection jumps; expressed dissent falls while private dissent
  rises (friends' sanctions radicalise, backlash).
- Repression of a few (Pan & Siegel 2020): the sanctioned post less criticism, their unscored
  friends more.
- What one has to lose (Robinson & Tannenberg 2019): with ``stake_exponent > 0`` the
  falsification gap rises with income; with 0 it does not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from scoresim import Scenario, Simulation, simulate
from scoresim.phases.extension import ExtraPhase
from scoresim.phases.record import StepRecord
from scoresim.society.agents import Society

HERE = Path(__file__).parent
SEEDS = (1, 2)


def _without_schedule(scenario: Scenario) -> Scenario:
    return scenario.with_overrides({"schedule": []})


@pytest.mark.parametrize("seed", SEEDS)
def test_a_purge_silences_while_it_radicalises(seed: int) -> None:
    purge = Scenario.load(HERE / "purge.toml").with_overrides({"seed": seed})
    after = slice(purge.schedule[0].step + 5, purge.steps)  # rows of the weeks after it
    with_purge = simulate(purge).metrics.iloc[after]
    without = simulate(_without_schedule(purge)).metrics.iloc[after]
    expressed = with_purge["expressed_mean"].mean() - without["expressed_mean"].mean()
    private = with_purge["dissent_mean"].mean() - without["dissent_mean"].mean()
    assert expressed < -0.05 and private > 0.02, (expressed, private)


def _watch(society: Society, start: int, _: np.random.Generator, rec: StepRecord) -> None:
    """Each agent's critical posts after ``start`` and the weeks it was sanctioned."""
    if rec.t > start:
        society.extra["posts_after"] += rec.critical_by_topic.sum(axis=0, dtype=np.int32)
    society.extra["sanctions"] += rec.sanctioned


def _watched(scenario: Scenario, start: int) -> Society:
    state = {"posts_after": (np.int32, 0), "sanctions": (np.int32, 0)}
    watch = ExtraPhase("watch", _watch, after="scoring", params=start, state=state)
    sim = Simulation(scenario, extra_phases=[watch])
    sim.run()
    return sim.society


@pytest.mark.parametrize("seed", SEEDS)
def test_the_sanctioned_fall_silent_while_their_friends_speak_more(seed: int) -> None:
    crackdown = Scenario.load(HERE / "crackdown.toml").with_overrides({"seed": seed})
    start = crackdown.schedule[0].step
    hit = _watched(crackdown, start)
    calm = _watched(_without_schedule(crackdown), start)
    sanctioned = hit.extra["sanctions"] > 0
    friends = np.zeros(hit.n, bool)
    graph = hit.graph
    for i in np.flatnonzero(sanctioned):
        friends[graph.indices[graph.indptr[i] : graph.indptr[i + 1]]] = True
    friends &= ~hit.enrolled  # never scored, so never sanctioned themselves
    assert sanctioned.sum() > 100 and friends.sum() > 1000
    posts, before = hit.extra["posts_after"], calm.extra["posts_after"]
    assert posts[sanctioned].mean() < 0.9 * before[sanctioned].mean()
    assert posts[friends].mean() > 1.1 * before[friends].mean()


def _income_gap_correlation(stake_exponent: float) -> tuple[float, float]:
    """Spearman correlation of income and the falsification gap among the employed at the end,
    and its p-value."""
    scenario = Scenario.load(HERE / "stake.toml")
    sim = Simulation(scenario.with_overrides({"adaptation.stake_exponent": stake_exponent}))
    sim.run()
    soc = sim.society
    employed = soc.employed.astype(bool)
    gap = soc.dissent - soc.expressed
    result = stats.spearmanr(soc.income[employed], gap[employed])
    return float(result.statistic), float(result.pvalue)


def test_the_falsification_gap_rises_with_income_only_when_stake_counts() -> None:
    with_stake, p = _income_gap_correlation(2.0)
    without, _ = _income_gap_correlation(0.0)
    assert with_stake > 0 and p < 1e-3, (with_stake, p)
    assert with_stake > without + 0.05, (with_stake, without)

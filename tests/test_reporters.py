"""Python reporters: extra metric columns computed from the society each step (Mesa's
DataCollector model reporters)."""

from __future__ import annotations

import numpy as np
import pytest
from pandas.testing import assert_frame_equal

from scoresim import Scenario, Simulation

SMALL = Scenario.preset("seed").with_overrides({"population.agents": 400, "steps": 6})


def test_a_reporter_adds_a_column_with_its_value_each_step() -> None:
    seen: list[float] = []

    def high_scorers(society) -> float:
        value = float(np.mean(society.score > 610))
        seen.append(value)
        return value

    run = Simulation(SMALL, seed=4, reporters={"high_scorers": high_scorers}).run()
    assert list(run.metrics.columns)[-1] == "high_scorers"
    assert run.metrics["high_scorers"].tolist() == seen and len(seen) == SMALL.steps


def test_reporters_leave_the_model_columns_as_they_were() -> None:
    plain = Simulation(SMALL, seed=4).run()
    rich = Simulation(SMALL, seed=4, reporters={"x": lambda soc: soc.censor.sum()}).run()
    assert_frame_equal(rich.metrics.drop(columns="x"), plain.metrics, check_exact=True)
    assert_frame_equal(rich.agents, plain.agents, check_exact=True)


def test_a_reporter_named_like_a_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="reporters: adoption is a metric column already"):
        Simulation(SMALL, reporters={"adoption": lambda soc: 0.0})

"""Sweep designs (size, bounds, grid completeness) and SWEEP.toml validation."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.experiments import samplers
from scoresim.experiments.samplers import Parameter
from scoresim.experiments.spec import SweepSpec

RANGE = Parameter("adoption.imitation", low=0.01, high=0.2, levels=4)
VALUES = Parameter("graph.rewire", values=(0.01, 0.1, 1.0))
INTEGER = Parameter("population.agents", low=200, high=260, integer=True, levels=3)
PARAMS = (RANGE, VALUES, INTEGER)


def _in_bounds(X: np.ndarray, params: tuple[Parameter, ...]) -> bool:
    lo = np.array([p.bounds[0] for p in params])
    hi = np.array([p.bounds[1] for p in params])
    return bool(((lo <= X) & (hi >= X)).all())


def test_grid_is_the_full_factorial() -> None:
    X = samplers.grid(PARAMS)
    assert X.shape == (4 * 3 * 3, 3)
    values = [tuple(p.value(x) for p, x in zip(PARAMS, row, strict=True)) for row in X]
    expected = set(itertools.product(np.linspace(0.01, 0.2, 4).tolist(), (0.01, 0.1, 1.0),
                                     (200, 230, 260)))
    assert set(values) == expected and len(values) == len(expected)


@pytest.mark.parametrize("sampler", ["random", "lhs"])
def test_random_and_lhs_size_bounds_and_seed(sampler: str) -> None:
    X = samplers.design(sampler, PARAMS, 16, seed=3)
    assert X.shape == (16, 3)
    assert _in_bounds(X, PARAMS)
    assert np.array_equal(X, samplers.design(sampler, PARAMS, 16, seed=3))
    assert not np.array_equal(X, samplers.design(sampler, PARAMS, 16, seed=4))
    assert {VALUES.value(x) for x in X[:, 1]} == {0.01, 0.1, 1.0}


def test_lhs_puts_one_point_in_each_stratum() -> None:
    X = samplers.lhs(PARAMS, 16, seed=5)
    for j, p in enumerate(PARAMS):
        lo, hi = p.bounds
        strata = np.floor((X[:, j] - lo) / (hi - lo) * 16).astype(int)
        assert sorted(strata) == list(range(16))


def test_a_log_range_puts_one_point_in_each_stratum_of_its_logarithm() -> None:
    log = Parameter("expression.threshold.a", low=0.5, high=10.0, log=True)
    values = np.array([log.value(x) for x in samplers.lhs((log, RANGE), 20, seed=2)[:, 0]])
    assert ((values >= 0.5) & (values <= 10.0)).all()
    strata = np.floor(np.log(values / 0.5) / np.log(10.0 / 0.5) * 20).astype(int)
    assert sorted(strata) == list(range(20))  # evenly over orders of magnitude
    wide = Parameter(log.name, 1.0, 100.0, log=True, levels=3)
    assert np.allclose([wide.value(x) for x in wide.grid()], [1.0, 10.0, 100.0], rtol=1e-12)
    whole = Parameter("population.agents", low=10, high=1000, integer=True, log=True, levels=3)
    assert [whole.value(x) for x in whole.grid()] == [10, 100, 1000]


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_size_and_bounds(second_order: bool) -> None:
    X = samplers.sobol(PARAMS, 8, seed=1, second_order=second_order)
    d = len(PARAMS)
    assert X.shape == (8 * (2 * d + 2 if second_order else d + 2), d)
    assert _in_bounds(X, PARAMS)


def test_morris_trajectories_change_one_parameter_per_step() -> None:
    X = samplers.morris(PARAMS, 5, seed=1, num_levels=4)
    d = len(PARAMS)
    assert X.shape == (5 * (d + 1), d)
    assert _in_bounds(X, PARAMS)
    for t in range(5):
        traj = X[t * (d + 1):(t + 1) * (d + 1)]
        changed = (np.abs(np.diff(traj, axis=0)) > 1e-12).sum(axis=1)
        assert (changed == 1).all()


def test_parameter_values_integer_rounding_and_clipping() -> None:
    assert INTEGER.value(229.6) == 230 and isinstance(INTEGER.value(229.6), int)
    assert VALUES.value(0.0) == 0.01 and VALUES.value(3.0) == 1.0


EXAMPLE = """
name = "mandatory-date"
scenario = "seed"
sampler = "lhs"
samples = 16
replications = 2
seed = 1
[set]
"population.agents" = 2000
steps = 52
[parameters]
"adoption.imitation" = { low = 0.01, high = 0.2 }
"graph.rewire" = { values = [0.01, 0.1, 1.0] }
[outcomes]
critical_last = { metric = "critical_posts", reduce = "last" }
gap_mean = { metric = "falsification_gap", reduce = "mean_last", k = 13 }
"""


def test_the_issue_example_resolves_to_32_runs(tmp_path: Path) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text(EXAMPLE)
    spec = SweepSpec.load(path)
    points = spec.points()
    assert len(points) == 32
    assert {p.seed for p in points} == {1, 2}
    assert all(p.scenario.population.agents == 2000 and p.scenario.steps == 52 for p in points)
    assert all(0.01 <= p.scenario.adoption.imitation <= 0.2 for p in points)
    assert len({p.run_key for p in points}) == 32


@pytest.mark.parametrize(("change", "message"), [
    ({"sampler": "'foo'"}, "sampler: must be one of"),
    ({"samples": "'x'"}, "samples: must be an integer"),
    ({"bogus": "1"}, "bogus: unknown field"),
    ({"sampler": "'sobol'", "samples": "10"}, "samples: must be a power of 2 for sobol"),
    ({"scenario": "'nope'"}, "scenario: nope: not a preset"),
])
def test_bad_top_level_fields(tmp_path: Path, change: dict[str, str], message: str) -> None:
    lines = [ln for ln in EXAMPLE.splitlines() if ln.split(" = ")[0] not in change]
    head = "\n".join(f"{k} = {v}" for k, v in change.items())
    path = tmp_path / "bad.toml"
    path.write_text(head + "\n" + "\n".join(lines))
    with pytest.raises(ScenarioError, match=message):
        SweepSpec.load(path)


@pytest.mark.parametrize(("old", "new", "message"), [
    ('"graph.rewire" = { values = [0.01, 0.1, 1.0] }', '"graph.rewyre" = { values = [0.1] }',
     "parameters.graph.rewyre: unknown scenario field"),
    ('"graph.rewire" = { values = [0.01, 0.1, 1.0] }', '"graph.rewire" = { values = [0.1, 2.0] }',
     "parameters.graph.rewire: value 2.0 is invalid"),
    ("{ low = 0.01, high = 0.2 }", "{ low = 0.3, high = 0.2 }",
     "parameters.adoption.imitation.low: must be below high"),
    ("{ low = 0.01, high = 0.2 }", '{ low = 0.0, high = 0.2, scale = "log" }',
     "parameters.adoption.imitation.low: a log scale needs low > 0"),
    ("{ low = 0.01, high = 0.2 }", '{ low = 0.01, high = 0.2, scale = "ln" }',
     "parameters.adoption.imitation.scale:"),
    ('reduce = "last"', 'reduce = "median"', "outcomes.critical_last.reduce: must be one of"),
    ('metric = "critical_posts"', 'metric = "critical"', "outcomes.critical_last.metric: unknown"),
    ("k = 13", "kk = 13", "outcomes.gap_mean.kk: unknown field"),
    ('"population.agents" = 2000', '"population.agents" = 1', "set.population.agents"),
])
def test_bad_parameters_outcomes_and_set(tmp_path: Path, old: str, new: str,
                                         message: str) -> None:
    assert old in EXAMPLE
    path = tmp_path / "bad.toml"
    path.write_text(EXAMPLE.replace(old, new))
    with pytest.raises(ScenarioError, match=message):
        SweepSpec.load(path)


def test_cli_reports_a_bad_sweep_in_one_line_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(EXAMPLE.replace('sampler = "lhs"', 'sampler = "latin"'))
    assert main(["sweep", str(path), "--db", str(tmp_path / "x.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("scoresim: error: sampler:")
    assert not (tmp_path / "x.duckdb").exists()
    assert main(["sweep", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml: file not found" in capsys.readouterr().err


@pytest.mark.parametrize(("path", "runs"), [
    ("examples/mandatory-date.toml", 32), ("examples/sobol.toml", 512),
    ("calibration/press-account-control-scan.toml", 800),
])  # fmt: skip
def test_bundled_example_sweeps_are_valid(path: str, runs: int) -> None:
    spec = SweepSpec.load(Path(__file__).parents[2] / path)
    assert len(spec.points()) == runs


def test_the_mandatory_date_example_varies_the_mandatory_date() -> None:
    spec = SweepSpec.load(Path(__file__).parents[2] / "examples" / "mandatory-date.toml")
    dates = {p.scenario.adoption.mandatory_step for p in spec.points()}
    assert len(dates) >= 3 and all(isinstance(d, int) for d in dates)
    steps = spec.points()[0].scenario.steps
    assert all(p.scenario.mandatory_step == p.scenario.adoption.mandatory_step <= steps
               for p in spec.points())  # every date falls inside the run  # fmt: skip

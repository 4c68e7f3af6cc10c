"""Bit-for-bit reproducibility, independent random streams, thread-count independence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pandas.testing import assert_frame_equal

from scoresim import Run, Scenario, Simulation, simulate
from scoresim.cli import main

SCORESIM = Path(sys.executable).parent / "scoresim"
TINY = {"population.agents": 200, "steps": 5}
SEED = Scenario.preset("seed").with_overrides(TINY)
CONTROL = Scenario.preset("control").with_overrides(TINY)
PARQUETS = ("metrics.parquet", "agents.parquet", "edges.parquet")
#: Fixed traits and initial state drawn from the population stream (enrolment aside).
POPULATION = (
    "dissent0",
    "dissent",
    "fear",
    "import_taste",
    "post_rate",
    "buy_rate",
    "income",
    "employed",
)


def _assert_same_run(a: Run, b: Run) -> None:
    assert_frame_equal(a.metrics, b.metrics, check_exact=True)
    assert_frame_equal(a.agents, b.agents, check_exact=True)
    assert_frame_equal(a.edges, b.edges, check_exact=True)


def _assert_same_folder(a: Path, b: Path) -> None:
    for name in (*PARQUETS, "scenario.toml"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    sa.pop("wall_seconds")
    sb.pop("wall_seconds")
    assert sa == sb


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    run = simulate(SEED, seed=11)
    return run, run.save(tmp_path_factory.mktemp("det") / "first")


def test_same_scenario_and_seed_are_bit_identical(first: tuple[Run, Path], tmp_path: Path) -> None:
    run, folder = first
    again = simulate(SEED, seed=11)
    _assert_same_run(run, again)
    _assert_same_folder(folder, again.save(tmp_path / "again"))


def test_step_by_step_equals_a_whole_run(first: tuple[Run, Path]) -> None:
    sim = Simulation(SEED, seed=11)
    rows = [sim.step() for _ in range(SEED.steps)]
    assert sim.done and len(rows) == SEED.steps
    _assert_same_run(first[0], sim.result())


def test_rerunning_the_saved_scenario_reproduces_the_run(
    first: tuple[Run, Path], tmp_path: Path
) -> None:
    _, folder = first
    out = tmp_path / "rerun"
    assert main(["run", str(folder / "scenario.toml"), "--out", str(out)]) == 0
    _assert_same_folder(folder, out)


def test_different_seeds_differ(first: tuple[Run, Path]) -> None:
    other = simulate(SEED, seed=12)
    assert not np.array_equal(first[0].agents["dissent0"], other.agents["dissent0"])
    assert not first[0].edges.equals(other.edges)
    assert not first[0].metrics.equals(other.metrics)


def _society(scenario: Scenario, seed: int = 5) -> Simulation:
    return Simulation(scenario, seed=seed)


def _assert_arrays(a: Simulation, b: Simulation, names: tuple[str, ...]) -> None:
    sa, sb = a.society.arrays(), b.society.arrays()
    for name in names:
        np.testing.assert_array_equal(sa[name], sb[name], err_msg=name, strict=True)


def _assert_same_graph(a: Simulation, b: Simulation) -> None:
    np.testing.assert_array_equal(a.society.graph.src, b.society.graph.src, strict=True)
    np.testing.assert_array_equal(a.society.graph.dst, b.society.graph.dst, strict=True)


def test_seed_and_control_share_population_and_graph() -> None:
    s, c = _society(SEED), _society(CONTROL)
    _assert_arrays(s, c, POPULATION)
    _assert_same_graph(s, c)
    assert s.society.enrolled.any() or SEED.population.agents * 0.05 < 5
    assert not c.society.enrolled.any()
    # also as written to agents.parquet at step 0
    fa, fc = s.result().agents, c.result().agents
    for col in ("id", "dissent0", "dissent", "fear", "employed", "wealth", "degree"):
        assert_frame_equal(fa[[col]], fc[[col]], check_exact=True)


def test_policy_change_leaves_the_initial_society_alone() -> None:
    base = _society(SEED)
    for change in (
        {"policy.detect.critical": 0.3},
        {"policy.decay": 0.5},
        {"tiers.0.reach": 0.1},
        {"economy.hire": 0.9},
    ):
        other = _society(SEED.with_overrides(change))
        _assert_arrays(base, other, tuple(base.society.arrays()))
        _assert_same_graph(base, other)


def test_adoption_initial_changes_only_initial_enrolment() -> None:
    low = _society(SEED.with_overrides({"adoption.initial": 0.05}))
    high = _society(SEED.with_overrides({"adoption.initial": 0.5}))
    others = tuple(k for k in low.society.arrays() if k not in ("enrolled", "tier"))
    _assert_arrays(low, high, others)
    _assert_same_graph(low, high)
    e_low, e_high = low.society.enrolled, high.society.enrolled
    assert e_high.sum() > e_low.sum()
    assert not (e_low & ~e_high).any()  # one uniform per agent: a superset enrols


def test_graph_depends_only_on_seed_and_graph_fields() -> None:
    base = _society(SEED)
    other = _society(SEED.with_overrides({"population.fear.a": 5.0, "population.employed": 0.5}))
    _assert_same_graph(base, other)
    np.testing.assert_array_equal(base.society.dissent0, other.society.dissent0)
    assert not np.array_equal(base.society.fear, other.society.fear)
    rewired = _society(SEED.with_overrides({"graph.rewire": 0.5}))
    _assert_arrays(base, rewired, POPULATION)
    assert not np.array_equal(base.society.graph.dst, rewired.society.graph.dst)


#: Runs the CLI with the threaded kernels forced on, however small the input.
FORCE_PARALLEL = """
import sys
import scoresim.core.jit as jit
jit.PARALLEL_MIN_SIZE = 0
assert jit.use_threads(1)
from scoresim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_results_do_not_depend_on_the_number_of_numba_threads(tmp_path: Path) -> None:
    args = [
        "run",
        "--seed",
        "4",
        "--set",
        "population.agents=1000",
        "--set",
        "steps=4",
        "--set",
        "graph.kind=barabasi_albert",
    ]
    folders = []
    commands = {
        "1": [str(SCORESIM)],  # the real command, one thread
        "2": [sys.executable, "-c", FORCE_PARALLEL],  # two threads, parallel kernels forced
    }
    for threads, command in commands.items():
        out = tmp_path / f"threads{threads}"
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        proc = subprocess.run(
            [*command, *args, "--out", str(out)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        # in a pipe the command prints one line: where the results are
        assert len(proc.stdout.splitlines()) == 1 and str(out) in proc.stdout
        folders.append(out)
    _assert_same_folder(*folders)

"""``scoresim run``'s resources (issue 13): its files written from the arrays (run_files) are the
files ``Run.save`` writes, bit for bit once read back, whatever the row groups; the process
loads none of the modules it does not need; its results do not depend on how it was started."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

import scoresim.results.files as run_files
from scoresim import Run, Scenario, Simulation, simulate
from scoresim.results.files import RunFiles, metrics_columns

SCORESIM = Path(sys.executable).parent / "scoresim"
TABLES = ("metrics", "agents", "edges")


def assert_same_folders(a: Path, b: Path) -> None:
    """Two run folders hold the same tables (values, types, Arrow schema, scoresim metadata),
    the same scenario and the same summary (the wall time aside)."""
    ra, rb = Run.load(a), Run.load(b)
    assert ra.scenario == rb.scenario
    for name in TABLES:
        assert_frame_equal(getattr(ra, name), getattr(rb, name), check_exact=True)
        sa, sb = pq.read_schema(a / f"{name}.parquet"), pq.read_schema(b / f"{name}.parquet")
        assert sa.remove_metadata().equals(sb.remove_metadata()), name
        meta = {k: v for k, v in (sb.metadata or {}).items() if k != b"pandas"}
        assert sa.metadata == meta, name
    ja, jb = (json.loads((f / "summary.json").read_text()) for f in (a, b))
    ja.pop("wall_seconds"), jb.pop("wall_seconds")
    assert ja == jb
    assert (a / "scenario.toml").read_text() == (b / "scenario.toml").read_text()


@pytest.mark.parametrize(
    ("overrides", "chunk"),
    [({}, 64), ({"graph.kind": "barabasi_albert", "adoption.mandatory_step": 3}, 1000),
     ({"graph.kind": "sbm", "adoption.initial": 0.0, "adoption.innovation": 0.0}, 7),
     ({"blacklist.enabled": True, "blacklist.from_default": 1.0, "economy.default": 0.5,
       "economy.loan_apply": 0.5}, 100)],
)  # fmt: skip
def test_files_from_the_arrays_are_those_of_run_save(
    overrides: dict, chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_files, "CHUNK", chunk)  # many row groups, a short last one
    scenario = Scenario.preset("seed").with_overrides(
        {"population.agents": 500, "steps": 6, **overrides})  # fmt: skip
    sim = Simulation(scenario)
    sim.run()
    RunFiles.take(sim).save(tmp_path / "arrays")
    simulate(scenario).save(tmp_path / "frames")
    assert_same_folders(tmp_path / "arrays", tmp_path / "frames")
    rows = pq.ParquetFile(tmp_path / "arrays" / "agents.parquet").metadata.num_row_groups
    assert rows == -(-500 // chunk)


def test_the_agents_table_keeps_unused_tiers_and_nulls(tmp_path: Path) -> None:
    scenario = Scenario.preset("seed").with_overrides(
        {"population.agents": 300, "steps": 2, "adoption.initial": 0.1})  # fmt: skip
    sim = Simulation(scenario)
    sim.run()
    RunFiles.take(sim).save(tmp_path / "run")
    agents = Run.load(tmp_path / "run").agents
    assert list(agents["tier"].cat.categories) == [t.name for t in scenario.tiers]
    assert agents["tier"].isna().to_numpy().tolist() == (~sim.society.enrolled).tolist()
    assert agents["listed"].dtype == bool and not agents["listed"].any()


def test_metrics_columns_type_as_metrics_frame() -> None:
    sim = Simulation(Scenario.preset("seed").with_overrides({"population.agents": 200, "steps": 3}))
    sim.run()
    from scoresim.metrics import metric_columns

    cols = metrics_columns(sim.rows, metric_columns(sim.params))
    frame = sim.metrics
    assert list(cols) == list(frame.columns)
    for name, values in cols.items():
        assert values.dtype == frame[name].dtype, name
        np.testing.assert_array_equal(values, frame[name].to_numpy())


def test_the_run_process_loads_only_what_it_needs(tmp_path: Path) -> None:
    """A run in a pipe never imports pandas, rich or scipy.linalg (numba's BLAS probe)."""
    probe = (
        "import sys\n"
        "from scoresim.cli import main\n"
        f"code = main(['run', 'seed', '--set', 'population.agents=300', '--set', 'steps=3',"
        f" '--out', {str(tmp_path / 'run')!r}])\n"
        "print(code, *(m in sys.modules for m in ('pandas', 'rich', 'scipy.linalg')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 False False False"


def test_the_program_gives_the_bits_of_the_library(tmp_path: Path) -> None:
    """The ``scoresim`` program (numba without its BLAS probe, the process ended with os._exit)
    writes what :func:`simulate` and :meth:`Run.save` write in a process that loaded
    everything."""
    argv = ["--set", "population.agents=2000", "--set", "steps=8", "--seed", "4"]
    done = subprocess.run([SCORESIM, "run", "seed", *argv, "--out", str(tmp_path / "cli")],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"results: {tmp_path / 'cli'}\n"  # flushed before the process ended
    scenario = Scenario.preset("seed").with_overrides(
        {"population.agents": 2000, "steps": 8, "seed": 4})  # fmt: skip
    simulate(scenario).save(tmp_path / "lib")
    assert_same_folders(tmp_path / "cli", tmp_path / "lib")

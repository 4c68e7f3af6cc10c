"""Per-step agent data (``--record agents:every=K``) and the initial graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scoresim import Scenario, Simulation
from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.results.recording import AgentRecorder
from scoresim.results.tables import AGENT_STEPS_TABLE

SMALL = Scenario.preset("seed").with_overrides(
    {"population.agents": 300, "steps": 9, "adoption.mandatory_step": 5}
)


def test_recorded_steps_are_the_state_at_those_steps(tmp_path: Path) -> None:
    recorder = AgentRecorder(tmp_path, every=4)
    sim = Simulation(SMALL, seed=3, observers=[recorder])
    initial = sim.society.graph.edge_array().copy()
    states = {}
    for _ in sim.steps():
        if sim.t % 4 == 0:
            states[sim.t] = (sim.society.score.copy(), sim.society.expressed.copy(),
                             sim.society.graph.degree.copy())  # fmt: skip
    recorder.close()
    table = pq.ParquetFile(tmp_path / "agent_steps.parquet")
    assert table.metadata.num_row_groups == 2  # one per recorded step, streamed
    frame = table.read().to_pandas()
    assert sorted(frame["step"].unique()) == [4, 8]
    for step, (score, expressed, degree) in states.items():
        rows = frame[frame["step"] == step].sort_values("id")
        assert rows["id"].tolist() == list(range(SMALL.population.agents))
        np.testing.assert_array_equal(rows["score"].to_numpy(), score)
        np.testing.assert_array_equal(rows["expressed"].to_numpy(), expressed)
        np.testing.assert_array_equal(rows["degree"].to_numpy(), degree)
    edges0 = pd.read_parquet(tmp_path / "edges_initial.parquet")
    np.testing.assert_array_equal(edges0[["src", "dst"]].to_numpy().T, initial)


def test_the_recorder_creates_its_folder(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "not" / "yet"
    recorder = AgentRecorder(folder, every=3)
    assert not folder.exists()  # nothing is written before the run starts
    Simulation(SMALL, seed=3, observers=[recorder]).run()
    recorder.close()
    assert sorted(p.name for p in folder.iterdir()) == ["agent_steps.parquet",
                                                        "edges_initial.parquet"]  # fmt: skip
    (tmp_path / "file").write_text("")
    blocked = AgentRecorder(tmp_path / "file" / "inside", every=3)
    with pytest.raises(ScenarioError, match="inside: cannot create the folder"):
        Simulation(SMALL, seed=3, observers=[blocked])


def test_the_recorded_columns_are_those_the_agent_columns_define(tmp_path: Path) -> None:
    recorder = AgentRecorder(tmp_path, every=3)
    Simulation(SMALL, seed=3, observers=[recorder]).run()
    recorder.close()
    schema = pq.read_schema(tmp_path / "agent_steps.parquet")
    assert schema.names == ["step", *(c.name for c in AGENT_STEPS_TABLE)]
    for column in AGENT_STEPS_TABLE:
        assert schema.field(column.name).type == pa.from_numpy_dtype(np.dtype(column.dtype))
    assert (schema.field("tier").type, schema.field("degree").type) == (pa.int8(), pa.int32())


def test_recording_changes_no_result(tmp_path: Path) -> None:
    plain = Simulation(SMALL, seed=3).run()
    recorder = AgentRecorder(tmp_path, every=2)
    watched = Simulation(SMALL, seed=3, observers=[recorder]).run()
    recorder.close()
    pd.testing.assert_frame_equal(plain.metrics, watched.metrics, check_exact=True)
    pd.testing.assert_frame_equal(plain.agents, watched.agents, check_exact=True)


def test_cli_record_writes_both_files(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", "seed", "--set", "population.agents=200", "--set", "steps=6",
            "--record", "agents:every=3", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    assert pd.read_parquet(out / "agent_steps.parquet")["step"].unique().tolist() == [3, 6]
    assert (out / "edges_initial.parquet").is_file()


@pytest.mark.parametrize("bad", ["agents", "agents:every=0", "edges:every=2", "agents:each=2"])
def test_a_bad_record_option_is_one_line_exit_2(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(["run", "seed", "--record", bad, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--record" in err
    assert not out.exists()

"""An edge-list run reproduces from its folder, and the reader takes networks as they come.

A relative ``graph.path`` is read from the scenario file's folder; the run folder keeps a copy of
the file, its sha256 in the scenario and the mapping of relabelled ids, so ``cd DIR && scoresim
run scenario.toml`` gives the same bytes; ids are pairs separated by whitespace or commas, with a
header and comments, relabelled in first-seen order unless they are the agents' numbers;
``population.agents`` defaults to the number of nodes; scoresim reads its own CSV export back.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoresim import Scenario, simulate
from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.scenario.edge_file import read_edge_file, sha256_of
from scoresim.simulation import Simulation

TABLES = ("metrics.parquet", "agents.parquet", "edges.parquet", "scenario.toml")
#: a small network of named people, comma-separated, with a header and comments
FRIENDS = """source,target
# the class of 2026
ann,bob
bob,cy   # since school
cy,dan

dan,ann
ann,cy
eve,ann
"""


def _scenario_file(folder: Path, edges: str, extra: str = "") -> Path:
    path = folder / "net.toml"
    path.write_text(f'steps = 6\n{extra}[graph]\nkind = "edgelist"\npath = "{edges}"\n')
    return path


def _edge_keys(sim: Simulation) -> list[tuple[int, int]]:
    src, dst = sim.society.graph.edge_array()
    return sorted(zip(src.tolist(), dst.tolist(), strict=True))


@pytest.fixture
def people(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "friends.csv").write_text(FRIENDS)
    return _scenario_file(data, "friends.csv")


def test_a_relative_path_is_read_from_the_scenarios_folder(people, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no friends.csv here
    sc = Scenario.load(people)
    assert Path(sc.graph.path) == people.parent / "friends.csv"
    assert sc.population.agents == 5  # the nodes of the list, by default
    assert _edge_keys(Simulation(sc)) == [(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (2, 3)]


def test_the_folder_keeps_the_file_its_hash_and_the_ids(people, tmp_path, capsys):
    out = tmp_path / "results" / "net"
    assert main(["run", str(people), "--out", str(out)]) == 0
    copy = out / "edgelist.csv"
    assert copy.read_bytes() == (people.parent / "friends.csv").read_bytes()
    recorded = (out / "scenario.toml").read_text()
    assert 'path = "edgelist.csv"' in recorded
    assert f'sha256 = "{sha256_of(copy)}"' in recorded
    ids = pd.read_csv(out / "edgelist-ids.csv")
    assert ids.to_dict("list") == {"agent": [0, 1, 2, 3, 4],
                                   "id": ["ann", "bob", "cy", "dan", "eve"]}  # fmt: skip
    import pyarrow.parquet as pq

    meta = pq.read_schema(out / "agents.parquet").metadata[b"scoresim.scenario"].decode()
    assert meta == recorded  # the files carry the folder's scenario too


def test_a_rerun_from_the_folder_gives_the_same_bytes(people, tmp_path, monkeypatch, capsys):
    first = tmp_path / "results" / "net"
    assert main(["run", str(people), "--out", str(first)]) == 0
    moved = tmp_path / "moved"
    first.rename(moved)  # a folder moved, or sent to someone else, reruns as it is
    monkeypatch.chdir(moved)
    assert main(["run", "scenario.toml", "--out", str(tmp_path / "again")]) == 0
    for name in TABLES:
        assert (tmp_path / "again" / name).read_bytes() == (moved / name).read_bytes(), name
    assert (tmp_path / "again" / "edgelist-ids.csv").read_bytes() == (
        moved / "edgelist-ids.csv"
    ).read_bytes()


def test_a_changed_copy_is_refused_naming_the_hash(people, tmp_path, monkeypatch, capsys):
    out = tmp_path / "r"
    assert main(["run", str(people), "--out", str(out)]) == 0
    capsys.readouterr()
    with (out / "edgelist.csv").open("a") as f:
        f.write("eve,bob\n")
    monkeypatch.chdir(out)
    assert main(["run", "scenario.toml", "--out", str(tmp_path / "again")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("scoresim: error: graph.sha256: ")
    assert "edgelist.csv is not the file this scenario recorded" in err
    assert not (tmp_path / "again").exists()


def test_explicit_agents_above_the_nodes_are_reported(people, tmp_path, capsys):
    more = _scenario_file(people.parent, "friends.csv", "[population]\nagents = 12\n")
    assert main(["validate", str(more)]) == 0
    assert "7 isolated agents added (12 agents, 5 nodes in " in capsys.readouterr().out
    assert main(["run", str(more), "--out", str(tmp_path / "r")]) == 0
    assert "graph.path: 7 isolated agents added" in capsys.readouterr().out
    agents = pd.read_parquet(tmp_path / "r" / "agents.parquet")
    assert len(agents) == 12 and (agents["degree"].to_numpy()[5:] == 0).all()
    fewer = _scenario_file(people.parent, "friends.csv", "[population]\nagents = 4\n")
    assert main(["run", str(fewer), "--out", str(tmp_path / "f")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "population.agents: 4 is below the 5 ids of graph.path " in err


def test_set_takes_a_bare_path(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("ring.txt").write_text("".join(f"{i} {(i + 1) % 30}\n" for i in range(30)))
    args = ["run", "seed", "--set", "graph.kind=edgelist", "--set", "graph.path=ring.txt",
            "--set", "steps=3", "--out", "r"]  # fmt: skip
    assert main(args) == 0
    assert Scenario.load(Path("r") / "scenario.toml").population.agents == 30
    assert main(["run", "seed", "--set", "steps=ten"]) == 2  # a bare word for a number
    assert "steps: " in capsys.readouterr().err


def test_scoresim_reads_back_its_own_csv_export(tmp_path, capsys):
    sc = Scenario.preset("seed").with_overrides({"population.agents": 300, "steps": 8})
    run_dir = tmp_path / "run"
    simulate(sc).save(run_dir)
    assert main(["export", str(run_dir), "--format", "csv", "--out", str(tmp_path / "n.csv")]) == 0
    final = pd.read_parquet(run_dir / "edges.parquet")
    exported = {"graph.kind": "edgelist", "graph.path": str(tmp_path / "n.csv"),
                "population.agents": 300, "steps": 2}  # fmt: skip
    back = Scenario.preset("seed").with_overrides(exported)
    got = _edge_keys(Simulation(back))  # the header skipped, the agents' own numbers kept
    assert got == sorted(zip(final["src"].tolist(), final["dst"].tolist(), strict=True))


def test_ids_that_are_the_agents_numbers_keep_the_generated_runs_bits(tmp_path):
    """An edge list of a generated graph (ids 0..N-1, lines shuffled and pairs flipped) runs
    bit for bit as the generated graph: the ids are taken as they are, as before the reader
    learnt to relabel, so earlier edge-list runs keep their bits."""
    sc = Scenario.preset("seed").with_overrides({"population.agents": 400, "steps": 6})
    generated = Simulation(sc)
    src, dst = generated.society.graph.edge_array()
    rng = np.random.default_rng(4)
    order = rng.permutation(src.size)
    flip = rng.random(src.size) < 0.5
    u, v = np.where(flip, dst, src)[order], np.where(flip, src, dst)[order]
    path = tmp_path / "ws.txt"
    np.savetxt(path, np.column_stack([u, v]), fmt="%d", header="generated", comments="# ")
    from_file = simulate(sc.with_overrides({"graph.kind": "edgelist", "graph.path": str(path)}))
    reference = simulate(sc)
    assert from_file.metrics.equals(reference.metrics)
    assert from_file.agents.equals(reference.agents)
    assert from_file.edges.equals(reference.edges)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [("ann,bob\nbob\n", 2, "expected two ids, found 1"),
     ("0 1\n\n# c\n1 2 3\n", 4, "expected two ids, found 3")],
)  # fmt: skip
def test_a_bad_file_is_one_line_naming_file_and_line(tmp_path, capsys, text, line, reason):
    (tmp_path / "bad.txt").write_text(text)
    scenario = _scenario_file(tmp_path, "bad.txt", "[population]\nagents = 10\n")
    assert main(["run", str(scenario), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"graph.path: {tmp_path / 'bad.txt'} line {line}: {reason}" in err
    assert not (tmp_path / "o").exists()
    defaulted = _scenario_file(tmp_path, "bad.txt")  # the node count reads it at load
    with pytest.raises(ScenarioError, match=f"bad.txt line {line}: {reason}"):
        Scenario.load(defaulted)


@settings(max_examples=40, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.sampled_from("abcdefgh"), st.sampled_from("abcdefgh")),
                   min_size=1, max_size=20),
    comma=st.booleans(),
)  # fmt: skip
def test_relabelling_follows_the_first_seen_order(tmp_path_factory, pairs, comma):
    path = tmp_path_factory.mktemp("p") / "e.txt"
    sep = "," if comma else " \t"
    path.write_text("".join(f"{a}{sep}{b}\n" for a, b in pairs))
    edges = read_edge_file(path)
    seen = list(dict.fromkeys(x for pair in pairs for x in pair))
    u, v, labels = edges.pairs(len(seen))
    assert labels.tolist() == seen and edges.nodes == len(seen)
    assert [(seen[i], seen[j]) for i, j in zip(u, v, strict=True)] == pairs


def test_numbers_from_zero_with_none_missing_are_the_agents(tmp_path):
    os.makedirs(tmp_path / "lessons")
    (tmp_path / "lessons" / "g.txt").write_text("0 1\n1 2\n")
    (tmp_path / "lessons" / "s.toml").write_text('[graph]\nkind = "edgelist"\npath = "g.txt"\n')
    sc = Scenario.load(tmp_path / "lessons" / "s.toml")
    assert sc.population.agents == 3 and Path(sc.graph.path).is_absolute()
    (tmp_path / "lessons" / "g.txt").write_text("0 1\n1 5\n")  # 2, 3, 4 missing: relabelled
    assert Scenario.load(tmp_path / "lessons" / "s.toml").population.agents == 3


def test_a_compare_folder_keeps_the_edge_list_beside_its_scenarios(people, tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", str(people), "--against", "control", "--replications", "2",
            "--workers", "1", "--out", str(out)]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    copy = out / "edgelist.csv"  # the two-arm form keeps treatment.toml and control.toml on top
    assert copy.read_bytes() == (people.parent / "friends.csv").read_bytes()
    for name in ("treatment.toml", "control.toml"):
        again = Scenario.load(out / name)  # from the folder, wherever it is
        assert Path(again.graph.path) == copy and again.graph.sha256 == sha256_of(copy)
        assert again.population.agents == 5


def test_a_sweeps_and_a_calibrations_relative_paths_are_read_from_their_folder(
    people, tmp_path, monkeypatch
):
    """``[set]``'s ``graph.path`` and a swept list of them, as a scenario file's own
    ``graph.path``: read from the file's folder, wherever it runs."""
    from scoresim.calibration.spec import CalibrationSpec
    from scoresim.experiments.spec import SweepSpec

    data = people.parent
    (data / "ring.csv").write_text("".join(f"{i} {(i + 1) % 5}\n" for i in range(5)))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # neither file is here
    swept = '"graph.path" = { values = ["friends.csv", "ring.csv"] }'
    sweep = data / "sweep.toml"
    sweep.write_text('name = "s"\n[set]\nsteps = 3\n"graph.kind" = "edgelist"\n'
                     f'"graph.path" = "friends.csv"\n[parameters]\n{swept}\n'
                     '[outcomes]\ncrit = { metric = "critical_posts" }\n')  # fmt: skip
    spec = SweepSpec.load(sweep)
    assert Path(spec.base.graph.path) == data / "friends.csv"
    assert [Path(p.scenario.graph.path) for p in spec.points()] == [
        data / "friends.csv", data / "ring.csv"]  # fmt: skip
    calibration = data / "calibration.toml"
    calibration.write_text(
        'name = "c"\nscenario = "seed"\n[set]\nsteps = 3\n"graph.kind" = "edgelist"\n'
        '"graph.path" = "friends.csv"\n[parameters]\n'
        '"adoption.innovation" = { low = 0.001, high = 0.01 }\n'
        '[[targets]]\nname = "t"\nmetric = "adoption"\nstep = 2\nvalue = 0.1\nsd = 0.05\n'
    )
    assert Path(CalibrationSpec.load(calibration).base.graph.path) == data / "friends.csv"
    with pytest.raises(ScenarioError, match=r"graph\.path"):  # from Python: the current folder
        SweepSpec.from_dict({"name": "s", "set": {"graph.kind": "edgelist",
                                                  "graph.path": "friends.csv"},
                             "parameters": {"steps": {"values": [2, 3]}},
                             "outcomes": {"crit": {"metric": "critical_posts"}}})  # fmt: skip

"""Data out: ``scoresim export`` and ``Run.to_networkx`` give back the run's final network with
the agents' final state, readable by networkx (and so by Gephi); runs show an HTML summary."""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import pytest

from scoresim import Run, Scenario, simulate
from scoresim.cli import main
from scoresim.experiments.compare import compare
from scoresim.experiments.comparison import comparison_html
from scoresim.results.display import run_html
from scoresim.results.export import NODE_ATTRIBUTES, nodes_path

SMALL = {"population.agents": 400, "steps": 12, "adoption.mandatory_step": 6}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("export") / "run"
    run = simulate(Scenario.preset("seed").with_overrides(SMALL), seed=4)
    run.save(folder)
    return folder


def check_graph(g: nx.Graph, run: Run) -> None:
    """Nodes, edges and every attribute equal the run's tables."""
    agents = run.agents.set_index("id")
    assert sorted(g.nodes) == list(range(len(agents)))
    edges = {tuple(sorted(e)) for e in g.edges}
    assert edges == set(zip(run.edges["src"], run.edges["dst"], strict=True))
    assert g.number_of_edges() == len(run.edges)
    for node, data in g.nodes(data=True):
        row = agents.loc[node]
        assert data["degree"] == row["degree"] == g.degree[node]
        assert data["score"] == pytest.approx(row["score"], abs=0, rel=1e-15)
        assert data["dissent"] == pytest.approx(row["dissent"], abs=0, rel=1e-15)
        assert data["expressed"] == pytest.approx(row["expressed"], abs=0, rel=1e-15)
        assert bool(data["enrolled"]) == bool(row["enrolled"])
        if "listed" in agents:
            assert bool(data["listed"]) == bool(row["listed"])
        if pd.isna(row["tier"]):
            assert "tier" not in data
        else:
            assert data["tier"] == row["tier"]


def test_to_networkx_matches_the_tables(run_dir) -> None:
    run = Run.load(run_dir)
    g = run.to_networkx()
    check_graph(g, run)
    assert g.graph == {"scenario": "seed", "seed": 4, "steps": 12,
                       "version": g.graph["version"]}  # fmt: skip
    # the mandatory step (6) has passed: every agent is enrolled and has a tier
    assert all("tier" in d for _, d in g.nodes(data=True))


def test_never_enrolled_agents_have_no_tier() -> None:
    run = simulate(Scenario.preset("control").with_overrides({"population.agents": 50,
                                                              "steps": 2}))  # fmt: skip
    g = run.to_networkx()
    assert not any("tier" in d for _, d in g.nodes(data=True))
    assert not any(d["enrolled"] for _, d in g.nodes(data=True))


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_export_reads_back_with_networkx(run_dir, fmt: str, capsys) -> None:
    out = run_dir.parent / f"net.{fmt}"
    assert main(["export", str(run_dir), "--format", fmt, "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"network: {out}"
    read = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    g = read(out, node_type=int)
    check_graph(g, Run.load(run_dir))
    assert not list(out.parent.glob(f".net.{fmt}.*"))  # no temporary file left behind


def test_export_default_path_and_csv_tables(run_dir, capsys) -> None:
    assert main(["export", str(run_dir), "--format", "csv"]) == 0
    edges_file = run_dir / "network.csv"
    assert capsys.readouterr().out.strip() == f"network: {edges_file}, {nodes_path(edges_file)}"
    edges = pd.read_csv(edges_file)
    nodes = pd.read_csv(nodes_path(edges_file))
    assert list(edges.columns) == ["Source", "Target"]
    assert list(nodes.columns) == ["Id", *(c for c in NODE_ATTRIBUTES if c in nodes.columns)]
    g = nx.from_pandas_edgelist(edges, "Source", "Target")
    g.add_nodes_from(nodes["Id"])
    run = Run.load(run_dir)
    assert g.number_of_nodes() == len(run.agents) and g.number_of_edges() == len(run.edges)
    assert (nodes["degree"].to_numpy() == [g.degree[i] for i in nodes["Id"]]).all()

    assert main(["export", str(run_dir)]) == 0  # graphml by default
    assert (run_dir / "network.graphml").exists()


def test_export_bad_input_is_one_line(tmp_path, capsys) -> None:
    assert main(["export", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"scoresim: error: {tmp_path}: not a run folder (no edges.parquet)\n"
    with pytest.raises(SystemExit) as exit_:
        main(["export", str(tmp_path), "--format", "pajek"])
    assert exit_.value.code == 2
    assert "invalid choice: 'pajek'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_html_summaries(run_dir) -> None:
    run = Run.load(run_dir)
    text = run._repr_html_()
    assert text == run_html(run)
    last = run.metrics.iloc[-1]
    assert f"{last['falsification_gap']:.4g}" in text and "seed 4" in text
    assert "<script" not in text and "http" not in text

    cmp = compare("seed", overrides={"population.agents": 300, "steps": 6}, replications=2,
                  seed=1)
    table = comparison_html(cmp)
    chill = cmp.headline.set_index("effect").loc["chilling effect", "estimate"]
    assert ("n/a" if math.isnan(chill) else f"{chill:.4g}") in table
    for effect in cmp.headline["effect"]:
        assert effect in table


def test_comparisons_display_their_headline_in_a_notebook() -> None:
    small = {"population.agents": 200, "steps": 4}
    one = compare("seed", overrides=small, replications=2, seed=1)
    assert "chilling effect" in one._repr_html_()
    two = compare("seed", "zhima-2015", overrides=small, replications=2, seed=1)
    text = two._repr_html_()
    assert "zhima-2015" in text and "chilling effect" in text

"""Small societies for the model v3 tests (docs/model.md section 7), built by hand."""

from __future__ import annotations

import itertools

import numpy as np

from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.scenario import Scenario
from scoresim.society.agents import Society
from scoresim.society.graph import Graph


def society(n, edges=(), overrides=None, preset="seed", seed=0):
    """A society of ``n`` agents on the given edge list, and its params."""
    ov = {"population.agents": n, "graph.degree": 0, "seed": seed, **(overrides or {})}
    sc = Scenario.preset(preset).with_overrides(ov)
    e = np.asarray(list(edges), dtype=np.int64).reshape(-1, 2)
    soc = Society.initial(sc, np.random.default_rng(seed), Graph(n, e[:, 0], e[:, 1]))
    return soc, Params.from_scenario(sc)


def complete(n):
    """The edges of the complete graph on ``n`` nodes."""
    return list(itertools.combinations(range(n), 2))


def random_edges(n, m, rng):
    """``m`` random pairs of distinct nodes (duplicates merge in the graph)."""
    a = rng.integers(0, n, m)
    b = rng.integers(0, n, m)
    keep = a != b
    return list(zip(a[keep].tolist(), b[keep].tolist(), strict=True))


def record(n, t=1, sanctioned=None):
    """A step record with no activity and the given sanctions (adaptation reads only those)."""
    rec = StepRecord(t=t)
    rec.sanctioned = np.zeros(n, bool) if sanctioned is None else np.asarray(sanctioned, bool)
    return rec


def neighbours(soc):
    """Each agent's friends, as lists, from the CSR graph."""
    g = soc.graph
    return [g.indices[g.indptr[i] : g.indptr[i + 1]].tolist() for i in range(soc.n)]

"""Sweep databases whose outcomes and metrics are known functions of the values applied at each
design point, written through the sweep's own database writer without running a simulation:
the analyses read them back as they read a simulated sweep, and their answers can be checked
against closed forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from scoresim.experiments.database import SweepDatabase
from scoresim.experiments.spec import SweepSpec

NAMES = ("policy.detect.critical", "adaptation.awareness", "adaptation.risk_sensitivity")
#: The outcomes of the synthetic sweep and the metric each reads.
OUTCOMES = {"y": "critical_posts", "z": "falsification_gap"}

Outcome = Callable[[np.ndarray], np.ndarray]
Metric = Callable[[np.ndarray, int], np.ndarray]


def spec(sampler: str = "lhs", samples: int = 40, replications: int = 1,
         steps: int = 4) -> SweepSpec:  # fmt: skip
    return SweepSpec.from_dict({
        "name": "synthetic", "sampler": sampler, "samples": samples,
        "replications": replications, "seed": 1,
        "set": {"population.agents": 60, "steps": steps},
        "parameters": {NAMES[0]: {"low": 0.2, "high": 1.0}, NAMES[1]: {"low": 0.0, "high": 0.5},
                       NAMES[2]: {"low": 0.0, "high": 10.0}},
        "outcomes": {o: {"metric": m, "reduce": "last"} for o, m in OUTCOMES.items()},
    })  # fmt: skip


def make_sweep(folder: Path, sampler: str = "lhs", samples: int = 40, replications: int = 1,
               steps: int = 4, outcome: Outcome | None = None,
               metric: Metric | None = None) -> Path:  # fmt: skip
    """A finished sweep in ``folder/<sampler>.duckdb`` whose every run has the outcomes
    ``outcome(values)`` (``y``; ``z`` is the first value) and, if ``metric`` is given, at each
    step the metrics ``metric(values, step)`` (``critical_posts``; ``falsification_gap`` 0);
    ``values`` is one row per run in the database's (point, replication) order, one column
    per :data:`NAMES`."""
    sweep = spec(sampler, samples, replications, steps)
    points = sweep.points()
    X = np.array([[pt.values[n] for n in NAMES] for pt in points], dtype=np.float64)
    y = outcome(X) if outcome else X[:, 0]
    db = folder / f"{sampler}.duckdb"
    columns = ["step", *OUTCOMES.values()]
    database = SweepDatabase.open(db, sweep, points, columns)
    try:
        by_step = {s: metric(X, s) for s in range(1, steps + 1)} if metric else {}
        for i, pt in enumerate(points):
            metrics = pd.DataFrame({"step": list(by_step),
                                    "critical_posts": [by_step[s][i] for s in by_step],
                                    "falsification_gap": 0.0}) if metric else None  # fmt: skip
            database.write(pt, "done", None, dt.datetime(2026, 1, 1), 0.0,
                           {"y": float(y[i]), "z": float(X[i, 0])}, metrics)  # fmt: skip
    finally:
        database.close()
    return db


def values(sampler: str = "lhs", samples: int = 40, replications: int = 1) -> np.ndarray:
    """The values applied at each run of :func:`make_sweep`'s sweep (runs x parameters)."""
    points = spec(sampler, samples, replications).points()
    return np.array([[pt.values[n] for n in NAMES] for pt in points], dtype=np.float64)

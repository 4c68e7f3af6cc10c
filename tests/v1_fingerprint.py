"""Fingerprints of model v1 runs: SHA-256 of every v1 metric column, agent column and the edges.

``tests/fingerprints/v1.json`` was written by this module (``python tests/v1_fingerprint.py``)
at commit 0235304, before model v2 (docs/model.md section 6) was added, from the presets then named
``seed`` and ``control``; ``test_v1_bits.py`` checks that ``seed-v1`` and ``control-v1`` (the
press account and its control on the v1 society, docs/model.md section 7.6) still give exactly
those bits. The labels keep their original names (``seed-ws``, ...), so the stored file is
unchanged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from scoresim import Scenario, simulate

STORE = Path(__file__).parent / "fingerprints" / "v1.json"

#: the v1 metric columns of docs/model.md section 3 (the seed's tier names)
V1_METRICS = (
    "step", "adoption", "score_mean", "score_sd", "score_p10", "score_p50", "score_p90",
    "tier_poor", "tier_fair", "tier_good", "tier_excellent",
    "dissent_mean", "expressed_mean", "falsification_gap", "pluralistic_ignorance",
    "critical_posts", "loyal_posts", "imports", "sanctioned", "false_positive_only",
    "edges", "isolated", "score_assortativity", "employment", "employment_poor",
    "wealth_gini", "score_gini", "score_dissent_corr", "loans_denied", "travel_denied",
)  # fmt: skip
V1_AGENTS = ("id", "dissent0", "dissent", "expressed", "fear", "censor", "buy_conform",
             "score", "tier", "enrolled", "employed", "wealth", "degree")  # fmt: skip

#: (label, preset, overrides): both v1 presets on three graph kinds, mandatory date in the run
CASES = (
    ("seed-ws", "seed-v1", {"population.agents": 3000, "steps": 60,
                            "adoption.mandatory_step": 30}),
    ("seed-ba", "seed-v1", {"population.agents": 3000, "steps": 60, "adoption.mandatory_step": 30,
                            "graph.kind": "barabasi_albert"}),
    ("seed-sbm", "seed-v1", {"population.agents": 2000, "steps": 40, "graph.kind": "sbm",
                             "seed": 5}),
    ("seed-default-40", "seed-v1", {"population.agents": 2000, "steps": 40, "seed": 3}),
    ("seed-preset", "seed-v1", {}),  # the preset as it ships: 10,000 agents, 312 weeks
    ("control-ws", "control-v1", {"population.agents": 3000, "steps": 60}),
    ("control-ba", "control-v1", {"population.agents": 2000, "steps": 40,
                                  "graph.kind": "barabasi_albert", "seed": 2}),
)  # fmt: skip


def _digest(values: np.ndarray) -> str:
    arr = np.ascontiguousarray(values)
    return hashlib.sha256(arr.dtype.str.encode() + arr.tobytes()).hexdigest()


def fingerprint(preset: str, overrides: dict) -> dict[str, str]:
    """Column name -> digest, for the v1 columns of one run."""
    run = simulate(Scenario.preset(preset).with_overrides(overrides))
    out = {f"metrics.{c}": _digest(run.metrics[c].to_numpy()) for c in V1_METRICS}
    for c in V1_AGENTS:
        col = run.agents[c]
        values = col.cat.codes.to_numpy() if c == "tier" else col.to_numpy()
        out[f"agents.{c}"] = _digest(values)
    out["edges"] = _digest(run.edges[["src", "dst"]].to_numpy())
    return out


if __name__ == "__main__":
    table = {label: fingerprint(p, o) for label, p, o in CASES}
    STORE.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"wrote {STORE}")

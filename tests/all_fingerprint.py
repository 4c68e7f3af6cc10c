"""Fingerprints of every output of every preset: SHA-256 of each metric column, agent column and
the edge list, on small runs of every shipped preset, of ``seed`` with every model v3 mechanism
on, and of the lifted schedule.

``tests/fingerprints/all.json`` was written by this module (``python tests/all_fingerprint.py``)
at commit 486ed22, before the performance work of issue 22; ``test_all_bits.py`` checks that
every run still gives exactly those bits. Where a change of the model is meant to move them,
the store is rewritten, and the commit says why.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from scoresim import Scenario, simulate
from scoresim.scenario.files import preset_names

STORE = Path(__file__).parent / "fingerprints" / "all.json"

#: every model v3 mechanism switched on (docs/model.md section 7), on ``seed``
V3_ALL = {
    "expression.model": "threshold", "population.susceptibility": {"a": 2.0, "b": 2.0},
    "population.stubborn_share": 0.1, "adaptation.confidence": 0.4,
    "adaptation.stake_exponent": 1.0, "adaptation.backlash": 0.2,
    "adaptation.gaming_model": "threshold",
}  # fmt: skip
SMALL = {"population.agents": 1500, "steps": 40, "adoption.mandatory_step": 20}


def cases() -> list[tuple[str, str, dict]]:
    """(label, preset, overrides): every preset small with its mandatory date in the run, on
    Watts-Strogatz and (for the seed's societies) Barabasi-Albert; v3 all on; the lift."""
    out = [(name, name, dict(SMALL)) for name in preset_names()]
    out += [
        (f"{name}-ba", name, {**SMALL, "graph.kind": "barabasi_albert", "seed": 2})
        for name in ("seed", "seed-v3")
    ]
    out += [("v3-all", "seed", {**SMALL, **V3_ALL, "seed": 4})]
    lift_at = {"steps": 50, "adoption.mandatory_step": 10}
    out += [("lifted", "examples/lifted.toml", {"population.agents": 1500, **lift_at})]
    return out


def _digest(values: np.ndarray) -> str:
    arr = np.ascontiguousarray(values)
    return hashlib.sha256(arr.dtype.str.encode() + arr.tobytes()).hexdigest()


def _scenario(preset: str, overrides: dict) -> Scenario:
    if not preset.endswith(".toml"):
        return Scenario.preset(preset).with_overrides(overrides)
    scenario = Scenario.load(Path(__file__).resolve().parents[1] / preset)
    entry = scenario.schedule[0].model_dump()  # the lift, moved into the short run
    return scenario.with_overrides({**overrides, "schedule": [{**entry, "step": 30}]})


def fingerprint(preset: str, overrides: dict) -> dict[str, str]:
    """Column name -> digest, for every column of one run."""
    run = simulate(_scenario(preset, overrides))
    out = {f"metrics.{c}": _digest(run.metrics[c].to_numpy()) for c in run.metrics.columns}
    for c in run.agents.columns:
        col = run.agents[c]
        values = col.cat.codes.to_numpy() if hasattr(col, "cat") else col.to_numpy()
        out[f"agents.{c}"] = _digest(values)
    out["edges"] = _digest(run.edges[["src", "dst"]].to_numpy())
    return out


if __name__ == "__main__":
    table = {label: fingerprint(p, o) for label, p, o in cases()}
    STORE.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"wrote {STORE}: {len(table)} runs")

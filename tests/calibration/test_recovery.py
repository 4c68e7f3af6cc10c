"""Parameter recovery on scoresim itself: targets made from runs at known truths.

The Bass adoption process (``adoption.innovation`` p, ``adoption.imitation`` q) from nobody
enrolled: early adoption is mostly p, later adoption mostly q times the enrolled share of
friends, so two steps of the ``adoption`` metric identify both. Each truth's targets come from
one run at the truth under a seed the calibration never uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scoresim import Scenario
from scoresim.calibration.history import next_box
from scoresim.calibration.run import calibrate
from scoresim.calibration.spec import CalibrationSpec
from scoresim.experiments.backends import RunTask, compute_run

from .conftest import Quiet

AGENTS, STEPS, EARLY = 1000, 24, 8
PRIORS = {"adoption.innovation": (0.0005, 0.02), "adoption.imitation": (0.005, 0.5)}
TRUTHS = [(0.003, 0.1), (0.006, 0.03), (0.0015, 0.2)]


def _spec(truth: tuple[float, float], k: int, method: str, budget: dict[str, Any]
          ) -> CalibrationSpec:  # fmt: skip
    fixed = {"population.agents": AGENTS, "steps": STEPS, "adoption.initial": 0.0}
    p, q = truth
    at_truth = Scenario.preset("seed").with_overrides(
        {**fixed, "adoption.innovation": p, "adoption.imitation": q}
    )
    adoption = compute_run(RunTask(k, at_truth, 10**6 + k)).metrics["adoption"].to_numpy()
    return CalibrationSpec.from_dict({
        "name": f"recover-{method}-{k}", "method": method, "seed": 1, "set": fixed,
        "parameters": {n: {"low": lo, "high": hi, "scale": "log"}
                       for n, (lo, hi) in PRIORS.items()},
        "targets": [
            {"name": "early", "metric": "adoption", "step": EARLY,
             "value": float(adoption[EARLY - 1]), "sd": 0.005},
            {"name": "late", "metric": "adoption", "step": STEPS,
             "value": float(adoption[STEPS - 1]), "sd": 0.015}],
        "budget": budget})  # fmt: skip


def test_abc_recovers_three_truths(tmp_path: Path) -> None:
    budget = {"particles": 25, "generations": 4, "quantile": 0.3, "checks": 2}
    covered = 0
    for k, truth in enumerate(TRUTHS):
        spec = _spec(truth, k, "abc", budget)
        run = calibrate(spec, tmp_path / f"abc-{k}", progress=Quiet)
        summary = run.tables["summary"].set_index("parameter")
        inside = True
        for (name, (lo, hi)), value in zip(PRIORS.items(), truth, strict=True):
            row = summary.loc[name]
            inside &= bool(row["ci_low"] <= value <= row["ci_high"])
            # narrower than half the prior range, in the prior's own (log) scale
            assert np.log(row["ci_high"] / row["ci_low"]) < 0.5 * np.log(hi / lo), (k, name)
        covered += inside
    assert covered >= 2


def test_history_matching_shrinks_and_keeps_the_truth(tmp_path: Path) -> None:
    truth = TRUTHS[0]
    spec = _spec(truth, 0, "history", {"waves": 3, "points": 24, "checks": 2})
    run = calibrate(spec, tmp_path / "history", progress=Quiet)
    diag = run.tables["diagnostics"]
    assert len(diag) == 3 and run.stop == "all waves done"
    share = diag["box_share"].to_numpy()
    assert share[0] == 1.0 and np.all(np.diff(share) <= 0) and share[-1] < 0.5
    post = run.tables["posterior"]
    assert len(post) >= 2 and (post["weight"] == 1).all() and (post["generation"] == 2).all()
    # the region not ruled out (the last wave's kept points, widened as the next wave would
    # sample them) holds the truth
    last = diag.iloc[-1]
    box = [np.log([last[f"{end}:{name}"] for name in PRIORS]) for end in ("low", "high")]
    low, high = next_box(np.log(post[list(PRIORS)].to_numpy()), box[0], box[1], 24)
    assert np.all(low <= np.log(truth)) and np.all(np.log(truth) <= high)
    assert diag["kept_fraction"].between(0, 1).all()
    assert {"pass:early", "pass:late"} <= set(diag.columns)


def test_same_posterior_for_one_and_two_workers(tmp_path: Path) -> None:
    spec = _spec(TRUTHS[1], 1, "abc", {"particles": 10, "generations": 2, "checks": 3})
    one = calibrate(spec, tmp_path / "w1", progress=Quiet, workers=1)
    two = calibrate(spec, tmp_path / "w2", progress=Quiet, workers=2)
    for name in ("posterior", "summary", "targets", "diagnostics"):
        assert one.tables[name].equals(two.tables[name]), name
    assert (tmp_path / "w1" / "calibrated.toml").read_text().split("\n", 1)[1] == \
        (tmp_path / "w2" / "calibrated.toml").read_text().split("\n", 1)[1]  # fmt: skip
    # two workers may have started a few simulations past a generation's last particle
    assert two.new >= one.new
